"""Sub-processes of a case: start each, send it its messages, read its record.

`POST /complaints/{case_no}/insurance-claim` (and `/police-report`, `/mediation`,
`/quality-inspection`, `/supplier-claim`)
`/legal-documents`, `/lawsuit`, `/regulator-inquiry`)
starts one through the case; `/…/<message>` goes to the child workflow itself;
`/…/withdraw` ends it through the case, which must agree.
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter
from temporalio.client import WorkflowQueryFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.bodies import (  # issue 16
    AdvanceExceptionBody,
    AnswerLawyerLetterBody,
    CctvHandoverBody,
    CertificateBody,
    CompensationDemandBody,
    CompensationReceivedBody,
    ConclusionBody,
    DocumentsBody,
    ExecutionBody,
    ExtensionBody,
    ForensicAssessmentBody,
    HearingBody,
    InformSeniorBody,
    InsurerReportBody,
    JudgmentBody,
    LabResultBody,
    LabTripApprovalBody,
    LabTripRequestBody,
    LabTripStartBody,
    LateDocumentBody,
    LawyerLetterBody,
    MediationOutcomeBody,
    OfficialPapersBody,
    OpinionBody,
    PoliceCallBody,
    PoliceOutcomeBody,
    PullFromSaleBody,
    QualityRulingBody,
    RegulatorAnswerBody,
    ReplyBody,
    RepresentativeBody,
    ReturnGoodsBody,
    SessionBody,
    SignPapersBody,
    StartInsuranceClaimBody,
    StartLawsuitBody,
    StartLegalDocumentsBody,
    StartMediationBody,
    StartPoliceReportBody,
    StartQualityInspectionBody,
    StartRegulatorInquiryBody,
    StartSupplierClaimBody,
    SupplierNoticeBody,
    SupplierRefusalBody,
    WithdrawBody,
    WrittenReplyApprovalBody,
)
from api.commands import add_command_route, case_row
from api.deps import ActorDep, Resources, ResourcesDep
from api.errors import CaseArchived, ProcessNotFound, ProcessNotOpen
from api.openapi_errors import CASE_ERRORS
from api.routes.evidence import check_cctv_files, check_document_files
from domain.case_numbers import workflow_id_for
from domain.insurance import (
    GrantAdvanceException,
    RecordDocuments,
    RecordInsurerOpinion,
    ReportToInsurer,
)
from domain.late_documents import RecordLateDocument, document_of
from domain.legal import (
    AnswerLawyerLetter,
    InformSenior,
    ReceiveLawyerLetter,
    ReceiveOfficialPapers,
    RecordExecution,
    RecordJudgment,
    ScheduleHearing,
    SignPapers,
    StartLawsuit,
    StartLegalDocuments,
)
from domain.mediation import (
    AppointRepresentative,
    ApproveWrittenReply,
    RecordExtension,
    RecordMediationOutcome,
    RecordReply,
    ScheduleSession,
)
from domain.models import CommandResult, StatusQuery
from domain.police import (
    HandOverCctv,
    RecordCertificate,
    RecordForensicAssessment,
    RecordPoliceCall,
    RecordPoliceOutcome,
)
from domain.processes import (
    LABELS,
    ProcessKind,
    ProcessStatus,
    ProcessSummary,
    StartInsuranceClaim,
    StartMediation,
    StartPoliceReport,
    StartQualityInspection,
    StartSupplierClaim,
    WithdrawProcess,
    process_workflow_id,
)
from domain.quality import (
    ApproveLabTrip,
    RecordLabResult,
    RecordRuling,
    RequestLabTrip,
    StartLabTrip,
)
from domain.regulator import RecordConclusion, RecordRegulatorAnswer, StartRegulatorInquiry
from domain.supplier import (
    AskCompensation,
    PullFromSale,
    RecordCompensation,
    RecordRefusal,
    ReturnGoods,
    SendNotice,
)
from workflows.complaint import ComplaintWorkflow
from workflows.insurance import InsuranceClaimWorkflow
from workflows.lawsuit import LawsuitWorkflow
from workflows.legal_documents import LegalDocumentsWorkflow
from workflows.mediation import MediationWorkflow
from workflows.police import PoliceReportWorkflow
from workflows.quality import QualityInspectionWorkflow
from workflows.regulator import RegulatorInquiryWorkflow
from workflows.supplier import SupplierClaimWorkflow

router = APIRouter(prefix="/complaints", tags=["sub-processes"], responses=CASE_ERRORS)

SLUGS = {
    ProcessKind.INSURANCE: "insurance-claim",
    ProcessKind.POLICE: "police-report",
    ProcessKind.MEDIATION: "mediation",
    ProcessKind.QUALITY: "quality-inspection",
    ProcessKind.SUPPLIER: "supplier-claim",
    # Issue 16.
    ProcessKind.LEGAL_DOCUMENTS: "legal-documents",
    ProcessKind.LAWSUIT: "lawsuit",
    ProcessKind.REGULATOR: "regulator-inquiry",
}
_STARTS: dict[ProcessKind, tuple[Callable[..., Any], type, type]] = {
    ProcessKind.INSURANCE: (
        ComplaintWorkflow.start_insurance_claim,
        StartInsuranceClaimBody,
        StartInsuranceClaim,
    ),
    ProcessKind.POLICE: (
        ComplaintWorkflow.start_police_report,
        StartPoliceReportBody,
        StartPoliceReport,
    ),
    ProcessKind.MEDIATION: (ComplaintWorkflow.start_mediation, StartMediationBody, StartMediation),
    ProcessKind.QUALITY: (
        ComplaintWorkflow.start_quality_inspection,
        StartQualityInspectionBody,
        StartQualityInspection,
    ),
    ProcessKind.SUPPLIER: (
        ComplaintWorkflow.start_supplier_claim,
        StartSupplierClaimBody,
        StartSupplierClaim,
    ),
    # Issue 16.
    ProcessKind.LEGAL_DOCUMENTS: (
        ComplaintWorkflow.start_legal_documents,
        StartLegalDocumentsBody,
        StartLegalDocuments,
    ),
    ProcessKind.LAWSUIT: (ComplaintWorkflow.start_lawsuit, StartLawsuitBody, StartLawsuit),
    ProcessKind.REGULATOR: (
        ComplaintWorkflow.start_regulator_inquiry,
        StartRegulatorInquiryBody,
        StartRegulatorInquiry,
    ),
}
_MESSAGES: dict[ProcessKind, list[tuple[str, Callable[..., Any], type, type]]] = {
    ProcessKind.INSURANCE: [
        ("report", InsuranceClaimWorkflow.report_to_insurer, InsurerReportBody, ReportToInsurer),
        ("documents", InsuranceClaimWorkflow.record_documents, DocumentsBody, RecordDocuments),
        ("opinion", InsuranceClaimWorkflow.record_opinion, OpinionBody, RecordInsurerOpinion),
        (
            "advance-exception",
            InsuranceClaimWorkflow.grant_advance_exception,
            AdvanceExceptionBody,
            GrantAdvanceException,
        ),
    ],
    ProcessKind.POLICE: [
        ("call", PoliceReportWorkflow.record_police_call, PoliceCallBody, RecordPoliceCall),
        (
            "certificate",
            PoliceReportWorkflow.record_certificate,
            CertificateBody,
            RecordCertificate,
        ),
        (
            "forensic-assessment",
            PoliceReportWorkflow.record_forensic_assessment,
            ForensicAssessmentBody,
            RecordForensicAssessment,
        ),
        ("cctv", PoliceReportWorkflow.hand_over_cctv, CctvHandoverBody, HandOverCctv),
        ("outcome", PoliceReportWorkflow.record_outcome, PoliceOutcomeBody, RecordPoliceOutcome),
    ],
    ProcessKind.MEDIATION: [
        (
            "representative",
            MediationWorkflow.appoint_representative,
            RepresentativeBody,
            AppointRepresentative,
        ),
        ("sessions", MediationWorkflow.schedule_session, SessionBody, ScheduleSession),
        (
            "written-reply-approval",
            MediationWorkflow.approve_written_reply,
            WrittenReplyApprovalBody,
            ApproveWrittenReply,
        ),
        ("replies", MediationWorkflow.record_reply, ReplyBody, RecordReply),
        ("extension", MediationWorkflow.record_extension, ExtensionBody, RecordExtension),
        ("outcome", MediationWorkflow.record_outcome, MediationOutcomeBody, RecordMediationOutcome),
    ],
    ProcessKind.QUALITY: [
        (
            "lab-trip",
            QualityInspectionWorkflow.request_lab_trip,
            LabTripRequestBody,
            RequestLabTrip,
        ),
        (
            "lab-trip/approval",
            QualityInspectionWorkflow.approve_lab_trip,
            LabTripApprovalBody,
            ApproveLabTrip,
        ),
        (
            "lab-trip/start",
            QualityInspectionWorkflow.start_lab_trip,
            LabTripStartBody,
            StartLabTrip,
        ),
        (
            "lab-result",
            QualityInspectionWorkflow.record_lab_result,
            LabResultBody,
            RecordLabResult,
        ),
        ("ruling", QualityInspectionWorkflow.record_ruling, QualityRulingBody, RecordRuling),
    ],
    ProcessKind.SUPPLIER: [
        ("notice", SupplierClaimWorkflow.send_notice, SupplierNoticeBody, SendNotice),
        ("pulled", SupplierClaimWorkflow.pull_from_sale, PullFromSaleBody, PullFromSale),
        ("returned", SupplierClaimWorkflow.return_goods, ReturnGoodsBody, ReturnGoods),
        (
            "compensation-asked",
            SupplierClaimWorkflow.ask_compensation,
            CompensationDemandBody,
            AskCompensation,
        ),
        (
            "compensation-received",
            SupplierClaimWorkflow.record_compensation,
            CompensationReceivedBody,
            RecordCompensation,
        ),
        ("refusal", SupplierClaimWorkflow.record_refusal, SupplierRefusalBody, RecordRefusal),
    ],
    # Issue 16.
    ProcessKind.LEGAL_DOCUMENTS: [
        (
            "lawyer-letter",
            LegalDocumentsWorkflow.receive_lawyer_letter,
            LawyerLetterBody,
            ReceiveLawyerLetter,
        ),
        (
            "lawyer-letter-answer",
            LegalDocumentsWorkflow.answer_lawyer_letter,
            AnswerLawyerLetterBody,
            AnswerLawyerLetter,
        ),
        (
            "papers",
            LegalDocumentsWorkflow.receive_official_papers,
            OfficialPapersBody,
            ReceiveOfficialPapers,
        ),
        ("senior-informed", LegalDocumentsWorkflow.inform_senior, InformSeniorBody, InformSenior),
        ("signature", LegalDocumentsWorkflow.sign_papers, SignPapersBody, SignPapers),
    ],
    ProcessKind.LAWSUIT: [
        ("hearings", LawsuitWorkflow.schedule_hearing, HearingBody, ScheduleHearing),
        ("judgment", LawsuitWorkflow.record_judgment, JudgmentBody, RecordJudgment),
        ("execution", LawsuitWorkflow.record_execution, ExecutionBody, RecordExecution),
    ],
    ProcessKind.REGULATOR: [
        (
            "written-reply-approval",
            RegulatorInquiryWorkflow.approve_written_reply,
            WrittenReplyApprovalBody,
            ApproveWrittenReply,
        ),
        (
            "answers",
            RegulatorInquiryWorkflow.record_answer,
            RegulatorAnswerBody,
            RecordRegulatorAnswer,
        ),
        (
            "conclusion",
            RegulatorInquiryWorkflow.record_conclusion,
            ConclusionBody,
            RecordConclusion,
        ),
    ],
}
# Messages that name uploaded evidence (docs/evidence.md): the files must be the case's.
_FILE_CHECKS = {HandOverCctv: check_cctv_files, RecordDocuments: check_document_files}
_QUERIES = {
    ProcessKind.INSURANCE: InsuranceClaimWorkflow.get_status,
    ProcessKind.POLICE: PoliceReportWorkflow.get_status,
    ProcessKind.MEDIATION: MediationWorkflow.get_status,
    ProcessKind.QUALITY: QualityInspectionWorkflow.get_status,
    ProcessKind.SUPPLIER: SupplierClaimWorkflow.get_status,
    # Issue 16.
    ProcessKind.LEGAL_DOCUMENTS: LegalDocumentsWorkflow.get_status,
    ProcessKind.LAWSUIT: LawsuitWorkflow.get_status,
    ProcessKind.REGULATOR: RegulatorInquiryWorkflow.get_status,
}


async def _earlier_runs(
    resources: Resources, row: Any, kind: ProcessKind, latest: ProcessStatus
) -> list[ProcessStatus]:
    """The runs before the latest, newest first, as the case lists them; each read from
    its own (closed) run where Temporal still has it, else the case's summary of it."""
    case = resources.temporal.get_workflow_handle(row["workflow_id"])
    try:
        status = await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))
    except RPCError:
        return []  # an archived case: only the latest run is left to read
    return [
        await _run_status(resources, kind, summary)
        for summary in status.processes
        if summary.kind is kind and summary.started_at < latest.summary.started_at
    ]


async def _run_status(
    resources: Resources, kind: ProcessKind, summary: ProcessSummary
) -> ProcessStatus:
    if summary.run_id is not None:
        run = resources.temporal.get_workflow_handle(summary.workflow_id, run_id=summary.run_id)
        try:
            return await run.query(_QUERIES[kind])
        except (RPCError, WorkflowQueryFailedError):
            pass  # past the namespace's retention: the case's summary is what is left
    return ProcessStatus(summary=summary, record={})


def _add_status_route(kind: ProcessKind) -> None:
    async def get_process(case_no: str, actor: ActorDep, resources: ResourcesDep) -> ProcessStatus:
        row = await case_row(resources, case_no, actor)
        handle = resources.temporal.get_workflow_handle(process_workflow_id(case_no, kind))
        try:
            latest = await handle.query(_QUERIES[kind])
        except RPCError as err:
            if err.status is RPCStatusCode.NOT_FOUND:
                raise ProcessNotFound(case_no, LABELS[kind]) from err
            raise
        return latest.model_copy(
            update={"earlier_runs": await _earlier_runs(resources, row, kind, latest)}
        )

    get_process.__name__ = f"get_{kind.value}"
    router.add_api_route(
        f"/{{case_no}}/{SLUGS[kind]}",
        get_process,
        methods=["GET"],
        response_model=ProcessStatus,
        summary=(
            f"The {LABELS[kind]}: stage, what it waits for, its record and history;"
            " earlier runs of it, newest first"
        ),
    )


for _kind, _slug in SLUGS.items():
    _update, _body, _input = _STARTS[_kind]
    add_command_route(
        router,
        _slug,
        _update,
        _body,
        _input,
        response_model=CommandResult,
        workflow_id_of=workflow_id_for,
        gone=CaseArchived,
    )
    add_command_route(
        router,
        f"{_slug}/withdraw",
        ComplaintWorkflow.withdraw_process,
        WithdrawBody,
        WithdrawProcess,
        response_model=CommandResult,
        workflow_id_of=workflow_id_for,
        gone=CaseArchived,
        fixed={"kind": _kind},
        name=f"withdraw_{_kind.value}",
    )
    _add_status_route(_kind)
    _document = document_of(_kind)
    if _document is not None:
        # After the sub-process ended (its workflow closed), through the case.
        add_command_route(
            router,
            f"{_slug}/late-document",
            ComplaintWorkflow.record_late_document,
            LateDocumentBody,
            RecordLateDocument,
            response_model=CommandResult,
            workflow_id_of=workflow_id_for,
            gone=CaseArchived,
            fixed={"document": _document},
            name=f"record_late_{_document.value}",
        )
    for _path, _message, _message_body, _message_input in _MESSAGES[_kind]:
        add_command_route(
            router,
            f"{_slug}/{_path}",
            _message,
            _message_body,
            _message_input,
            response_model=ProcessStatus,
            workflow_id_of=partial(process_workflow_id, kind=_kind),
            gone=partial(ProcessNotOpen, label=LABELS[_kind]),
            name=f"{_kind.value}_{_message.__name__}",
            message_check=_FILE_CHECKS.get(_message_input),
        )

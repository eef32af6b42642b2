"""Scripted cases run with the recording activity replaced by a function of the same name.

Used by the replay tests, and by `python -m tests.workflows.record_histories` to record
the histories that later versions of the workflow must still replay.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from domain.authority import Actor, Level, Role
from domain.clocks import PauseReason
from domain.crisis import CrisisLevel
from domain.evidence import EvidenceKind, RecordEvidence
from domain.grades import Grade
from domain.incidents import Incident
from domain.insurance import (
    DamageHead,
    DocumentKind,
    OpinionDecision,
    RecordDocuments,
    RecordInsurerOpinion,
    ReportToInsurer,
)
from domain.legal import (
    JudgmentStatus,
    LiftHold,
    PlaceHold,
    RecordExecution,
    RecordJudgment,
    StartLawsuit,
)
from domain.models import (
    Acknowledge,
    AcknowledgeEscalation,
    CaseEvent,
    CaseEvents,
    Category,
    ChangeGrade,
    CommandResult,
    ComplaintStart,
    Customer,
    DecideApproval,
    DecideDelay,
    DeclareCrisis,
    DisputeDelay,
    Escalate,
    Liability,
    PauseClocks,
    ProcessEvent,
    ProposeRemedy,
    RecordAttendance,
    RecordCorrectiveAction,
    RecordCustomerResponse,
    RecordFindings,
    RecordFollowUp,
    RecordResolution,
    RemedyKind,
    Reopen,
    RequestDelay,
    ResumeClocks,
    SettleOnTheSpot,
    StatusQuery,
)
from domain.payments import PaymentReceipt, PaymentRequest
from domain.police import RecordCertificate, RecordPoliceCall, RecordPoliceOutcome
from domain.policy import DeadlineName, Policy
from domain.processes import (
    ProcessKind,
    StartQualityInspection,
    StartSupplierClaim,
    process_workflow_id,
)
from domain.quality import (
    ApproveLabTrip,
    DefectCause,
    LabVerdict,
    RecordLabResult,
    RecordRuling,
    RequestLabTrip,
    StartLabTrip,
)
from domain.supplier import AskCompensation, PullFromSale, RecordCompensation, SendNotice
from domain.surveys import CallResult, IssueSurveyLink, RecordRevisit, SurveyLinkIssued
from tests.support import intake
from workflows.complaint import ComplaintWorkflow
from workflows.insurance import InsuranceClaimWorkflow
from workflows.lawsuit import LawsuitWorkflow
from workflows.legal_documents import LegalDocumentsWorkflow
from workflows.mediation import MediationWorkflow
from workflows.police import PoliceReportWorkflow
from workflows.quality import QualityInspectionWorkflow
from workflows.regulator import RegulatorInquiryWorkflow
from workflows.supplier import SupplierClaimWorkflow

WORKFLOWS = [
    ComplaintWorkflow,
    InsuranceClaimWorkflow,
    PoliceReportWorkflow,
    MediationWorkflow,
    # Issue 16.
    QualityInspectionWorkflow,
    SupplierClaimWorkflow,
    LegalDocumentsWorkflow,
    LawsuitWorkflow,
    RegulatorInquiryWorkflow,
]

STAFF = Actor(user_id="staff.li", role=Role.STAFF, authority_limit=Decimal("0"))
HANDLER = Actor(user_id="handler.wang", role=Role.HANDLER, level=Level.HANDLER)
MANAGER = Actor(
    user_id="manager.zhang",
    role=Role.MANAGER,
    level=Level.DEPARTMENT_MANAGER,
    authority_limit=Decimal("5000"),
)
SENIOR = Actor(user_id="senior.chen", role=Role.SENIOR, level=Level.SENIOR_MANAGEMENT)


async def close_with_follow_up(
    handle: WorkflowHandle, *, by: Actor | None = None, satisfaction: int = 4
) -> CommandResult:
    """The follow-up visit that closes a case; an A or B case first gets the corrective
    action it closes with (issue 19, policy `lessons`), when its policy has one."""
    status = await handle.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))
    if status.grade in (Grade.A, Grade.B) and not status.corrective_actions:
        await handle.execute_update(
            ComplaintWorkflow.record_corrective_action,
            RecordCorrectiveAction(
                actor=MANAGER,
                what="Brief the team on the case",
                why="Its cause",
                who=MANAGER.user_id,
                where="the store",
                due_by=status.waiting.since + timedelta(days=7),
                how="At the weekly meeting",
            ),
        )
    return await handle.execute_update(
        ComplaintWorkflow.record_follow_up,
        RecordFollowUp(actor=by or STAFF, satisfaction=satisfaction),
    )


class RecordedEvents:
    """Stands in for CaseRecorder.record_case_event (and FinanceDesk.request_payment) and
    keeps what it was given."""

    def __init__(self) -> None:
        self.events: list[CaseEvent] = []
        self.process_events: list[ProcessEvent] = []
        self.payments: list[PaymentRequest] = []
        self.survey_links: list[IssueSurveyLink] = []
        self.holds: list[PlaceHold] = []
        self.lifted: list[LiftHold] = []

    @activity.defn(name="record_case_event")
    async def record_case_event(self, event: CaseEvent) -> None:
        self.events.append(event)

    @activity.defn(name="record_case_events")
    async def record_case_events(self, batch: CaseEvents) -> None:
        self.events.extend(batch.events)

    @activity.defn(name="record_process_event")
    async def record_process_event(self, event: ProcessEvent) -> None:
        self.process_events.append(event)

    @activity.defn(name="issue_survey_link")
    async def issue_survey_link(self, req: IssueSurveyLink) -> SurveyLinkIssued:
        self.survey_links.append(req)
        return SurveyLinkIssued(
            url=f"https://desk.example.com/survey/{req.link_id}.0.test", expires_at=req.expires_at
        )

    # Issue 16: the lawsuit's legal hold.
    @activity.defn(name="place_lawsuit_hold")
    async def place_lawsuit_hold(self, hold: PlaceHold) -> bool:
        self.holds.append(hold)
        return True

    @activity.defn(name="lift_lawsuit_hold")
    async def lift_lawsuit_hold(self, lift: LiftHold) -> None:
        self.lifted.append(lift)

    @activity.defn(name="request_payment")
    async def request_payment(self, request: PaymentRequest) -> PaymentReceipt:
        self.payments.append(request)
        return PaymentReceipt(
            idempotency_key=request.idempotency_key,
            received_at=request.requested_at,
            status="requested",
        )


async def start_case(
    client: Client, task_queue: str, policy: Policy, fields: dict
) -> WorkflowHandle:
    case_no = f"209901-{uuid.uuid4().int % 10**6:06d}"
    start = ComplaintStart(
        case_no=case_no,
        intake=intake(**fields),
        grade=Grade.C,
        grade_reasons=["general complaint"],
        registered_at=datetime.now(UTC),
        registered_by=STAFF,
        policy=policy,
    )
    return await client.start_workflow(
        ComplaintWorkflow.run, start, id=f"complaint-{case_no}", task_queue=task_queue
    )


async def negotiated_and_closed(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    await handle.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=HANDLER))
    await handle.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=HANDLER, valid=True, liability=Liability.COMPANY, summary="Ours"),
    )
    await negotiated_and_closed_after_findings(handle)
    # The customer consented to messages (INTAKES): told at each moment, surveyed, and
    # re-visited by phone after closing.
    await handle.execute_update(
        ComplaintWorkflow.record_revisit,
        RecordRevisit(actor=STAFF, call_result=CallResult.REACHED, satisfaction=4),
    )


async def negotiated_and_closed_after_findings(handle: WorkflowHandle) -> None:
    for amount, accepted in (("6000", False), ("1800", True)):
        await handle.execute_update(
            ComplaintWorkflow.propose_remedy,
            ProposeRemedy(
                actor=HANDLER, kind=RemedyKind.REFUND, amount=Decimal(amount), details="x"
            ),
        )
        # Above the manager's limit, the manager's refusal is a recommendation to senior
        # management, who decides (an approval there would change nothing: 409).
        above = Decimal(amount) > MANAGER.authority_limit
        await handle.execute_update(
            ComplaintWorkflow.decide_approval,
            DecideApproval(actor=MANAGER, approve=not above, comment="ok" if not above else "no"),
        )
        if above:
            await handle.execute_update(
                ComplaintWorkflow.decide_approval,
                DecideApproval(actor=SENIOR, approve=True, comment="ok"),
            )
        await handle.execute_update(
            ComplaintWorkflow.record_customer_response,
            RecordCustomerResponse(
                actor=HANDLER,
                accepted=accepted,
                agreement_ref="AG-1" if accepted else None,
                reason=None if accepted else "too little",
            ),
        )
    await handle.execute_update(
        ComplaintWorkflow.record_resolution, RecordResolution(actor=HANDLER, summary="paid")
    )
    await close_with_follow_up(handle)


async def missed_then_invalid_then_reopened(
    env: WorkflowEnvironment, handle: WorkflowHandle
) -> None:
    await env.sleep(timedelta(hours=49))
    await handle.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=STAFF))
    await handle.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(
            actor=HANDLER,
            valid=False,
            liability=Liability.CUSTOMER,
            summary="misuse",
            reason="not bought here",
        ),
    )
    await handle.execute_update(ComplaintWorkflow.reopen, Reopen(actor=STAFF, reason="receipt"))
    await env.sleep(timedelta(days=16))


async def _processes_ended(handle: WorkflowHandle) -> None:
    for _ in range(100):
        status = await handle.query(ComplaintWorkflow.get_status, StatusQuery())
        if status.processes and not any(p.open for p in status.processes):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the sub-processes never ended")


async def injury_with_insurance_and_police(
    env: WorkflowEnvironment, handle: WorkflowHandle
) -> None:
    case_no = handle.id.removeprefix("complaint-")
    insurance = env.client.get_workflow_handle(process_workflow_id(case_no, ProcessKind.INSURANCE))
    police = env.client.get_workflow_handle(process_workflow_id(case_no, ProcessKind.POLICE))
    await handle.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=HANDLER))
    await handle.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=HANDLER, valid=True, liability=Liability.COMPANY, summary="Wet floor"),
    )
    await insurance.execute_update(
        InsuranceClaimWorkflow.report_to_insurer,
        ReportToInsurer(actor=HANDLER, insurer="Ping An", claim_ref="PA-1"),
    )
    await insurance.execute_update(
        InsuranceClaimWorkflow.record_documents,
        RecordDocuments(actor=STAFF, documents=[DocumentKind.RECEIPTS, DocumentKind.DIAGNOSIS]),
    )
    await insurance.execute_update(
        InsuranceClaimWorkflow.record_opinion,
        RecordInsurerOpinion(
            actor=HANDLER,
            decision=OpinionDecision.PAYS,
            written_ref="PA-1-OP",
            amounts={DamageHead.MEDICAL: Decimal("1200")},
        ),
    )
    await police.execute_update(
        PoliceReportWorkflow.record_police_call,
        RecordPoliceCall(
            actor=STAFF, reported_by="staff.li", reported_at=datetime.now(UTC), station="Lujiazui"
        ),
    )
    await police.execute_update(
        PoliceReportWorkflow.record_certificate,
        RecordCertificate(actor=STAFF, certificate_no="LJZ-1"),
    )
    await police.execute_update(
        PoliceReportWorkflow.record_outcome, RecordPoliceOutcome(actor=STAFF, outcome="Accident")
    )
    await _processes_ended(handle)
    await handle.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(
            actor=HANDLER,
            kind=RemedyKind.COMPENSATION,
            amount=Decimal("2000"),
            details="Medical costs and lost earnings",
            heads={DamageHead.MEDICAL: Decimal("1500"), DamageHead.LOST_EARNINGS: Decimal("500")},
        ),
    )
    await handle.execute_update(
        ComplaintWorkflow.decide_approval, DecideApproval(actor=MANAGER, approve=True, comment="ok")
    )
    await handle.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(actor=HANDLER, accepted=True, agreement_ref="AG-INJ"),
    )
    await handle.execute_update(
        ComplaintWorkflow.record_resolution, RecordResolution(actor=HANDLER, summary="paid")
    )
    await close_with_follow_up(handle)


async def paused_delayed_and_escalated(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    """Issue 4's commands: clocks paused and resumed around a grade change, a delay
    refused, disputed and accepted, an escalation that climbs once and is acknowledged,
    a crisis, on-site attendance; then the case closes."""
    await handle.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=HANDLER))
    await handle.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=HANDLER, valid=True, liability=Liability.COMPANY, summary="Ours"),
    )
    await handle.execute_update(
        ComplaintWorkflow.pause_clocks,
        PauseClocks(actor=HANDLER, reason=PauseReason.APPRAISAL, note="at the lab"),
    )
    await env.sleep(timedelta(days=1))
    await handle.execute_update(
        ComplaintWorkflow.change_grade, ChangeGrade(actor=HANDLER, grade=Grade.B, reason="unsafe")
    )
    await handle.execute_update(ComplaintWorkflow.resume_clocks, ResumeClocks(actor=HANDLER))
    await handle.execute_update(
        ComplaintWorkflow.request_delay,
        RequestDelay(
            actor=HANDLER,
            deadline=DeadlineName.PROPOSAL,
            new_due_on=(datetime.now(UTC) + timedelta(days=30)).date(),
            reason="factory",
        ),
    )
    for actor, accept in ((MANAGER, False), (SENIOR, True)):
        await handle.execute_update(
            ComplaintWorkflow.decide_delay, DecideDelay(actor=actor, accept=accept, comment="x")
        )
        if not accept:
            await handle.execute_update(
                ComplaintWorkflow.dispute_delay, DisputeDelay(actor=HANDLER, reason="no choice")
            )
    await handle.execute_update(ComplaintWorkflow.escalate, Escalate(actor=HANDLER, reason="x"))
    await env.sleep(timedelta(hours=5))
    await handle.execute_update(
        ComplaintWorkflow.acknowledge_escalation, AcknowledgeEscalation(actor=SENIOR)
    )
    await handle.execute_update(
        ComplaintWorkflow.declare_crisis,
        DeclareCrisis(actor=STAFF, level=CrisisLevel.C, reason="posted online"),
    )
    await handle.execute_update(
        ComplaintWorkflow.record_attendance, RecordAttendance(actor=MANAGER, note="met them")
    )
    await negotiated_and_closed_after_findings(handle)


DUTY = Actor(
    user_id="duty.sun",
    role=Role.MANAGER,
    level=Level.DUTY_MANAGER,
    authority_limit=Decimal("500"),
)


async def settled_on_the_spot_with_evidence(
    env: WorkflowEnvironment, handle: WorkflowHandle
) -> None:
    """Issue 15 and 19: a photo added to the case, then a goodwill payment above the
    four-eyes floor given on the spot by the duty manager and approved by a second person;
    the follow-up visit closes it."""
    await handle.signal(
        ComplaintWorkflow.record_evidence,
        RecordEvidence(
            event_id=str(uuid.uuid4()),
            evidence_id=str(uuid.uuid4()),
            kind=EvidenceKind.PHOTO,
            sha256="0" * 64,
            size=123_456,
            media_type="image/jpeg",
            actor=STAFF,
        ),
    )
    await handle.execute_update(
        ComplaintWorkflow.settle_on_the_spot,
        SettleOnTheSpot(
            actor=DUTY,
            kind=RemedyKind.GOODWILL_PAYMENT,
            amount=Decimal("150"),
            given="A voucher for the scratched side table",
            consent="oral",
        ),
    )
    await handle.execute_update(
        ComplaintWorkflow.decide_approval,
        DecideApproval(actor=MANAGER, approve=True, comment="Second pair of eyes"),
    )
    await close_with_follow_up(handle)


async def _process_ended(handle: WorkflowHandle, kind: ProcessKind) -> None:
    for _ in range(100):
        status = await handle.query(ComplaintWorkflow.get_status, StatusQuery())
        if any(p.kind is kind and not p.open for p in status.processes):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the {kind.value} never ended")


async def quality_lab_and_supplier_claim(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    """Issue 16: quality control rules after a senior-approved test lab trip (the case's
    clocks stopped while the lab worked); purchasing recovers part of the refund from the
    supplier; the case closes after the claim ends."""
    case_no = handle.id.removeprefix("complaint-")
    quality = env.client.get_workflow_handle(process_workflow_id(case_no, ProcessKind.QUALITY))
    supplier = env.client.get_workflow_handle(process_workflow_id(case_no, ProcessKind.SUPPLIER))
    await handle.execute_update(
        ComplaintWorkflow.start_quality_inspection,
        StartQualityInspection(actor=STAFF, question="Is the armrest defective?"),
    )
    await quality.execute_update(
        QualityInspectionWorkflow.request_lab_trip,
        RequestLabTrip(actor=HANDLER, lab="SGS Shanghai", reason="the customer disputes it"),
    )
    await quality.execute_update(
        QualityInspectionWorkflow.approve_lab_trip, ApproveLabTrip(actor=SENIOR, comment="ok")
    )
    await quality.execute_update(
        QualityInspectionWorkflow.start_lab_trip, StartLabTrip(actor=HANDLER)
    )
    await env.sleep(timedelta(days=1))
    await quality.execute_update(
        QualityInspectionWorkflow.record_lab_result,
        RecordLabResult(actor=HANDLER, report_ref="SGS-1", verdict=LabVerdict.FAILED),
    )
    await quality.execute_update(
        QualityInspectionWorkflow.record_ruling,
        RecordRuling(
            actor=HANDLER,
            defect=True,
            cause=DefectCause.PRODUCT,
            liable_department="purchasing",
            summary="The frame's glue failed",
        ),
    )
    await _process_ended(handle, ProcessKind.QUALITY)
    await handle.execute_update(
        ComplaintWorkflow.start_supplier_claim,
        StartSupplierClaim(actor=HANDLER, supplier="Foshan Furniture", reason="frame defect"),
    )
    await supplier.execute_update(
        SupplierClaimWorkflow.send_notice,
        SendNotice(actor=HANDLER, reference="CG-1", sent_on=date(2026, 12, 3)),
    )
    await supplier.execute_update(
        SupplierClaimWorkflow.pull_from_sale,
        PullFromSale(actor=STAFF, store="Shanghai Pudong", sku="SF-200", batch="B1"),
    )
    await supplier.execute_update(
        SupplierClaimWorkflow.ask_compensation,
        AskCompensation(actor=HANDLER, amount=Decimal("1800"), reference="SP-1"),
    )
    await supplier.execute_update(
        SupplierClaimWorkflow.record_compensation,
        RecordCompensation(actor=HANDLER, amount=Decimal("1000"), reference="PAY-1", final=True),
    )
    await _process_ended(handle, ProcessKind.SUPPLIER)
    await handle.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=HANDLER))
    await handle.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(
            actor=HANDLER, valid=True, liability=Liability.SUPPLIER, summary="Frame defect"
        ),
    )
    await negotiated_and_closed_after_findings(handle)


async def lawsuit_judgment_pays(env: WorkflowEnvironment, handle: WorkflowHandle) -> None:
    """Issue 16: a stolen-bag case sued over; the lawsuit's effective judgment is what the
    proposal names (patch legal-judgment-gate), so the amount ladder decides; the judgment
    carried out ends the lawsuit, and the case closes."""
    case_no = handle.id.removeprefix("complaint-")
    await handle.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=HANDLER))
    await handle.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=HANDLER, valid=True, liability=Liability.COMPANY, summary="Ours"),
    )
    await handle.execute_update(
        ComplaintWorkflow.start_lawsuit,
        StartLawsuit(
            actor=HANDLER,
            court="Pudong People's Court",
            court_case_no="(2026)沪0115民初1号",
            filed_on=datetime.now(UTC).date(),
            claim="The bag's value",
        ),
    )
    lawsuit = env.client.get_workflow_handle(process_workflow_id(case_no, ProcessKind.LAWSUIT))
    await lawsuit.execute_update(
        LawsuitWorkflow.record_judgment,
        RecordJudgment(
            actor=HANDLER,
            judgment_ref="(2026)沪0115民初1号",
            judged_on=datetime.now(UTC).date(),
            status=JudgmentStatus.EFFECTIVE,
            orders_amount=Decimal("450"),
        ),
    )
    for _ in range(100):
        status = await handle.query(ComplaintWorkflow.get_status, StatusQuery())
        if any(p.effective_judgment_ref for p in status.processes):
            break
        await asyncio.sleep(0.1)
    await handle.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(
            actor=HANDLER,
            kind=RemedyKind.COMPENSATION,
            amount=Decimal("450"),
            details="As the court ordered",
            court_judgment_ref="(2026)沪0115民初1号",
        ),
    )
    await handle.execute_update(
        ComplaintWorkflow.decide_approval, DecideApproval(actor=MANAGER, approve=True, comment="ok")
    )
    await handle.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(actor=HANDLER, accepted=True, agreement_ref="AG-COURT"),
    )
    await lawsuit.execute_update(
        LawsuitWorkflow.record_execution,
        RecordExecution(actor=HANDLER, payment_ref="PAY-COURT", amount=Decimal("450")),
    )
    await _processes_ended(handle)
    await handle.execute_update(
        ComplaintWorkflow.record_resolution, RecordResolution(actor=HANDLER, summary="paid")
    )
    await close_with_follow_up(handle)


SCENARIOS: dict[str, Callable[[WorkflowEnvironment, WorkflowHandle], Awaitable[None]]] = {
    "negotiated_and_closed": negotiated_and_closed,
    "missed_then_invalid_then_reopened": missed_then_invalid_then_reopened,
    "injury_with_insurance_and_police": injury_with_insurance_and_police,
    "paused_delayed_and_escalated": paused_delayed_and_escalated,
    "settled_on_the_spot_with_evidence": settled_on_the_spot_with_evidence,
    "quality_lab_and_supplier_claim": quality_lab_and_supplier_claim,
    "lawsuit_judgment_pays": lawsuit_judgment_pays,
}
# What each scenario's intake says; the rest is tests.support.intake's sample.
INTAKES: dict[str, dict] = {
    "negotiated_and_closed": {
        "customer": Customer(
            name="Liu Yang",
            contact="138-0000-0000",
            email="liu.yang@example.com",
            contact_consent=True,
            contact_channel="email",
        )
    },
    # Under the insured losses' CNY 500: no insurance claim opens at intake.
    "lawsuit_judgment_pays": {
        "category": Category.LOST_BELONGINGS,
        "claimed_amount": Decimal("450"),
    },
    "injury_with_insurance_and_police": {
        "category": Category.PERSONAL_INJURY,
        "incident": Incident.SERIOUS_INJURY,
        "description": "Slipped near the escalator",
    },
}


@asynccontextmanager
async def run_scenario(
    env: WorkflowEnvironment, policy: Policy, name: str
) -> AsyncIterator[tuple[WorkflowHandle, RecordedEvents]]:
    """Plays the scenario; the worker keeps running inside the block for queries and updates."""
    recorded = RecordedEvents()
    task_queue = f"scenario-{uuid.uuid4().hex[:8]}"
    async with Worker(
        env.client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        # The SDK's full sandbox, unlike the worker's (worker.PASSED_THROUGH): it re-imports
        # and checks workflows/ and domain/ on every run, so a scenario catches what the
        # production worker would not.
        workflow_runner=SandboxedWorkflowRunner(),
        activities=[
            recorded.record_case_event,
            recorded.record_case_events,
            recorded.record_process_event,
            recorded.request_payment,
            recorded.issue_survey_link,
            recorded.place_lawsuit_hold,
            recorded.lift_lawsuit_hold,
        ],
    ):
        handle = await start_case(env.client, task_queue, policy, INTAKES.get(name, {}))
        await SCENARIOS[name](env, handle)
        yield handle, recorded

"""Insurance, police and mediation as child workflows of a case, with their real
activities, on the time-skipping server and Postgres."""

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.authority import Actor
from domain.incidents import Incident
from domain.insurance import (
    DamageHead,
    DocumentKind,
    OpinionDecision,
    RecordDocuments,
    RecordInsurerOpinion,
    ReportToInsurer,
)
from domain.late_documents import LateDocumentKind, RecordLateDocument
from domain.lifecycle import Stage
from domain.mediation import (
    ApproveWrittenReply,
    Failure,
    MediationResult,
    MediationStart,
    RecordMediationOutcome,
    RecordReply,
    ReplyForm,
    non_admission_clause,
)
from domain.models import (
    Acknowledge,
    AddNote,
    CaseStatus,
    Category,
    DecideApproval,
    Liability,
    ProposeRemedy,
    RecordCustomerResponse,
    RecordFindings,
    RecordFollowUp,
    RecordResolution,
    RemedyKind,
    StatusQuery,
)
from domain.police import RecordCertificate, RecordPoliceCall, RecordPoliceOutcome
from domain.policy import Policy
from domain.processes import (
    ProcessKind,
    StartMediation,
    WithdrawProcess,
    process_workflow_id,
)
from tests.support import Desk, audit_actions, case_no_of, intake, outbox_for
from tests.workflows.scenarios import close_with_follow_up
from workflows.complaint import ComplaintWorkflow
from workflows.insurance import InsuranceClaimWorkflow
from workflows.mediation import MediationWorkflow
from workflows.police import PoliceReportWorkflow

ORIGINALS = [
    DocumentKind.MEDICAL_RECORDS,
    DocumentKind.DIAGNOSIS,
    DocumentKind.TESTS,
    DocumentKind.RECEIPTS,
]


def injury(**overrides: object):
    fields: dict[str, object] = {
        "category": Category.PERSONAL_INJURY,
        "description": "Slipped on a wet floor near the escalator and broke a wrist.",
        "requested_remedy": "medical costs",
        "claimed_amount": Decimal("6000"),
        "incident": Incident.SERIOUS_INJURY,
    }
    fields.update(overrides)
    return intake(**fields)


async def status_of(case: WorkflowHandle) -> CaseStatus:
    return await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))


async def until(case: WorkflowHandle, check: Callable[[CaseStatus], bool]) -> CaseStatus:
    """Children tell their case by signal; wait for the case to have heard."""
    for _ in range(100):
        status = await status_of(case)
        if check(status):
            return status
        await asyncio.sleep(0.1)
    raise AssertionError(f"the case never got there: {status.processes}")


async def audit_entry(pool: asyncpg.Pool, case_no: str, action: str) -> asyncpg.Record:
    for _ in range(100):
        row = await pool.fetchrow(
            "SELECT * FROM audit_events WHERE case_no = $1 AND action = $2", case_no, action
        )
        if row is not None:
            return row
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {action} on record for {case_no}")


def process(status: CaseStatus, kind: ProcessKind):
    return next((p for p in status.processes if p.kind is kind), None)


def child(desk: Desk, case: WorkflowHandle, kind: ProcessKind) -> WorkflowHandle:
    return desk.client.get_workflow_handle(process_workflow_id(case_no_of(case), kind))


async def refused(call, expected_type: str) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await call
    assert failure.value.cause.type == expected_type
    return failure.value.cause.message


async def investigate(case: WorkflowHandle, handler: Actor) -> None:
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(
            actor=handler, valid=True, liability=Liability.COMPANY, summary="Floor not signposted"
        ),
    )


async def test_injured_customer_insurance_and_police_gate_the_case_until_both_end(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff, injury())
    case_no = case_no_of(case)
    status = await until(
        case,
        lambda s: (
            {p.kind: p.stage for p in s.processes}
            == {ProcessKind.INSURANCE: "to_report", ProcessKind.POLICE: "to_report"}
        ),
    )
    assert process(status, ProcessKind.INSURANCE).waiting_on == "insurer-report"
    insurance = child(desk, case, ProcessKind.INSURANCE)
    police = child(desk, case, ProcessKind.POLICE)
    await investigate(case, handler)

    advance = ProposeRemedy(
        actor=handler,
        kind=RemedyKind.MEDICAL_ADVANCE,
        amount=Decimal("800"),
        details="Advance the hospital bill",
        heads={DamageHead.MEDICAL: Decimal("800")},
    )
    message = await refused(
        case.execute_update(ComplaintWorkflow.propose_remedy, advance), "ConditionNotMet"
    )
    assert "original" in message

    await insurance.execute_update(
        InsuranceClaimWorkflow.report_to_insurer,
        ReportToInsurer(actor=handler, insurer="Ping An", claim_ref="PA-7731"),
    )
    await insurance.execute_update(
        InsuranceClaimWorkflow.record_documents,
        RecordDocuments(actor=staff, documents=ORIGINALS, originals=True),
    )
    await until(case, lambda s: process(s, ProcessKind.INSURANCE).missing_originals == [])

    await case.execute_update(ComplaintWorkflow.propose_remedy, advance)
    await case.execute_update(
        ComplaintWorkflow.decide_approval, DecideApproval(actor=manager, approve=True, comment="ok")
    )
    await case.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(actor=handler, accepted=True, agreement_ref="AG-INJ-1"),
    )
    await case.execute_update(
        ComplaintWorkflow.record_resolution,
        RecordResolution(actor=handler, summary="Hospital bill advanced"),
    )
    follow_up = RecordFollowUp(actor=staff, satisfaction=4)
    message = await refused(
        case.execute_update(ComplaintWorkflow.record_follow_up, follow_up), "ProcessesOpen"
    )
    assert "insurance claim" in message and "police report" in message

    await insurance.execute_update(
        InsuranceClaimWorkflow.record_opinion,
        RecordInsurerOpinion(
            actor=handler,
            decision=OpinionDecision.PAYS,
            written_ref="PA-7731-OP",
            amounts={DamageHead.MEDICAL: Decimal("800")},
        ),
    )
    await police.execute_update(
        PoliceReportWorkflow.record_police_call,
        RecordPoliceCall(
            actor=staff,
            reported_by="staff.li",
            reported_at=datetime.now(UTC),
            station="Pudong Lujiazui station",
        ),
    )
    await police.execute_update(
        PoliceReportWorkflow.record_certificate,
        RecordCertificate(actor=staff, certificate_no="LJZ-2026-3321"),
    )
    await police.execute_update(
        PoliceReportWorkflow.record_outcome,
        RecordPoliceOutcome(actor=staff, outcome="Accident, no third party"),
    )
    await until(case, lambda s: not any(p.open for p in s.processes))
    await audit_entry(desk.pool, case_no, "insurance_ended")
    await audit_entry(desk.pool, case_no, "police_ended")

    # An A case closes with its corrective action (issue 19, policy `lessons`).
    closed = await close_with_follow_up(case, by=staff)
    assert closed.status.stage is Stage.CLOSED
    assert {p.kind: p.outcome for p in closed.status.processes} == {
        ProcessKind.INSURANCE: "insurer pays CNY 800",
        ProcessKind.POLICE: "Accident, no third party",
    }
    rows = await desk.pool.fetch(
        "SELECT kind, is_open, record FROM case_processes WHERE case_no = $1 ORDER BY kind",
        case_no,
    )
    assert [(r["kind"], r["is_open"]) for r in rows] == [("insurance", False), ("police", False)]
    assert rows[1]["record"]["certificate_no"] == "LJZ-2026-3321"
    processes = await desk.pool.fetch(
        "SELECT process, action FROM audit_events WHERE case_no = $1 AND process IS NOT NULL",
        case_no,
    )
    assert ("insurance", "claim_documents_received") in [tuple(r) for r in processes]
    assert ("police", "police_certificate_recorded") in [tuple(r) for r in processes]
    actions = [action for action, _ in await audit_actions(desk.pool, case_no)]
    assert actions.index("insurance_ended") < actions.index("followed_up")


async def test_insurer_opinion_caps_what_the_company_approves_and_gates_mental_distress(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff, injury(incident=None))
    insurance = child(desk, case, ProcessKind.INSURANCE)
    await until(case, lambda s: process(s, ProcessKind.INSURANCE) is not None)
    assert process(await status_of(case), ProcessKind.POLICE) is None
    await investigate(case, handler)
    await insurance.execute_update(
        InsuranceClaimWorkflow.report_to_insurer,
        ReportToInsurer(actor=handler, insurer="Ping An", claim_ref="PA-9"),
    )
    await insurance.execute_update(
        InsuranceClaimWorkflow.record_opinion,
        RecordInsurerOpinion(
            actor=handler,
            decision=OpinionDecision.PAYS,
            written_ref="PA-9-OP",
            amounts={DamageHead.MEDICAL: Decimal("2500")},
        ),
    )
    await until(case, lambda s: process(s, ProcessKind.INSURANCE).insurer_confirmed != {})

    # CNY 6000 is above the department manager's 5000, but the insurer covers 2500 of it.
    proposed = await case.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(
            actor=handler,
            kind=RemedyKind.COMPENSATION,
            amount=Decimal("6000"),
            details="Medical costs and mental distress",
            heads={
                DamageHead.MEDICAL: Decimal("3000"),
                DamageHead.MENTAL_DISTRESS: Decimal("3000"),
            },
        ),
    )
    proposal = proposed.status.proposals[-1]
    assert (proposal.insurer_covers, proposal.company_pays) == (Decimal("2500"), Decimal("3500"))
    assert proposal.approver_level.value == "department_manager"
    approved = await case.execute_update(
        ComplaintWorkflow.decide_approval,
        DecideApproval(actor=manager, approve=True, comment="Company share within my limit"),
    )
    assert approved.outcome == "approved"

    message = await refused(
        case.execute_update(
            ComplaintWorkflow.record_customer_response,
            RecordCustomerResponse(actor=handler, accepted=True, agreement_ref="AG-9"),
        ),
        "ConditionNotMet",
    )
    assert "mental_distress" in message


async def test_silent_insurer_is_chased_at_the_policy_interval_then_the_case_escalates(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor, policy: Policy
) -> None:
    case = await desk.open(staff, injury(incident=None))
    case_no = case_no_of(case)
    insurance = child(desk, case, ProcessKind.INSURANCE)
    await until(case, lambda s: process(s, ProcessKind.INSURANCE) is not None)
    await investigate(case, handler)
    reported = await insurance.execute_update(
        InsuranceClaimWorkflow.report_to_insurer,
        ReportToInsurer(actor=handler, insurer="Ping An", claim_ref="PA-SILENT"),
    )
    reported_at = datetime.fromisoformat(reported.record["reported_at"])

    await time_skipping.sleep(timedelta(days=40))

    chases = await desk.pool.fetch(
        "SELECT at FROM audit_events WHERE case_no = $1 AND action = 'insurer_chased' ORDER BY at",
        case_no,
    )
    rules = policy.processes.insurance
    first = rules.opinion_within.after(reported_at, policy.calendar)
    second = rules.chase_every.after(first, policy.calendar)
    assert len(chases) >= 2
    assert abs(chases[0]["at"] - first) < timedelta(minutes=1)
    assert abs(chases[1]["at"] - second) < timedelta(minutes=1)
    escalated = await desk.pool.fetchrow(
        "SELECT at, data FROM audit_events WHERE case_no = $1 AND action = 'process_escalated'",
        case_no,
    )
    assert escalated["data"]["process"] == "insurance"
    assert abs(escalated["at"] - second) < timedelta(minutes=1)
    chase_notices = [n for n in await outbox_for(desk.pool, case_no) if "chase" in n["subject"]]
    assert len(chase_notices) == len(chases)


async def test_mediation_settlement_is_signed_with_the_non_admission_clause(
    desk: Desk, staff: Actor, handler: Actor, senior: Actor
) -> None:
    case = await desk.open(staff)
    case_no = case_no_of(case)
    await case.execute_update(
        ComplaintWorkflow.start_mediation,
        StartMediation(
            actor=staff,
            association="Pudong Consumer Association",
            notice_ref="PCA-1",
            accepted_on=date.today(),
        ),
    )
    mediation = child(desk, case, ProcessKind.MEDIATION)
    written = RecordReply(actor=handler, form=ReplyForm.WRITTEN, content="Our position ...")
    await refused(
        mediation.execute_update(MediationWorkflow.record_reply, written), "ConditionNotMet"
    )
    await refused(
        mediation.execute_update(
            MediationWorkflow.approve_written_reply,
            ApproveWrittenReply(actor=handler, comment="self-approved"),
        ),
        "RoleNotAllowed",
    )
    await mediation.execute_update(
        MediationWorkflow.approve_written_reply, ApproveWrittenReply(actor=senior, comment="ok")
    )
    replied = await mediation.execute_update(MediationWorkflow.record_reply, written)
    assert replied.record["replies"][0]["approved_by"] == senior.user_id

    await mediation.execute_update(
        MediationWorkflow.record_outcome,
        RecordMediationOutcome(
            actor=handler,
            result=MediationResult.SETTLED,
            amount=Decimal("500"),
            agreement_ref="PCA-1-AG",
        ),
    )
    await until(case, lambda s: not process(s, ProcessKind.MEDIATION).open)
    agreement = await desk.pool.fetchrow(
        "SELECT amount, terms FROM agreements WHERE agreement_ref = 'PCA-1-AG'"
    )
    assert agreement["amount"] == Decimal("500.00")
    assert agreement["terms"] == non_admission_clause(Decimal("500.00"))
    # The case records the child's result once the child has completed.
    ended = await audit_entry(desk.pool, case_no, "mediation_ended")
    assert ended["data"]["agreement_ref"] == "PCA-1-AG"


async def test_failed_mediation_with_a_signed_statement_leaves_no_agreement(
    desk: Desk, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff)
    await case.execute_update(
        ComplaintWorkflow.start_mediation,
        StartMediation(
            actor=staff, association="PCA", notice_ref="PCA-2", accepted_on=date.today()
        ),
    )
    await child(desk, case, ProcessKind.MEDIATION).execute_update(
        MediationWorkflow.record_outcome,
        RecordMediationOutcome(
            actor=handler,
            result=MediationResult.FAILED,
            failure=Failure.SIGNED_NON_ACCEPTANCE,
            statement_ref="STMT-2",
        ),
    )
    status = await until(case, lambda s: not process(s, ProcessKind.MEDIATION).open)
    assert process(status, ProcessKind.MEDIATION).outcome == "failed: signed non acceptance"
    count = await desk.pool.fetchval(
        "SELECT count(*) FROM agreements WHERE case_no = $1", case_no_of(case)
    )
    assert count == 0


async def test_a_second_mediation_does_not_hide_the_failed_first_one(
    desk: Desk, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff)
    for notice, failure in (("PCA-R1", Failure.NOT_SIGNED), ("PCA-R2", None)):
        await until(case, lambda s: all(not p.open for p in s.processes))
        await case.execute_update(
            ComplaintWorkflow.start_mediation,
            StartMediation(
                actor=staff, association="PCA", notice_ref=notice, accepted_on=date.today()
            ),
        )
        if failure is not None:
            await child(desk, case, ProcessKind.MEDIATION).execute_update(
                MediationWorkflow.record_outcome,
                RecordMediationOutcome(
                    actor=handler, result=MediationResult.FAILED, failure=failure
                ),
            )
            await audit_entry(desk.pool, case_no_of(case), "mediation_ended")
    status = await until(case, lambda s: len(s.processes) == 2 and s.processes[0].version > 0)
    # Newest first: the open second run, then the failed first one with its outcome.
    assert [(p.kind, p.open, p.outcome) for p in status.processes] == [
        (ProcessKind.MEDIATION, True, None),
        (ProcessKind.MEDIATION, False, "failed: not signed"),
    ]
    first, second = status.processes[1], status.processes[0]
    assert first.run_id and second.run_id and first.run_id != second.run_id
    assert first.workflow_id == second.workflow_id


async def test_mediation_without_agreement_fails_45_working_days_after_acceptance(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, policy: Policy
) -> None:
    # Started on its own, not as a child: the time-skipping test server stops skipping
    # when a child workflow that signals its parent completes (temporalio/sdk-java#1618).
    case = await desk.open(staff)
    accepted_on = date.today()
    start = MediationStart(
        case_no=case_no_of(case),
        parent_workflow_id=case.id,
        category="product_quality",
        reason="notice PCA-3",
        started_at=await time_skipping.get_current_time(),
        calendar=policy.calendar,
        policy=policy.processes,
        association="PCA",
        notice_ref="PCA-3",
        accepted_on=accepted_on,
    )
    mediation = await desk.client.start_workflow(
        MediationWorkflow.run,
        start,
        id=process_workflow_id(case_no_of(case), ProcessKind.MEDIATION),
        task_queue=desk.task_queue,
    )
    ends_at = policy.processes.mediation.agreement_within.after(
        policy.calendar.end_of_day(accepted_on), policy.calendar
    )

    summary = await mediation.result()

    assert summary.outcome == "failed: no agreement within the mediation period"
    assert abs(summary.ended_at - ends_at) < timedelta(minutes=1)
    assert (
        await desk.pool.fetchval(
            "SELECT count(*) FROM agreements WHERE case_no = $1", case_no_of(case)
        )
        == 0
    )
    # The case heard of it too, though it did not start it.
    await until(case, lambda s: (p := process(s, ProcessKind.MEDIATION)) and not p.open)


async def test_withdrawn_process_lets_the_case_close_and_only_managers_may_withdraw(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff, intake(incident=Incident.THEFT))
    await until(case, lambda s: process(s, ProcessKind.POLICE) is not None)
    await refused(
        case.execute_update(
            ComplaintWorkflow.withdraw_process,
            WithdrawProcess(actor=handler, kind=ProcessKind.POLICE, reason="not needed"),
        ),
        "RoleNotAllowed",
    )
    await case.execute_update(
        ComplaintWorkflow.withdraw_process,
        WithdrawProcess(actor=manager, kind=ProcessKind.POLICE, reason="Goods found in the store"),
    )
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    closed = await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(
            actor=handler, valid=False, liability=Liability.NONE, summary="Found", reason="Found"
        ),
    )
    assert closed.status.stage is Stage.CLOSED
    police = await until(case, lambda s: process(s, ProcessKind.POLICE).stage == "ended")
    assert process(police, ProcessKind.POLICE).outcome == "withdrawn: Goods found in the store"
    withdrawn = await desk.pool.fetchrow(
        "SELECT actor_id, reason FROM audit_events"
        " WHERE case_no = $1 AND action = 'police_withdrawn' AND process = 'police'",
        case_no_of(case),
    )
    assert tuple(withdrawn) == (manager.user_id, "Goods found in the store")


async def test_cancelling_the_case_ends_its_sub_processes_with_the_reason_on_record(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor
) -> None:
    case = await desk.open(staff, intake(incident=Incident.ROBBERY))
    await until(case, lambda s: process(s, ProcessKind.POLICE) is not None)
    # A command waits for the registration (it holds the case's lock until the police
    # report is on record): a case cancelled before that leaves its sub-processes running.
    await case.execute_update(ComplaintWorkflow.add_note, AddNote(actor=staff, text="robbery"))

    await case.cancel()

    police = desk.client.get_workflow_handle_for(
        PoliceReportWorkflow.run, process_workflow_id(case_no_of(case), ProcessKind.POLICE)
    )
    # Waiting for the result without skipping time: the police report cancels its
    # reminder as it ends, and the time-skipping server wedges when a skip fires a timer
    # the workflow is cancelling at that moment (a defect of the test server alone).
    with time_skipping.auto_time_skipping_disabled():
        summary = await police.result()
    assert summary.outcome == "ended: the case was cancelled"
    actions = await audit_actions(desk.pool, case_no_of(case))
    assert ("cancelled", "system") in actions
    assert ("police_ended", "system") in actions


async def _police_called(desk: Desk, case: WorkflowHandle, staff: Actor) -> WorkflowHandle:
    police = child(desk, case, ProcessKind.POLICE)
    await until(case, lambda s: getattr(process(s, ProcessKind.POLICE), "version", 0) > 0)
    await police.execute_update(
        PoliceReportWorkflow.record_police_call,
        RecordPoliceCall(
            actor=staff, reported_by=staff.user_id, reported_at=datetime.now(UTC), station="Pudong"
        ),
    )
    return police


async def test_a_vehicle_police_report_does_not_end_without_its_certificate(
    desk: Desk, staff: Actor
) -> None:
    vehicle = intake(
        category=Category.VEHICLE_PARKING,
        description="A car reversed into mine in the car park and drove off.",
        claimed_amount=Decimal("300"),
        incident=Incident.HIT_AND_RUN,
    )
    case = await desk.open(staff, vehicle)
    police = await _police_called(desk, case, staff)
    # Accepted, the case could never close: it closes only with the certificate on record.
    message = await refused(
        police.execute_update(
            PoliceReportWorkflow.record_outcome,
            RecordPoliceOutcome(actor=staff, outcome="No suspect found"),
        ),
        "ConditionNotMet",
    )
    assert "certificate" in message
    await police.execute_update(
        PoliceReportWorkflow.record_certificate,
        RecordCertificate(actor=staff, certificate_no="PD-CAR-1"),
    )
    ended = await police.execute_update(
        PoliceReportWorkflow.record_outcome,
        RecordPoliceOutcome(actor=staff, outcome="No suspect found"),
    )
    assert ended.summary.open is False


async def test_a_certificate_arriving_after_the_police_outcome_is_recorded_late(
    desk: Desk, staff: Actor, handler: Actor
) -> None:
    theft = intake(category=Category.LOST_BELONGINGS, claimed_amount=Decimal("300"))
    case = await desk.open(staff, theft.model_copy(update={"incident": Incident.THEFT}))
    case_no = case_no_of(case)
    police = await _police_called(desk, case, staff)
    await police.execute_update(
        PoliceReportWorkflow.record_outcome, RecordPoliceOutcome(actor=staff, outcome="Closed")
    )
    await until(case, lambda s: not process(s, ProcessKind.POLICE).open)
    late = RecordLateDocument(
        document=LateDocumentKind.POLICE_CERTIFICATE, reference="PD-LATE-7", actor=staff
    )
    recorded = await case.execute_update(ComplaintWorkflow.record_late_document, late)
    assert recorded.outcome == "police certificate recorded late"
    police_run = process(recorded.status, ProcessKind.POLICE)
    assert police_run.certificate_no == "PD-LATE-7"
    assert [(d.document, d.reference) for d in police_run.late_documents] == [
        ("police_certificate", "PD-LATE-7")
    ]
    entry = await audit_entry(desk.pool, case_no, "police_certificate_recorded_late")
    assert entry["data"]["late"] is True and entry["data"]["reference"] == "PD-LATE-7"
    assert entry["actor_id"] == staff.user_id
    # Once: a second certificate is a correction for a person, not a click.
    assert "on record" in await refused(
        case.execute_update(ComplaintWorkflow.record_late_document, late), "ConditionNotMet"
    )
    # The child's result reaching the case later does not lose it.
    await audit_entry(desk.pool, case_no, "police_ended")
    status = await status_of(case)
    assert process(status, ProcessKind.POLICE).certificate_no == "PD-LATE-7"


async def test_a_late_document_waits_for_its_sub_process_to_end(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff, injury(incident=None))
    await until(case, lambda s: process(s, ProcessKind.INSURANCE) is not None)
    opinion = RecordLateDocument(
        document=LateDocumentKind.INSURER_WRITTEN_OPINION, reference="PA-9", actor=handler
    )
    assert "still open" in await refused(
        case.execute_update(ComplaintWorkflow.record_late_document, opinion), "ConditionNotMet"
    )
    no_police = RecordLateDocument(
        document=LateDocumentKind.POLICE_CERTIFICATE, reference="X", actor=staff
    )
    await refused(
        case.execute_update(ComplaintWorkflow.record_late_document, no_police), "ProcessNotOpen"
    )
    by_staff = opinion.model_copy(update={"actor": staff})
    await refused(
        case.execute_update(ComplaintWorkflow.record_late_document, by_staff), "RoleNotAllowed"
    )
    # Withdrawn, the claim's workflow closes; the insurer's final word still comes in.
    await case.execute_update(
        ComplaintWorkflow.withdraw_process,
        WithdrawProcess(kind=ProcessKind.INSURANCE, reason="customer's own insurer", actor=manager),
    )
    recorded = await case.execute_update(ComplaintWorkflow.record_late_document, opinion)
    claim = process(recorded.status, ProcessKind.INSURANCE)
    assert [(d.document, d.reference) for d in claim.late_documents] == [
        ("insurer_written_opinion", "PA-9")
    ]
    entry = await audit_entry(desk.pool, case_no_of(case), "insurer_written_opinion_recorded_late")
    assert entry["data"]["late"] is True

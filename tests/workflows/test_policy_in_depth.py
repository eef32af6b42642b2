"""Issue 4's policy in the case workflow, on the time-skipping server with real activities
and Postgres: clocks that pause, delay requests, escalations that climb, grade changes,
statutory clocks, crises, on-site attendance and major cases."""

import asyncio
import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.authority import Actor
from domain.clocks import PauseReason
from domain.crisis import CrisisLevel
from domain.delays import DelayState
from domain.grades import Grade
from domain.models import (
    Acknowledge,
    AcknowledgeEscalation,
    CaseStatus,
    Category,
    ChangeGrade,
    Channel,
    DeadlineState,
    DeadlineView,
    DecideDelay,
    DeclareCrisis,
    DisputeDelay,
    Escalate,
    ExposureKind,
    Liability,
    PauseClocks,
    RecordAttendance,
    RecordFindings,
    ReportExposure,
    RequestDelay,
    ResumeClocks,
    SettleStatutoryClock,
    StartStatutoryClock,
    StatusQuery,
)
from domain.policy import DeadlineName, Policy
from tests.support import Desk, audit_actions, case_no_of, intake, outbox_for
from workflows.complaint import ComplaintWorkflow
from workflows.search_attributes import CASE_WAITING_ON

MINUTE = timedelta(minutes=1)


async def _status(case: WorkflowHandle) -> CaseStatus:
    return await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))


def _clock(status: CaseStatus, name: DeadlineName) -> DeadlineView:
    return next(d for d in status.deadlines if d.name is name)


async def _refused(case: WorkflowHandle, update, arg) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.execute_update(update, arg)
    return refused.value.cause.type


async def _liability_decided(desk: Desk, staff: Actor, handler: Actor, **fields) -> WorkflowHandle:
    case = await desk.open(staff, intake(**fields))
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=handler, valid=True, liability=Liability.COMPANY, summary="Ours"),
    )
    return case


async def test_a_paused_clock_resumes_with_the_time_it_had_left(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor
) -> None:
    case = await _liability_decided(desk, staff, handler)
    await time_skipping.sleep(timedelta(hours=10))

    paused = await case.execute_update(
        ComplaintWorkflow.pause_clocks,
        PauseClocks(actor=handler, reason=PauseReason.APPRAISAL, note="Frame sent to the lab"),
    )
    proposal = _clock(paused.status, DeadlineName.PROPOSAL)
    assert proposal.paused and proposal.budget is not None and proposal.budget.amount == 48
    assert abs(proposal.left - timedelta(hours=38)) < MINUTE
    assert abs(proposal.used - timedelta(hours=10)) < MINUTE
    assert not _clock(paused.status, DeadlineName.ACKNOWLEDGE).paused  # policy: not pausable
    assert "appraisal" in await _search_waiting(case)

    # Five days at the lab: the clock does not move, and nothing is missed meanwhile.
    await time_skipping.sleep(timedelta(days=5))
    assert _clock(await _status(case), DeadlineName.PROPOSAL).state is DeadlineState.PENDING

    resumed = await case.execute_update(
        ComplaintWorkflow.resume_clocks, ResumeClocks(actor=handler, note="Lab report in")
    )
    proposal = _clock(resumed.status, DeadlineName.PROPOSAL)
    pause = proposal.pauses[0]
    assert pause.until is not None and pause.until - pause.since >= timedelta(days=5)
    assert abs((proposal.due_at - pause.until) - timedelta(hours=38)) < MINUTE
    assert not proposal.paused and abs(proposal.left - timedelta(hours=38)) < MINUTE
    assert proposal.due_local and proposal.due_local.endswith("CST")

    await time_skipping.sleep(timedelta(hours=37))
    assert _clock(await _status(case), DeadlineName.PROPOSAL).state is DeadlineState.PENDING
    await time_skipping.sleep(timedelta(hours=2))
    assert _clock(await _status(case), DeadlineName.PROPOSAL).state is DeadlineState.MISSED
    actions = [a for a, _ in await audit_actions(desk.pool, case_no_of(case))]
    assert actions.count("clocks_paused") == 1 and actions.count("clocks_resumed") == 1

    assert await _refused(case, ComplaintWorkflow.resume_clocks, ResumeClocks(actor=handler)) == (
        "ConditionNotMet"
    )


async def _search_waiting(case: WorkflowHandle) -> list[str]:
    """CaseWaitingOn as stored (the test server's typed read trips on its datetimes)."""
    description = await case._client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=case._client.namespace, execution=WorkflowExecution(workflow_id=case.id)
        )
    )
    fields = description.workflow_execution_info.search_attributes.indexed_fields
    return json.loads(fields[CASE_WAITING_ON.name].data)


async def _until(case: WorkflowHandle, done: Callable[[CaseStatus], bool]) -> CaseStatus:
    """Intake's policy steps run after the start returns; wait for them to be recorded."""
    for _ in range(100):
        status = await _status(case)
        if done(status):
            return status
        await asyncio.sleep(0.1)
    raise AssertionError("the case never got there")


async def test_a_grade_change_while_paused_keeps_the_paused_time_and_lowering_needs_a_manager(
    desk: Desk,
    time_skipping: WorkflowEnvironment,
    staff: Actor,
    handler: Actor,
    manager: Actor,
) -> None:
    case = await _liability_decided(desk, staff, handler)
    await case.execute_update(
        ComplaintWorkflow.pause_clocks,
        PauseClocks(actor=handler, reason=PauseReason.CUSTOMER, note="Customer abroad"),
    )
    await time_skipping.sleep(timedelta(days=3))

    raised = await case.execute_update(
        ComplaintWorkflow.change_grade,
        ChangeGrade(actor=handler, grade=Grade.A, reason="Customer's lawyer called"),
    )
    close = _clock(raised.status, DeadlineName.CLOSE)
    assert raised.status.grade is Grade.A and close.paused
    assert close.budget is not None and close.budget.amount == 20  # A: 20 working days

    resumed = await case.execute_update(
        ComplaintWorkflow.resume_clocks, ResumeClocks(actor=handler)
    )
    close = _clock(resumed.status, DeadlineName.CLOSE)
    # The three days paused still push the deadline back after the grade change.
    assert close.base_due is not None and close.due_at - close.base_due >= timedelta(days=3)

    lower = ChangeGrade(actor=handler, grade=Grade.C, reason="Lawyer withdrew")
    assert await _refused(case, ComplaintWorkflow.change_grade, lower) == "RoleNotAllowed"
    lowered = await case.execute_update(
        ComplaintWorkflow.change_grade,
        ChangeGrade(actor=manager, grade=Grade.C, reason="Lawyer withdrew"),
    )
    assert lowered.status.grade is Grade.C
    same = ChangeGrade(actor=manager, grade=Grade.C, reason="again")
    assert await _refused(case, ComplaintWorkflow.change_grade, same) == "ConditionNotMet"
    rows = await desk.pool.fetch(
        "SELECT actor_id, reason, data FROM audit_events WHERE case_no = $1 "
        "AND action = 'grade_changed' ORDER BY seq",
        case_no_of(case),
    )
    assert [(r["actor_id"], r["reason"]) for r in rows] == [
        (handler.user_id, "Customer's lawyer called"),
        (manager.user_id, "Lawyer withdrew"),
    ]


async def test_a_delay_request_refused_disputed_and_accepted_moves_the_deadline(
    desk: Desk,
    time_skipping: WorkflowEnvironment,
    staff: Actor,
    handler: Actor,
    manager: Actor,
    senior: Actor,
) -> None:
    case = await _liability_decided(desk, staff, handler)
    due_before = _clock(await _status(case), DeadlineName.PROPOSAL).due_at
    later = (due_before + timedelta(days=10)).date()

    ask = RequestDelay(
        actor=handler, deadline=DeadlineName.PROPOSAL, new_due_on=later, reason="Factory closed"
    )
    await case.execute_update(ComplaintWorkflow.request_delay, ask)
    assert await _refused(case, ComplaintWorkflow.request_delay, ask) == "StageNotAllowed"
    by_handler = DecideDelay(actor=handler, accept=True, comment="fine")
    assert await _refused(case, ComplaintWorkflow.decide_delay, by_handler) == "RoleNotAllowed"
    assert "delay-decision-customer-service" in await _search_waiting(case)

    refused = await case.execute_update(
        ComplaintWorkflow.decide_delay,
        DecideDelay(actor=manager, accept=False, comment="Offer a loan sofa instead"),
    )
    assert refused.status.delay.state is DelayState.REFUSED
    by_manager = DecideDelay(actor=manager, accept=True, comment="changed my mind")
    assert await _refused(case, ComplaintWorkflow.decide_delay, by_manager) == "StageNotAllowed"

    disputed = await case.execute_update(
        ComplaintWorkflow.dispute_delay, DisputeDelay(actor=handler, reason="No loan sofas left")
    )
    assert disputed.status.delay.state is DelayState.DISPUTED
    assert await _refused(case, ComplaintWorkflow.decide_delay, by_manager) == "RoleNotAllowed"
    accepted = await case.execute_update(
        ComplaintWorkflow.decide_delay,
        DecideDelay(actor=senior, accept=True, comment="Agreed, tell the customer today"),
    )
    proposal = _clock(accepted.status, DeadlineName.PROPOSAL)
    assert accepted.status.delay.state is DelayState.ACCEPTED and proposal.delayed
    assert proposal.due_local.startswith(f"{later.isoformat()} 23:59")

    # The old timer no longer counts: past the old due moment nothing is missed.
    await time_skipping.sleep(due_before - proposal.started_at + timedelta(hours=1))
    assert _clock(await _status(case), DeadlineName.PROPOSAL).state is DeadlineState.PENDING

    actions = [a for a, _ in await audit_actions(desk.pool, case_no_of(case))]
    assert [a for a in actions if a.startswith("delay_")] == [
        "delay_requested",
        "delay_refused",
        "delay_disputed",
        "delay_accepted",
    ]
    recipients = {n["recipient"] for n in await outbox_for(desk.pool, case_no_of(case))}
    assert {"customer_service", "user:senior.chen"} <= recipients  # general manager


async def test_a_silent_escalation_climbs_to_senior_management(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff)
    await case.execute_update(
        ComplaintWorkflow.escalate, Escalate(actor=handler, reason="Customer threatens the press")
    )
    assert (await _status(case)).escalation.level.value == "duty_manager"

    await time_skipping.sleep(timedelta(hours=4) + MINUTE)
    status = await _status(case)
    assert status.escalation_level.value == "department_manager"
    assert status.escalation.recipients == ["user:manager.zhang"]  # named in the policy
    await time_skipping.sleep(timedelta(hours=4) + MINUTE)
    assert (await _status(case)).escalation_level.value == "senior_management"
    await time_skipping.sleep(timedelta(hours=8))
    status = await _status(case)
    assert status.escalation_level.value == "senior_management" and status.escalation is None

    actions = [a for a, _ in await audit_actions(desk.pool, case_no_of(case))]
    assert actions.count("escalation_unanswered") == 3  # two climbs, then once at the top
    recipients = [n["recipient"] for n in await outbox_for(desk.pool, case_no_of(case))]
    assert "user:manager.zhang" in recipients and "senior_management" in recipients


async def test_an_acknowledged_escalation_stays_where_it_is(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff)
    ack = AcknowledgeEscalation(actor=manager, note="On it")
    assert await _refused(case, ComplaintWorkflow.acknowledge_escalation, ack) == (
        "ConditionNotMet"
    )
    await case.execute_update(ComplaintWorkflow.escalate, Escalate(actor=handler, reason="Angry"))
    by_handler = AcknowledgeEscalation(actor=handler)
    assert await _refused(case, ComplaintWorkflow.acknowledge_escalation, by_handler) == (
        "RoleNotAllowed"
    )
    await case.execute_update(ComplaintWorkflow.acknowledge_escalation, ack)
    await time_skipping.sleep(timedelta(hours=5))
    status = await _status(case)
    assert status.escalation_level.value == "duty_manager" and status.escalation is None


async def test_statutory_clocks_run_beside_the_stores_own(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor, policy: Policy
) -> None:
    referral = await desk.open(staff, intake(channel=Channel.REGULATOR_REFERRAL))
    status = await _until(
        referral, lambda s: any(d.name is DeadlineName.REGULATOR_ACCEPTANCE for d in s.deadlines)
    )
    acceptance = _clock(status, DeadlineName.REGULATOR_ACCEPTANCE)
    assert acceptance.statutory and acceptance.state is DeadlineState.PENDING
    assert acceptance.due_at == policy.calendar.add_working_days(acceptance.started_at, 7)

    no_date = StartStatutoryClock(actor=handler, clock=DeadlineName.REGULATOR_ANSWER)
    assert await _refused(referral, ComplaintWorkflow.start_statutory_clock, no_date) == (
        "ConditionNotMet"
    )
    store_clock = StartStatutoryClock(actor=handler, clock=DeadlineName.PROPOSAL)
    assert await _refused(referral, ComplaintWorkflow.start_statutory_clock, store_clock) == (
        "ConditionNotMet"
    )
    answer = await referral.execute_update(
        ComplaintWorkflow.start_statutory_clock,
        StartStatutoryClock(
            actor=handler,
            clock=DeadlineName.REGULATOR_ANSWER,
            due_on=date(2027, 1, 8),
            reference="SAMR-2026-113",
        ),
    )
    assert _clock(answer.status, DeadlineName.REGULATOR_ANSWER).due_local.startswith(
        "2027-01-08 23:59"
    )
    delay = RequestDelay(
        actor=handler,
        deadline=DeadlineName.REGULATOR_ANSWER,
        new_due_on=date(2027, 2, 1),
        reason="more time",
    )
    assert await _refused(referral, ComplaintWorkflow.request_delay, delay) == "ConditionNotMet"
    settled = await referral.execute_update(
        ComplaintWorkflow.settle_statutory_clock,
        SettleStatutoryClock(
            actor=handler, clock=DeadlineName.REGULATOR_ANSWER, note="Answered in writing"
        ),
    )
    assert _clock(settled.status, DeadlineName.REGULATOR_ANSWER).state is DeadlineState.MET

    repair = await desk.open(staff)
    await repair.execute_update(
        ComplaintWorkflow.start_statutory_clock,
        StartStatutoryClock(actor=handler, clock=DeadlineName.REPAIR, reference="RP-88"),
    )
    await time_skipping.sleep(timedelta(days=30, hours=1))
    assert _clock(await _status(repair), DeadlineName.REPAIR).state is DeadlineState.MISSED
    expired = await desk.pool.fetchval(
        "SELECT reason FROM audit_events WHERE case_no = $1 AND action = 'statutory_clock_expired'",
        case_no_of(repair),
    )
    assert "return or an exchange" in expired
    recipients = [n["recipient"] for n in await outbox_for(desk.pool, case_no_of(repair))]
    assert "customer_service" in recipients


async def test_a_crisis_reaches_the_incident_team_and_the_grade_decides_who_attends(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff)  # grade C at Shanghai Pudong: its area manager attends
    status = await _until(case, lambda s: s.on_site is not None)
    assert status.on_site.contact == "area_manager"
    assert status.on_site.recipients == ["user:zhou.qiang"]

    crisis = await case.execute_update(
        ComplaintWorkflow.declare_crisis,
        DeclareCrisis(actor=staff, level=CrisisLevel.B, reason="Sofa frame may be unsafe"),
    )
    assert crisis.status.crisis_level is CrisisLevel.B
    lower = DeclareCrisis(actor=staff, level=CrisisLevel.C, reason="posted online")
    assert await _refused(case, ComplaintWorkflow.declare_crisis, lower) == "ConditionNotMet"

    await case.execute_update(
        ComplaintWorkflow.change_grade,
        ChangeGrade(actor=handler, grade=Grade.B, reason="Unsafe product"),
    )
    status = await _status(case)
    assert status.on_site.contact == "customer_service_supervisor"
    assert status.on_site.recipients == ["user:sun.li"]
    attended = await case.execute_update(
        ComplaintWorkflow.record_attendance,
        RecordAttendance(actor=manager, note="Met the customer at the store"),
    )
    assert attended.status.on_site.attended_by == manager.user_id
    again = RecordAttendance(actor=manager, note="again")
    assert await _refused(case, ComplaintWorkflow.record_attendance, again) == "ConditionNotMet"

    outbox = await outbox_for(desk.pool, case_no_of(case))
    crisis_notices = [n["recipient"] for n in outbox if n["subject"].startswith("Crisis level B")]
    assert crisis_notices == ["user:senior.chen", "user:gao.yan"]  # the incident team
    actions = [a for a, _ in await audit_actions(desk.pool, case_no_of(case))]
    assert actions.count("on_site_assigned") == 2 and "on_site_attended" in actions


async def test_media_coverage_raises_to_a_and_a_month_open_raises_by_itself(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor
) -> None:
    exposed = await desk.open(staff)
    result = await exposed.execute_update(
        ComplaintWorkflow.report_exposure,
        ReportExposure(actor=staff, kind=ExposureKind.MEDIA, detail="Local TV called"),
    )
    assert result.status.grade is Grade.A

    forgotten = await desk.open(staff, intake(category=Category.FACILITY_FAULT))
    await time_skipping.sleep(timedelta(days=30, hours=1))
    status = await _status(forgotten)
    assert status.grade is Grade.A
    reasons = await desk.pool.fetch(
        "SELECT reason FROM audit_events WHERE case_no = $1 AND action = 'grade_changed'",
        case_no_of(forgotten),
    )
    assert [r["reason"] for r in reasons] == ["still open 30 days after registration"]


async def test_a_major_case_and_a_long_negotiation_reach_senior_management(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor
) -> None:
    case = await _liability_decided(desk, staff, handler, claimed_amount=Decimal("6000"))
    case_no = case_no_of(case)  # its findings waited for intake's steps to be recorded
    actions = [a for a, _ in await audit_actions(desk.pool, case_no)]
    assert "major_case" in actions

    await time_skipping.sleep(timedelta(days=3, hours=1))
    status = await _status(case)
    assert _clock(status, DeadlineName.NEGOTIATION).state is DeadlineState.MISSED
    notices = [
        n for n in await outbox_for(desk.pool, case_no) if n["recipient"] == "senior_management"
    ]
    subjects = [n["subject"] for n in notices]
    assert any("major case" in s for s in subjects)
    assert any("negotiation with the customer settled missed" in s for s in subjects)

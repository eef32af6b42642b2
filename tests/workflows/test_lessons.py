"""Issue 19 section 6 in the case workflow, on the time-skipping server with real activities
and Postgres: findings name their cause and responsible unit, an A or B case closes only
with a corrective action (5W2H) whose deadline is tracked and escalates, and the monthly
figures count causes, corrective actions and repeat subjects."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.authority import Actor
from domain.grades import Grade
from domain.models import (
    Acknowledge,
    CaseStatus,
    ChangeGrade,
    CompleteCorrectiveAction,
    DeadlineState,
    DecideApproval,
    Liability,
    ProposeRemedy,
    RecordCorrectiveAction,
    RecordCustomerResponse,
    RecordFindings,
    RecordFollowUp,
    RecordResolution,
    RemedyKind,
    StatusQuery,
)
from domain.policy import DeadlineName
from domain.reports import ReportRules, compute_figures
from infra.reports import fetch_case_facts
from tests.support import Desk, audit_actions, case_no_of, intake
from workflows.complaint import ComplaintWorkflow


async def _status(case: WorkflowHandle) -> CaseStatus:
    return await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))


async def _refused(case: WorkflowHandle, update, arg) -> tuple[str, str]:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.execute_update(update, arg)
    return refused.value.cause.type, str(refused.value.cause)


def _findings(handler: Actor, **fields) -> RecordFindings:
    return RecordFindings(
        actor=handler, valid=True, liability=Liability.SUPPLIER, summary="Batch defect", **fields
    )


async def _carried_out_b_case(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor, subject: str
) -> WorkflowHandle:
    case = await desk.open(staff, intake(subject=subject))
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.change_grade,
        ChangeGrade(actor=handler, grade=Grade.B, reason="Third identical complaint"),
    )
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        _findings(handler, cause="supplier", responsible_unit="purchasing"),
    )
    await case.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(actor=handler, kind=RemedyKind.EXCHANGE, amount=Decimal("0"), details="x"),
    )
    await case.execute_update(
        ComplaintWorkflow.decide_approval, DecideApproval(actor=manager, approve=True, comment="ok")
    )
    await case.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(actor=handler, accepted=True, agreement_ref=f"AG-{subject}"),
    )
    await case.execute_update(
        ComplaintWorkflow.record_resolution, RecordResolution(actor=handler, summary="Exchanged")
    )
    return case


def _action(manager: Actor, due_by: datetime) -> RecordCorrectiveAction:
    return RecordCorrectiveAction(
        actor=manager,
        what="Pull batch ZX-200 from the shelves",
        why="Stitching fails within weeks",
        who="buyer.qian",
        where="Shanghai Pudong",
        due_by=due_by,
        how="Return the batch to the supplier; inspect the next",
        how_much=Decimal("0"),
    )


async def test_findings_name_a_cause_of_the_policys_and_the_responsible_unit(
    desk: Desk, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    unknown = _findings(handler, cause="bad luck")
    kind, message = await _refused(case, ComplaintWorkflow.record_findings, unknown)
    assert kind == "ConditionNotMet" and "supplier" in message
    recorded = await case.execute_update(
        ComplaintWorkflow.record_findings,
        _findings(handler, cause="supplier", responsible_unit="purchasing"),
    )
    assert (recorded.status.cause, recorded.status.responsible_unit) == ("supplier", "purchasing")


async def test_a_b_case_closes_only_with_a_corrective_action_whose_deadline_escalates(
    desk: Desk,
    time_skipping: WorkflowEnvironment,
    staff: Actor,
    handler: Actor,
    manager: Actor,
) -> None:
    case = await _carried_out_b_case(desk, staff, handler, manager, "sofa ZX-200 stitching")
    follow_up = RecordFollowUp(actor=staff, satisfaction=4)
    kind, message = await _refused(case, ComplaintWorkflow.record_follow_up, follow_up)
    assert kind == "ConditionNotMet" and "corrective action" in message

    now = (await _status(case)).waiting.since
    by_staff = _action(staff, now + timedelta(days=5))
    assert (await _refused(case, ComplaintWorkflow.record_corrective_action, by_staff))[0] == (
        "RoleNotAllowed"
    )
    too_late = _action(manager, now + timedelta(days=90))
    assert (await _refused(case, ComplaintWorkflow.record_corrective_action, too_late))[0] == (
        "ConditionNotMet"
    )
    set_ = await case.execute_update(
        ComplaintWorkflow.record_corrective_action, _action(manager, now + timedelta(days=5))
    )
    [action] = set_.status.corrective_actions
    assert (action.who, action.done_at) == ("buyer.qian", None)
    closed = await case.execute_update(ComplaintWorkflow.record_follow_up, follow_up)
    assert closed.status.stage.value == "closed"

    # Tracked after the case closed, and missed: recorded and escalated like any other.
    await time_skipping.sleep(timedelta(days=5, hours=1))
    status = await _status(case)
    corrective = next(d for d in status.deadlines if d.name is DeadlineName.CORRECTIVE_ACTION)
    assert corrective.state is DeadlineState.MISSED
    assert status.escalation_level.value != "handler"
    done = await case.execute_update(
        ComplaintWorkflow.complete_corrective_action,
        CompleteCorrectiveAction(actor=manager, note="Batch returned"),
    )
    assert done.status.corrective_actions[0].done_at is not None
    actions = [a for a, _ in await audit_actions(desk.pool, case_no_of(case))]
    assert actions.index("corrective_action_set") < actions.index("closed")
    assert "corrective_action_done" in actions


async def test_the_monthly_figures_count_causes_open_corrective_actions_and_repeat_subjects(
    own_desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    subject = "wardrobe door hinge"
    first = await _carried_out_b_case(own_desk, staff, handler, manager, subject)
    second = await _carried_out_b_case(own_desk, staff, handler, manager, subject)
    now = (await _status(first)).waiting.since
    await first.execute_update(
        ComplaintWorkflow.record_corrective_action, _action(manager, now + timedelta(days=5))
    )
    facts = await fetch_case_facts(
        own_desk.pool,
        datetime.now(UTC) - timedelta(days=400),
        datetime.now(UTC) + timedelta(days=400),
        datetime.now(UTC) + timedelta(days=400),
    )
    ours = [f for f in facts if f.case_no in (case_no_of(first), case_no_of(second))]
    figures = compute_figures(ours, ReportRules())
    assert figures.by_cause == {"supplier": 2}
    assert figures.corrective_actions_open == 1
    assert len(figures.repeat_subjects) == 1 and list(figures.repeat_subjects.values()) == [2]

"""Issue 19 section 8: the default policy's deadlines, read again from the seeds, on the
time-skipping server with real activities and Postgres. A case keeps the policy it pinned."""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.authority import Actor
from domain.models import (
    Acknowledge,
    CaseStatus,
    Category,
    DeadlineState,
    DeadlineView,
    DecideApproval,
    Liability,
    ProposeRemedy,
    RecordCustomerResponse,
    RecordFindings,
    RecordResolution,
    RemedyKind,
    StatusQuery,
)
from domain.policy import DeadlineName, Policy
from tests.support import Desk, audit_actions, case_no_of, intake
from workflows.complaint import ComplaintWorkflow

MINUTE = timedelta(minutes=1)
POLICY_FILE = Path(__file__).resolve().parents[2] / "policy" / "default.yaml"


async def _status(case: WorkflowHandle) -> CaseStatus:
    return await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))


def _clock(status: CaseStatus, name: DeadlineName) -> DeadlineView:
    return next(d for d in status.deadlines if d.name is name)


def _registered_at(status: CaseStatus):
    started = _clock(status, DeadlineName.CLOSE).started_at
    assert started is not None
    return started


async def _findings(case: WorkflowHandle, handler: Actor) -> CaseStatus:
    result = await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=handler, valid=True, liability=Liability.COMPANY, summary="Ours"),
    )
    return result.status


def test_every_deadline_of_the_default_policy_names_its_seed() -> None:
    lines = POLICY_FILE.read_text(encoding="utf-8").splitlines()
    start = lines.index("deadlines:")
    end = next(i for i in range(start + 1, len(lines)) if re.match(r"^\S", lines[i]))
    numbers = [line for line in lines[start:end] if re.search(r"amount: \d+", line)]
    assert numbers, "the deadlines section has its numbers"
    unnamed = [line for line in numbers if not re.search(r"\b00[0-4]\b", line)]
    assert unnamed == []


def test_the_default_policy_carries_the_seeds_numbers(policy: Policy) -> None:
    deadlines = policy.deadlines
    acknowledge = deadlines[DeadlineName.ACKNOWLEDGE]
    assert (acknowledge.default.amount, acknowledge.default.unit.value) == (24, "hours")
    assert acknowledge.by_category == {}  # every complaint, goods too (001, 004)
    assert deadlines[DeadlineName.PROPOSAL].from_complaint
    assert deadlines[DeadlineName.NEGOTIATION].from_complaint
    # 004's revisit 72 h after the remedy is a deadline of its own; the follow-up visit that
    # closes the case keeps 001's week.
    revisit = deadlines[DeadlineName.REVISIT_AFTER_REMEDY].default
    assert (revisit.amount, revisit.unit.value) == (72, "hours")
    follow_up = deadlines[DeadlineName.FOLLOW_UP].default
    assert (follow_up.amount, follow_up.unit.value) == (7, "days")
    close = deadlines[DeadlineName.CLOSE]
    for category in ("product_quality", "facility_fault"):
        assert (close.by_category[category].amount, close.by_category[category].unit.value) == (
            48,
            "hours",
        )


async def test_a_goods_complaint_is_first_contacted_within_24_hours(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor
) -> None:
    case = await desk.open(staff, intake(category=Category.PRODUCT_QUALITY))
    first_contact = _clock(await _status(case), DeadlineName.ACKNOWLEDGE)
    assert first_contact.due_at - _registered_at(await _status(case)) == timedelta(hours=24)

    await time_skipping.sleep(timedelta(hours=25))
    status = await _status(case)
    assert _clock(status, DeadlineName.ACKNOWLEDGE).state is DeadlineState.MISSED
    assert ("deadline_missed", "system") in await audit_actions(desk.pool, case_no_of(case))


async def test_the_proposal_is_due_48_hours_after_the_complaint_not_after_the_findings(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await time_skipping.sleep(timedelta(hours=20))
    status = await _findings(case, handler)

    proposal = _clock(status, DeadlineName.PROPOSAL)
    assert proposal.due_at == _registered_at(status) + timedelta(hours=48)
    # The negotiation alert: 3 days after the complaint, not after the findings (000).
    negotiation = _clock(status, DeadlineName.NEGOTIATION)
    assert negotiation.due_at == _registered_at(status) + timedelta(days=3)

    await time_skipping.sleep(timedelta(hours=29))  # 49 h after the complaint
    assert _clock(await _status(case), DeadlineName.PROPOSAL).state is DeadlineState.MISSED


async def test_the_revisit_is_due_72_hours_after_the_remedy_is_carried_out(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await _findings(case, handler)
    await case.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(actor=handler, kind=RemedyKind.REFUND, amount=Decimal("300"), details="x"),
    )
    await case.execute_update(
        ComplaintWorkflow.decide_approval, DecideApproval(actor=manager, approve=True, comment="ok")
    )
    await case.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(actor=handler, accepted=True, agreement_ref="AG-72H"),
    )
    carried_out = await case.execute_update(
        ComplaintWorkflow.record_resolution, RecordResolution(actor=handler, summary="Paid")
    )
    revisit = _clock(carried_out.status, DeadlineName.REVISIT_AFTER_REMEDY)
    assert revisit.started_at is not None
    assert revisit.due_at - revisit.started_at == timedelta(hours=72)

    await time_skipping.sleep(timedelta(hours=73))
    later = await _status(case)
    assert _clock(later, DeadlineName.REVISIT_AFTER_REMEDY).state is DeadlineState.MISSED
    assert _clock(later, DeadlineName.FOLLOW_UP).state is DeadlineState.PENDING


async def test_a_running_case_keeps_the_deadlines_of_the_policy_it_pinned(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor
) -> None:
    """A case started under the policy before the seeds were read again (goods: first
    contact in 48 h, proposal counted from the findings) keeps it."""
    deadlines = dict(desk.policy.deadlines)
    deadlines[DeadlineName.ACKNOWLEDGE] = deadlines[DeadlineName.ACKNOWLEDGE].model_copy(
        update={
            "default": deadlines[DeadlineName.ACKNOWLEDGE].default.model_copy(update={"amount": 48})
        }
    )
    for name in (DeadlineName.PROPOSAL, DeadlineName.NEGOTIATION):
        deadlines[name] = deadlines[name].model_copy(update={"from_complaint": False})
    older = desk.policy.model_copy(update={"version": "2026.11-older", "deadlines": deadlines})
    old_desk = Desk(desk.pool, desk.client, desk.task_queue, older)

    case = await old_desk.open(staff)
    status = await _status(case)
    assert status.policy_version == "2026.11-older"
    assert _clock(status, DeadlineName.ACKNOWLEDGE).due_at - _registered_at(status) == timedelta(
        hours=48
    )
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await time_skipping.sleep(timedelta(hours=20))
    status = await _findings(case, handler)
    proposal = _clock(status, DeadlineName.PROPOSAL)
    assert proposal.started_at is not None
    assert proposal.started_at - _registered_at(status) >= timedelta(hours=20)
    assert proposal.due_at - proposal.started_at == timedelta(hours=48)

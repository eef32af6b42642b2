"""The complaint workflow with its real activities, on the time-skipping server and Postgres."""

import asyncio
from datetime import timedelta
from decimal import Decimal

import asyncpg
import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.authority import Actor
from domain.lifecycle import Stage
from domain.models import (
    Acknowledge,
    Category,
    DeadlineState,
    DecideApproval,
    Liability,
    ProposeRemedy,
    RecordCustomerResponse,
    RecordFindings,
    RecordFollowUp,
    RecordResolution,
    RemedyKind,
    Reopen,
    StatusQuery,
)
from domain.policy import DeadlineName, Policy
from tests.support import Desk, audit_actions, case_no_of, intake, outbox_for, register_row
from worker import build_worker
from workflows.complaint import ComplaintWorkflow


async def test_c_grade_product_complaint_goes_from_intake_to_closed(
    desk: Desk,
    staff: Actor,
    handler: Actor,
    manager: Actor,
) -> None:
    case = await desk.open(staff)
    case_no = case_no_of(case)

    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(
            actor=handler,
            valid=True,
            liability=Liability.SUPPLIER,
            summary="Cracked frame, a known defect of this batch.",
        ),
    )
    await case.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(
            actor=handler, kind=RemedyKind.REFUND, amount=Decimal("1800"), details="Full refund"
        ),
    )
    approved = await case.execute_update(
        ComplaintWorkflow.decide_approval,
        DecideApproval(actor=manager, approve=True, comment="Within my limit"),
    )
    assert approved.outcome == "approved"
    await case.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(actor=handler, accepted=True, agreement_ref="AG-2026-0001"),
    )
    await case.execute_update(
        ComplaintWorkflow.record_resolution,
        RecordResolution(actor=handler, summary="Refund paid at the service desk"),
    )
    closed = await case.execute_update(
        ComplaintWorkflow.record_follow_up,
        RecordFollowUp(actor=staff, satisfaction=5, comment="Happy"),
    )

    assert closed.status.stage is Stage.CLOSED
    assert closed.status.grade.value == "C"
    assert {d.name: d.state for d in closed.status.deadlines} == {
        DeadlineName.ACKNOWLEDGE: DeadlineState.MET,
        DeadlineName.CLOSE: DeadlineState.MET,
        DeadlineName.DEPARTMENT_REPLY: DeadlineState.MET,
        DeadlineName.PROPOSAL: DeadlineState.MET,
        DeadlineName.INFORM_CUSTOMER: DeadlineState.MET,
        DeadlineName.FOLLOW_UP: DeadlineState.MET,
        DeadlineName.NEGOTIATION: DeadlineState.MET,
        # 004: the re-visit after the remedy, met by the follow-up visit.
        DeadlineName.REVISIT_AFTER_REMEDY: DeadlineState.MET,
    }
    assert await audit_actions(desk.pool, case_no) == [
        ("registered", staff.user_id),
        ("on_site_assigned", "system"),  # grade C: the area manager (policy on_site)
        ("acknowledged", handler.user_id),
        ("findings_recorded", handler.user_id),
        ("remedy_proposed", handler.user_id),
        ("remedy_approved", manager.user_id),
        ("customer_accepted", handler.user_id),
        ("payment_requested", "system"),
        ("remedy_carried_out", handler.user_id),
        ("followed_up", staff.user_id),
        ("closed", "system"),  # closing by the follow-up is on record as a closing
    ]
    row = await register_row(desk.pool, case_no)
    # The findings laid the defect on the supplier: purchasing's responsible person has the
    # case (policy routing.by_liability, issue 19).
    routing = desk.policy.for_store("Shanghai Pudong").routing
    assert routing is not None
    purchasing = routing.people_of("purchasing").responsible
    assert (row["stage"], row["grade"], row["handler"]) == ("closed", "C", purchasing)
    assert row["department"] == "purchasing"
    assert row["closed_at"] is not None and row["overdue"] is False
    agreement = await desk.pool.fetchrow("SELECT * FROM agreements WHERE case_no = $1", case_no)
    assert agreement["agreement_ref"] == "AG-2026-0001"
    assert agreement["amount"] == Decimal("1800.00")


async def test_missed_acknowledge_deadline_is_audited_escalated_and_raises_the_grade(
    desk: Desk,
    time_skipping: WorkflowEnvironment,
    staff: Actor,
) -> None:
    complaint = intake(category=Category.SERVICE_QUALITY, description="Rude to the customer")
    case = await desk.open(staff, complaint)
    case_no = case_no_of(case)

    # Service complaints are acknowledged within 24 hours (policy); let 25 pass.
    await time_skipping.sleep(timedelta(hours=25))

    status = await case.query(ComplaintWorkflow.get_status, StatusQuery())
    acknowledge = next(d for d in status.deadlines if d.name is DeadlineName.ACKNOWLEDGE)
    assert acknowledge.state is DeadlineState.MISSED
    assert status.grade.value == "B"
    assert status.escalation_level.value == "duty_manager"
    actions = await audit_actions(desk.pool, case_no)
    assert ("deadline_missed", "system") in actions
    assert any(n["recipient"] == "duty_manager" for n in await outbox_for(desk.pool, case_no))
    row = await register_row(desk.pool, case_no)
    assert (row["grade"], row["overdue"], row["escalation_level"]) == ("B", True, "duty_manager")


async def test_invalid_complaint_closes_with_reason_and_reopens_as_second_complaint(
    desk: Desk,
    staff: Actor,
    handler: Actor,
) -> None:
    case = await desk.open(staff)
    case_no = case_no_of(case)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    closed = await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(
            actor=handler,
            valid=False,
            liability=Liability.CUSTOMER,
            summary="Damage from misuse",
            reason="The sofa was bought elsewhere; no receipt of ours",
        ),
    )
    assert closed.status.stage is Stage.CLOSED
    assert "bought elsewhere" in (closed.status.closed_reason or "")

    reopened = await case.execute_update(
        ComplaintWorkflow.reopen, Reopen(actor=staff, reason="Customer found the receipt")
    )
    assert reopened.status.stage is Stage.INVESTIGATING
    assert reopened.status.reopen_count == 1
    row = await register_row(desk.pool, case_no)
    assert (row["reopen_count"], row["stage"]) == (1, "investigating")

    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.execute_update(ComplaintWorkflow.reopen, Reopen(actor=staff, reason="again"))
    assert refused.value.cause.type == "StageNotAllowed"


async def _case_with_proposal(desk: Desk, *, staff: Actor, handler: Actor, amount: str):
    case = await desk.open(staff)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=handler, valid=True, liability=Liability.COMPANY, summary="Our fault"),
    )
    await case.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(
            actor=handler, kind=RemedyKind.COMPENSATION, amount=Decimal(amount), details="Pay"
        ),
    )
    return case


async def test_a_manager_refusing_above_their_limit_passes_it_to_senior_management(
    desk: Desk,
    staff: Actor,
    handler: Actor,
    manager: Actor,
    senior: Actor,
) -> None:
    # CNY 8000 waits for senior management from the start (the manager's limit is 5000).
    # Before approvals were one decision of the domain, the manager's refusal answered
    # "rejected" and sent the case back: senior management never saw it.
    case = await _case_with_proposal(desk, staff=staff, handler=handler, amount="8000")
    passed = await case.execute_update(
        ComplaintWorkflow.decide_approval,
        DecideApproval(actor=manager, approve=False, comment="Too generous for a scratch"),
    )
    assert passed.outcome == "recommendation passed to senior_management, who decides"
    assert passed.status.stage is Stage.REMEDY_PROPOSED
    assert passed.status.waiting.who == "senior_management"
    proposal = passed.status.proposals[-1]
    assert proposal.decision is None
    assert [(r.by, r.approve, r.comment) for r in proposal.recommendations] == [
        (manager.user_id, False, "Too generous for a scratch")
    ]
    told = [
        n["body"]
        for n in await outbox_for(desk.pool, case_no_of(case))
        if n["recipient"] == "senior_management"
    ]
    assert any("recommends refusal: Too generous for a scratch" in body for body in told)

    # It already waits above the manager: another click adds nothing, and says for whom.
    for approve in (True, False):
        with pytest.raises(WorkflowUpdateFailedError) as again:
            await case.execute_update(
                ComplaintWorkflow.decide_approval,
                DecideApproval(actor=manager, approve=approve, comment="again"),
            )
        assert again.value.cause.type == "ConditionNotMet"
        assert "waits for senior_management" in str(again.value.cause)

    with pytest.raises(WorkflowUpdateFailedError) as by_staff:
        await case.execute_update(
            ComplaintWorkflow.decide_approval,
            DecideApproval(actor=staff, approve=True, comment="ok"),
        )
    assert by_staff.value.cause.type == "RoleNotAllowed"

    approved = await case.execute_update(
        ComplaintWorkflow.decide_approval,
        DecideApproval(actor=senior, approve=True, comment="Approved by the GM office"),
    )
    assert approved.status.stage is Stage.APPROVED
    assert approved.status.proposals[-1].decided_by == senior.user_id
    actions = [action for action, _ in await audit_actions(desk.pool, case_no_of(case))]
    assert actions[-3:] == ["remedy_proposed", "approval_recommended", "remedy_approved"]


async def test_a_decision_beyond_a_personal_limit_climbs_once_with_the_recommendation(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor, senior: Actor
) -> None:
    # CNY 4000 waits for a department manager; this one may approve only CNY 3000.
    limited = manager.model_copy(update={"authority_limit": Decimal("3000")})
    case = await _case_with_proposal(desk, staff=staff, handler=handler, amount="4000")
    climbed = await case.execute_update(
        ComplaintWorkflow.decide_approval,
        DecideApproval(actor=limited, approve=True, comment="Fair"),
    )
    assert climbed.outcome == "escalated to senior_management"
    assert climbed.status.waiting.who == "senior_management"
    assert climbed.status.proposals[-1].recommendations[0].approve is True
    with pytest.raises(WorkflowUpdateFailedError) as again:
        await case.execute_update(
            ComplaintWorkflow.decide_approval,
            DecideApproval(actor=limited, approve=True, comment="Fair"),
        )
    assert "waits for senior_management" in str(again.value.cause)
    rejected = await case.execute_update(
        ComplaintWorkflow.decide_approval,
        DecideApproval(actor=senior, approve=False, comment="Offer a repair instead"),
    )
    assert rejected.outcome == "rejected"
    assert rejected.status.stage is Stage.LIABILITY_DECIDED
    actions = [action for action, _ in await audit_actions(desk.pool, case_no_of(case))]
    assert actions.count("approval_escalated") == 1
    assert actions[-2:] == ["approval_escalated", "remedy_rejected"]


async def test_proposer_cannot_approve_their_own_proposal(
    desk: Desk,
    staff: Actor,
    manager: Actor,
) -> None:
    # The manager works the case and proposes; the same manager may not approve it.
    case = await _case_with_proposal(desk, staff=staff, handler=manager, amount="150")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.execute_update(
            ComplaintWorkflow.decide_approval,
            DecideApproval(actor=manager, approve=True, comment="mine"),
        )
    assert refused.value.cause.type == "SelfApproval"
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery())
    assert status.stage is Stage.REMEDY_PROPOSED
    assert "remedy_approved" not in [a for a, _ in await audit_actions(desk.pool, case_no_of(case))]


async def test_customer_rejects_first_proposal_and_accepts_the_second(
    desk: Desk,
    staff: Actor,
    handler: Actor,
    manager: Actor,
) -> None:
    case = await _case_with_proposal(desk, staff=staff, handler=handler, amount="300")
    await case.execute_update(
        ComplaintWorkflow.decide_approval, DecideApproval(actor=manager, approve=True, comment="ok")
    )
    renegotiate = await case.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(actor=handler, accepted=False, reason="Wants a full refund"),
    )
    assert renegotiate.status.stage is Stage.LIABILITY_DECIDED

    await case.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(
            actor=handler, kind=RemedyKind.REFUND, amount=Decimal("1800"), details="Refund"
        ),
    )
    await case.execute_update(
        ComplaintWorkflow.decide_approval, DecideApproval(actor=manager, approve=True, comment="ok")
    )
    agreed = await case.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(actor=handler, accepted=True, agreement_ref="AG-2026-0002"),
    )
    assert agreed.status.stage is Stage.CUSTOMER_CONSENTED
    assert [(p.number, p.customer_response) for p in agreed.status.proposals] == [
        (1, "rejected"),
        (2, "accepted"),
    ]
    stored = await desk.pool.fetch(
        "SELECT amount FROM agreements WHERE case_no = $1", case_no_of(case)
    )
    assert [r["amount"] for r in stored] == [Decimal("1800.00")]


async def test_an_update_arriving_with_the_start_is_recorded_after_the_registration(
    time_skipping: WorkflowEnvironment,
    pool: asyncpg.Pool,
    task_queue: str,
    policy: Policy,
    staff: Actor,
    handler: Actor,
) -> None:
    # No worker yet: the start and the acknowledgement reach the first workflow task together.
    case = await Desk(pool, time_skipping.client, task_queue, policy).open(staff)
    acknowledging = asyncio.create_task(
        case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    )
    await asyncio.sleep(0.5)
    async with build_worker(time_skipping.client, pool, task_queue):
        await acknowledging
    assert await audit_actions(pool, case_no_of(case)) == [
        ("registered", staff.user_id),
        ("on_site_assigned", "system"),  # grade C: the area manager (policy on_site)
        ("acknowledged", handler.user_id),
    ]

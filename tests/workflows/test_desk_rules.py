"""Issue 19's everyday rules in the case workflow, on the time-skipping server with real
activities and Postgres: settling on the spot (000 十.5B, 004), a promised completion date,
and compensation by the category's rules before the amount ladder (000 五, 六)."""

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from api.identity import UserDirectory
from domain.authority import Actor, Level
from domain.incidents import Incident
from domain.lifecycle import Stage
from domain.models import (
    Acknowledge,
    CaseStatus,
    Category,
    DeadlineState,
    DecideApproval,
    Liability,
    LostProperty,
    PromiseCompletion,
    ProposeRemedy,
    RecordCustomerResponse,
    RecordFindings,
    RecordFollowUp,
    RemedyKind,
    SettleOnTheSpot,
    StatusQuery,
)
from domain.policy import DeadlineName
from domain.reports import ReportRules, compute_figures
from infra.reports import fetch_case_facts
from tests.support import Desk, audit_actions, case_no_of, intake, outbox_for
from tests.workflows.legal_support import effective_judgment, open_lawsuit
from workflows.complaint import ComplaintWorkflow


@pytest.fixture(scope="module")
def duty_manager(users: UserDirectory) -> Actor:
    actor = users.actor_for("demo-duty-manager")
    assert actor is not None and actor.level is Level.DUTY_MANAGER
    return actor


async def _status(case: WorkflowHandle) -> CaseStatus:
    return await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))


async def _refused(case: WorkflowHandle, update, arg) -> tuple[str, str]:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.execute_update(update, arg)
    return refused.value.cause.type, str(refused.value.cause)


def _settle(actor: Actor, kind: RemedyKind, amount: str = "0", **fields) -> SettleOnTheSpot:
    return SettleOnTheSpot(
        actor=actor, kind=kind, amount=Decimal(amount), given=fields.pop("given", "given"), **fields
    )


async def _until_judgment(case: WorkflowHandle, ref: str) -> None:
    for _ in range(100):
        status = await _status(case)
        if any(p.effective_judgment_ref == ref for p in status.processes):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the case never heard of judgment {ref}")


async def _liability_decided(desk: Desk, staff: Actor, handler: Actor, **fields) -> WorkflowHandle:
    case = await desk.open(staff, intake(**fields))
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=handler, valid=True, liability=Liability.COMPANY, summary="Ours"),
    )
    return case


def _propose(handler: Actor, kind: RemedyKind, amount: str, **fields) -> ProposeRemedy:
    return ProposeRemedy(actor=handler, kind=kind, amount=Decimal(amount), details="x", **fields)


# --- settle on the spot ----------------------------------------------------------------


async def test_an_apology_is_settled_on_the_spot_at_intake_and_still_gets_its_follow_up(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor
) -> None:
    case = await desk.open(staff, intake(category=Category.SERVICE_QUALITY, claimed_amount=0))
    settled = await case.execute_update(
        ComplaintWorkflow.settle_on_the_spot,
        _settle(
            staff, RemedyKind.APOLOGY, given="Apologised for the cashier's tone", consent="oral"
        ),
    )
    status = settled.status
    assert settled.outcome == "settled on the spot"
    assert status.stage is Stage.REMEDY_CARRIED_OUT and status.settled_on_the_spot
    deadlines = {d.name: d for d in status.deadlines}
    assert deadlines[DeadlineName.ACKNOWLEDGE].state is DeadlineState.MET
    assert deadlines[DeadlineName.CLOSE].state is DeadlineState.MET
    follow_up = deadlines[DeadlineName.FOLLOW_UP]
    assert follow_up.state is DeadlineState.PENDING
    assert follow_up.started_at is not None
    # 001's week for the follow-up visit (004's 72 h is the re-visit after a resolution).
    assert follow_up.due_at - follow_up.started_at == timedelta(days=7)
    [proposal] = status.proposals
    assert (proposal.on_the_spot, proposal.consent, proposal.proposed_by) == (
        True,
        "oral",
        staff.user_id,
    )

    closed = await case.execute_update(
        ComplaintWorkflow.record_follow_up, RecordFollowUp(actor=staff, satisfaction=5)
    )
    assert closed.status.stage is Stage.CLOSED and closed.status.closed_reason == "resolved"
    actions = [a for a, _ in await audit_actions(desk.pool, case_no_of(case))]
    assert actions.index("settled_on_the_spot") < actions.index("followed_up")
    assert "closed_invalid" not in actions


async def test_a_voucher_beyond_the_service_desks_own_authority_is_refused(
    desk: Desk, staff: Actor
) -> None:
    case = await desk.open(staff)
    kind, message = await _refused(
        case,
        ComplaintWorkflow.settle_on_the_spot,
        _settle(staff, RemedyKind.GOODWILL_PAYMENT, "80", consent="oral"),
    )
    assert kind == "OverAuthority" and "CNY 50" in message
    assert (await _status(case)).stage is Stage.RECEIVED


async def test_a_duty_managers_payment_above_the_floor_waits_for_a_second_person(
    desk: Desk, staff: Actor, duty_manager: Actor, manager: Actor
) -> None:
    case = await desk.open(staff)
    waiting = await case.execute_update(
        ComplaintWorkflow.settle_on_the_spot,
        _settle(duty_manager, RemedyKind.GOODWILL_PAYMENT, "180", consent="oral"),
    )
    assert waiting.status.stage is Stage.REMEDY_PROPOSED and not waiting.status.settled_on_the_spot
    own = DecideApproval(actor=duty_manager, approve=True, comment="mine")
    assert (await _refused(case, ComplaintWorkflow.decide_approval, own))[0] == "SelfApproval"

    approved = await case.execute_update(
        ComplaintWorkflow.decide_approval,
        DecideApproval(actor=manager, approve=True, comment="Seen the customer"),
    )
    assert approved.outcome == "settled on the spot"
    assert approved.status.stage is Stage.REMEDY_CARRIED_OUT and approved.status.settled_on_the_spot
    payment = await desk.pool.fetchrow(
        "SELECT amount, remedy_kind FROM payment_requests WHERE case_no = $1", case_no_of(case)
    )
    assert (payment["amount"], payment["remedy_kind"]) == (Decimal("180.00"), "goodwill_payment")


async def test_a_refund_on_the_spot_needs_the_customers_signed_agreement(
    desk: Desk, staff: Actor, duty_manager: Actor
) -> None:
    case = await desk.open(staff)
    oral = _settle(duty_manager, RemedyKind.REFUND, "40", consent="oral")
    kind, message = await _refused(case, ComplaintWorkflow.settle_on_the_spot, oral)
    assert kind == "ConditionNotMet" and "signed agreement" in message

    settled = await case.execute_update(
        ComplaintWorkflow.settle_on_the_spot,
        _settle(duty_manager, RemedyKind.REFUND, "40", consent="signed", agreement_ref="AG-SPOT-1"),
    )
    assert settled.status.settled_on_the_spot
    agreement = await desk.pool.fetchrow(
        "SELECT agreement_ref, amount FROM agreements WHERE case_no = $1", case_no_of(case)
    )
    assert (agreement["agreement_ref"], agreement["amount"]) == ("AG-SPOT-1", Decimal("40.00"))
    assert (
        await desk.pool.fetchval(
            "SELECT count(*) FROM payment_requests WHERE case_no = $1", case_no_of(case)
        )
        == 1
    )


async def test_an_injury_is_never_settled_on_the_spot(
    desk: Desk, staff: Actor, duty_manager: Actor
) -> None:
    case = await desk.open(staff, intake(category=Category.PERSONAL_INJURY))
    kind, _ = await _refused(
        case,
        ComplaintWorkflow.settle_on_the_spot,
        _settle(duty_manager, RemedyKind.GOODWILL_PAYMENT, "20", consent="oral"),
    )
    assert kind == "OverAuthority"


async def test_a_case_not_settled_on_the_spot_gets_a_promised_date_that_is_a_deadline(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    now = (await _status(case)).waiting.since
    promised = await case.execute_update(
        ComplaintWorkflow.promise_completion,
        PromiseCompletion(actor=handler, promised_by=now + timedelta(days=2), note="Parts due"),
    )
    assert promised.status.promised_by == now + timedelta(days=2)
    deadline = next(d for d in promised.status.deadlines if d.name is DeadlineName.PROMISED)
    assert deadline.state is DeadlineState.PENDING
    outbox = await outbox_for(desk.pool, case_no_of(case))
    assert any(r["recipient"] == "customer" and "将于" in r["body"] for r in outbox)

    too_far = PromiseCompletion(actor=handler, promised_by=now + timedelta(days=60))
    assert (await _refused(case, ComplaintWorkflow.promise_completion, too_far))[0] == (
        "ConditionNotMet"
    )

    await time_skipping.sleep(timedelta(days=2, hours=1))
    status = await _status(case)
    missed = next(d for d in status.deadlines if d.name is DeadlineName.PROMISED)
    assert missed.state is DeadlineState.MISSED
    assert status.escalation_level is not Level.HANDLER  # a missed promise escalates


# --- compensation by the category's rules -------------------------------------------------


async def test_a_stolen_bag_is_paid_only_with_senior_approval(
    desk: Desk, staff: Actor, handler: Actor, duty_manager: Actor, senior: Actor
) -> None:
    facts = {"category": Category.LOST_BELONGINGS, "incident": Incident.THEFT}
    case = await _liability_decided(desk, staff, handler, **facts)
    proposed = await case.execute_update(
        ComplaintWorkflow.propose_remedy, _propose(handler, RemedyKind.COMPENSATION, "180")
    )
    proposal = proposed.status.proposals[-1]
    assert proposal.approver_level is Level.SENIOR_MANAGEMENT
    assert proposal.rule == "lost_belongings_not_compensated"

    by_duty_manager = DecideApproval(actor=duty_manager, approve=True, comment="Small sum")
    kind, message = await _refused(case, ComplaintWorkflow.decide_approval, by_duty_manager)
    assert kind == "CompensationRule" and "lost_belongings_not_compensated" in message

    approved = await case.execute_update(
        ComplaintWorkflow.decide_approval,
        DecideApproval(actor=senior, approve=True, comment="Goodwill, exceptionally"),
    )
    assert approved.status.stage is Stage.APPROVED

    # Nor may the duty manager pay it on the spot: the refusal names the rule.
    other = await desk.open(staff, intake(**facts))
    kind, message = await _refused(
        other,
        ComplaintWorkflow.settle_on_the_spot,
        _settle(duty_manager, RemedyKind.GOODWILL_PAYMENT, "30", consent="oral"),
    )
    assert kind == "CompensationRule" and "lost_belongings_not_compensated" in message


async def test_a_locker_claim_under_200_is_the_duty_managers_call(
    desk: Desk, staff: Actor, handler: Actor, duty_manager: Actor
) -> None:
    locker = LostProperty(item="backpack", where="locker B12", locker=True)
    case = await _liability_decided(
        desk, staff, handler, category=Category.LOST_BELONGINGS, lost_property=locker
    )
    proposed = await case.execute_update(
        ComplaintWorkflow.propose_remedy, _propose(handler, RemedyKind.COMPENSATION, "150")
    )
    assert proposed.status.proposals[-1].rule == "locker_under_200"
    assert proposed.status.proposals[-1].approver_level is Level.DUTY_MANAGER
    approved = await case.execute_update(
        ComplaintWorkflow.decide_approval,
        DecideApproval(actor=duty_manager, approve=True, comment="Locker lock was faulty"),
    )
    assert approved.status.stage is Stage.APPROVED


async def test_an_effective_court_judgment_lets_the_amount_ladder_decide(
    desk: Desk, staff: Actor, handler: Actor, duty_manager: Actor
) -> None:
    case = await _liability_decided(
        desk, staff, handler, category=Category.CONFLICT, incident=Incident.FIGHT
    )
    # Issue 16: the judgment named is the one the case's lawsuit recorded as effective.
    lawsuit = await open_lawsuit(desk, case, handler)
    await effective_judgment(lawsuit, handler, "(2026)沪0115民初123号", None)
    await _until_judgment(case, "(2026)沪0115民初123号")
    proposed = await case.execute_update(
        ComplaintWorkflow.propose_remedy,
        _propose(
            handler, RemedyKind.COMPENSATION, "180", court_judgment_ref="(2026)沪0115民初123号"
        ),
    )
    proposal = proposed.status.proposals[-1]
    assert proposal.rule == "third_party_wrongs_not_compensated"
    assert proposal.approver_level is Level.DUTY_MANAGER
    approved = await case.execute_update(
        ComplaintWorkflow.decide_approval,
        DecideApproval(actor=duty_manager, approve=True, comment="As the court ruled"),
    )
    assert approved.status.stage is Stage.APPROVED


async def test_no_vehicle_agreement_before_the_insurers_written_answer(
    desk: Desk, staff: Actor, handler: Actor, senior: Actor
) -> None:
    case = await _liability_decided(desk, staff, handler, category=Category.VEHICLE_PARKING)
    proposed = await case.execute_update(
        ComplaintWorkflow.propose_remedy, _propose(handler, RemedyKind.REPAIR, "0")
    )
    # No commitment without senior consent, even a repair that costs the company nothing.
    assert proposed.status.proposals[-1].approver_level is Level.SENIOR_MANAGEMENT
    await case.execute_update(
        ComplaintWorkflow.decide_approval, DecideApproval(actor=senior, approve=True, comment="ok")
    )
    early = RecordCustomerResponse(actor=handler, accepted=True, agreement_ref="AG-CAR-1")
    kind, message = await _refused(case, ComplaintWorkflow.record_customer_response, early)
    assert kind == "CompensationRule" and "vehicle_needs_senior_consent" in message

    accepted = await case.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(
            actor=handler, accepted=True, agreement_ref="AG-CAR-1", written_answer_ref="PICC-0042"
        ),
    )
    assert accepted.status.stage is Stage.CUSTOMER_CONSENTED


async def test_a_case_settled_on_the_spot_counts_in_every_report_figure(
    desk: Desk, staff: Actor
) -> None:
    case = await desk.open(staff, intake(category=Category.PRICE, claimed_amount=0))
    await case.execute_update(
        ComplaintWorkflow.settle_on_the_spot,
        _settle(staff, RemedyKind.GOODWILL_PAYMENT, "30", consent="oral", given="Voucher 30"),
    )
    await case.execute_update(
        ComplaintWorkflow.record_follow_up, RecordFollowUp(actor=staff, satisfaction=4)
    )
    row = await desk.pool.fetchrow(
        "SELECT received_at FROM complaints WHERE case_no = $1", case_no_of(case)
    )
    facts = await fetch_case_facts(
        desk.pool,
        row["received_at"],
        row["received_at"] + timedelta(seconds=1),
        datetime.now(UTC) + timedelta(days=30),
    )
    [settled] = [f for f in facts if f.case_no == case_no_of(case)]
    assert settled.settled_on_the_spot and settled.contacted
    assert settled.replied and settled.result_told and settled.satisfaction == 4
    figures = compute_figures([settled], ReportRules())
    assert figures.settled_on_the_spot == 1
    assert figures.rates.contact.value == 1.0 and figures.rates.timely_reply.value == 1.0
    assert figures.rates.result_reply.value == 1.0

"""Issue 19 section 4 in the case workflow, on the time-skipping server with real activities
and Postgres: an injury intake (000 三), the duty manager's decisions on the spot, the
urgent medical advance, and senior management told of media and regulator cases."""

import asyncio
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from api.identity import UserDirectory
from domain.authority import Actor, Level
from domain.lifecycle import Stage
from domain.models import (
    CaseStatus,
    Category,
    Channel,
    DeadlineState,
    DecideAdvance,
    DecideHospital,
    ExposureKind,
    LostProperty,
    ReportExposure,
    StatusQuery,
)
from domain.policy import DeadlineName
from tests.support import Desk, audit_actions, case_no_of, intake, outbox_for, register_row
from workflows.complaint import ComplaintWorkflow


@pytest.fixture(scope="module")
def duty_manager(users: UserDirectory) -> Actor:
    actor = users.actor_for("demo-duty-manager")
    assert actor is not None and actor.level is Level.DUTY_MANAGER
    return actor


async def _status(case: WorkflowHandle) -> CaseStatus:
    return await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))


async def _recorded(desk: Desk, case: WorkflowHandle, action: str) -> None:
    """Intake's steps are written after the start returns: wait for `action`."""
    for _ in range(100):
        if action in [a for a, _ in await audit_actions(desk.pool, case_no_of(case))]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{action} was never recorded")


async def _injury(desk: Desk, staff: Actor, **fields) -> WorkflowHandle:
    case = await desk.open(staff, intake(category=Category.PERSONAL_INJURY, **fields))
    await _recorded(desk, case, "injury_reported")
    return case


async def _refused(case: WorkflowHandle, update, arg) -> tuple[str, str]:
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.execute_update(update, arg)
    return refused.value.cause.type, str(refused.value.cause)


async def test_an_injury_intake_tells_the_duty_manager_and_risk_control_at_once(
    desk: Desk, staff: Actor
) -> None:
    case = await _injury(desk, staff)
    told = {r["recipient"] for r in await outbox_for(desk.pool, case_no_of(case))}
    assert {"duty_manager", "risk_control"} <= told
    deadlines = {d.name: d for d in (await _status(case)).deadlines}
    for name, minutes in (
        (DeadlineName.HOSPITAL_DECISION, 15),
        (DeadlineName.ADVANCE_DECISION, 30),
    ):
        decision = deadlines[name]
        assert decision.state is DeadlineState.PENDING and decision.started_at is not None
        assert decision.due_at - decision.started_at == timedelta(minutes=minutes)


async def test_the_duty_managers_advance_goes_to_finance_urgently_without_findings(
    desk: Desk, staff: Actor, handler: Actor, duty_manager: Actor
) -> None:
    case = await _injury(desk, staff)
    by_handler = DecideHospital(actor=handler, accompanied_by="staff.li")
    assert (await _refused(case, ComplaintWorkflow.decide_hospital, by_handler))[0] == (
        "RoleNotAllowed"
    )
    await case.execute_update(
        ComplaintWorkflow.decide_hospital,
        DecideHospital(actor=duty_manager, accompanied_by="staff.li"),
    )
    advanced = await case.execute_update(
        ComplaintWorkflow.decide_advance,
        DecideAdvance(actor=duty_manager, amount=Decimal("800"), documents=["receipts"]),
    )
    status = advanced.status
    assert status.stage is Stage.RECEIVED  # no findings, no agreement: paid at once
    assert [d.kind.value for d in status.spot_decisions] == ["hospital", "advance"]
    assert status.spot_decisions[0].accompanied_by == "staff.li"
    payment = await desk.pool.fetchrow(
        "SELECT amount, remedy_kind, urgent FROM payment_requests WHERE case_no = $1",
        case_no_of(case),
    )
    assert (payment["amount"], payment["remedy_kind"], payment["urgent"]) == (
        Decimal("800.00"),
        "medical_advance",
        True,
    )
    deadlines = {d.name: d.state for d in status.deadlines}
    assert deadlines[DeadlineName.HOSPITAL_DECISION] is DeadlineState.MET
    assert deadlines[DeadlineName.ADVANCE_DECISION] is DeadlineState.MET
    again = DecideAdvance(actor=duty_manager, amount=Decimal("100"), documents=["receipts"])
    assert (await _refused(case, ComplaintWorkflow.decide_advance, again))[0] == "ConditionNotMet"


async def test_doubtful_liability_records_neither_with_the_reason(
    desk: Desk, staff: Actor, duty_manager: Actor
) -> None:
    case = await _injury(desk, staff)
    unexplained = DecideAdvance(actor=duty_manager)
    assert (await _refused(case, ComplaintWorkflow.decide_advance, unexplained))[0] == (
        "ConditionNotMet"
    )
    decided = await case.execute_update(
        ComplaintWorkflow.decide_advance,
        DecideAdvance(actor=duty_manager, neither_reason="Fell outside the store's entrance"),
    )
    [decision] = decided.status.spot_decisions
    assert decision.neither and decision.reason == "Fell outside the store's entrance"
    assert not await desk.pool.fetchval(
        "SELECT count(*) FROM payment_requests WHERE case_no = $1", case_no_of(case)
    )


async def test_an_undecided_injury_is_missed_within_minutes(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor
) -> None:
    case = await _injury(desk, staff)
    await time_skipping.sleep(timedelta(minutes=20))
    deadlines = {d.name: d.state for d in (await _status(case)).deadlines}
    assert deadlines[DeadlineName.HOSPITAL_DECISION] is DeadlineState.MISSED
    assert deadlines[DeadlineName.ADVANCE_DECISION] is DeadlineState.PENDING


async def test_a_goods_injurys_advance_needs_senior_management_even_on_the_spot(
    desk: Desk, staff: Actor, duty_manager: Actor, senior: Actor
) -> None:
    case = await _injury(desk, staff, caused_by_goods=True)
    by_duty = DecideAdvance(actor=duty_manager, amount=Decimal("300"), documents=["receipts"])
    kind, message = await _refused(case, ComplaintWorkflow.decide_advance, by_duty)
    assert kind == "CompensationRule" and "goods_injury_advance_needs_senior" in message
    by_senior = DecideAdvance(actor=senior, amount=Decimal("300"), documents=["receipts"])
    advanced = await case.execute_update(ComplaintWorkflow.decide_advance, by_senior)
    assert advanced.status.spot_decisions[-1].decided_by == senior.user_id


async def test_a_media_case_tells_senior_management_by_itself(desk: Desk, staff: Actor) -> None:
    case = await desk.open(staff, intake(channel=Channel.MEDIA))
    await _recorded(desk, case, "senior_management_told")
    told = {r["recipient"] for r in await outbox_for(desk.pool, case_no_of(case))}
    assert "senior_management" in told


async def test_reported_media_exposure_tells_senior_management_without_a_crisis(
    desk: Desk, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff)
    await case.execute_update(
        ComplaintWorkflow.report_exposure,
        ReportExposure(actor=handler, kind=ExposureKind.MEDIA, detail="Weibo post"),
    )
    actions = [a for a, _ in await audit_actions(desk.pool, case_no_of(case))]
    assert "senior_management_told" in actions and "crisis_declared" not in actions


async def test_lost_property_and_the_other_vehicles_plate_are_on_the_intake(
    desk: Desk, staff: Actor
) -> None:
    lost = LostProperty(item="black handbag", where="locker B12", locker=True)
    case = await desk.open(staff, intake(category=Category.LOST_BELONGINGS, lost_property=lost))
    car = await desk.open(
        staff, intake(category=Category.VEHICLE_PARKING, other_vehicle_plate="沪A12345")
    )
    row = await register_row(desk.pool, case_no_of(case))
    stored = row["intake"] if isinstance(row["intake"], dict) else json.loads(row["intake"])
    assert stored["lost_property"]["where"] == "locker B12"
    assert stored["lost_property"]["locker"] is True
    car_row = await register_row(desk.pool, case_no_of(car))
    car_intake = (
        car_row["intake"] if isinstance(car_row["intake"], dict) else json.loads(car_row["intake"])
    )
    assert car_intake["other_vehicle_plate"] == "沪A12345"

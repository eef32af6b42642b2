"""Quality inspection and the claim against the supplier (issue 16; 000 四.1, 四.17) as
child workflows of a case, with their real activities, on the time-skipping server and
Postgres: quality control's ruling, the test lab trip that stops the case's clocks, the
supplier claim with its chases, the recovery on the case and in the monthly report."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from api.bodies import ProductRefCreate, StopSaleOrderCreate
from api.stop_sale import record_order
from domain.authority import Actor
from domain.lifecycle import Stage
from domain.models import (
    Acknowledge,
    CaseStatus,
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
from domain.policy import Policy
from domain.processes import (
    ProcessKind,
    StartQualityInspection,
    StartSupplierClaim,
    WithdrawProcess,
    process_workflow_id,
)
from domain.products import ProductRef
from domain.quality import (
    ApproveLabTrip,
    DefectCause,
    LabVerdict,
    RecordLabResult,
    RecordRuling,
    RequestLabTrip,
    StartLabTrip,
)
from domain.reports import Period, PeriodKind
from domain.stop_sale import IssuerKind, OrderForm
from domain.supplier import (
    AskCompensation,
    PullFromSale,
    RecordCompensation,
    RecordRefusal,
    ReturnGoods,
    SendNotice,
)
from infra.reports import fetch_case_facts
from tests.support import Desk, audit_actions, case_no_of, intake, outbox_for
from tests.workflows.scenarios import close_with_follow_up
from workflows.complaint import ComplaintWorkflow
from workflows.quality import QualityInspectionWorkflow
from workflows.supplier import SupplierClaimWorkflow

SUPPLIER = "佛山家具有限公司"


def wardrobe(batch: str):
    return intake(
        description="The wardrobe's door hinge broke off within a week.",
        claimed_amount=Decimal("1800.00"),
        product=ProductRef(sku="WD-1800", batch=batch, name="两门衣柜 1.8 m"),
    )


async def status_of(case: WorkflowHandle) -> CaseStatus:
    return await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))


async def until(case: WorkflowHandle, check: Callable[[CaseStatus], bool]) -> CaseStatus:
    for _ in range(100):
        status = await status_of(case)
        if check(status):
            return status
        await asyncio.sleep(0.1)
    raise AssertionError(f"the case never got there: {status.processes}")


def process(status: CaseStatus, kind: ProcessKind):
    return next((p for p in status.processes if p.kind is kind), None)


def child(desk: Desk, case: WorkflowHandle, kind: ProcessKind) -> WorkflowHandle:
    return desk.client.get_workflow_handle(process_workflow_id(case_no_of(case), kind))


async def refused(call, expected_type: str) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await call
    assert failure.value.cause.type == expected_type
    return failure.value.cause.message


async def entries(pool: asyncpg.Pool, case_no: str, action: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT at, actor_id, process, reason, data FROM audit_events"
        " WHERE case_no = $1 AND action = $2 ORDER BY seq",
        case_no,
        action,
    )


async def entry(pool: asyncpg.Pool, case_no: str, action: str) -> asyncpg.Record:
    for _ in range(100):
        rows = await entries(pool, case_no, action)
        if rows:
            return rows[-1]
        await asyncio.sleep(0.1)
    raise AssertionError(f"no {action} on record for {case_no}")


async def ask_quality(case: WorkflowHandle, actor: Actor) -> None:
    await case.execute_update(
        ComplaintWorkflow.start_quality_inspection,
        StartQualityInspection(actor=actor, question="Is the hinge defective, and which batch?"),
    )


async def registered(pool: asyncpg.Pool, case: WorkflowHandle) -> None:
    """Its intake is through, the link to orders in force included."""
    for _ in range(100):
        described = (await case.describe()).raw_description
        if (
            await pool.fetchval(
                "SELECT 1 FROM audit_events WHERE case_no = $1 AND action = 'registered'",
                case_no_of(case),
            )
            and not described.HasField("pending_workflow_task")
            and not described.pending_activities
        ):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the case was never registered")


async def test_a_defective_wardrobe_is_ruled_claimed_from_its_supplier_and_recovered_in_part(
    desk: Desk,
    time_skipping: WorkflowEnvironment,
    staff: Actor,
    handler: Actor,
    manager: Actor,
    senior: Actor,
    policy: Policy,
) -> None:
    batch = f"B{uuid.uuid4().hex[:6]}"
    case = await desk.open(staff, wardrobe(batch))
    case_no = case_no_of(case)
    await registered(desk.pool, case)
    # The regulator stops the batch: the case about it is linked to the order.
    order = await record_order(
        pool=desk.pool,
        temporal=desk.client,
        task_queue=desk.task_queue,
        policy=desk.policy,
        body=StopSaleOrderCreate.model_validate(
            {
                "issuer": "浦东新区市场监督管理局",
                "issuer_kind": IssuerKind.MARKET_REGULATOR,
                "form": OrderForm.WRITTEN,
                "reference": "浦市监停字〔2026〕31号",
                "ordered_on": date(2026, 12, 2),
                "product": ProductRefCreate(sku="WD-1800", batch=batch),
            }
        ),
        actor=staff,
    )
    linked = await until(case, lambda s: bool(s.stop_sale_orders))
    assert [o.order_no for o in linked.stop_sale_orders] == [order.order_no]

    # Quality control is asked; a supplier claim waits for its ruling.
    await ask_quality(case, staff)
    quality = child(desk, case, ProcessKind.QUALITY)
    asked = await until(case, lambda s: process(s, ProcessKind.QUALITY).stage == "inspecting")
    assert process(asked, ProcessKind.QUALITY).waiting_on == "quality-control"
    claim = StartSupplierClaim(actor=handler, supplier=SUPPLIER, reason="hinge defect")
    message = await refused(
        case.execute_update(ComplaintWorkflow.start_supplier_claim, claim), "ConditionNotMet"
    )
    assert "not ruled" in message

    # A joint trip to the test lab: senior approval first, then the clocks stop.
    await quality.execute_update(
        QualityInspectionWorkflow.request_lab_trip,
        RequestLabTrip(actor=handler, lab="上海市质检院", reason="the customer disputes it"),
    )
    start_trip = StartLabTrip(actor=handler, with_customer=True)
    assert "senior approval" in await refused(
        quality.execute_update(QualityInspectionWorkflow.start_lab_trip, start_trip),
        "ConditionNotMet",
    )
    await refused(
        quality.execute_update(
            QualityInspectionWorkflow.approve_lab_trip, ApproveLabTrip(actor=handler, comment="")
        ),
        "RoleNotAllowed",
    )
    await quality.execute_update(
        QualityInspectionWorkflow.approve_lab_trip, ApproveLabTrip(actor=senior, comment="ok")
    )
    await quality.execute_update(QualityInspectionWorkflow.start_lab_trip, start_trip)
    paused = await until(case, lambda s: any(d.paused for d in s.deadlines))
    assert process(paused, ProcessKind.QUALITY).waiting_on == "test-lab"
    assert {d.pauses[-1].reason.value for d in paused.deadlines if d.paused} == {"inspection"}
    pause = await entry(desk.pool, case_no, "clocks_paused")
    assert pause["data"]["process"] == "quality_inspection" and pause["actor_id"] == "system"
    due_before = {d.name: d.due_at for d in paused.deadlines if d.paused}
    await refused(
        quality.execute_update(
            QualityInspectionWorkflow.record_ruling,
            RecordRuling(actor=handler, defect=True, cause=DefectCause.PRODUCT),
        ),
        "ConditionNotMet",
    )

    # The lab works two days; its report restarts the clocks, pushed back by the pause.
    await time_skipping.sleep(timedelta(days=2))
    await quality.execute_update(
        QualityInspectionWorkflow.record_lab_result,
        RecordLabResult(
            actor=handler, report_ref="SQI-2026-118", verdict=LabVerdict.FAILED, findings="hinge"
        ),
    )
    resumed = await until(case, lambda s: not any(d.paused for d in s.deadlines))
    for deadline in resumed.deadlines:
        if deadline.name in due_before:
            assert deadline.due_at - due_before[deadline.name] >= timedelta(days=2)
    await entry(desk.pool, case_no, "clocks_resumed")

    # The ruling: a product defect of the batch, liability on purchasing (004).
    await quality.execute_update(
        QualityInspectionWorkflow.record_ruling,
        RecordRuling(
            actor=handler,
            defect=True,
            cause=DefectCause.PRODUCT,
            product=ProductRef(sku="WD-1800", batch=batch),
            liable_department="purchasing",
            summary="The hinge screws are too short in the whole batch",
        ),
    )
    ruled = await until(case, lambda s: s.department == "purchasing")
    assert process(ruled, ProcessKind.QUALITY).defect is True
    settled = await entry(desk.pool, case_no, "liability_settled_by_quality")
    assert settled["data"] == {"department": "purchasing", "moved_from": "quality_control"}

    # The claim against the supplier, on the ruled batch.
    await case.execute_update(ComplaintWorkflow.start_supplier_claim, claim)
    supplier = child(desk, case, ProcessKind.SUPPLIER)
    opened = await until(case, lambda s: process(s, ProcessKind.SUPPLIER).stage == "reported")
    assert process(opened, ProcessKind.SUPPLIER).waiting_on == "purchasing"
    status = await supplier.query(SupplierClaimWorkflow.get_status)
    assert status.record["product"]["batch"] == batch
    told = [n["recipient"] for n in await outbox_for(desk.pool, case_no)]
    assert "purchasing" in told and "quality_control" in told

    # The case itself: found, refunded, carried out.
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(
            actor=handler, valid=True, liability=Liability.SUPPLIER, summary="Hinge defect"
        ),
    )
    await case.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(actor=handler, kind=RemedyKind.REFUND, amount=Decimal("1800"), details="x"),
    )
    await case.execute_update(
        ComplaintWorkflow.decide_approval, DecideApproval(actor=manager, approve=True, comment="ok")
    )
    await case.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(actor=handler, accepted=True, agreement_ref=f"AG-{batch}"),
    )
    await case.execute_update(
        ComplaintWorkflow.record_resolution, RecordResolution(actor=handler, summary="refunded")
    )
    message = await refused(
        case.execute_update(
            ComplaintWorkflow.record_follow_up, RecordFollowUp(actor=staff, satisfaction=4)
        ),
        "ProcessesOpen",
    )
    assert "supplier claim" in message

    # Purchasing deals with the supplier: notice, pulled, returned, asked, paid in part.
    await supplier.execute_update(
        SupplierClaimWorkflow.send_notice,
        SendNotice(actor=handler, reference="CG-2026-77", sent_on=date(2026, 12, 3)),
    )
    await supplier.execute_update(
        SupplierClaimWorkflow.pull_from_sale,
        PullFromSale(actor=staff, store="Shanghai Pudong", sku="WD-1800", batch=batch, quantity=12),
    )
    await supplier.execute_update(
        SupplierClaimWorkflow.return_goods,
        ReturnGoods(actor=handler, quantity=12, reference="TH-88"),
    )
    demand = AskCompensation(actor=handler, amount=Decimal("1800"), reference="SP-1")
    await supplier.execute_update(SupplierClaimWorkflow.ask_compensation, demand)
    assert "exceed" in await refused(
        supplier.execute_update(
            SupplierClaimWorkflow.record_compensation,
            RecordCompensation(actor=handler, amount=Decimal("2000"), reference="X"),
        ),
        "ConditionNotMet",
    )
    partly = await supplier.execute_update(
        SupplierClaimWorkflow.record_compensation,
        RecordCompensation(actor=handler, amount=Decimal("1000"), reference="PAY-1"),
    )
    assert partly.summary.open and partly.summary.waiting_on == "supplier"
    done = await supplier.execute_update(
        SupplierClaimWorkflow.record_compensation,
        RecordCompensation(actor=handler, amount=Decimal("200"), reference="PAY-2", final=True),
    )
    assert done.summary.outcome == "recovered in part: CNY 1200.00 of CNY 1800.00"
    ended = await until(case, lambda s: not process(s, ProcessKind.SUPPLIER).open)
    assert ended.recovery is not None
    assert ended.recovery.paid_to_customer == Decimal("1800")
    assert ended.recovery.recovered_from_supplier == Decimal("1200")
    assert ended.recovery.rate == pytest.approx(0.6667)
    await entry(desk.pool, case_no, "supplier_claim_ended")

    closed = await close_with_follow_up(case, by=staff)
    assert closed.status.stage is Stage.CLOSED
    actions = [action for action, _ in await audit_actions(desk.pool, case_no)]
    for action in (
        "quality_inspection_started",
        "lab_trip_requested",
        "lab_trip_approved",
        "lab_trip_started",
        "lab_result_recorded",
        "quality_ruling_recorded",
        "supplier_claim_started",
        "supplier_notified",
        "supplier_goods_pulled",
        "supplier_goods_returned",
        "supplier_compensation_asked",
        "supplier_compensation_received",
    ):
        assert action in actions
    assert actions.index("supplier_claim_ended") < actions.index("followed_up")
    pulled = await entry(desk.pool, case_no, "supplier_goods_pulled")
    assert pulled["process"] == "supplier_claim"
    assert pulled["data"] == {
        "store": "Shanghai Pudong",
        "sku": "WD-1800",
        "batch": batch,
        "quantity": 12,
    }

    # The monthly report's facts: paid to the customer, recovered from the supplier.
    received = await desk.pool.fetchval(
        "SELECT received_at FROM complaints WHERE case_no = $1", case_no
    )
    period = Period.containing(PeriodKind.MONTHLY, received, policy.calendar.timezone)
    facts = await fetch_case_facts(
        desk.pool,
        period.starts_at(policy.calendar.timezone),
        period.ends_at(policy.calendar.timezone),
        received + timedelta(days=60),
    )
    mine = next(f for f in facts if f.case_no == case_no)
    assert (mine.paid_to_customer, mine.recovered_from_supplier) == (
        Decimal("1800"),
        Decimal("1200"),
    )
    assert mine.supplier_claim


async def test_a_silent_supplier_is_chased_then_the_case_escalates(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor, policy: Policy
) -> None:
    case = await desk.open(staff, wardrobe("B-SILENT"))
    case_no = case_no_of(case)
    # No inspection asked: purchasing may claim on the desk's own report of the defect.
    await case.execute_update(
        ComplaintWorkflow.start_supplier_claim,
        StartSupplierClaim(actor=handler, supplier=SUPPLIER, reason="hinges break"),
    )
    supplier = child(desk, case, ProcessKind.SUPPLIER)
    notified = await supplier.execute_update(
        SupplierClaimWorkflow.send_notice,
        SendNotice(actor=handler, reference="CG-SILENT", sent_on=date(2026, 12, 3)),
    )
    rules = policy.processes.supplier
    first = datetime_of(notified.record["answer_due"])
    second = rules.chase_after.after(first, policy.calendar)

    await time_skipping.sleep(second - await time_skipping.get_current_time() + timedelta(hours=1))

    for _ in range(100):
        chases = await entries(desk.pool, case_no, "supplier_chased")
        escalated = await entries(desk.pool, case_no, "process_escalated")
        if len(chases) >= 2 and escalated:
            break
        await asyncio.sleep(0.1)
    assert abs(chases[0]["at"] - first) < timedelta(minutes=1)
    assert abs(chases[1]["at"] - second) < timedelta(minutes=1)
    assert escalated[0]["data"]["process"] == "supplier_claim"
    assert abs(escalated[0]["at"] - second) < timedelta(minutes=1)
    chase_notices = [n for n in await outbox_for(desk.pool, case_no) if "chase" in n["subject"]]
    assert {n["recipient"] for n in chase_notices} == {"purchasing"}
    assert len(chase_notices) == len(chases)

    # An answer at last: a refusal ends the claim, and nothing was recovered.
    refusal = await supplier.execute_update(
        SupplierClaimWorkflow.record_refusal,
        RecordRefusal(actor=handler, reason="The supplier says the hinges were misused"),
    )
    assert refusal.summary.outcome == f"refused by {SUPPLIER}"
    ended = await until(case, lambda s: not process(s, ProcessKind.SUPPLIER).open)
    assert ended.recovery.recovered_from_supplier == Decimal("0")


async def test_an_overdue_ruling_tells_quality_control_and_escalates_the_case(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, policy: Policy
) -> None:
    case = await desk.open(staff, wardrobe("B-LATE"))
    case_no = case_no_of(case)
    await ask_quality(case, staff)
    quality = child(desk, case, ProcessKind.QUALITY)
    for _ in range(100):
        status = await quality.query(QualityInspectionWorkflow.get_status)
        if status.summary.version >= 1:
            break
        await asyncio.sleep(0.1)
    due = datetime_of(status.record["ruling_due"])
    assert due == policy.processes.quality.inspection_within.after(
        status.summary.started_at, policy.calendar
    )

    await time_skipping.sleep(due - await time_skipping.get_current_time() + timedelta(hours=1))

    overdue = await entry(desk.pool, case_no, "quality_ruling_overdue")
    assert abs(overdue["at"] - due) < timedelta(minutes=1)
    escalated = await entry(desk.pool, case_no, "process_escalated")
    assert escalated["data"]["process"] == "quality_inspection"
    late = [n for n in await outbox_for(desk.pool, case_no) if "overdue" in n["subject"]]
    assert {n["recipient"] for n in late} == {"quality_control"}
    assert (await quality.query(QualityInspectionWorkflow.get_status)).record["overdue"]


async def test_no_defect_leaves_nothing_to_claim_and_a_withdrawn_lab_trip_restarts_the_clocks(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor, senior: Actor
) -> None:
    case = await desk.open(staff, wardrobe("B-USE"))
    case_no = case_no_of(case)
    await ask_quality(case, staff)
    quality = child(desk, case, ProcessKind.QUALITY)
    await quality.execute_update(
        QualityInspectionWorkflow.request_lab_trip,
        RequestLabTrip(actor=handler, lab="SGS", reason="customer insists"),
    )
    await quality.execute_update(
        QualityInspectionWorkflow.approve_lab_trip, ApproveLabTrip(actor=senior, comment="ok")
    )
    await quality.execute_update(
        QualityInspectionWorkflow.start_lab_trip, StartLabTrip(actor=handler)
    )
    await until(case, lambda s: any(d.paused for d in s.deadlines))
    # Withdrawn while the lab works: the case's clocks run again.
    await case.execute_update(
        ComplaintWorkflow.withdraw_process,
        WithdrawProcess(actor=manager, kind=ProcessKind.QUALITY, reason="customer withdrew"),
    )
    await entry(desk.pool, case_no, "quality_inspection_ended")
    await until(case, lambda s: not any(d.paused for d in s.deadlines))
    resumed = await entry(desk.pool, case_no, "clocks_resumed")
    assert resumed["data"]["process"] == "quality_inspection"

    # A second inspection rules: caused by use. Nothing to claim from the supplier.
    await ask_quality(case, staff)
    await until(case, lambda s: process(s, ProcessKind.QUALITY).open)
    ruled = await quality.execute_update(
        QualityInspectionWorkflow.record_ruling,
        RecordRuling(actor=handler, defect=True, cause=DefectCause.USE, summary="overloaded"),
    )
    assert ruled.summary.outcome.startswith("defect caused by its use")
    await until(case, lambda s: not process(s, ProcessKind.QUALITY).open)
    assert "no product defect" in await refused(
        case.execute_update(
            ComplaintWorkflow.start_supplier_claim,
            StartSupplierClaim(actor=handler, supplier=SUPPLIER, reason="x"),
        ),
        "ConditionNotMet",
    )
    assert "RoleNotAllowed" == (
        await _refusal_type(
            case.execute_update(
                ComplaintWorkflow.start_supplier_claim,
                StartSupplierClaim(actor=staff, supplier=SUPPLIER, reason="x"),
            )
        )
    )


async def _refusal_type(call) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await call
    return failure.value.cause.type


def datetime_of(value: str) -> datetime:
    return datetime.fromisoformat(value)

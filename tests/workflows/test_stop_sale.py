"""Stop-sale orders (000 四.18; docs/stop-sale-orders.md) with their real activities, on
the time-skipping server and Postgres: obeyed at once, the open cases of the product
linked, an oral order's written order chased, later cases linked at intake, lifted."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from api.bodies import ProductRefCreate, StopSaleOrderCreate
from api.stop_sale import record_order
from domain.authority import Actor
from domain.models import CaseStatus, StatusQuery
from domain.policy import Policy
from domain.products import ProductRef
from domain.stop_sale import (
    IssuerKind,
    LiftOrder,
    OrderForm,
    OrderQuery,
    OrderStatus,
    RecordWrittenOrder,
    StopSaleOrderRecord,
    order_workflow_id,
)
from tests.support import Desk, case_no_of, intake
from workflows.complaint import ComplaintWorkflow
from workflows.stop_sale import StopSaleOrderWorkflow

REGULATOR = "浦东新区市场监督管理局"


def wardrobe(batch: str, *, sku: str = "WD-1800", store: str = "Shanghai Pudong"):
    return intake(
        store=store,
        description="The wardrobe's door hinge broke off within a week.",
        product=ProductRef(sku=sku, batch=batch, name="两门衣柜 1.8 m"),
    )


def oral_order(batch: str, **fields: object) -> StopSaleOrderCreate:
    return StopSaleOrderCreate.model_validate(
        {
            "issuer": REGULATOR,
            "issuer_kind": IssuerKind.MARKET_REGULATOR,
            "form": OrderForm.ORAL,
            "ordered_on": date(2026, 12, 2),
            "product": ProductRefCreate(sku=" wd-1800", batch=batch),
            **fields,
        }
    )


async def registered(pool: asyncpg.Pool, case: WorkflowHandle | str) -> None:
    """Its intake is through (an order recorded meanwhile would link it at intake)."""
    case_no = case if isinstance(case, str) else case_no_of(case)
    handle = None if isinstance(case, str) else case
    for _ in range(100):
        if await pool.fetchval(
            "SELECT 1 FROM audit_events WHERE case_no = $1 AND action = 'registered'", case_no
        ) and (handle is None or await _idle(handle)):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the case was never registered")


async def _idle(case: WorkflowHandle) -> bool:
    """The rest of intake is done too: its `registered` entry is written by a local
    attempt inside the first workflow task, and the link to orders in force comes after."""
    described = (await case.describe()).raw_description
    return not described.HasField("pending_workflow_task") and not described.pending_activities


async def status_of(case: WorkflowHandle) -> CaseStatus:
    return await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))


async def until_case(case: WorkflowHandle, check: Callable[[CaseStatus], bool]) -> CaseStatus:
    for _ in range(100):
        status = await status_of(case)
        if check(status):
            return status
        await asyncio.sleep(0.1)
    raise AssertionError(f"the case never got there: {status.stop_sale_orders}")


async def until_order(
    handle: WorkflowHandle, check: Callable[[StopSaleOrderRecord], bool]
) -> StopSaleOrderRecord:
    for _ in range(100):
        order = await handle.query(StopSaleOrderWorkflow.get_order, OrderQuery())
        if check(order):
            return order
        await asyncio.sleep(0.1)
    raise AssertionError(f"the order never got there: {order.history}")


async def order_actions(pool: asyncpg.Pool, order_no: int) -> list[str]:
    rows = await pool.fetch(
        "SELECT action FROM audit_events WHERE order_no = $1 ORDER BY seq", order_no
    )
    return [row["action"] for row in rows]


async def order_outbox(pool: asyncpg.Pool, order_no: int) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT recipient, store, subject FROM outbox WHERE order_no = $1 ORDER BY seq", order_no
    )


async def record(desk: Desk, body: StopSaleOrderCreate, actor: Actor) -> WorkflowHandle:
    created = await record_order(
        pool=desk.pool,
        temporal=desk.client,
        task_queue=desk.task_queue,
        policy=desk.policy,
        body=body,
        actor=actor,
    )
    return desk.client.get_workflow_handle_for(
        StopSaleOrderWorkflow.run, order_workflow_id(created.order_no)
    )


def order_no_of(handle: WorkflowHandle) -> int:
    return int(handle.id.removeprefix("stop-sale-"))


async def test_an_oral_order_for_a_wardrobe_batch_is_obeyed_links_its_cases_and_waits_for_writing(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, senior: Actor, policy: Policy
) -> None:
    batch = f"B{uuid.uuid4().hex[:6]}"
    of_the_batch = await desk.open(staff, wardrobe(batch))
    other_batch = await desk.open(staff, wardrobe(f"{batch}X"))
    not_carrying = await desk.open(staff, wardrobe(batch, store="Shenzhen Futian"))
    for case in (of_the_batch, other_batch, not_carrying):
        await registered(desk.pool, case)

    order = await record(desk, oral_order(batch.lower()), staff)
    order_no = order_no_of(order)
    recorded = await until_order(order, lambda o: o.version >= 3)

    # Obeyed at once: purchasing, and the store manager of each store carrying WD-1800.
    assert recorded.stores == ["Shanghai Pudong", "Beijing Chaoyang"]
    told = {(n["recipient"], n["store"]) for n in await order_outbox(desk.pool, order_no)}
    assert told == {
        ("purchasing", None),
        ("user:li.wei", "Shanghai Pudong"),
        ("user:ma.lin", "Beijing Chaoyang"),
    }
    # Linked: the open case of that batch at a store in scope, and no other.
    linked = await until_case(of_the_batch, lambda s: bool(s.stop_sale_orders))
    assert [o.order_no for o in linked.stop_sale_orders] == [order_no]
    assert recorded.linked_cases == [case_no_of(of_the_batch)]
    assert (await status_of(other_batch)).stop_sale_orders == []
    assert (await status_of(not_carrying)).stop_sale_orders == []
    actions = await order_actions(desk.pool, order_no)
    assert actions == [
        "stop_sale_order_recorded",
        "stop_sale_written_order_requested",
        "stop_sale_cases_linked",
    ]
    case_entry = await desk.pool.fetchrow(
        "SELECT data FROM audit_events WHERE case_no = $1 AND action = 'stop_sale_order_linked'",
        case_no_of(of_the_batch),
    )
    assert case_entry["data"]["order_no"] == order_no

    # The written order does not come by its deadline: senior management is told.
    due = recorded.written_order_due
    assert due == policy.stop_sale.written_order_within.after(recorded.recorded_at, policy.calendar)
    await time_skipping.sleep(due - await time_skipping.get_current_time() + timedelta(hours=1))
    overdue = await until_order(order, lambda o: o.written_order_overdue)
    entry = await desk.pool.fetchrow(
        "SELECT at FROM audit_events WHERE order_no = $1"
        " AND action = 'stop_sale_written_order_overdue'",
        order_no,
    )
    assert abs(entry["at"] - due) < timedelta(minutes=1)
    told_late = [n for n in await order_outbox(desk.pool, order_no) if "overdue" in n["subject"]]
    assert {n["recipient"] for n in told_late} == {"senior_management", "purchasing"}
    row = await desk.pool.fetchrow("SELECT * FROM stop_sale_orders WHERE order_no = $1", order_no)
    assert row["written_order_overdue"] and row["status"] == "in_force"

    # ... then it comes: met, late.
    written = await order.execute_update(
        StopSaleOrderWorkflow.record_written_order,
        RecordWrittenOrder(reference="浦市监停字〔2026〕12号", actor=staff),
    )
    assert written.written_order_ref == "浦市监停字〔2026〕12号"
    assert written.reference == written.written_order_ref
    assert overdue.written_order_at is None and written.written_order_at is not None
    late = await desk.pool.fetchrow(
        "SELECT data FROM audit_events WHERE order_no = $1"
        " AND action = 'stop_sale_written_order_recorded'",
        order_no,
    )
    assert late["data"]["late"] is True
    with pytest.raises(WorkflowUpdateFailedError):  # once is enough
        await order.execute_update(
            StopSaleOrderWorkflow.record_written_order,
            RecordWrittenOrder(reference="again", actor=staff),
        )

    # A case registered later about the batch, at a store in scope, is linked at intake.
    later = await desk.open(staff, wardrobe(batch.upper(), store="Beijing Chaoyang"))
    later_status = await until_case(later, lambda s: bool(s.stop_sale_orders))
    assert later_status.stop_sale_orders[0].order_no == order_no
    links = await desk.pool.fetch(
        "SELECT case_no, linked_by FROM stop_sale_order_cases WHERE order_no = $1 ORDER BY 1",
        order_no,
    )
    assert {(r["case_no"], r["linked_by"]) for r in links} == {
        (case_no_of(of_the_batch), "order"),
        (case_no_of(later), "intake"),
    }
    assert "stop_sale_case_linked" in await order_actions(desk.pool, order_no)

    # Only senior management records that it is lifted; everyone is told again.
    with pytest.raises(WorkflowUpdateFailedError):
        await order.execute_update(
            StopSaleOrderWorkflow.lift_order, LiftOrder(reason="withdrawn", actor=staff)
        )
    lifted = await order.execute_update(
        StopSaleOrderWorkflow.lift_order,
        LiftOrder(reason="the regulator's test found the batch compliant", actor=senior),
    )
    assert lifted.status is OrderStatus.LIFTED
    assert (await order.result()).status is OrderStatus.LIFTED
    for case in (of_the_batch, later):
        status = await until_case(
            case, lambda s: s.stop_sale_orders[0].status is OrderStatus.LIFTED
        )
        assert status.stop_sale_orders[0].order_no == order_no
    lift_notices = [n for n in await order_outbox(desk.pool, order_no) if "lifted" in n["subject"]]
    assert len(lift_notices) == 3


async def test_a_written_order_on_time_is_never_overdue(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, manager: Actor
) -> None:
    batch = f"B{uuid.uuid4().hex[:6]}"
    order = await record(desk, oral_order(batch, stores=["shanghai  pudong"]), manager)
    order_no = order_no_of(order)
    recorded = await until_order(order, lambda o: o.version >= 3)
    assert recorded.stores == ["Shanghai Pudong"]
    await order.execute_update(
        StopSaleOrderWorkflow.record_written_order,
        RecordWrittenOrder(reference="浦市监停字〔2026〕13号", actor=staff),
    )
    await time_skipping.sleep(timedelta(days=14))
    final = await order.query(StopSaleOrderWorkflow.get_order, OrderQuery())
    assert not final.written_order_overdue
    assert "stop_sale_written_order_overdue" not in await order_actions(desk.pool, order_no)
    told = {(n["recipient"], n["store"]) for n in await order_outbox(desk.pool, order_no)}
    assert told == {("purchasing", None), ("user:li.wei", "Shanghai Pudong")}


async def test_a_written_order_has_no_deadline_and_links_every_batch_of_its_sku(
    desk: Desk, staff: Actor, manager: Actor
) -> None:
    sku = f"SF-{uuid.uuid4().hex[:6]}"
    first = await desk.open(staff, wardrobe("B1", sku=sku))
    second = await desk.open(staff, wardrobe("B2", sku=sku, store="Urumqi Tianshan"))
    for case in (first, second):
        await registered(desk.pool, case)
    body = StopSaleOrderCreate.model_validate(
        {
            "issuer": "上海市第一中级人民法院",
            "issuer_kind": IssuerKind.COURT,
            "reference": "(2026)沪01执保12号",
            "form": OrderForm.WRITTEN,
            "ordered_on": datetime.now(UTC).date(),
            "product": {"sku": sku, "name": "三人沙发"},
        }
    )
    order = await record(desk, body, manager)
    # An SKU the policy's carried_by does not list: every store of the policy.
    recorded = await until_order(order, lambda o: o.version >= 2)
    assert recorded.written_order_due is None
    assert len(recorded.stores) == 5
    assert sorted(recorded.linked_cases) == sorted([case_no_of(first), case_no_of(second)])
    assert await order_actions(desk.pool, order_no_of(order)) == [
        "stop_sale_order_recorded",
        "stop_sale_cases_linked",
    ]

"""Stop-sale orders (docs/stop-sale-orders.md; 000 四.18): their own register and page.

`POST /stop-sale-orders` records one (it is obeyed at once); `GET` lists them with
filters and reads one with its linked cases and audit trail; `POST …/written-order`
records an oral order's written order; `POST …/lift` records that the authority lifted it
(senior management)."""

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from api.bodies import LiftOrderBody, StopSaleOrderCreate, WrittenOrderBody
from api.commands import IdempotencyKey, to_message
from api.deps import ActorDep, Resources, ResourcesDep
from api.errors import Problem
from api.openapi_errors import CASE_ERRORS
from api.stop_sale import StopSaleOrderCreated, record_order
from domain.authority import Actor
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
from domain.strict import Day
from infra import stop_sale as register
from workflows.stop_sale import StopSaleOrderWorkflow

# The register's integer column: a number beyond it is no order (404), not a server error.
OrderNo = Annotated[int, Path(ge=1, le=2**31 - 1, description="The order's number")]

router = APIRouter(prefix="/stop-sale-orders", tags=["stop-sale orders"], responses=CASE_ERRORS)


class StopSaleOrderSummaryPublic(BaseModel):
    """A row of the register."""

    order_no: int
    issuer: str
    issuer_kind: IssuerKind
    reference: str | None
    form: OrderForm
    ordered_on: date
    product_sku: str | None
    product_batch: str | None
    product_name: str | None
    stores: list[str]
    status: OrderStatus
    written_order_due: datetime | None
    written_order_at: datetime | None
    written_order_ref: str | None
    written_order_overdue: bool
    recorded_by: str
    recorded_at: datetime
    lifted_at: datetime | None
    cases: int = Field(0, description="Cases linked to it")


class LinkedCasePublic(BaseModel):
    case_no: str
    store: str
    stage: str
    linked_at: datetime
    linked_by: str = Field(description="order: at its recording; intake: registered later")
    closed_at: datetime | None


class OrderEventPublic(BaseModel):
    at: datetime
    actor_id: str
    actor_role: str
    action: str
    reason: str
    data: dict[str, Any]


class StopSaleOrderPublic(BaseModel):
    order: StopSaleOrderRecord
    cases: list[LinkedCasePublic] = Field(
        default_factory=list, description="Linked cases at the stores the reader works at"
    )
    events: list[OrderEventPublic] = Field(default_factory=list)


@router.post("", status_code=201, response_model=StopSaleOrderCreated)
async def record(
    body: StopSaleOrderCreate,
    actor: ActorDep,
    resources: ResourcesDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> StopSaleOrderCreated:
    """Records an authority's order; purchasing and every store in scope are told at
    once, the open cases about the product linked, an oral order's written order asked.
    The same request again under its Idempotency-Key answers 200 with the first order."""
    created = await record_order(
        pool=resources.pool,
        temporal=resources.temporal,
        task_queue=resources.settings.temporal_task_queue,
        policy=resources.policy,
        body=body,
        actor=actor,
        idempotency_key=idempotency_key,
    )
    if created.replayed:
        response.status_code = 200
    return created


@router.get("", response_model=list[StopSaleOrderSummaryPublic])
async def list_orders(
    actor: ActorDep,
    resources: ResourcesDep,
    status: OrderStatus | None = None,
    sku: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    batch: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    store: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    issuer: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    ordered_from: Day | None = None,
    ordered_to: Day | None = None,
    overdue: Annotated[
        bool | None, Query(description="An oral order whose written order is overdue")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> list[StopSaleOrderSummaryPublic]:
    rows = await list_order_rows(
        resources,
        status=status,
        sku=sku,
        batch=batch,
        store=store,
        issuer=issuer,
        ordered_from=ordered_from,
        ordered_to=ordered_to,
        overdue=overdue,
        limit=limit,
        offset=offset,
    )
    return rows


async def list_order_rows(resources: Resources, **filters: Any) -> list[StopSaleOrderSummaryPublic]:
    """The register as the API and the console list it."""
    rows = await register.list_orders(resources.pool, **filters)
    return [StopSaleOrderSummaryPublic.model_validate(dict(row)) for row in rows]


async def order_view(resources: Resources, order_no: int, actor: Actor) -> StopSaleOrderPublic:
    """One order: its record, the cases linked to it at the reader's stores, its trail."""
    row = await register.get_order(resources.pool, order_no)
    if row is None:
        # Recorded a moment ago: its first change may not be written yet.
        try:
            order = await _handle(resources, order_no).query(
                StopSaleOrderWorkflow.get_order, OrderQuery()
            )
        except RPCError as err:
            if err.status is RPCStatusCode.NOT_FOUND:
                raise Problem("StopSaleOrderNotFound", f"no stop-sale order {order_no}") from None
            raise
        return StopSaleOrderPublic(order=order)
    order = StopSaleOrderRecord.model_validate(row["record"])
    cases = [
        LinkedCasePublic.model_validate(dict(case))
        for case in await register.order_cases(resources.pool, order_no)
        if actor.works_at(case["store"])
    ]
    events = [
        OrderEventPublic.model_validate(dict(e))
        for e in await register.order_audit(resources.pool, order_no)
    ]
    return StopSaleOrderPublic(order=order, cases=cases, events=events)


@router.get("/{order_no}", response_model=StopSaleOrderPublic)
async def get_order(
    order_no: OrderNo, actor: ActorDep, resources: ResourcesDep
) -> StopSaleOrderPublic:
    return await order_view(resources, order_no, actor)


def _handle(resources: Resources, order_no: int) -> WorkflowHandle:
    return resources.temporal.get_workflow_handle(order_workflow_id(order_no))


async def _in_force(resources: Resources, order_no: int) -> None:
    row = await register.get_order(resources.pool, order_no)
    if row is None:
        raise Problem("StopSaleOrderNotFound", f"no stop-sale order {order_no}")
    if row["status"] == OrderStatus.LIFTED.value:
        raise Problem("StageNotAllowed", f"stop-sale order {order_no} is lifted")


async def _send(
    resources: Resources, order_no: int, update: Any, message: BaseModel
) -> StopSaleOrderRecord:
    """One of the order's commands, to an order in force; its workflow ended with the
    lifting, so one it no longer has is a lifted order too."""
    await _in_force(resources, order_no)
    try:
        return await _handle(resources, order_no).execute_update(update, message)
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            raise Problem("StageNotAllowed", f"stop-sale order {order_no} is lifted") from None
        raise


@router.post("/{order_no}/written-order", response_model=StopSaleOrderRecord)
async def record_written_order(
    order_no: OrderNo, body: WrittenOrderBody, actor: ActorDep, resources: ResourcesDep
) -> StopSaleOrderRecord:
    """The authority's order in writing, received: an oral order's deadline is met."""
    message = to_message(body, RecordWrittenOrder, actor)
    return await _send(resources, order_no, StopSaleOrderWorkflow.record_written_order, message)


@router.post("/{order_no}/lift", response_model=StopSaleOrderRecord)
async def lift(
    order_no: OrderNo, body: LiftOrderBody, actor: ActorDep, resources: ResourcesDep
) -> StopSaleOrderRecord:
    """The authority withdrew or lifted it (senior management records it): told again."""
    message = to_message(body, LiftOrder, actor)
    return await _send(resources, order_no, StopSaleOrderWorkflow.lift_order, message)

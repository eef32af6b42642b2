"""Recording a stop-sale order (docs/stop-sale-orders.md): resolve its scope and whom to
tell, take the next number, start its workflow. The route and the console call this."""

from datetime import UTC, datetime

import asyncpg
import structlog
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from temporalio.client import Client
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.bodies import StopSaleOrderCreate
from api.errors import Problem, Refused
from domain.authority import Actor
from domain.policy import Policy
from domain.rules import Refusal, RefusalType
from domain.stop_sale import (
    OrderRecipient,
    StopSaleOrderStart,
    order_workflow_id,
    plan_recipients,
    recording_refusal,
    stores_in_scope,
)
from domain.stores import canonical_store
from infra.idempotency import request_hash
from infra.stop_sale import claim_order_no
from workflows.stop_sale import StopSaleOrderWorkflow

log = structlog.get_logger(__name__)


class StopSaleOrderCreated(BaseModel):
    order_no: int
    workflow_id: str
    stores: list[str]
    recipients: list[OrderRecipient]
    written_order_requested: bool
    replayed: bool = False


def _named_stores(named: list[str], policy: Policy) -> list[str]:
    known = list(policy.stores)
    if not known:
        return [" ".join(name.split()) for name in named]
    found = []
    for index, name in enumerate(named):
        store = canonical_store(name, known)
        if store is None:
            raise RequestValidationError(
                [
                    {
                        "loc": ("body", "stores", index),
                        "msg": f"unknown store {name!r}: the stores are {', '.join(known)}",
                        "type": "unknown_store",
                        "input": name,
                    }
                ]
            )
        found.append(store)
    return found


def plan_order(
    body: StopSaleOrderCreate, policy: Policy, actor: Actor
) -> tuple[list[str], list[OrderRecipient], list[OrderRecipient]]:
    """The stores in scope, whom to tell of the order, and of its overdue written order."""
    if policy.stop_sale is None:
        raise Problem("StopSaleOff", f"policy {policy.version} has no stop_sale section")
    if (refusal := recording_refusal(actor)) is not None:
        raise Refused(refusal)
    named = _named_stores(body.stores, policy)
    # A store's desk records an order for the stores it names only where it works; one
    # naming none covers every store carrying the product, whoever received it.
    elsewhere = [store for store in named if not actor.works_at(store)]
    if elsewhere:
        raise Problem("StoreNotAllowed", f"{actor.user_id} does not work at {elsewhere[0]}")
    section = policy.stop_sale
    stores = stores_in_scope(section, body.product.to_record(), named, list(policy.stores))
    if not stores:
        raise Refused(Refusal(RefusalType.CONDITION_NOT_MET, "the order covers no store"))

    def recipients_at(store: str | None, role: str) -> list[str]:
        return (policy.for_store(store) if store else policy).recipients(role)

    recipients = plan_recipients(section, stores, recipients_at)
    overdue = [
        OrderRecipient(recipient=r)
        for role in section.overdue_notify
        for r in recipients_at(None, role)
    ]
    return stores, recipients, overdue


async def record_order(
    *,
    pool: asyncpg.Pool,
    temporal: Client,
    task_queue: str,
    policy: Policy,
    body: StopSaleOrderCreate,
    actor: Actor,
    idempotency_key: str | None = None,
) -> StopSaleOrderCreated:
    """Safe to retry under the same key (the actor's own): the order's number is claimed
    with the key before its workflow starts, so a retry, even after a crash in between,
    starts and answers that order, and purchasing and the stores are told once."""
    stores, recipients, overdue = plan_order(body, policy, actor)
    digest = None
    if idempotency_key:
        digest = request_hash(
            "POST", "/stop-sale-orders", actor.user_id, body.model_dump(mode="json")
        )
    order_no, replayed = await claim_order_no(pool, actor.user_id, idempotency_key, digest)
    start = StopSaleOrderStart(
        order_no=order_no,
        issuer=body.issuer,
        issuer_kind=body.issuer_kind,
        reference=body.reference,
        form=body.form,
        ordered_on=body.ordered_on,
        product=body.product.to_record(),
        stores=stores,
        stores_named=bool(body.stores),
        note=body.note,
        recorded_by=actor,
        recorded_at=datetime.now(UTC),
        recipients=recipients,
        overdue_recipients=overdue,
        policy=policy.stop_sale,
        policy_version=policy.version,
        calendar=policy.calendar,
    )
    try:
        await temporal.start_workflow(
            StopSaleOrderWorkflow.run,
            start,
            id=order_workflow_id(order_no),
            task_queue=task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            static_summary=f"stop-sale order {order_no}: {start.product.label()}",
        )
    except WorkflowAlreadyStartedError:
        if not replayed:
            raise
    log.info("stop_sale_order_recorded", order_no=order_no, form=body.form.value, replayed=replayed)
    return StopSaleOrderCreated(
        order_no=order_no,
        workflow_id=order_workflow_id(order_no),
        stores=stores,
        recipients=recipients,
        written_order_requested=body.form.value == "oral",
        replayed=replayed,
    )

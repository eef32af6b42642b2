"""An authority's order to stop selling a product (000 四.18; DOMAIN 6 "Others").

"行政机关或司法机关要求立即撤架的，应当马上撤架和暂停销售。如果是口头通知，一定要向执法
人员说明，请其出具书面文件": an order is obeyed at once (purchasing and every store in its
scope are told), an oral one is followed by the request for it in writing, with a
deadline, and every open case about the product is linked to it. Orders are not cases:
their own register (`stop_sale_orders`), their own workflow per order
(workflows/stop_sale.py), their own entries in the audit trail.

Pure: the messages of the order's workflow, the policy section `stop_sale` and the rules
(who may record, lift; which stores; which cases match).
"""

from collections.abc import Callable
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from domain.authority import Actor, Role
from domain.calendar import BusinessCalendar
from domain.durations import Duration, DurationUnit
from domain.products import ProductRef, product_key
from domain.rules import Refusal, RefusalType
from domain.stores import store_key

WORKFLOW_PREFIX = "stop-sale-"
# The signal an order sends the cases it is linked to (ComplaintWorkflow).
ORDER_CHANGED_SIGNAL = "stop_sale_order_changed"


def order_workflow_id(order_no: int) -> str:
    return f"{WORKFLOW_PREFIX}{order_no}"


def order_key(order_no: int) -> str:
    """What the outbox's deliveries and the inbox hold in place of a case number."""
    return order_workflow_id(order_no)


class IssuerKind(StrEnum):
    """行政机关或司法机关 (000 四.18)."""

    MARKET_REGULATOR = "market_regulator"  # 市场监督管理部门
    OTHER_ADMINISTRATIVE = "other_administrative"  # 其他行政机关
    COURT = "court"  # 人民法院
    OTHER_JUDICIAL = "other_judicial"  # 检察院、公安机关


class OrderForm(StrEnum):
    ORAL = "oral"
    WRITTEN = "written"


class OrderStatus(StrEnum):
    IN_FORCE = "in_force"
    LIFTED = "lifted"


# --- policy -------------------------------------------------------------------------


class StopSalePolicy(BaseModel):
    """The policy's `stop_sale` section; None in policies before it (no orders then)."""

    written_order_within: Duration = Field(
        default_factory=lambda: Duration(amount=3, unit=DurationUnit.WORKING_DAYS),
        description="An oral order's written order is due within this (business calendar)",
    )
    notify: list[str] = Field(
        default_factory=lambda: ["purchasing"],
        description="Roles told of every order, company-wide (000 四.17: purchasing)",
    )
    store_roles: list[str] = Field(
        default_factory=lambda: ["store_manager"],
        description="Roles told at each store in the order's scope",
    )
    overdue_notify: list[str] = Field(
        default_factory=lambda: ["senior_management", "purchasing"],
        description="Told when an oral order's written order is overdue",
    )
    carried_by: dict[str, list[str]] = Field(
        default_factory=dict,
        description="SKU to the stores carrying it; an order naming no store covers these,"
        " or every store of the policy when its SKU is not listed",
    )

    def stores_carrying(self, sku: str | None, every_store: list[str]) -> list[str]:
        key = product_key(sku)
        if key is not None:
            for listed, stores in self.carried_by.items():
                if product_key(listed) == key:
                    return list(stores)
        return list(every_store)


def stores_in_scope(
    policy: StopSalePolicy, product: ProductRef, named: list[str], every_store: list[str]
) -> list[str]:
    """The stores an order covers: those it names, else every store carrying the product.
    Under the policy's names; unknown ones are the caller's to refuse."""
    chosen = named or policy.stores_carrying(product.sku, every_store)
    seen: dict[str, str] = {}
    for store in chosen:
        canonical = next((s for s in every_store if store_key(s) == store_key(store)), store)
        seen.setdefault(store_key(canonical), canonical)
    return list(seen.values())


class OrderRecipient(BaseModel):
    """One recipient of the order's notices; `store` is the store a role is told at."""

    recipient: str
    store: str | None = None


def plan_recipients(
    policy: StopSalePolicy,
    stores: list[str],
    recipients_at: Callable[[str | None, str], list[str]],
) -> list[OrderRecipient]:
    """Purchasing (and the policy's other company roles) once, each store role at each
    store in scope; `recipients_at(store, role)` is the policy's contacts for it."""
    planned: list[OrderRecipient] = []
    for role in policy.notify:
        planned += [OrderRecipient(recipient=r) for r in recipients_at(None, role)]
    for store in stores:
        for role in policy.store_roles:
            planned += [
                OrderRecipient(recipient=r, store=store) for r in recipients_at(store, role)
            ]
    unique: dict[tuple[str, str | None], OrderRecipient] = {}
    for one in planned:
        unique.setdefault((one.recipient, one.store), one)
    return list(unique.values())


# --- the workflow's messages ----------------------------------------------------------


class StopSaleOrderStart(BaseModel):
    """The order's workflow input: the order as recorded, its scope resolved, whom to
    tell, and the policy section it runs under (pinned, as a case pins its policy)."""

    order_no: int
    issuer: str
    issuer_kind: IssuerKind
    reference: str | None = None
    form: OrderForm
    ordered_on: date
    product: ProductRef
    stores: list[str]
    stores_named: bool = False
    note: str | None = None
    recorded_by: Actor
    recorded_at: datetime
    recipients: list[OrderRecipient] = Field(default_factory=list)
    overdue_recipients: list[OrderRecipient] = Field(default_factory=list)
    policy: StopSalePolicy
    policy_version: str
    calendar: BusinessCalendar


class RecordWrittenOrder(BaseModel):
    """The authority's order in writing, received (an oral order's follow-up)."""

    reference: str
    received_on: date | None = None
    note: str | None = None
    actor: Actor


class LiftOrder(BaseModel):
    """The authority withdrew or lifted its order; senior management records it."""

    reason: str
    reference: str | None = None
    lifted_on: date | None = None
    actor: Actor


class OrderQuery(BaseModel):
    include_history: bool = True


class OrderHistoryEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: str = ""


class StopSaleOrderRecord(BaseModel):
    """The order as its workflow holds it: the register row's `record` and the query."""

    order_no: int
    workflow_id: str
    issuer: str
    issuer_kind: IssuerKind
    reference: str | None = None
    form: OrderForm
    ordered_on: date
    product: ProductRef
    stores: list[str]
    stores_named: bool = False
    note: str | None = None
    status: OrderStatus = OrderStatus.IN_FORCE
    recorded_by: str
    recorded_at: datetime
    policy_version: str
    recipients: list[OrderRecipient] = Field(default_factory=list)
    written_order_requested_at: datetime | None = Field(
        None, description="When the authority was asked for the order in writing (oral orders)"
    )
    written_order_due: datetime | None = None
    written_order_ref: str | None = None
    written_order_at: datetime | None = None
    written_order_overdue: bool = False
    linked_cases: list[str] = Field(
        default_factory=list, description="Open cases linked at its recording"
    )
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    lift_reason: str | None = None
    lift_reference: str | None = None
    version: int = 0
    history: list[OrderHistoryEntry] = Field(default_factory=list)


# --- what its activities take and give -------------------------------------------------


class OrderNotification(BaseModel):
    notification_id: str
    recipient: str
    store: str | None = None
    subject: str
    body: str


class OrderAudit(BaseModel):
    event_id: str
    at: datetime
    actor_id: str
    actor_role: str
    action: str
    reason: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class OrderEvent(BaseModel):
    """One change of an order: its audit entry, register row and notices, together."""

    order_no: int
    audit: OrderAudit
    record: StopSaleOrderRecord
    notifications: list[OrderNotification] = Field(default_factory=list)


class LinkOpenCases(BaseModel):
    order_no: int
    product: ProductRef
    stores: list[str]
    at: datetime


class LinkedCases(BaseModel):
    case_nos: list[str] = Field(default_factory=list)


class CasesOfOrder(BaseModel):
    order_no: int


class LinkNewCase(BaseModel):
    """A new case about a product: linked to every order in force over it at its store."""

    case_no: str
    product: ProductRef
    store: str
    at: datetime


class StopSaleOrderLink(BaseModel):
    """What a case knows of an order it is linked to; also the signal an order sends it."""

    order_no: int
    issuer: str
    reference: str | None = None
    form: OrderForm
    product: ProductRef
    status: OrderStatus = OrderStatus.IN_FORCE
    linked_at: datetime
    event_id: str = Field(description="The order's change that sent it: a repeat does nothing")


class LinkedOrders(BaseModel):
    orders: list[StopSaleOrderLink] = Field(default_factory=list)


# --- rules ------------------------------------------------------------------------------

RECORDING_ROLES = frozenset({Role.STAFF, Role.HANDLER, Role.MANAGER, Role.SENIOR})
LIFTING_ROLES = frozenset({Role.SENIOR})


def matches(order: ProductRef, case: ProductRef | None) -> bool:
    """A case is about the ordered product when every code the order names is the case's:
    an order for a batch of a SKU takes that batch only, an order for a SKU every batch."""
    if case is None:
        return False
    wanted = [(product_key(order.sku), product_key(case.sku))]
    wanted.append((product_key(order.batch), product_key(case.batch)))
    named = [(o, c) for o, c in wanted if o is not None]
    return bool(named) and all(o == c for o, c in named)


def recording_refusal(actor: Actor) -> Refusal | None:
    """Anyone at the desk records an order, oral or written (it is obeyed at once: an
    officer at the desk does not wait for a manager); the API checks the stores it names
    are the actor's own."""
    if actor.role not in RECORDING_ROLES:
        return Refusal(RefusalType.ROLE_NOT_ALLOWED, f"role {actor.role} may not record an order")
    return None


def written_order_refusal(record: StopSaleOrderRecord, actor: Actor) -> Refusal | None:
    if actor.role not in RECORDING_ROLES:
        return Refusal(
            RefusalType.ROLE_NOT_ALLOWED, f"role {actor.role} may not record a written order"
        )
    if record.status is not OrderStatus.IN_FORCE:
        return Refusal(RefusalType.STAGE_NOT_ALLOWED, "the order is lifted")
    if record.form is OrderForm.WRITTEN or record.written_order_ref is not None:
        return Refusal(RefusalType.STAGE_NOT_ALLOWED, "the order is on record in writing already")
    return None


def lift_refusal(record: StopSaleOrderRecord, actor: Actor) -> Refusal | None:
    if actor.role not in LIFTING_ROLES:
        return Refusal(
            RefusalType.ROLE_NOT_ALLOWED, "only senior management records that an order is lifted"
        )
    if record.status is not OrderStatus.IN_FORCE:
        return Refusal(RefusalType.STAGE_NOT_ALLOWED, "the order is lifted already")
    return None

"""A claim against the supplier of a defective product (000 四.17; DOMAIN 6 "Others").

"对于顾客投诉有质量问题的商品，相关部门应将相关商品信息及时告知采购部，由采购部与供应商
对接事件原因及下架退货、赔偿等后续处理措施": a defect found is reported to purchasing, which
sends the supplier notice, pulls the goods from sale (which store, which SKU or batch),
returns them, and asks for compensation: received (in part or in full) or refused. A
silent supplier is chased; after the policy's number of chases the case escalates.

What the company paid the customer and what it recovered from the supplier are both on
the case (the claim's summary) and in the monthly report (the recovery rate).

Pure: the claim's messages (tolerant, as histories hold them), its record and its rules.
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from domain.authority import Actor
from domain.personal_data import PERSONAL
from domain.processes import ProcessStart
from domain.products import ProductRef
from domain.rules import Refusal, RefusalType


class SupplierStage(StrEnum):
    REPORTED = "reported"  # purchasing has the defect, no notice sent yet
    NOTIFIED = "notified"
    COMPENSATION_ASKED = "compensation_asked"
    PARTLY_RECOVERED = "partly_recovered"


# --- the claim's messages ---------------------------------------------------------------


class SendNotice(BaseModel):
    reference: str
    sent_on: date
    actor: Actor


class PullFromSale(BaseModel):
    store: str
    sku: str | None = None
    batch: str | None = None
    quantity: int | None = None
    actor: Actor


class ReturnGoods(BaseModel):
    quantity: int
    reference: str
    actor: Actor


class AskCompensation(BaseModel):
    amount: Decimal
    reference: str
    actor: Actor


class RecordCompensation(BaseModel):
    """Money from the supplier; `final`: nothing more will come (a partial recovery ends)."""

    amount: Decimal
    reference: str
    final: bool = False
    actor: Actor


class RecordRefusal(BaseModel):
    reason: Annotated[str, PERSONAL]
    actor: Actor


class SupplierStart(ProcessStart):
    supplier: str
    product: ProductRef | None = None
    defect: Annotated[str, PERSONAL] = Field("", description="Quality control's ruling")


# --- the record -------------------------------------------------------------------------


class Notice(BaseModel):
    reference: str
    sent_on: date
    sent_by: str


class Pulled(BaseModel):
    store: str
    sku: str | None = None
    batch: str | None = None
    quantity: int | None = None
    pulled_by: str
    pulled_at: datetime


class Returned(BaseModel):
    quantity: int
    reference: str
    returned_at: datetime


class Payment(BaseModel):
    amount: Decimal
    reference: str
    received_at: datetime


class SupplierRecord(BaseModel):
    supplier: str
    product: ProductRef | None = None
    defect: Annotated[str, PERSONAL] = ""
    notice: Notice | None = None
    pulled: list[Pulled] = Field(default_factory=list)
    returned: list[Returned] = Field(default_factory=list)
    asked: Decimal | None = None
    asked_reference: str | None = None
    payments: list[Payment] = Field(default_factory=list)
    refused: Annotated[str | None, PERSONAL] = None
    chases: int = 0
    answer_due: datetime | None = None

    def recovered(self) -> Decimal:
        return sum((p.amount for p in self.payments), Decimal("0"))


# --- rules ------------------------------------------------------------------------------


def demand_refusal(record: SupplierRecord) -> Refusal | None:
    if record.notice is None:
        return _unmet("the supplier is sent notice of the defect before any demand")
    if record.asked is not None:
        return _unmet("compensation was asked already")
    return None


def payment_refusal(record: SupplierRecord, amount: Decimal) -> Refusal | None:
    if record.asked is None:
        return _unmet("no compensation was asked of the supplier")
    if record.recovered() + amount > record.asked:
        return _unmet(
            f"CNY {record.recovered() + amount} would exceed the CNY {record.asked} asked"
        )
    return None


def refusal_refusal(record: SupplierRecord) -> Refusal | None:
    if record.notice is None:
        return _unmet("the supplier has not been sent notice: it cannot have refused")
    return None


def claim_outcome(record: SupplierRecord) -> str:
    recovered = record.recovered()
    if record.refused is not None and not record.payments:
        return f"refused by {record.supplier}"
    if record.asked is not None and recovered >= record.asked:
        return f"recovered in full: CNY {recovered:.2f}"
    return f"recovered in part: CNY {recovered:.2f} of CNY {record.asked:.2f}"


def recovery_rate(paid: Decimal, recovered: Decimal) -> float | None:
    """Recovered from suppliers / paid to customers, 4 decimals; None when nothing paid."""
    if paid <= 0:
        return None
    return round(float(recovered / paid), 4)


def _unmet(message: str) -> Refusal:
    return Refusal(RefusalType.CONDITION_NOT_MET, message)

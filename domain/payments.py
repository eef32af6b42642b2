"""Asking finance to pay an accepted money remedy (DOMAIN section 7: a one-off payment, the
agreement filed with finance), exactly once per proposal.

The idempotency key names the case and the step, `202611-0042:payment:2`: a retried or
re-executed request carries the same key, so finance makes one payment of it. The request
holds no personal data: finance finds the payee through the case and the signed agreement.
"""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from domain.models import Proposal, RemedyKind

# The remedies the company pays out; the others (exchange, repair, apology) are carried
# out by the store, and `other` is agreed case by case.
MONEY_REMEDIES = frozenset(
    {
        RemedyKind.REFUND,
        RemedyKind.COMPENSATION,
        RemedyKind.GOODWILL_PAYMENT,
        RemedyKind.MEDICAL_ADVANCE,
    }
)


class PaymentRequest(BaseModel):
    """The finance activity's input: one payment the company owes for one proposal."""

    idempotency_key: str
    case_no: str
    proposal: int
    remedy_kind: RemedyKind
    amount: Decimal = Field(description="What the company pays: the insurer's share excluded")
    insurer_covers: Decimal = Decimal("0")
    agreement_ref: str
    requested_by: str = Field(description="Who recorded the customer's acceptance")
    requested_at: datetime = Field(description="Workflow time: every retry sends the same")
    # Issue 19: the duty manager's medical advance on the spot (000 三.3 紧急请款).
    urgent: bool = False


class PaymentReceipt(BaseModel):
    """What finance answered: the request it holds under the key, however often it was sent."""

    idempotency_key: str
    received_at: datetime
    status: str


def payment_key(case_no: str, proposal: int) -> str:
    return f"{case_no}:payment:{proposal}"


def payment_for(
    case_no: str,
    proposal: Proposal,
    *,
    agreement_ref: str,
    requested_by: str,
    requested_at: datetime,
) -> PaymentRequest | None:
    """The payment an accepted proposal asks of finance; None when the company pays nothing
    (not a money remedy, or the insurer confirmed it all in writing)."""
    amount = proposal.amount_to_approve()
    if proposal.kind not in MONEY_REMEDIES or amount <= 0:
        return None
    return PaymentRequest(
        idempotency_key=payment_key(case_no, proposal.number),
        case_no=case_no,
        proposal=proposal.number,
        remedy_kind=proposal.kind,
        amount=amount,
        insurer_covers=proposal.insurer_covers,
        agreement_ref=agreement_ref,
        requested_by=requested_by,
        requested_at=requested_at,
    )

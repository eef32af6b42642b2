"""The customer's own page (docs/customer-page.md): its policy section and its pure rules.

What the customer is shown of a case is decided here, from the case's status, so the page
shows nothing it was not meant to (no handler, no amount under approval, no notes, no
sub-process): `customer_view` is the only way from a `CaseStatus` to the page.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field, model_validator

from domain.contact import CustomerLanguage
from domain.durations import Duration

if TYPE_CHECKING:
    from domain.models import CaseStatus


class PrivacyNotice(BaseModel):
    """What PIPL (arts. 14, 17) asks the customer be told before consenting: who processes
    the data, for what purpose, how long it is kept, and how to exercise their rights."""

    purpose: str = Field(min_length=1, max_length=500)
    retention: str = Field(min_length=1, max_length=500)
    # Under 1,000 characters, as the message templates: policy text, never personal data.
    text: str = Field(min_length=1, max_length=900, description="The notice as the page shows it")


class RateLimit(BaseModel):
    requests: int = Field(gt=0)
    per_seconds: int = Field(gt=0, le=86400)


class CustomerPagePolicy(BaseModel):
    """The policy's `customer_page` section; None in policies before it (no public page).
    The API reads it from the active policy; a case's pinned policy leaves it out."""

    notice: dict[CustomerLanguage, PrivacyNotice] = Field(
        description="The personal-information notice, per language (zh and en)"
    )
    tracking_valid_after_close: Duration = Field(
        description="How long the tracking link works after the case was closed"
    )
    online_consent_remedies: list[str] = Field(
        default_factory=list,
        description="Remedy kinds the customer may accept or refuse on the page, when they"
        " cost nothing (no amount): an apology, a repair, an exchange",
    )
    per_address: RateLimit = Field(description="Complaints and posts from one client address")
    per_contact: RateLimit = Field(description="Complaints with one contact")
    flood_per_minute: int = Field(
        gt=0, description="Complaints a store's page takes in a minute before it asks for work"
    )
    proof_of_work_bits: int = Field(
        ge=8, le=28, description="Leading zero bits of the SHA-256 a flooded page asks for"
    )
    description_max: int = Field(2000, gt=0, le=10000)
    files_max: int = Field(3, ge=0, le=10)

    @model_validator(mode="after")
    def _notice_in_every_language(self) -> "CustomerPagePolicy":
        missing = [lang.value for lang in CustomerLanguage if lang not in self.notice]
        if missing:
            raise ValueError(f"notice missing for {', '.join(missing)}")
        return self


class PlainStage(StrEnum):
    """A case's stage as the customer reads it."""

    RECEIVED = "received"  # registered, waiting for first contact
    LOOKING_INTO_IT = "looking_into_it"  # acknowledged, investigated, a remedy weighed
    ANSWER_READY = "answer_ready"  # an approved proposal for the customer
    BEING_CARRIED_OUT = "being_carried_out"
    DONE = "done"  # carried out, the follow-up to come
    CLOSED = "closed"


_PLAIN = {
    "received": PlainStage.RECEIVED,
    "investigating": PlainStage.LOOKING_INTO_IT,
    "liability_decided": PlainStage.LOOKING_INTO_IT,
    "remedy_proposed": PlainStage.LOOKING_INTO_IT,  # an amount under approval is internal
    "approved": PlainStage.ANSWER_READY,
    "customer_consented": PlainStage.BEING_CARRIED_OUT,
    "remedy_carried_out": PlainStage.DONE,
    "closed": PlainStage.CLOSED,
}


class AskedOfCustomer(StrEnum):
    NOTHING = "nothing"
    # The desk paused the case's clocks waiting on the customer (documents, an
    # appointment): the pause's note is staff's words, so the page says it in its own.
    FROM_YOU = "from_you"
    ANSWER = "answer"  # accept or refuse the proposal


@dataclass(frozen=True)
class OnlineProposal:
    """A proposal the customer may answer on the page: its kind and what it says."""

    kind: str
    details: str


@dataclass(frozen=True)
class CustomerView:
    stage: PlainStage
    next_date: datetime | None
    asked: AskedOfCustomer
    proposal: OnlineProposal | None
    closed_at: datetime | None


def customer_view(status: "CaseStatus", policy: CustomerPagePolicy) -> CustomerView:
    """What the page shows of a case. The next date is the earliest pending deadline the
    customer was promised (first contact, the answer, the remedy, closing): never an
    internal one such as the department's reply."""
    stage = _PLAIN.get(status.stage.value, PlainStage.LOOKING_INTO_IT)
    promised = {"acknowledge", "proposal", "inform_customer", "close", "reopen_reply"}
    pending = [
        d.due_at
        for d in status.deadlines
        if str(d.name) in promised and str(d.state) == "pending" and not d.paused
    ]
    asked = AskedOfCustomer.NOTHING
    if any(
        d.paused and d.pauses and str(d.pauses[-1].reason) == "customer" for d in status.deadlines
    ):
        asked = AskedOfCustomer.FROM_YOU
    proposal = None
    if status.stage.value == "approved":
        asked = AskedOfCustomer.ANSWER
        approved = [p for p in status.proposals if p.customer_response is None]
        if approved:
            latest = approved[-1]
            if answerable_online(str(latest.kind), latest.amount, policy):
                proposal = OnlineProposal(kind=str(latest.kind), details=latest.details)
    return CustomerView(
        stage=stage,
        next_date=min(pending) if pending else None,
        asked=asked,
        proposal=proposal,
        closed_at=status.closed_at,
    )


def answerable_online(kind: str, amount: Decimal, policy: CustomerPagePolicy) -> bool:
    """Small, non-money remedies only: a payment's consent is signed with the desk."""
    return kind in policy.online_consent_remedies and amount == 0


def tracking_expired(
    closed_at: datetime | None, now: datetime, policy: CustomerPagePolicy, calendar
) -> bool:
    if closed_at is None:
        return False
    return now >= policy.tracking_valid_after_close.after(closed_at, calendar)


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + (8 - byte.bit_length())
    return bits

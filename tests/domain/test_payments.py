"""What an accepted proposal asks finance to pay, and under which key."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.authority import Level
from domain.models import Proposal, RemedyKind
from domain.payments import payment_for

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


def _proposal(kind: RemedyKind, amount: str, *, number: int = 1, covers: str = "0") -> Proposal:
    return Proposal(
        number=number,
        kind=kind,
        amount=Decimal(amount),
        details="as agreed",
        proposed_by="handler.wang",
        proposed_at=NOW,
        approver_level=Level.DEPARTMENT_MANAGER,
        insurer_covers=Decimal(covers),
        company_pays=Decimal(amount) - Decimal(covers),
    )


def _pay(proposal: Proposal):
    return payment_for(
        "202612-0007",
        proposal,
        agreement_ref="AG-7",
        requested_by="handler.wang",
        requested_at=NOW,
    )


@pytest.mark.parametrize(
    "kind",
    [
        RemedyKind.REFUND,
        RemedyKind.COMPENSATION,
        RemedyKind.GOODWILL_PAYMENT,
        RemedyKind.MEDICAL_ADVANCE,
    ],
)
def test_a_money_remedy_asks_finance_under_the_case_and_proposal(kind: RemedyKind) -> None:
    payment = _pay(_proposal(kind, "800", number=2))
    assert payment is not None
    assert (payment.idempotency_key, payment.amount, payment.remedy_kind) == (
        "202612-0007:payment:2",
        Decimal("800"),
        kind,
    )


@pytest.mark.parametrize("kind", [RemedyKind.REPAIR, RemedyKind.EXCHANGE, RemedyKind.APOLOGY])
def test_a_remedy_the_store_carries_out_asks_finance_for_nothing(kind: RemedyKind) -> None:
    assert _pay(_proposal(kind, "300")) is None


def test_finance_pays_only_what_the_insurer_has_not_confirmed() -> None:
    payment = _pay(_proposal(RemedyKind.COMPENSATION, "5000", covers="3500"))
    assert payment is not None
    assert (payment.amount, payment.insurer_covers) == (Decimal("1500"), Decimal("3500"))
    assert _pay(_proposal(RemedyKind.COMPENSATION, "5000", covers="5000")) is None

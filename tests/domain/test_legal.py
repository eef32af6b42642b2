"""The rules of legal documents, the lawsuit and the regulator (issue 16), pure."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from domain.authority import Actor, Role
from domain.durations import Duration, DurationUnit
from domain.legal import (
    Check,
    LegalDocument,
    LegalDocumentKind,
    LegalDocumentsRecord,
    LegalDocumentState,
    SignPapers,
    judgment_refusal,
    missing_enclosures,
    sign_refusal,
)
from domain.mediation import ReplyForm, written_reply_refusal
from domain.policy import LawsuitPolicy
from domain.processes import ProcessKind, ProcessSummary

NOW = datetime(2026, 12, 2, 10, tzinfo=UTC)
HANDLER = Actor(user_id="handler.wang", role=Role.HANDLER)


def _lawsuit(ref: str | None, orders: str | None = None) -> ProcessSummary:
    return ProcessSummary(
        kind=ProcessKind.LAWSUIT,
        workflow_id="complaint-202612-0001-lawsuit",
        stage="execution",
        waiting_on="judgment-execution",
        started_at=NOW,
        effective_judgment_ref=ref,
        judgment_orders=Decimal(orders) if orders else None,
    )


def test_a_court_judgment_named_on_a_payment_must_be_the_lawsuits_effective_one() -> None:
    assert judgment_refusal(None, Decimal("100"), []) is None
    none = judgment_refusal("(2026)沪0115民初1号", Decimal("100"), [])
    assert none is not None and "no effective judgment" in none.message
    appealed_only = judgment_refusal("J-1", Decimal("100"), [_lawsuit(None)])
    assert appealed_only is not None and "no effective judgment" in appealed_only.message
    other = judgment_refusal("J-2", Decimal("100"), [_lawsuit("J-1", "300")])
    assert other is not None and "J-1, not this one" in other.message
    too_much = judgment_refusal("J-1", Decimal("301"), [_lawsuit("J-1", "300")])
    assert too_much is not None and "orders CNY 300" in too_much.message
    assert judgment_refusal(" J-1 ", Decimal("300"), [_lawsuit("J-1", "300")]) is None


def _papers(state: LegalDocumentState, kind=LegalDocumentKind.COURT) -> LegalDocumentsRecord:
    document = LegalDocument(
        number=1,
        kind=kind,
        state=state,
        received_by="staff.li",
        received_at=NOW,
        checks=[Check(name="company_name_matches", passed=True, by="staff.li", at=NOW)],
        enclosures_listed=["complaint", "evidence"],
    )
    return LegalDocumentsRecord(department="legal affairs", documents=[document])


@pytest.mark.parametrize(
    ("state", "kind", "original", "says"),
    [
        (LegalDocumentState.RECEIVED_UNSIGNED, LegalDocumentKind.LAWYER_LETTER, True, "never"),
        (LegalDocumentState.AWAITING_SENIOR, LegalDocumentKind.COURT, True, "senior management"),
        (LegalDocumentState.SENIOR_INFORMED, LegalDocumentKind.COURT, False, "only originals"),
        (LegalDocumentState.REFUSED, LegalDocumentKind.POLICE, True, "failed their checks"),
        (LegalDocumentState.SIGNED, LegalDocumentKind.COURT, True, "signed for already"),
        (LegalDocumentState.SENIOR_INFORMED, LegalDocumentKind.PROCURATORATE, True, None),
    ],
)
def test_papers_are_signed_for_only_as_000_nine_says(state, kind, original, says) -> None:
    sign = SignPapers(number=1, signed_by="Wang Li", original=original, actor=HANDLER)
    refusal = sign_refusal(_papers(state, kind), sign)
    if says is None:
        assert refusal is None
    else:
        assert refusal is not None and says in refusal.message


def test_missing_enclosures_are_named_as_listed() -> None:
    assert missing_enclosures(["Complaint", "evidence list"], [" complaint "]) == ["evidence list"]
    assert missing_enclosures([], ["anything"]) == []


def test_a_written_reply_needs_an_approval_and_names_whom_it_goes_to() -> None:
    assert written_reply_refusal(ReplyForm.ORAL, approved_by=None) is None
    assert written_reply_refusal(ReplyForm.WRITTEN, approved_by="senior.chen") is None
    refusal = written_reply_refusal(ReplyForm.WRITTEN, approved_by=None, to="the regulator")
    assert refusal is not None and "to the regulator needs senior" in refusal.message


def test_the_lawsuits_reminders_are_counted_in_clock_time() -> None:
    days = Duration(amount=3, unit=DurationUnit.DAYS)
    policy = LawsuitPolicy(
        hearing_reminder_before=Duration(amount=24, unit=DurationUnit.HOURS),
        execution_within=Duration(amount=10, unit=DurationUnit.WORKING_DAYS),
        execution_reminder_before=days,
    )
    assert policy.execution_reminder(NOW) == datetime(2026, 11, 29, 10, tzinfo=UTC)
    assert policy.hearing_reminder(NOW) == datetime(2026, 12, 1, 10, tzinfo=UTC)
    with pytest.raises(ValidationError, match="execution_reminder_before"):
        LawsuitPolicy(
            hearing_reminder_before=days,
            execution_within=days,
            execution_reminder_before=Duration(amount=1, unit=DurationUnit.WORKING_DAYS),
        )

"""Grades A-D (DOMAIN section 4): what intake data decides, and raising a grade."""

import re
import unicodedata
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.durations import Duration


class Grade(StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"


_SEVERITY = {Grade.D: 0, Grade.C: 1, Grade.B: 2, Grade.A: 3}


def more_severe(current: Grade, target: Grade) -> Grade:
    """Grades only go up automatically: the more severe of the two."""
    return target if _SEVERITY[target] > _SEVERITY[current] else current


class AgeRaise(BaseModel):
    """A valid complaint still open this long after registration is raised to `to`
    (DOMAIN section 4: one month to A; 3+ people one week to B)."""

    after: Duration
    to: Grade
    min_people: int = Field(1, ge=1)


class GradingPolicy(BaseModel):
    collective_a_min_people: int = Field(10, ge=2)
    collective_b_min_people: int = Field(3, ge=2)
    major_loss_amount: Decimal = Field(Decimal("10000"), gt=0)
    grade_a_categories: list[str] = Field(default_factory=lambda: ["personal_injury"])
    grade_d_categories: list[str] = Field(default_factory=lambda: ["suggestion_enquiry"])
    # Read at intake only (api/intake.py), never by a running case, so defaults are safe.
    repeat_min_customers: int = Field(
        3, ge=2, description="Identical complaints from this many different customers: grade B"
    )
    repeat_window_days: int = Field(
        30, gt=0, le=366, description="...received within this many days (DOMAIN: one month)"
    )
    # Read by the workflow: empty in policies that predate it.
    raise_when_open: list[AgeRaise] = Field(default_factory=list)


class RepeatComplaints(BaseModel):
    """Identical complaints in the register, this one included: same store, same category
    and the same subject (normalised), received within the repeat window."""

    subject: str
    store: str
    complaints: int = Field(ge=1)
    customers: int = Field(ge=1, description="Different customers (normalised contact)")
    window_days: int


def subject_key(subject: str) -> str:
    """What makes two subjects identical: "Sofa  ZX-200 stitching" and "sofa ＺＸ-200
    Stitching" are one (full-width forms, case and spacing do not count)."""
    return " ".join(unicodedata.normalize("NFKC", subject).casefold().split())


_PHONE = re.compile(r"^\+?[\d\s\-().]+$")


def customer_key(contact: str) -> str:
    """Who complained, for telling people apart: a phone number by its digits (a mainland
    +86 prefix dropped), anything else (an e-mail) case- and space-insensitively."""
    text = unicodedata.normalize("NFKC", contact).strip()
    if _PHONE.match(text):
        digits = re.sub(r"\D", "", text)
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        return digits
    return "".join(text.casefold().split())


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


class GradeDecision(BaseModel):
    grade: Grade
    reasons: list[str]


def grade_at_intake(
    *,
    category: str,
    people_affected: int,
    claimed_amount: Decimal,
    media_attention: bool,
    litigation_threatened: bool,
    policy: GradingPolicy,
    repeats: RepeatComplaints | None = None,
) -> GradeDecision:
    """The grade that intake data and the register decide; age and breaches come later.

    `repeats` are the identical complaints the register holds (api/intake.py asks it);
    None when the complaint names no subject.
    """
    a_reasons: list[str] = []
    if category in policy.grade_a_categories:
        a_reasons.append(f"category {category} is graded A")
    if people_affected >= policy.collective_a_min_people:
        a_reasons.append(f"collective complaint of {people_affected} people")
    if claimed_amount >= policy.major_loss_amount:
        a_reasons.append(f"claimed amount {claimed_amount:g} is a major economic loss")
    if a_reasons:
        return GradeDecision(grade=Grade.A, reasons=a_reasons)

    b_reasons: list[str] = []
    if people_affected >= policy.collective_b_min_people:
        b_reasons.append(f"collective complaint of {people_affected} people")
    if media_attention or litigation_threatened:
        b_reasons.append("possible litigation or media coverage")
    # A suggestion or enquiry is no complaint, however many people make it.
    if (
        repeats is not None
        and repeats.customers >= policy.repeat_min_customers
        and category not in policy.grade_d_categories
    ):
        b_reasons.append(
            f"{_ordinal(repeats.complaints)} complaint about '{repeats.subject}' at "
            f"{repeats.store} from {repeats.customers} different customers "
            f"in {repeats.window_days} days"
        )
    if b_reasons:
        return GradeDecision(grade=Grade.B, reasons=b_reasons)

    if category in policy.grade_d_categories:
        return GradeDecision(grade=Grade.D, reasons=["suggestion or enquiry"])
    return GradeDecision(grade=Grade.C, reasons=["general complaint"])

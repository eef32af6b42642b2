"""Grades A-D (DOMAIN section 4): what intake data decides, and raising a grade."""

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
    # Read by the workflow: empty in policies that predate it.
    raise_when_open: list[AgeRaise] = Field(default_factory=list)


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
) -> GradeDecision:
    """The grade that intake data alone can decide; repeats and age come later."""
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
    if b_reasons:
        return GradeDecision(grade=Grade.B, reasons=b_reasons)

    if category in policy.grade_d_categories:
        return GradeDecision(grade=Grade.D, reasons=["suggestion or enquiry"])
    return GradeDecision(grade=Grade.C, reasons=["general complaint"])

"""The escalation chain's acknowledgement, major cases and on-site attendance
(DOMAIN sections 4, 5 and 7): policy sections and their rules."""

from decimal import Decimal

from pydantic import BaseModel, Field

from domain.durations import Duration
from domain.grades import Grade


class EscalationPolicy(BaseModel):
    """An escalation waits for the level's acknowledgement and climbs again without it."""

    acknowledge_within: Duration


class MajorCasePolicy(BaseModel):
    """A claim above the threshold is a major case: senior management is told at intake."""

    claimed_amount_above: Decimal = Field(gt=0)
    notify: list[str] = Field(default_factory=lambda: ["senior_management"], min_length=1)


class OnSitePolicy(BaseModel):
    """Who attends on site for each grade (DOMAIN section 5: A store manager, B customer
    service supervisor, C area manager); a grade not listed needs no one on site."""

    by_grade: dict[Grade, str] = Field(description="Grade to contact (role)")

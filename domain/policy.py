"""The policy: every deadline, threshold, authority limit and the holiday calendar.

Loaded from a YAML file (policy/default.yaml) and validated at start-up; a case pins the
policy it started with, carried in its workflow input.
"""

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from domain.authority import AuthorityPolicy
from domain.calendar import BusinessCalendar
from domain.grades import Grade, GradingPolicy


class DeadlineName(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    DEPARTMENT_REPLY = "department_reply"
    PROPOSAL = "proposal"
    INFORM_CUSTOMER = "inform_customer"
    CLOSE = "close"
    REOPEN_REPLY = "reopen_reply"
    FOLLOW_UP = "follow_up"


class DurationUnit(StrEnum):
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"


class Duration(BaseModel):
    amount: int = Field(gt=0)
    unit: DurationUnit
    saturday_counts: bool = False

    def after(self, start: datetime, calendar: BusinessCalendar) -> datetime:
        if self.unit is DurationUnit.HOURS:
            return start + timedelta(hours=self.amount)
        if self.unit is DurationUnit.DAYS:
            return start + timedelta(days=self.amount)
        return calendar.add_working_days(start, self.amount, saturday_counts=self.saturday_counts)


class DeadlineRule(BaseModel):
    label: str = Field(min_length=1, description="What is due, as the Web UI shows it")
    default: Duration
    by_category: dict[str, Duration] = Field(default_factory=dict)
    by_grade: dict[Grade, Duration] = Field(default_factory=dict)
    raise_grade_to: Grade | None = Field(
        None, description="Grade a case is raised to (at least) when this deadline is missed"
    )

    def duration_for(self, *, category: str, grade: Grade) -> Duration:
        if grade in self.by_grade:
            return self.by_grade[grade]
        return self.by_category.get(category, self.default)


class Policy(BaseModel):
    version: str = Field(min_length=1)
    calendar: BusinessCalendar
    deadlines: dict[DeadlineName, DeadlineRule]
    grading: GradingPolicy
    authority: AuthorityPolicy
    reopen_window_days: int = Field(
        90, gt=0, description="How long a closed case can be reopened as a second complaint"
    )

    @model_validator(mode="after")
    def _every_deadline_defined(self) -> "Policy":
        missing = [name.value for name in DeadlineName if name not in self.deadlines]
        if missing:
            raise ValueError(f"deadlines missing: {', '.join(missing)}")
        return self

    def due_at(
        self, name: DeadlineName, start: datetime, *, category: str, grade: Grade
    ) -> datetime:
        duration = self.deadlines[name].duration_for(category=category, grade=grade)
        return duration.after(start, self.calendar)

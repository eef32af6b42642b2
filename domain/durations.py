"""A span of time as the policy writes it: hours, days or working days."""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, WithJsonSchema

from domain.calendar import BusinessCalendar

RFC3339Duration = Annotated[str, WithJsonSchema({"type": "string", "format": "duration"})]


def rfc3339_duration(value: timedelta) -> str:
    """`P400DT3H0M5S`: whole seconds, in days and a contiguous time part, as RFC 3339 (and
    so JSON Schema's `duration` format) writes a duration. ISO 8601 as pydantic writes a
    timedelta has fractions of a second and, past a year, years without months, which
    strict readers refuse."""
    days, rest = divmod(round(value.total_seconds()), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [(hours, "H"), (minutes, "M"), (seconds, "S")]
    shown = [i for i, (amount, _) in enumerate(parts) if amount]
    if not shown:
        return f"P{days}D"
    return f"P{days}DT" + "".join(f"{n}{unit}" for n, unit in parts[shown[0] : shown[-1] + 1])


class DurationUnit(StrEnum):
    # Issue 19: the duty manager's decisions on the spot are due within minutes (000 三).
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"


class Duration(BaseModel):
    amount: int = Field(gt=0)
    unit: DurationUnit
    saturday_counts: bool = False

    def after(self, start: datetime, calendar: BusinessCalendar) -> datetime:
        if self.unit is DurationUnit.MINUTES:
            return start + timedelta(minutes=self.amount)
        if self.unit is DurationUnit.HOURS:
            return start + timedelta(hours=self.amount)
        if self.unit is DurationUnit.DAYS:
            return start + timedelta(days=self.amount)
        return calendar.add_working_days(start, self.amount, saturday_counts=self.saturday_counts)

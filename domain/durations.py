"""A span of time as the policy writes it: hours, days or working days."""

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field

from domain.calendar import BusinessCalendar


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

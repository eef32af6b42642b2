"""The business calendar: which days are working days, and deadlines counted in them.

DOMAIN section 5: working days skip weekends and public holidays; adjusted working
weekends count as working days; "Saturday counts" is a per-deadline setting.
Pure and deterministic, so workflows can use it.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator

SATURDAY = 6
SUNDAY = 7


class BusinessCalendar(BaseModel):
    timezone: str = "Asia/Shanghai"
    weekend: list[int] = Field(default_factory=lambda: [SATURDAY, SUNDAY])
    holidays: list[date] = Field(default_factory=list)
    adjusted_working_days: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)
        return value

    @field_validator("weekend")
    @classmethod
    def _iso_weekdays(cls, value: list[int]) -> list[int]:
        if any(day < 1 or day > 7 for day in value):
            raise ValueError("weekend days are ISO weekdays, 1 (Monday) to 7 (Sunday)")
        return value

    def is_working_day(self, day: date, *, saturday_counts: bool = False) -> bool:
        if day in self.adjusted_working_days:
            return True
        if day in self.holidays:
            return False
        weekday = day.isoweekday()
        if saturday_counts and weekday == SATURDAY:
            return True
        return weekday not in self.weekend

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(ZoneInfo(self.timezone))

    def add_working_days(
        self, start: datetime, days: int, *, saturday_counts: bool = False
    ) -> datetime:
        """The same wall-clock time, `days` working days after the day of `start`."""
        local_start = self.local(start)
        day = local_start.date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day, saturday_counts=saturday_counts):
                counted += 1
        wall = time(local_start.hour, local_start.minute, local_start.second)
        return datetime.combine(day, wall, tzinfo=local_start.tzinfo).astimezone(start.tzinfo)

    def end_of_day(self, day: date) -> datetime:
        """The last second of a local day: "within N days of the 5th" ends there."""
        return datetime.combine(day, time(23, 59, 59), tzinfo=ZoneInfo(self.timezone))

    def month_of(self, moment: datetime) -> str:
        """`YYYYMM` of the moment in the store's time zone (the case-number prefix)."""
        return self.local(moment).strftime("%Y%m")

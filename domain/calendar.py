"""The business calendar: which days are working days, and deadlines counted in them.

DOMAIN section 5: working days skip weekends and public holidays; adjusted working
weekends count as working days; "Saturday counts" is a per-deadline setting.
Pure and deterministic, so workflows can use it: the calendar a case carries has its
holidays as explicit dates. Where they come from (`public_holidays`, the `holidays`
library) is resolved when the policy is loaded (infra/policy_file.py), never in a workflow.

Every field that changes a computation defaults to off, so a case started under an older
policy (explicit lists, nothing else) computes exactly what it did.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, ValidationInfo, model_validator

from domain.stores import BusinessHours, StoreSettings, TimeZoneName, Weekdays, overlapping_days

SATURDAY = 6
SUNDAY = 7

# The validation context key under which the policy loader passes a HolidaySource.
HOLIDAY_SOURCE = "holiday_source"


class PublicHolidays(BaseModel):
    """Where `holidays` and `adjusted_working_days` come from: a country's public holidays
    (and its swapped working weekends) from a maintained library."""

    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code: CN")
    subdivision: str | None = Field(None, description="A province or state, where it differs")
    # Filled in by the loader, so the policy a case carries says what its lists are.
    resolved_years: list[int] = Field(default_factory=list)
    resolved_by: str | None = Field(None, description="library and version: holidays 0.109")

    @model_validator(mode="after")
    def _known_to_the_source(self, info: ValidationInfo) -> "PublicHolidays":
        source = (info.context or {}).get(HOLIDAY_SOURCE)
        if source is not None:
            source.check(self)
        return self


@dataclass(frozen=True)
class ResolvedHolidays:
    holidays: list[date]
    working_weekends: list[date]
    years: list[int]
    resolved_by: str


class HolidaySource(Protocol):
    """Turns a `public_holidays` setting into dates (infra.policy_file.LibraryHolidays)."""

    def check(self, rule: PublicHolidays) -> None:
        """Raises ValueError naming the country or subdivision it does not know."""

    def resolve(self, rule: PublicHolidays) -> ResolvedHolidays: ...


class BusinessCalendar(BaseModel):
    timezone: TimeZoneName = "Asia/Shanghai"
    weekend: Weekdays = Field(default_factory=lambda: [SATURDAY, SUNDAY])
    holidays: list[date] = Field(default_factory=list)
    adjusted_working_days: list[date] = Field(default_factory=list)
    public_holidays: PublicHolidays | None = Field(
        None, description="Fill holidays and adjusted_working_days from the holidays library"
    )
    extra_holidays: list[date] = Field(
        default_factory=list, description="Local closures, on top of the public holidays"
    )
    extra_working_days: list[date] = Field(
        default_factory=list, description="Days worked although the lists say not: overrides"
    )
    business_hours: BusinessHours | None = Field(
        None, description="Working-day deadlines start counting at the next opening"
    )

    @model_validator(mode="after")
    def _a_day_is_open_or_closed(self) -> "BusinessCalendar":
        if err := overlapping_days(self.extra_holidays, self.extra_working_days):
            raise err
        return self

    @model_validator(mode="after")
    def _resolve_public_holidays(self, info: ValidationInfo) -> "BusinessCalendar":
        source: HolidaySource | None = (info.context or {}).get(HOLIDAY_SOURCE)
        if source is None or self.public_holidays is None:
            return self
        if self.holidays or self.adjusted_working_days:
            raise ValueError(
                "holidays and adjusted_working_days come from public_holidays: "
                "put local closures in extra_holidays and overrides in extra_working_days"
            )
        resolved = source.resolve(self.public_holidays)
        self.holidays = sorted(resolved.holidays)
        self.adjusted_working_days = sorted(resolved.working_weekends)
        self.public_holidays = self.public_holidays.model_copy(
            update={"resolved_years": resolved.years, "resolved_by": resolved.resolved_by}
        )
        return self

    def is_working_day(self, day: date, *, saturday_counts: bool = False) -> bool:
        # Local settings first: a store open on a public holiday, or closed on a
        # swapped working Saturday.
        if day in self.extra_working_days:
            return True
        if day in self.extra_holidays:
            return False
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

    def within_business_hours(self, moment: datetime, *, saturday_counts: bool = False) -> bool:
        """A working day, and within the opening hours if the calendar has any."""
        local = self.local(moment)
        if not self.is_working_day(local.date(), saturday_counts=saturday_counts):
            return False
        return self.business_hours is None or self.business_hours.contains(local.time())

    def next_opening(self, moment: datetime, *, saturday_counts: bool = False) -> datetime:
        """The moment itself within business hours, else when the store next opens
        (midnight of the next working day for a calendar without business hours)."""
        if self.within_business_hours(moment, saturday_counts=saturday_counts):
            return moment
        local = self.local(moment)
        opens = self.business_hours.opens if self.business_hours else time(0)
        day = local.date()
        if not (self.is_working_day(day, saturday_counts=saturday_counts) and local.time() < opens):
            day += timedelta(days=1)
            while not self.is_working_day(day, saturday_counts=saturday_counts):
                day += timedelta(days=1)
        return datetime.combine(day, opens, tzinfo=local.tzinfo).astimezone(moment.tzinfo)

    def add_working_days(
        self, start: datetime, days: int, *, saturday_counts: bool = False
    ) -> datetime:
        """The same wall-clock time, `days` working days after the day of `start`.

        With business hours, a start outside them (or on a day off) counts from the next
        opening: received Friday 22:00, two working days are due Wednesday at opening.
        """
        if self.business_hours is not None:
            start = self.next_opening(start, saturday_counts=saturday_counts)
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
        """`YYYYMM` of the moment in this calendar's time zone. Intake asks the company's
        calendar (not the store's): case-number months follow the company's zone."""
        return self.local(moment).strftime("%Y%m")

    def for_store(self, store: StoreSettings) -> "BusinessCalendar":
        """This calendar with a store's settings: each one the store sets replaces the
        company's; its local days are added, the store's word winning on a clash."""
        closed, opened = set(store.extra_holidays), set(store.extra_working_days)
        return self.model_copy(
            update={
                "timezone": store.timezone or self.timezone,
                "weekend": self.weekend if store.weekend is None else store.weekend,
                "business_hours": store.business_hours or self.business_hours,
                "extra_holidays": sorted((set(self.extra_holidays) - opened) | closed),
                "extra_working_days": sorted((set(self.extra_working_days) - closed) | opened),
            }
        )

"""What a store sets for its own cases: time zone, business hours, weekend, local closures
and whom to tell.

DOMAIN section 5 (working days follow a business calendar) and sections 5 and 7 (on-site
attendance by grade, the escalation chain: who is told). The company-wide values sit in
the policy's `calendar` and `contacts`; a store's entry in `stores` overrides them for the
cases of that store (`Policy.for_store`). Pure, so workflows can use it.
"""

from datetime import date, time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        # ZoneInfoNotFoundError is a KeyError, which pydantic would not report as a
        # validation error: the policy file would stop start-up with a traceback.
        raise ValueError(f"unknown time zone {value!r} (an IANA name: Asia/Shanghai)") from None
    return value


def _iso_weekdays(value: list[int]) -> list[int]:
    if any(day < 1 or day > 7 for day in value):
        raise ValueError("weekend days are ISO weekdays, 1 (Monday) to 7 (Sunday)")
    return value


def _time_of_day(value: object) -> object:
    if isinstance(value, int | float):
        # YAML 1.1 reads an unquoted 10:00 as the number 600 (base 60), which pydantic
        # would take as 00:10:00: refuse it rather than open a store at ten past midnight.
        raise ValueError("write the time of day in quotes, as '10:00'")
    return value


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]
Weekdays = Annotated[list[int], AfterValidator(_iso_weekdays)]
TimeOfDay = Annotated[time, BeforeValidator(_time_of_day)]
Recipient = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        pattern=r"^\S+$",
        description="An outbox recipient: `user:<user id>` for a person, or a role name",
    ),
]


# Role (duty_manager, store_manager, ...; README "Policy" lists those the workflow uses) to
# the people told as that role.
Contacts = dict[str, Annotated[list[Recipient], Field(min_length=1)]]


class BusinessHours(BaseModel):
    """When a store is open on a working day, in its own time zone: one span a day."""

    opens: TimeOfDay
    closes: TimeOfDay

    @model_validator(mode="after")
    def _closes_after_opening(self) -> "BusinessHours":
        if self.closes <= self.opens:
            raise ValueError("closes must be later than opens (one span within a day)")
        return self

    def contains(self, moment: time) -> bool:
        return self.opens <= moment < self.closes


def overlapping_days(closed: list[date], opened: list[date]) -> ValueError | None:
    both = sorted(set(closed) & set(opened))
    if not both:
        return None
    days = ", ".join(day.isoformat() for day in both)
    return ValueError(f"{days}: both in extra_holidays and extra_working_days")


class StoreSettings(BaseModel):
    """A store's own settings; each one left out is the company's (the policy calendar's
    and contacts')."""

    timezone: TimeZoneName | None = Field(
        None, description="IANA time zone of the store: its deadlines and working days"
    )
    business_hours: BusinessHours | None = None
    weekend: Weekdays | None = Field(None, description="ISO weekdays the store is closed")
    extra_holidays: list[date] = Field(
        default_factory=list, description="Local closures, on top of the public holidays"
    )
    extra_working_days: list[date] = Field(
        default_factory=list, description="Days the store works although the calendar says not"
    )
    contacts: Contacts = Field(
        default_factory=dict, description="Replaces the company's recipients, role by role"
    )

    @model_validator(mode="after")
    def _a_day_is_open_or_closed(self) -> "StoreSettings":
        if err := overlapping_days(self.extra_holidays, self.extra_working_days):
            raise err
        return self


def store_key(name: str) -> str:
    """Store names match whatever the desk typed: case and spacing aside."""
    return " ".join(name.split()).casefold()


class CorrectStore(BaseModel):
    """The signal that puts a case's store under its policy name (infra/store_repair.py):
    cases registered before intake canonicalised the store carry it as typed."""

    store: str
    reason: str


def canonical_store(name: str, known: list[str]) -> str | None:
    """The policy's name of the store `name` means, case and spacing aside; None for a
    store the policy does not know."""
    key = store_key(name)
    return next((store for store in known if store_key(store) == key), None)

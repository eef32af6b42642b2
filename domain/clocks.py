"""Clocks that pause: the time a deadline has used and has left, counted in its own unit.

A deadline's clock stops while the case waits on the customer or on an outside
inspection or appraisal, as appraisal time does not count toward a statutory mediation
period; it resumes with the time it had left. Hours and days are clock time; working
days count only the parts of the store's working days. Pure and deterministic.
"""

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from domain.calendar import BusinessCalendar
from domain.personal_data import PERSONAL
from domain.policy import Duration, DurationUnit

_DAY = timedelta(days=1)


class PauseReason(StrEnum):
    CUSTOMER = "customer"
    INSPECTION = "inspection"
    APPRAISAL = "appraisal"


class Pause(BaseModel):
    reason: PauseReason
    since: datetime
    until: datetime | None = None
    note: Annotated[str, PERSONAL] = ""


def measure(
    duration: Duration, calendar: BusinessCalendar, start: datetime, end: datetime
) -> timedelta:
    """How much of `duration`'s kind of time lies between two moments (never negative)."""
    if end <= start:
        return timedelta(0)
    if duration.unit is not DurationUnit.WORKING_DAYS:
        return end - start
    total = timedelta(0)
    moment = calendar.local(start)
    last = calendar.local(end)
    while moment < last:
        next_midnight = (moment + _DAY).replace(hour=0, minute=0, second=0, microsecond=0)
        piece_end = min(next_midnight, last)
        if calendar.is_working_day(moment.date(), saturday_counts=duration.saturday_counts):
            total += piece_end - moment
        moment = piece_end
    return total


def advance(
    duration: Duration, calendar: BusinessCalendar, start: datetime, amount: timedelta
) -> datetime:
    """The moment `amount` of `duration`'s kind of time after `start`."""
    if amount <= timedelta(0):
        return start
    if duration.unit is not DurationUnit.WORKING_DAYS:
        return start + amount
    moment = calendar.local(start)
    left = amount
    while True:
        next_midnight = (moment + _DAY).replace(hour=0, minute=0, second=0, microsecond=0)
        if calendar.is_working_day(moment.date(), saturday_counts=duration.saturday_counts):
            if moment + left <= next_midnight:
                return (moment + left).astimezone(start.tzinfo)
            left -= next_midnight - moment
        moment = next_midnight


class ClockReading(BaseModel):
    """A clock as of a moment: what the case's state shows for each deadline."""

    used: timedelta = Field(description="Time counted so far, pauses excluded")
    left: timedelta = Field(description="Time left; frozen while paused")
    paused: bool


def paused_time(
    duration: Duration, calendar: BusinessCalendar, pauses: list[Pause], now: datetime
) -> timedelta:
    """The closed pauses, in the deadline's kind of time (an open pause is not yet counted)."""
    return sum(
        (
            measure(duration, calendar, pause.since, pause.until)
            for pause in pauses
            if pause.until is not None and pause.until <= now
        ),
        timedelta(0),
    )


def due_after_pauses(
    duration: Duration, calendar: BusinessCalendar, base_due: datetime, pauses: list[Pause]
) -> datetime:
    """The base due moment pushed back by every closed pause."""
    shift = sum(
        (measure(duration, calendar, p.since, p.until) for p in pauses if p.until is not None),
        timedelta(0),
    )
    return advance(duration, calendar, base_due, shift)


def read_clock(
    duration: Duration,
    calendar: BusinessCalendar,
    *,
    started_at: datetime,
    due_at: datetime,
    pauses: list[Pause],
    now: datetime,
) -> ClockReading:
    open_pause = next((p for p in pauses if p.until is None), None)
    as_of = open_pause.since if open_pause else now
    left = measure(duration, calendar, as_of, due_at)
    budget = measure(duration, calendar, started_at, due_at) - paused_time(
        duration, calendar, pauses, now
    )
    used = max(budget - left, timedelta(0))
    return ClockReading(used=used, left=left, paused=open_pause is not None)

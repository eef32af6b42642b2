"""Working days across weekends, public holidays and adjusted working weekends, business
hours and store time zones."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from domain.calendar import BusinessCalendar
from domain.policy import DeadlineName, Duration, DurationUnit, Policy
from domain.stores import BusinessHours, StoreSettings
from infra.policy_file import load_policy
from infra.settings import ROOT


@pytest.fixture(scope="module")
def policy() -> Policy:
    """The default policy as loaded in 2026: the years resolved are around the load date,
    and these tests are about 2026 whenever they run."""
    return load_policy(ROOT / "policy" / "default.yaml", today=date(2026, 6, 1))


# Mainland China 2026, as the State Council's notice (国办发明电〔2025〕7号) lists them:
# the days off of each break, weekends inside it included, and the swapped working days.
STATE_COUNCIL_2026_DAYS_OFF = [
    *(date(2026, 1, d) for d in (1, 2, 3)),
    *(date(2026, 2, d) for d in range(15, 24)),
    *(date(2026, 4, d) for d in (4, 5, 6)),
    *(date(2026, 5, d) for d in range(1, 6)),
    *(date(2026, 6, d) for d in (19, 20, 21)),
    *(date(2026, 9, d) for d in (25, 26, 27)),
    *(date(2026, 10, d) for d in range(1, 8)),
]
STATE_COUNCIL_2026_WORKING_WEEKENDS = [
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
]


def _in_2026(days: list[date]) -> list[date]:
    return [day for day in days if day.year == 2026]


def test_the_library_calendar_agrees_with_the_state_council_2026_notice(policy: Policy) -> None:
    assert policy.calendar.public_holidays is not None
    assert policy.calendar.public_holidays.resolved_by.startswith("holidays ")
    assert 2026 in policy.calendar.public_holidays.resolved_years
    assert _in_2026(policy.calendar.holidays) == STATE_COUNCIL_2026_DAYS_OFF
    assert _in_2026(policy.calendar.adjusted_working_days) == STATE_COUNCIL_2026_WORKING_WEEKENDS


def test_two_working_days_from_the_eve_of_national_day_skip_the_golden_week(policy: Policy) -> None:
    # Wed 30 Sep 2026, 10:00 in Shanghai; 1-7 Oct are holidays, so Thu 8 and Fri 9 count.
    start = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    due = policy.calendar.add_working_days(start, 2)
    assert policy.calendar.local(due).date() == date(2026, 10, 9)
    assert policy.calendar.local(due).hour == 10


def test_department_reply_from_national_day_eve_spans_the_break_and_the_working_saturday(
    policy: Policy,
) -> None:
    # The department's reply (2 working days, Saturday counts) asked on Wed 30 Sep: the
    # Saturday inside the break (3 Oct) is a day off even so; Thu 8 and Fri 9 count.
    # Asked on Fri 9 Oct: Sat 10 is a swapped working day, then Sun 11 is off: Mon 12.
    calendar = policy.calendar
    asked = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    due = policy.due_at(DeadlineName.DEPARTMENT_REPLY, asked, category="product_quality", grade="C")
    assert calendar.local(due) == datetime(2026, 10, 9, 10, 0, tzinfo=calendar.local(due).tzinfo)
    friday = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
    assert calendar.local(calendar.add_working_days(friday, 1)).date() == date(2026, 10, 10)
    assert calendar.local(calendar.add_working_days(friday, 2)).date() == date(2026, 10, 12)


def test_a_saturday_inside_a_holiday_break_is_off_even_where_saturday_counts(
    policy: Policy,
) -> None:
    # Thu 24 Sep 2026 + 1: Fri 25 Mid-Autumn, Sat 26 and Sun 27 are in the break.
    thursday = datetime(2026, 9, 24, 2, 0, tzinfo=UTC)
    due = policy.calendar.add_working_days(thursday, 1, saturday_counts=True)
    assert policy.calendar.local(due).date() == date(2026, 9, 28)


def test_adjusted_working_saturday_counts_as_a_working_day(policy: Policy) -> None:
    # Fri 9 Oct 2026 + 1 working day: Sat 10 Oct is an adjusted working day.
    start = datetime(2026, 10, 9, 2, 0, tzinfo=UTC)
    assert policy.calendar.local(policy.calendar.add_working_days(start, 1)).date() == date(
        2026, 10, 10
    )


def test_saturday_counts_only_where_the_rule_says_so() -> None:
    calendar = BusinessCalendar(timezone="Asia/Shanghai")
    friday = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    assert calendar.local(calendar.add_working_days(friday, 1)).date() == date(2026, 11, 30)
    saturday = calendar.add_working_days(friday, 1, saturday_counts=True)
    assert calendar.local(saturday).date() == date(2026, 11, 28)


def test_case_number_month_follows_the_store_time_zone(policy: Policy) -> None:
    # 30 Nov 2026 18:00 UTC is already 1 Dec in Shanghai.
    assert policy.calendar.month_of(datetime(2026, 11, 30, 18, 0, tzinfo=UTC)) == "202612"


def test_a_calendar_of_an_older_policy_computes_as_it_did() -> None:
    # A running case carries its calendar as JSON: explicit lists, none of the new fields.
    old = BusinessCalendar.model_validate(
        {
            "timezone": "Asia/Shanghai",
            "weekend": [6, 7],
            "holidays": ["2026-10-01", "2026-10-02", "2026-10-05"],
            "adjusted_working_days": ["2026-10-10"],
        }
    )
    assert (old.public_holidays, old.business_hours, old.extra_holidays) == (None, None, [])
    late_friday = datetime(2026, 10, 9, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    due = old.add_working_days(late_friday, 1)
    assert due == datetime(2026, 10, 10, 15, 30, tzinfo=UTC)
    assert old.within_business_hours(late_friday)  # no hours: a working day is open all day


URUMQI = StoreSettings(
    timezone="Asia/Urumqi", business_hours=BusinessHours(opens=time(10, 30), closes=time(21, 30))
)


def test_a_working_day_deadline_received_after_closing_counts_from_the_next_opening(
    policy: Policy,
) -> None:
    calendar = policy.calendar.for_store(URUMQI)
    # Fri 27 Nov 2026, 22:00 in Urumqi (UTC+6): closed. Opens Mon 30 Nov 10:30.
    friday_night = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    assert not calendar.within_business_hours(friday_night)
    monday_opening = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)
    assert calendar.next_opening(friday_night) == monday_opening
    assert calendar.within_business_hours(monday_opening)
    assert not calendar.within_business_hours(monday_opening - timedelta(minutes=1))
    due = calendar.add_working_days(friday_night, 2)
    assert calendar.local(due).replace(tzinfo=None) == datetime(2026, 12, 2, 10, 30)
    # The same moment in Shanghai is 00:00 Saturday, and with no hours it counts from then.
    assert policy.calendar.local(policy.calendar.add_working_days(friday_night, 2)).date() == (
        date(2026, 12, 1)
    )


def test_within_business_hours_a_working_day_deadline_keeps_its_wall_clock_time(
    policy: Policy,
) -> None:
    calendar = policy.calendar.for_store(URUMQI)
    tuesday_noon = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)  # 12:00 in Urumqi
    due = calendar.add_working_days(tuesday_noon, 2)
    assert calendar.local(due).replace(tzinfo=None) == datetime(2026, 12, 3, 12, 0)
    early = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 07:00 in Urumqi: opens 10:30 that day
    assert calendar.local(calendar.add_working_days(early, 1)).replace(tzinfo=None) == (
        datetime(2026, 12, 2, 10, 30)
    )


def test_hours_and_days_deadlines_stay_clock_time_with_business_hours(policy: Policy) -> None:
    calendar = policy.calendar.for_store(URUMQI)
    friday_night = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    hours = Duration(amount=24, unit=DurationUnit.HOURS)
    days = Duration(amount=2, unit=DurationUnit.DAYS)
    assert hours.after(friday_night, calendar) == friday_night + timedelta(hours=24)
    assert days.after(friday_night, calendar) == friday_night + timedelta(days=2)


def test_local_days_of_a_store_override_the_public_calendar(policy: Policy) -> None:
    store = StoreSettings(
        extra_holidays=[date(2026, 10, 10)],  # closed on the swapped working Saturday
        extra_working_days=[date(2026, 10, 7)],  # open on the last day of the break
    )
    calendar = policy.calendar.for_store(store)
    assert not calendar.is_working_day(date(2026, 10, 10))
    assert calendar.is_working_day(date(2026, 10, 7))
    assert policy.calendar.is_working_day(date(2026, 10, 10))
    assert not policy.calendar.is_working_day(date(2026, 10, 7))

"""Working days across weekends, public holidays and adjusted working weekends."""

from datetime import UTC, date, datetime

from domain.calendar import BusinessCalendar
from domain.policy import Policy


def test_two_working_days_from_the_eve_of_national_day_skip_the_golden_week(policy: Policy) -> None:
    # Wed 30 Sep 2026, 10:00 in Shanghai; 1-7 Oct are holidays, so Thu 8 and Fri 9 count.
    start = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)
    due = policy.calendar.add_working_days(start, 2)
    assert policy.calendar.local(due).date() == date(2026, 10, 9)
    assert policy.calendar.local(due).hour == 10


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

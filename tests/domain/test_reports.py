"""The report's periods, formulas and re-visit sample, as pure functions."""

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from domain.reports import (
    CaseFacts,
    InvalidPeriod,
    Period,
    PeriodKind,
    ReportRules,
    ReportsPolicy,
    compute_figures,
    draw_revisit_sample,
    percentile,
    revisit_sample_size,
)
from infra.policy_file import load_policy
from infra.settings import ROOT

SHANGHAI = "Asia/Shanghai"
RULES = ReportRules()  # the policy's defaults: satisfied from 4, a 20% re-visit sample


def test_a_month_runs_from_local_midnight_to_local_midnight() -> None:
    november = Period.parse(PeriodKind.MONTHLY, "2026-11")
    assert (november.first_day, november.end_day) == (date(2026, 11, 1), date(2026, 12, 1))
    # Midnight in Shanghai is 16:00 UTC the day before.
    assert november.starts_at(SHANGHAI) == datetime(2026, 10, 31, 16, tzinfo=UTC)
    assert november.ends_at(SHANGHAI) == datetime(2026, 11, 30, 16, tzinfo=UTC)
    assert november.previous().key == "2026-10"
    assert Period.parse(PeriodKind.MONTHLY, "2026-01").previous().key == "2025-12"
    assert november.workflow_id == "report-monthly-2026-11"


def test_a_case_received_just_after_local_midnight_belongs_to_the_new_month() -> None:
    moment = datetime(2026, 11, 30, 16, 5, tzinfo=UTC)  # 00:05 on 1 December in Shanghai
    assert Period.containing(PeriodKind.MONTHLY, moment, SHANGHAI).key == "2026-12"
    assert Period.containing(PeriodKind.MONTHLY, moment, "UTC").key == "2026-11"


def test_an_iso_week_runs_monday_to_monday_and_crosses_years() -> None:
    week = Period.parse(PeriodKind.WEEKLY, "2026-W48")
    assert (week.first_day, week.end_day) == (date(2026, 11, 23), date(2026, 11, 30))
    assert Period.parse(PeriodKind.WEEKLY, "2026-W01").previous().key == "2025-W52"
    assert Period.parse(PeriodKind.WEEKLY, "2026-W53").first_day == date(2026, 12, 28)
    # A Monday's schedule reports the week before it.
    monday = datetime(2026, 11, 29, 17, tzinfo=UTC)  # 01:00 Monday 30 November in Shanghai
    assert Period.containing(PeriodKind.WEEKLY, monday, SHANGHAI).previous().key == "2026-W48"


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        (PeriodKind.MONTHLY, "2026-13"),
        (PeriodKind.MONTHLY, "2026-1"),
        (PeriodKind.MONTHLY, "November"),
        (PeriodKind.WEEKLY, "2026-W54"),
        (PeriodKind.WEEKLY, "2025-W53"),  # 2025 has 52 ISO weeks
        (PeriodKind.WEEKLY, "2026-11"),
    ],
)
def test_malformed_or_impossible_periods_are_refused(kind: PeriodKind, key: str) -> None:
    with pytest.raises(InvalidPeriod):
        Period.parse(kind, key)


def test_percentiles_interpolate_between_ranks_like_percentile_cont() -> None:
    assert percentile([], 0.5) is None
    assert percentile([3.0], 0.9) == 3.0
    assert percentile([1.0, 3.0], 0.5) == 2.0
    assert percentile([10.0, 1.0, 2.0, 3.0], 0.9) == pytest.approx(7.9)


T0 = datetime(2026, 11, 2, 2, tzinfo=UTC)


def _case(n: int, **fields: object) -> CaseFacts:
    base: dict[str, object] = {
        "case_no": f"202611-{n:04d}",
        "received_at": T0,
        "closed_at": None,
        "channel": "phone",
        "store": "Pudong",
        "category": "product_quality",
        "grade": "C",
        "stage": "investigating",
        "handler": None,
        "escalation_level": "handler",
        "reopen_count": 0,
        "contacted": False,
        "replied": False,
        "result_told": False,
        "satisfaction": None,
        "missed_deadlines": [],
        "overdue_now": False,
    }
    return CaseFacts.model_validate(base | fields)


def test_a_late_department_reply_is_a_reply_but_not_a_timely_one() -> None:
    figures = compute_figures(
        [
            _case(1, contacted=True, replied=True),
            _case(2, contacted=True, replied=True, missed_deadlines=["department_reply"]),
            _case(3, missed_deadlines=["acknowledge"], escalation_level="duty_manager"),
        ],
        RULES,
    )
    assert figures.rates.timely_reply.model_dump() == {
        "numerator": 1,
        "denominator": 3,
        "value": 0.3333,
    }
    assert figures.rates.contact.numerator == 2
    assert [(c.case_no, c.owner) for c in figures.overdue] == [
        ("202611-0002", "handler"),
        ("202611-0003", "duty_manager"),
    ]


def test_satisfaction_counts_followed_up_cases_only_and_an_empty_period_has_no_rates() -> None:
    figures = compute_figures(
        [_case(1, satisfaction=4), _case(2, satisfaction=3), _case(3, satisfaction=None)], RULES
    )
    assert (figures.rates.satisfaction.numerator, figures.rates.satisfaction.denominator) == (1, 2)
    empty = compute_figures([], RULES)
    assert empty.cases == 0 and empty.rates.contact.value is None and empty.time_to_close == {}


def test_time_to_close_is_grouped_by_grade() -> None:
    figures = compute_figures(
        [
            _case(1, grade="C", closed_at=T0 + timedelta(hours=10)),
            _case(2, grade="C", closed_at=T0 + timedelta(hours=20)),
            _case(3, grade="A", closed_at=T0 + timedelta(hours=100)),
            _case(4, grade="A"),
        ],
        RULES,
    )
    assert figures.time_to_close["C"].model_dump() == {
        "closed": 2,
        "median_hours": 15.0,
        "p90_hours": 19.0,
    }
    assert figures.time_to_close["A"].closed == 1


def test_the_revisit_sample_is_a_fifth_rounded_up_and_the_same_every_time() -> None:
    closed = [f"202610-{n:04d}" for n in range(1, 12)]
    assert [revisit_sample_size(n, RULES) for n in (0, 1, 5, 6, 11)] == [0, 1, 1, 2, 3]
    sample = draw_revisit_sample("2026-10", closed, RULES)
    assert len(sample) == 3 and set(sample) <= set(closed)
    assert draw_revisit_sample("2026-10", list(reversed(closed)), RULES) == sample
    # Seeded by the period: another month draws differently from the same numbers.
    others = {tuple(draw_revisit_sample(f"2026-{m:02d}", closed, RULES)) for m in range(1, 13)}
    assert len(others) > 1


def test_a_stricter_satisfaction_mark_and_a_bigger_sample_come_from_the_policy() -> None:
    rated = [_case(1, satisfaction=5), _case(2, satisfaction=4), _case(3, satisfaction=3)]
    strict = ReportRules(satisfied_from=5, revisit_percent=50)
    assert compute_figures(rated, strict).rates.satisfaction.numerator == 1
    assert compute_figures(rated, RULES).rates.satisfaction.numerator == 2
    closed = [f"202610-{n:04d}" for n in range(1, 12)]
    assert len(draw_revisit_sample("2026-10", closed, strict)) == 6
    # The larger sample starts with the smaller one: same hash order, more of it.
    assert draw_revisit_sample("2026-10", closed, strict)[:3] == draw_revisit_sample(
        "2026-10", closed, RULES
    )


@pytest.mark.parametrize(
    "section",
    [{"revisit_percent": 10}, {"revisit_percent": 101}, {"satisfied_from": 6}, {"run_at_hour": 24}],
)
def test_report_numbers_outside_the_domain_are_refused(section: dict) -> None:
    with pytest.raises(ValidationError, match=next(iter(section))):
        ReportsPolicy.model_validate(section)


def test_the_default_policy_file_holds_todays_report_numbers() -> None:
    reports = load_policy(ROOT / "policy" / "default.yaml").reports
    assert reports == ReportsPolicy()
    assert (reports.satisfied_from, reports.revisit_percent, reports.run_at_hour) == (4, 20, 1)

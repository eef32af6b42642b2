"""The policy file is validated at start-up; a bad one is refused with the field named."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from domain.authority import Level
from domain.grades import Grade
from domain.policy import DeadlineName
from infra.policy_file import PolicyFileError, load_policy
from infra.settings import ROOT

DEFAULT = ROOT / "policy" / "default.yaml"


def _write(tmp_path: Path, change) -> Path:
    raw = yaml.safe_load(DEFAULT.read_text())
    change(raw)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def test_default_policy_holds_the_domain_defaults() -> None:
    policy = load_policy(DEFAULT)
    assert policy.authority.limits[Level.DUTY_MANAGER] == Decimal("200")
    assert policy.deadlines[DeadlineName.CLOSE].by_grade[Grade.A].amount == 20
    assert policy.deadlines[DeadlineName.DEPARTMENT_REPLY].default.saturday_counts is True


def test_missing_deadline_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, lambda raw: raw["deadlines"].pop("follow_up"))
    with pytest.raises(PolicyFileError, match="follow_up"):
        load_policy(path)


def test_negative_duration_names_the_field(tmp_path: Path) -> None:
    def change(raw):
        raw["deadlines"]["acknowledge"]["default"]["amount"] = -1

    with pytest.raises(PolicyFileError, match=r"deadlines\.acknowledge\.default\.amount"):
        load_policy(_write(tmp_path, change))


def test_a_limited_top_of_the_chain_is_refused(tmp_path: Path) -> None:
    def change(raw):
        raw["authority"]["limits"]["senior_management"] = 100000

    with pytest.raises(PolicyFileError, match="top of the chain"):
        load_policy(_write(tmp_path, change))


def _edited(tmp_path: Path, old: str, new: str) -> tuple[Path, int]:
    """The default file with one line edited in place: the path and that line's number."""
    text = DEFAULT.read_text()
    assert text.count(old) == 1, old
    line = text[: text.index(old)].count("\n") + 1
    path = tmp_path / "policy.yaml"
    path.write_text(text.replace(old, new))
    return path, line


def test_an_invalid_policy_file_is_refused_with_its_line_and_field(tmp_path: Path) -> None:
    path, line = _edited(
        tmp_path,
        "default: {amount: 2, unit: days}            # 001",
        "default: {amount: 0, unit: days}            # 001",
    )
    with pytest.raises(PolicyFileError) as refused:
        load_policy(path)
    assert f"line {line}, deadlines.close.default.amount: Input should be greater than 0" in str(
        refused.value
    )
    assert [(p.line, p.field) for p in refused.value.problems] == [
        (line, "deadlines.close.default.amount")
    ]


def test_a_policy_file_that_is_not_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    path, line = _edited(tmp_path, "reopen_window_days: 90", "reopen_window_days: [90")
    with pytest.raises(PolicyFileError, match=rf"while parsing a flow sequence from line {line}"):
        load_policy(path)


def test_an_unknown_country_is_refused_at_its_public_holidays(tmp_path: Path) -> None:
    path, line = _edited(
        tmp_path, "public_holidays: {country: CN}", "public_holidays: {country: XX}"
    )
    with pytest.raises(PolicyFileError, match=rf"line {line}, calendar.public_holidays: .*XX"):
        load_policy(path)


def test_holiday_lists_beside_public_holidays_are_refused(tmp_path: Path) -> None:
    path, _ = _edited(tmp_path, "  extra_holidays: []", "  holidays: [2026-12-24]")
    calendar_line = DEFAULT.read_text().splitlines().index("calendar:") + 1
    with pytest.raises(
        PolicyFileError, match=rf"line {calendar_line}, calendar: .*put local closures in extra_"
    ):
        load_policy(path)


def test_a_store_with_an_unknown_time_zone_is_refused_with_its_line(tmp_path: Path) -> None:
    path, line = _edited(tmp_path, "timezone: Asia/Urumqi ", "timezone: Asia/Kashgar_Old ")
    with pytest.raises(
        PolicyFileError, match=rf"line {line}, stores.Urumqi Tianshan.timezone: .*unknown time zone"
    ):
        load_policy(path)


def test_an_unquoted_opening_time_is_refused_not_read_as_minutes(tmp_path: Path) -> None:
    path, line = _edited(
        tmp_path, '{opens: "10:30", closes: "21:30"}', '{opens: 10:30, closes: "21:30"}'
    )
    with pytest.raises(
        PolicyFileError,
        match=rf"line {line}, stores.Urumqi Tianshan.business_hours.opens: .*quotes",
    ):
        load_policy(path)


def test_public_holidays_are_resolved_for_last_year_to_two_years_ahead() -> None:
    policy = load_policy(DEFAULT, today=date(2027, 3, 1))
    assert policy.calendar.public_holidays.resolved_years == [2026, 2027, 2028, 2029]
    assert {day.year for day in policy.calendar.holidays} == {2026, 2027, 2028, 2029}

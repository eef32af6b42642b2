"""A store's own settings: the policy its cases run under, and whom they notify."""

from datetime import UTC, date, datetime, time

import pytest
from pydantic import ValidationError

from domain.policy import Policy
from domain.stores import BusinessHours, StoreSettings, canonical_store
from infra.store_repair import merged_counts


def _with_stores(policy: Policy, **stores: StoreSettings) -> Policy:
    return policy.model_copy(
        update={
            "contacts": {"store_manager": ["user:gm.office"], "area_manager": ["user:hu.an"]},
            "stores": stores,
        }
    )


def test_a_store_case_runs_under_the_store_calendar_and_contacts(policy: Policy) -> None:
    policy = _with_stores(
        policy,
        Xuhui=StoreSettings(
            timezone="Asia/Urumqi",
            business_hours=BusinessHours(opens=time(9), closes=time(18)),
            weekend=[7],
            extra_holidays=[date(2026, 12, 1)],
            contacts={"store_manager": ["user:li.wei", "user:xu.ting"]},
        ),
    )
    case_policy = policy.for_store("  xuhui ")
    calendar = case_policy.calendar
    assert (calendar.timezone, calendar.weekend) == ("Asia/Urumqi", [7])
    assert calendar.business_hours == BusinessHours(opens=time(9), closes=time(18))
    assert calendar.extra_holidays == [date(2026, 12, 1)]
    assert calendar.holidays == policy.calendar.holidays  # the public holidays stay
    assert case_policy.recipients("store_manager") == ["user:li.wei", "user:xu.ting"]
    assert case_policy.recipients("area_manager") == ["user:hu.an"]  # the company's
    assert case_policy.stores == {}  # the workflow input carries only its own store
    assert case_policy.version == policy.version


def test_a_store_without_an_entry_gets_the_company_policy(policy: Policy) -> None:
    policy = _with_stores(policy, Xuhui=StoreSettings(timezone="Asia/Urumqi"))
    case_policy = policy.for_store("Minhang")
    assert case_policy.calendar == policy.calendar
    assert case_policy.contacts == policy.contacts
    assert case_policy.stores == {}


def test_recipients_are_the_named_people_or_the_role_itself(policy: Policy) -> None:
    policy = _with_stores(policy)
    assert policy.recipients("store_manager") == ["user:gm.office"]
    assert policy.recipients("incident_team") == ["incident_team"]


def test_the_default_policy_names_people_for_its_demo_stores(policy: Policy) -> None:
    pudong = policy.for_store("Shanghai Pudong")
    assert pudong.recipients("store_manager") == ["user:li.wei"]
    assert pudong.recipients("duty_manager") == ["duty_manager"]  # the shift's shared inbox
    urumqi = policy.for_store("Urumqi Tianshan").calendar
    assert urumqi.timezone == "Asia/Urumqi"
    opening = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)  # Tue 10:30 in Urumqi
    assert urumqi.within_business_hours(opening)
    assert not policy.calendar.business_hours


def test_a_day_both_closed_and_open_is_refused() -> None:
    with pytest.raises(ValidationError, match="both in extra_holidays and extra_working_days"):
        StoreSettings(extra_holidays=[date(2026, 12, 1)], extra_working_days=[date(2026, 12, 1)])


def test_business_hours_close_after_they_open() -> None:
    with pytest.raises(ValidationError, match="closes must be later"):
        BusinessHours(opens=time(22), closes=time(10))


def test_a_store_typed_in_any_case_and_spacing_is_the_policys_store() -> None:
    known = ["Shanghai Pudong", "Urumqi Tianshan"]
    assert canonical_store("  shanghai   PUDONG ", known) == "Shanghai Pudong"
    assert canonical_store("Shanghai Xuhui", known) is None


def test_stored_reports_count_each_store_once_under_its_policys_name() -> None:
    body = {"figures": {"by_store": {"Shanghai Pudong": 2, " shanghai pudong": 1, "Gone": 4}}}
    assert merged_counts(body, ["Shanghai Pudong"]) == {
        "figures": {"by_store": {"Shanghai Pudong": 3, "Gone": 4}}
    }

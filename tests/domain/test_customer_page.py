"""What the customer's page shows of a case, and its policy (domain/customer_page.py)."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from domain.customer_page import (
    AskedOfCustomer,
    CustomerPagePolicy,
    PlainStage,
    customer_view,
    tracking_expired,
)
from domain.durations import Duration
from domain.grades import Grade
from domain.models import CaseStatus
from infra.policy_file import read_policy_file

POLICY = read_policy_file(Path("policy/default.yaml")).policy
PAGE = POLICY.customer_page
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def status(stage: str, **more) -> CaseStatus:
    return CaseStatus.model_validate(
        {
            "case_no": "202612-0001",
            "workflow_id": "complaint-202612-0001",
            "policy_version": "v",
            "stage": stage,
            "grade": "C",
            "escalation_level": "handler",
            "handler": "wang.wei",
            "waiting": {"on": "acknowledgement", "who": "handler", "since": NOW},
            "deadlines": [],
            "proposals": [],
        }
        | more
    )


def deadline(name: str, due: datetime, **more) -> dict:
    return {"name": name, "label": name, "due_at": due, "state": "pending"} | more


def proposal(kind: str, amount: str, **more) -> dict:
    return {
        "number": 1,
        "kind": kind,
        "amount": amount,
        "details": "上门修复",
        "proposed_by": "wang.wei",
        "proposed_at": NOW,
        "approver_level": "handler",
        "decision": "approved",
    } | more


def test_an_approval_under_way_reads_as_looking_into_it_and_internal_dates_are_left_out() -> None:
    view = customer_view(
        status(
            "remedy_proposed",
            deadlines=[
                deadline("department_reply", NOW + timedelta(hours=1)),  # internal
                deadline("close", NOW + timedelta(days=2)),
            ],
            proposals=[proposal("refund", "800", decision=None)],
        ),
        PAGE,
    )
    assert view.stage is PlainStage.LOOKING_INTO_IT
    assert view.next_date == NOW + timedelta(days=2)
    assert view.proposal is None and view.asked is AskedOfCustomer.NOTHING
    assert not any("wang" in str(value) or "800" in str(value) for value in vars(view).values())


def test_a_clock_paused_for_the_customer_asks_for_something_and_has_no_date() -> None:
    paused = deadline(
        "close",
        NOW + timedelta(days=2),
        paused=True,
        pauses=[{"reason": "customer", "since": NOW, "note": "内部备注"}],
    )
    view = customer_view(status("investigating", deadlines=[paused]), PAGE)
    assert view.asked is AskedOfCustomer.FROM_YOU and view.next_date is None


@pytest.mark.parametrize(
    ("kind", "amount", "online"),
    [
        ("repair", "0", True),
        ("apology", "0", True),
        ("refund", "50", False),
        ("repair", "1", False),
    ],
)
def test_only_a_non_money_proposal_may_be_answered_online(kind, amount, online) -> None:
    view = customer_view(status("approved", proposals=[proposal(kind, amount)]), PAGE)
    assert view.stage is PlainStage.ANSWER_READY and view.asked is AskedOfCustomer.ANSWER
    assert (view.proposal is not None) is online


def test_the_link_expires_the_policy_time_after_closing() -> None:
    calendar = POLICY.calendar
    assert not tracking_expired(None, NOW, PAGE, calendar)
    assert not tracking_expired(NOW - timedelta(days=29), NOW, PAGE, calendar)
    assert tracking_expired(NOW - timedelta(days=30), NOW, PAGE, calendar)


def test_a_rule_by_channel_comes_after_grade_and_category() -> None:
    # The default policy acknowledges every complaint within 24 h (001, 004) and gives web
    # complaints 001's working day as a clock of their own (web_acceptance); a policy may
    # still set an acknowledgement by channel, which a category's own rule overrides.
    rule = POLICY.deadlines["acknowledge"].model_copy(
        update={
            "by_category": {"personal_injury": Duration(amount=12, unit="hours")},
            "by_channel": {"web": Duration(amount=1, unit="working_days")},
        }
    )
    web = rule.duration_for(category="delivery_installation", grade=Grade.C, channel="web")
    assert (web.amount, web.unit.value) == (1, "working_days")
    phone = rule.duration_for(category="delivery_installation", grade=Grade.C, channel="phone")
    assert phone == rule.default
    injury = rule.duration_for(category="personal_injury", grade=Grade.C, channel="web")
    assert (injury.amount, injury.unit.value) == (12, "hours")
    # Policies before by_channel: the same duration whatever the channel.
    older = rule.model_copy(update={"by_channel": {}})
    assert older.duration_for(category="price", grade=Grade.C, channel="web") == rule.default
    assert "web" in POLICY.statutory["web_acceptance"].start_for_channels


def test_the_notice_is_needed_in_both_languages_and_older_policies_have_no_page() -> None:
    raw = PAGE.model_dump()
    del raw["notice"]["en"]
    with pytest.raises(ValidationError, match="notice missing for en"):
        CustomerPagePolicy.model_validate(raw)
    assert POLICY.for_store("Beijing Chaoyang").customer_page is None

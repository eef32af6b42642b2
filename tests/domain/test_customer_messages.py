"""The customer messages' templates in the policy, and how one is rendered (pure: no
Temporal, no database). docs/customer-messages.md."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import yaml
from pydantic import ValidationError

from domain.contact import CustomerLanguage
from domain.customer_messages import (
    PLACEHOLDERS,
    CustomerMessagesPolicy,
    MessageMoment,
    contact_channel_of,
    local_time,
    money,
    render_message,
)
from domain.models import Customer, Intake
from domain.policy import Policy
from infra.policy_file import parse_policy
from infra.settings import ROOT

SECTION = yaml.safe_load((ROOT / "policy" / "default.yaml").read_text(encoding="utf-8"))[
    "customer_messages"
]


def _with(moment: str, language: str, **template: str) -> dict:
    section = yaml.safe_load(yaml.safe_dump(SECTION))
    section["templates"][moment][language] |= template
    return section


def test_the_default_policy_has_every_moment_in_chinese_and_english() -> None:
    messages = CustomerMessagesPolicy.model_validate(SECTION)
    assert set(messages.templates) == set(MessageMoment)
    assert all(set(t) == set(CustomerLanguage) for t in messages.templates.values())


def test_a_placeholder_the_moment_does_not_have_is_refused_naming_where_and_what_it_has() -> None:
    with pytest.raises(
        ValidationError,
        match=r"templates\.received\.en: unknown placeholder"
        r" case \(this moment has case_no, first_contact_due\)",
    ):
        CustomerMessagesPolicy.model_validate(_with("received", "en", subject="Case {case}"))


def test_a_missing_language_is_refused() -> None:
    section = yaml.safe_load(yaml.safe_dump(SECTION))
    del section["templates"]["result"]["en"]
    with pytest.raises(ValidationError, match=r"templates\.result\.en is missing"):
        CustomerMessagesPolicy.model_validate(section)


def test_a_survey_that_does_not_give_its_link_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"survey\.zh\.body must name survey_link"):
        CustomerMessagesPolicy.model_validate(_with("survey", "zh", body="请评价 {case_no}"))


def test_a_malformed_brace_is_refused() -> None:
    with pytest.raises(ValidationError, match="malformed template"):
        CustomerMessagesPolicy.model_validate(_with("result", "zh", body="{case_no} }"))


def test_a_message_is_rendered_in_the_customers_language_with_local_time_and_money(
    policy: Policy,
) -> None:
    messages = policy.customer_messages
    assert messages is not None
    due = datetime(2026, 12, 3, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
    zh = render_message(
        messages,
        MessageMoment.RECEIVED,
        CustomerLanguage.ZH,
        {"case_no": "202612-0042", "first_contact_due": local_time(due, policy.calendar, "zh")},
    )
    assert "202612-0042" in zh.subject and "2026年12月3日 14:00" in zh.body
    assert local_time(due, policy.calendar, CustomerLanguage.EN) == "3 Dec 2026, 14:00"
    assert money(Decimal("1800"), CustomerLanguage.ZH) == "1,800.00元"
    assert money(Decimal("1800"), CustomerLanguage.EN) == "CNY 1,800.00"


def test_every_moment_can_be_rendered_with_exactly_its_placeholders(policy: Policy) -> None:
    messages = policy.customer_messages
    assert messages is not None
    for moment, names in PLACEHOLDERS.items():
        for language in CustomerLanguage:
            rendered = render_message(messages, moment, language, {n: f"<{n}>" for n in names})
            assert "<case_no>" in rendered.body and "{" not in rendered.body


@pytest.mark.parametrize(
    ("fields", "channel"),
    [
        ({}, None),
        ({"contact_consent": True, "contact_channel": "email", "email": "a@b.cn"}, "email"),
        ({"contact_consent": True, "contact_channel": "sms", "phone": "13800000000"}, "sms"),
        # Recorded without the address (a tolerant message): nothing to write to.
        ({"contact_consent": True, "contact_channel": "email"}, None),
        ({"contact_consent": False, "contact_channel": "sms", "phone": "13800000000"}, None),
    ],
)
def test_the_customer_is_written_to_only_with_consent_on_a_channel_with_its_address(
    fields: dict, channel: str | None
) -> None:
    customer = Customer.model_validate({"name": "A", "contact": "x"} | fields)
    found = contact_channel_of(customer)
    assert (found.value if found else None) == channel


def test_a_case_whose_customer_may_not_be_written_to_pins_no_templates(policy: Policy) -> None:
    silent = Customer(name="A", contact="x")
    told = Customer(
        name="A", contact="x", email="a@b.cn", contact_consent=True, contact_channel="email"
    )
    assert policy.for_case(_intake(silent)).customer_messages is None
    assert policy.for_case(_intake(told)).customer_messages == policy.customer_messages


def _intake(customer: Customer) -> Intake:
    return Intake(
        channel="walk_in",
        store="Shanghai Pudong",
        category="service_quality",
        description="rude answer at the till",
        requested_remedy="apology",
        customer=customer,
    )


def test_an_older_policy_without_the_section_loads_and_tells_nothing() -> None:
    older = yaml.safe_load((ROOT / "policy" / "default.yaml").read_text(encoding="utf-8"))
    del older["customer_messages"]
    assert parse_policy(yaml.safe_dump(older)).policy.customer_messages is None

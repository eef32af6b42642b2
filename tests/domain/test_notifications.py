"""Who is told where, and how often delivery is tried: the pure rules of domain/notifications.py
and the policy's notifications section."""

import pytest
from pydantic import ValidationError

from domain.notifications import (
    Channel,
    CustomerContact,
    Inbox,
    NotificationsPolicy,
    Person,
    RetryPolicy,
    customer_destination,
    person_destinations,
)
from domain.policy import Policy
from infra.relay import NoDirectory, UsersFileDirectory, resolve


def test_each_wait_is_jittered_within_its_step_and_never_shorter_than_the_last() -> None:
    retry = RetryPolicy(max_attempts=10, first_delay_seconds=30, max_delay_seconds=600)
    assert retry.delay_after(1, 0.0) == 15 and retry.delay_after(1, 0.999) < 30
    assert retry.delay_after(3, 0.5) == 90  # step 120: half fixed, half jittered
    # Below the cap (steps 30 .. 480 s) the shortest next wait is the longest last one.
    worst = [retry.delay_after(n, 0.999) for n in range(1, 6)]
    best = [retry.delay_after(n, 0.0) for n in range(1, 6)]
    assert all(b_next >= w for w, b_next in zip(worst, best[1:], strict=False))
    assert retry.delay_after(9, 0.0) == 300 and retry.delay_after(9, 0.999) < 600  # capped


def test_delivery_gives_up_after_max_attempts() -> None:
    retry = RetryPolicy(max_attempts=5)
    assert not retry.gives_up_after(4) and retry.gives_up_after(5)


def test_the_retry_cap_cannot_be_below_the_first_wait() -> None:
    with pytest.raises(ValidationError, match="max_delay_seconds"):
        RetryPolicy(first_delay_seconds=60, max_delay_seconds=10)


def test_an_inbox_needs_an_address_or_a_webhook() -> None:
    with pytest.raises(ValidationError, match="email address or a webhook"):
        Inbox()
    with pytest.raises(ValidationError):
        Inbox(email="not an address")


def test_a_stores_inbox_replaces_the_companys_for_that_role() -> None:
    section = NotificationsPolicy(
        role_inboxes={"duty_manager": Inbox(email="duty@hq"), "handler": Inbox(email="h@hq")},
        stores={"Urumqi Tianshan": {"duty_manager": Inbox(email="duty@urumqi")}},
    )
    assert section.inbox_for("duty_manager", " urumqi  TIANSHAN").email == "duty@urumqi"
    assert section.inbox_for("handler", "Urumqi Tianshan").email == "h@hq"
    assert section.inbox_for("duty_manager", "Shanghai Pudong").email == "duty@hq"
    assert section.inbox_for("quality_control", "Shanghai Pudong") is None


def test_the_notifications_stores_must_be_the_policys_stores(policy: Policy) -> None:
    document = policy.model_dump(mode="json")
    document["notifications"] = {"stores": {"Nowhere Mall": {"handler": {"email": "a@b"}}}}
    with pytest.raises(ValidationError, match="not in stores: Nowhere Mall"):
        Policy.model_validate(document)


def test_a_policy_before_the_section_loads_with_it_off(policy: Policy) -> None:
    document = policy.model_dump(mode="json")
    del document["notifications"]
    assert Policy.model_validate(document).notifications is None
    # A case's pinned policy never carries it: delivery reads the active policy.
    assert policy.for_store("Shanghai Pudong").notifications is None


def test_a_customer_is_told_only_with_consent_on_their_channel() -> None:
    assert customer_destination(None).skipped == "the customer gave no consent"
    assert customer_destination(CustomerContact(email="a@b")).skipped
    no_channel = CustomerContact(email="a@b", contact_consent=True)
    assert customer_destination(no_channel).skipped == "the customer chose no channel"
    sms_without_phone = CustomerContact(email="a@b", contact_consent=True, contact_channel="sms")
    assert "gave no address" in customer_destination(sms_without_phone).skipped
    by_email = CustomerContact(
        email="a@b", language="en", contact_consent=True, contact_channel="email"
    )
    chosen = customer_destination(by_email)
    assert (chosen.channel, chosen.destination, chosen.language, chosen.skipped) == (
        Channel.EMAIL,
        "customer",  # the address stays in the register, read when sending
        "en",
        None,
    )


def test_a_person_is_told_by_email_and_their_webhooks_in_their_language() -> None:
    found = person_destinations(
        Person(user_id="kim", email="kim@desk", language="en", webhooks=["ops"])
    )
    assert [(d.channel, d.destination, d.language) for d in found] == [
        (Channel.EMAIL, "kim@desk", "en"),
        (Channel.WEBHOOK, "ops", "en"),
    ]


def test_a_role_notice_goes_to_its_inbox_and_to_the_holders_at_that_store(
    policy: Policy, users
) -> None:
    directory = UsersFileDirectory(users.people)
    at_pudong = resolve("duty_manager", "Shanghai Pudong", None, policy, directory)
    assert [d.destination for d in at_pudong.destinations] == ["duty-manager@desk.local"]
    assert at_pudong.inbox == ["duty.sun"]
    # Urumqi has its own duty inbox, and Sun Hao does not work there.
    at_urumqi = resolve("duty_manager", "Urumqi Tianshan", None, policy, directory)
    assert [d.destination for d in at_urumqi.destinations] == ["duty-manager.urumqi@desk.local"]
    assert at_urumqi.inbox == []
    # Senior management works at every store.
    assert resolve("senior_management", "Urumqi Tianshan", None, policy, directory).inbox == [
        "senior.chen"
    ]


def test_a_user_notice_goes_to_their_address_and_inbox_and_a_customers_to_no_inbox(
    policy: Policy, users
) -> None:
    directory = UsersFileDirectory(users.people)
    to_wang = resolve("user:handler.wang", "Shanghai Pudong", None, policy, directory)
    assert [d.destination for d in to_wang.destinations] == ["wang.wei@desk.local"]
    assert to_wang.inbox == ["handler.wang"]
    customer = {
        "name": "Liu",
        "contact": "x",
        "contact_consent": True,
        "contact_channel": "sms",
        "phone": "139",
    }
    assert resolve("customer", "Shanghai Pudong", customer, policy, directory).inbox == []
    # Without a directory (IDENTITY=jwt) a user's notice still reaches their inbox.
    assert resolve("user:kim", "Shanghai Pudong", None, policy, NoDirectory()).inbox == ["kim"]


def test_a_role_with_no_inbox_and_no_holder_is_dead_at_once(policy: Policy, users) -> None:
    # quality_control has had an inbox since issue 16: warehouse has none.
    (dead,) = resolve(
        "warehouse", "Shanghai Pudong", None, policy, UsersFileDirectory(users.people)
    ).destinations
    assert dead.channel is Channel.NONE and "nobody to tell" in dead.dead

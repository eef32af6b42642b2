"""Who is told through which channel, and how often delivery is tried (issue 14).

The outbox holds every notice a case gives (DOMAIN 5: a missed deadline is told to the
next level; 4: a crisis reaches the incident team the same day; 000: senior management
hears of every major case). The relay (infra/relay.py) delivers them; this module is its
pure part: the policy's `notifications` section (retry limits and backoff, role inboxes,
per-store inboxes) and the rule that picks a recipient's destinations. Absent (None) in
policies that predate it: then no role has an inbox and delivery retries by the defaults.
"""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from domain.stores import store_key

CUSTOMER = "customer"
USER_PREFIX = "user:"

Language = Literal["zh", "en"]
EmailAddress = Annotated[str, Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
WebhookName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="A webhook configured in the settings (NOTIFY_WEBHOOKS), by its name",
    ),
]


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    WECOM = "wecom"
    DINGTALK = "dingtalk"
    FEISHU = "feishu"
    WEBHOOK = "webhook"  # the generic JSON webhook, signed HMAC-SHA256
    NONE = "none"  # nowhere to deliver: recorded so the stuck list shows it


class DeliveryState(StrEnum):
    QUEUED = "queued"
    RETRYING = "retrying"  # failed at least once, tried again at next_attempt_at
    SENT = "sent"
    SKIPPED = "skipped"  # not to be sent (a customer without consent); never retried
    DEAD = "dead"  # failed max_attempts times: on the stuck list until resent


OPEN_STATES = (DeliveryState.QUEUED, DeliveryState.RETRYING)


class NoticeState(StrEnum):
    """A notice's state over all its deliveries (GET /complaints/{case_no})."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # a delivery is retrying
    DEAD = "dead"  # a delivery is dead-lettered
    RESENT = "resent"  # repaired: a copy was queued


class RetryPolicy(BaseModel):
    """Exponential backoff with jitter: the n-th failure waits between half and all of
    first_delay * 2^(n-1), capped at max_delay; after max_attempts the delivery is dead."""

    max_attempts: int = Field(8, ge=1, le=100, description="Tries before the dead letter")
    first_delay_seconds: float = Field(30, gt=0, description="Wait after the first failure")
    max_delay_seconds: float = Field(3600, gt=0, description="The longest wait between tries")

    @model_validator(mode="after")
    def _cap_above_start(self) -> "RetryPolicy":
        if self.max_delay_seconds < self.first_delay_seconds:
            raise ValueError("max_delay_seconds must be at least first_delay_seconds")
        return self

    def delay_after(self, failures: int, jitter: float) -> float:
        """Seconds to wait after `failures` failed tries (1 or more); `jitter` in [0, 1).

        "Equal jitter": half the step is fixed, half random, so relays that failed
        together spread out, yet below the cap each wait is at least the one before."""
        step = min(self.first_delay_seconds * 2 ** (failures - 1), self.max_delay_seconds)
        return step / 2 + step / 2 * jitter

    def gives_up_after(self, failures: int) -> bool:
        return failures >= self.max_attempts


class Inbox(BaseModel):
    """A role's inbox: a real address (duty managers work in shifts; the shift reads
    it), and the group bots that role's notices also go to."""

    email: EmailAddress | None = None
    webhooks: list[WebhookName] = Field(default_factory=list)
    language: Language = "zh"

    @model_validator(mode="after")
    def _somewhere(self) -> "Inbox":
        if self.email is None and not self.webhooks:
            raise ValueError("an inbox needs an email address or a webhook")
        return self


class NotificationsPolicy(BaseModel):
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    role_inboxes: dict[str, Inbox] = Field(
        default_factory=dict,
        description="Role (duty_manager, senior_management, ...) to its inbox, company-wide",
    )
    stores: dict[str, dict[str, Inbox]] = Field(
        default_factory=dict,
        description="Per store (the policy's store names): role to inbox, over the company's",
    )

    def inbox_for(self, role: str, store: str) -> Inbox | None:
        key = store_key(store)
        for name, inboxes in self.stores.items():
            if store_key(name) == key and role in inboxes:
                return inboxes[role]
        return self.role_inboxes.get(role)


DEFAULT_RETRY = RetryPolicy()


class Destination(BaseModel):
    """One delivery of a notice: a channel and where on it."""

    channel: Channel
    destination: str
    language: Language = "zh"
    skipped: str | None = Field(None, description="Why it is not sent (recorded, not retried)")
    dead: str | None = Field(None, description="Why it cannot be sent at all")


class Person(BaseModel):
    """What delivery needs of a user (the users file or the directory of claims)."""

    user_id: str
    email: str | None = None
    language: Language = "zh"
    webhooks: list[str] = Field(default_factory=list)


class CustomerContact(BaseModel):
    """The intake's `customer` keys that delivery reads (complaints.intake jsonb)."""

    email: str | None = None
    phone: str | None = None
    language: Language = "zh"
    contact_consent: bool = False
    contact_channel: Literal["email", "sms"] | None = None


def person_destinations(person: Person) -> list[Destination]:
    found = []
    if person.email:
        found.append(Destination(channel=Channel.EMAIL, destination=person.email))
    found += [Destination(channel=Channel.WEBHOOK, destination=name) for name in person.webhooks]
    for found_one in found:
        found_one.language = person.language
    return found


def inbox_destinations(inbox: Inbox) -> list[Destination]:
    found = []
    if inbox.email:
        found.append(
            Destination(channel=Channel.EMAIL, destination=inbox.email, language=inbox.language)
        )
    found += [
        Destination(channel=Channel.WEBHOOK, destination=name, language=inbox.language)
        for name in inbox.webhooks
    ]
    return found


def customer_destination(customer: CustomerContact | None) -> Destination:
    """A customer is told only with their consent, on the channel they chose (DOMAIN 8:
    their data is for handling their case). The address itself is read at sending time
    from the register, so no copy of it sits in the delivery (retention blanks one)."""
    if customer is None or not customer.contact_consent:
        return Destination(
            channel=Channel.NONE, destination=CUSTOMER, skipped="the customer gave no consent"
        )
    if customer.contact_channel is None:
        return Destination(
            channel=Channel.NONE, destination=CUSTOMER, skipped="the customer chose no channel"
        )
    channel = Channel(customer.contact_channel)
    address = customer.email if channel is Channel.EMAIL else customer.phone
    if not address:
        return Destination(
            channel=channel,
            destination=CUSTOMER,
            language=customer.language,
            skipped=f"the customer chose {channel.value} but gave no address for it",
        )
    return Destination(channel=channel, destination=CUSTOMER, language=customer.language)

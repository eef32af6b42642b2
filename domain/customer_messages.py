"""What the customer is told, and when (DOMAIN sections 5 and 9; docs/customer-messages.md).

The moments the seeds name: the complaint received, with its case number and when the
first contact is due (001, 004); the initial review with the next steps and their date
(001: "tell the customer the next steps and the timetable"); an agreed delay with its new
date (004: explained by the 2nd working day); the approved solution (002: within 5 days of
the approval, told at once); the result (the remedy carried out, or the complaint found not
valid, explained politely: 002); and the satisfaction survey (DOMAIN 9, 001, 004).

Each message is a template per moment and language in the policy's `customer_messages`
section, rendered here: pure, so the workflow renders it deterministically. The values
never include the customer's name or contact (the relay looks the address up in the
register, docs/customer-messages.md), so a message body is about the case, not the person.
A customer is written to only with their consent, on the channel they chose, at an address
the intake recorded (`contact_channel_of`).
"""

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, Field, model_validator

from domain.calendar import BusinessCalendar
from domain.contact import ContactChannel, CustomerLanguage
from domain.durations import Duration
from domain.personal_data import PERSONAL

if TYPE_CHECKING:
    from domain.models import Customer

# The outbox recipient of every customer message; the relay resolves the address and the
# consent from the case's intake (never from the message).
CUSTOMER_RECIPIENT = "customer"


class MessageMoment(StrEnum):
    RECEIVED = "received"
    NEXT_STEPS = "next_steps"
    DELAY_AGREED = "delay_agreed"
    SOLUTION_APPROVED = "solution_approved"
    RESULT = "result"
    NOT_VALID = "not_valid"
    SURVEY = "survey"


# What each moment's template may name (and nothing else: a typo is refused at load).
PLACEHOLDERS: dict[MessageMoment, frozenset[str]] = {
    MessageMoment.RECEIVED: frozenset({"case_no", "first_contact_due"}),
    MessageMoment.NEXT_STEPS: frozenset({"case_no", "reply_due"}),
    MessageMoment.DELAY_AGREED: frozenset({"case_no", "new_date"}),
    MessageMoment.SOLUTION_APPROVED: frozenset({"case_no", "remedy", "amount"}),
    MessageMoment.RESULT: frozenset({"case_no"}),
    MessageMoment.NOT_VALID: frozenset({"case_no", "reason"}),
    MessageMoment.SURVEY: frozenset({"case_no", "survey_link", "survey_expires"}),
}
# What a moment's body must say: a survey without its link asks for nothing.
REQUIRED_IN_BODY: dict[MessageMoment, frozenset[str]] = {
    moment: frozenset({"case_no"}) for moment in MessageMoment
} | {MessageMoment.SURVEY: frozenset({"case_no", "survey_link"})}

# The remedy as the customer reads it (GLOSSARY), by RemedyKind value.
REMEDY_LABELS: dict[CustomerLanguage, dict[str, str]] = {
    CustomerLanguage.ZH: {
        "refund": "退款",
        "exchange": "换货",
        "repair": "维修",
        "compensation": "赔偿",
        "goodwill_payment": "慰问金",
        "apology": "道歉",
        "medical_advance": "垫付医疗费",
        "other": "其他",
    },
    CustomerLanguage.EN: {
        "refund": "a refund",
        "exchange": "an exchange",
        "repair": "a repair",
        "compensation": "compensation",
        "goodwill_payment": "a goodwill payment",
        "apology": "an apology",
        "medical_advance": "an advance on medical fees",
        "other": "another remedy",
    },
}


def _names_in(text: str) -> set[str]:
    """The placeholders `{name}` of a template; a malformed one raises ValueError."""
    found = re.findall(r"\{([^{}]*)\}", text.replace("{{", "").replace("}}", ""))
    for name in found:
        if not name.isidentifier():
            raise ValueError(f"placeholder {{{name}}} must be a plain name like {{case_no}}")
    try:
        text.format_map({name: "" for name in found})
    except (ValueError, KeyError, IndexError) as err:
        raise ValueError(f"malformed template {text[:40]!r}: {err}") from err
    return set(found)


class MessageTemplate(BaseModel):
    """Policy text, not the customer's: a body is short enough for a few SMS segments."""

    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=900)


class CustomerMessagesPolicy(BaseModel):
    """The policy's `customer_messages` section. None in policies before it: cases pinned
    to those tell the customer nothing, as they did."""

    templates: dict[MessageMoment, dict[CustomerLanguage, MessageTemplate]] = Field(
        description="Per moment, per language (zh and en): the subject and body"
    )
    survey_valid_for: Duration = Field(description="How long a survey link works after it was sent")

    @model_validator(mode="after")
    def _every_moment_in_every_language_with_its_placeholders(self) -> "CustomerMessagesPolicy":
        for moment in MessageMoment:
            by_language = self.templates.get(moment)
            if by_language is None:
                raise ValueError(f"templates.{moment.value} is missing")
            for language in CustomerLanguage:
                template = by_language.get(language)
                where = f"templates.{moment.value}.{language.value}"
                if template is None:
                    raise ValueError(f"{where} is missing")
                subject, body = _names_in(template.subject), _names_in(template.body)
                unknown = (subject | body) - PLACEHOLDERS[moment]
                if unknown:
                    allowed = ", ".join(sorted(PLACEHOLDERS[moment]))
                    raise ValueError(
                        f"{where}: unknown placeholder {', '.join(sorted(unknown))}"
                        f" (this moment has {allowed})"
                    )
                missing = REQUIRED_IN_BODY[moment] - body
                if missing:
                    raise ValueError(f"{where}.body must name {', '.join(sorted(missing))}")
        return self


class RenderedMessage(BaseModel):
    subject: str
    body: Annotated[str, PERSONAL]


def contact_channel_of(customer: "Customer") -> ContactChannel | None:
    """The channel the customer may be written on: only with consent, and only where the
    intake recorded the channel's address. None: the customer is told nothing."""
    if not customer.contact_consent or customer.contact_channel is None:
        return None
    address = customer.email if customer.contact_channel is ContactChannel.EMAIL else customer.phone
    return customer.contact_channel if address else None


def local_time(moment: datetime, calendar: BusinessCalendar, language: CustomerLanguage) -> str:
    """A moment in the store's time zone as the customer's language writes it."""
    local = calendar.local(moment)
    if language == CustomerLanguage.ZH:
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local.day} {local:%b} {local.year}, {local:%H:%M}"


def local_date(moment: datetime, calendar: BusinessCalendar, language: CustomerLanguage) -> str:
    local = calendar.local(moment)
    if language == CustomerLanguage.ZH:
        return f"{local.year}年{local.month}月{local.day}日"
    return f"{local.day} {local:%B} {local.year}"


def money(amount: Decimal, language: CustomerLanguage) -> str:
    if language == CustomerLanguage.ZH:
        return f"{amount:,.2f}元"
    return f"CNY {amount:,.2f}"


def render_message(
    policy: CustomerMessagesPolicy,
    moment: MessageMoment,
    language: CustomerLanguage,
    values: dict[str, str],
) -> RenderedMessage:
    """The moment's template in the customer's language with `values` filled in. The
    caller gives exactly the moment's placeholders (a missing one is a KeyError: a bug)."""
    template = policy.templates[moment][language]
    return RenderedMessage(
        subject=template.subject.format_map(values), body=template.body.format_map(values)
    )

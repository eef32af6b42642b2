"""The customer's contact for messages about the case, as intake records it: a channel
needs the customer's consent and the matching address, and a refusal names the field
that is missing (docs/customer-messages.md)."""

import httpx
import pytest
from pydantic import ValidationError

from api.bodies import ComplaintCreate, CustomerCreate
from domain.models import ContactChannel, Customer, CustomerLanguage, Intake
from domain.personal_data import personal_fields
from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE


def _refused_on(customer: dict) -> list[tuple]:
    with pytest.raises(ValidationError) as refused:
        CustomerCreate.model_validate(customer)
    return [tuple(error["loc"]) for error in refused.value.errors()]


def test_a_customer_who_consents_to_email_is_recorded_with_the_address_and_language() -> None:
    body = ComplaintCreate.model_validate(
        INTAKE
        | {
            "customer": {
                "name": "Liu Yang",
                "contact": "138-0000-0000",
                "email": "liu.yang@example.com",
                "language": "en",
                "contact_consent": True,
                "contact_channel": "email",
            }
        }
    )
    customer = body.to_intake().customer
    assert customer.email == "liu.yang@example.com"
    assert customer.language is CustomerLanguage.EN
    assert customer.contact_consent and customer.contact_channel is ContactChannel.EMAIL


def test_a_customer_without_a_word_on_contact_is_not_written_to_and_reads_chinese() -> None:
    customer = CustomerCreate.model_validate({"name": "刘洋", "contact": "138-0000-0000"})
    record = customer.to_record()
    assert record.contact_consent is False and record.contact_channel is None
    assert record.language is CustomerLanguage.ZH


def test_a_channel_without_consent_is_refused_on_the_channel() -> None:
    assert _refused_on(
        {"name": "A", "contact": "x", "phone": "13800000000", "contact_channel": "sms"}
    ) == [("contact_channel",)]


def test_consent_without_a_channel_is_refused_on_the_channel() -> None:
    assert _refused_on({"name": "A", "contact": "x", "contact_consent": True}) == [
        ("contact_channel",)
    ]


def test_an_email_channel_without_an_address_is_refused_on_email() -> None:
    assert _refused_on(
        {"name": "A", "contact": "x", "contact_consent": True, "contact_channel": "email"}
    ) == [("email",)]


def test_an_sms_channel_without_a_phone_is_refused_on_phone() -> None:
    assert _refused_on(
        {"name": "A", "contact": "x", "contact_consent": True, "contact_channel": "sms"}
    ) == [("phone",)]


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "not an address"), ("phone", "call me"), ("language", "fr")],
)
def test_a_malformed_address_or_language_is_refused_on_its_field(field: str, value: str) -> None:
    assert _refused_on({"name": "A", "contact": "x", field: value}) == [(field,)]


def test_the_addresses_are_personal_data_and_the_preferences_are_not() -> None:
    assert {"email", "phone"} <= personal_fields(Customer)
    assert not {"language", "contact_consent", "contact_channel"} & personal_fields(Customer)


def test_an_intake_registered_before_customer_messages_reads_as_no_consent() -> None:
    old = Intake.model_validate(
        {k: v for k, v in INTAKE.items()} | {"customer": {"name": "A", "contact": "x"}}
    )
    assert old.customer.contact_consent is False and old.customer.email is None


async def test_intake_over_http_names_the_missing_address_of_the_chosen_channel(
    api: httpx.AsyncClient,
) -> None:
    body = INTAKE | {
        "customer": {"name": "A", "contact": "x", "contact_consent": True, "contact_channel": "sms"}
    }
    refused = await api.post("/complaints", json=body, headers=auth("staff"))
    assert refused.status_code == 422
    assert [p["loc"] for p in refused.json()["detail"]] == [["body", "customer", "phone"]]

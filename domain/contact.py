"""How a customer may be told about their case: the language and channel intake records
(domain/models.py Customer; docs/customer-messages.md). Apart from the models so that the
policy's `customer_messages` section can name them without importing the models."""

from enum import StrEnum


class CustomerLanguage(StrEnum):
    """The language the customer is written to in (Chinese first)."""

    ZH = "zh"
    EN = "en"


class ContactChannel(StrEnum):
    """How the customer agreed to be told about the case."""

    EMAIL = "email"
    SMS = "sms"

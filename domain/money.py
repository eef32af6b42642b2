"""Amounts of money (CNY) in requests, with the JSON schema that says what is accepted: a
string of digits with at most two decimals ("1800", "99.50") or a whole number. Decimal's
own schema allowed any string, so a client reading it could send "" and be refused."""

from decimal import Decimal
from typing import Annotated

from pydantic import Field, WithJsonSchema

MAX_WHOLE_DIGITS = 10  # 12 digits, 2 of them after the point


def _schema(minimum: int) -> WithJsonSchema:
    return WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "string",
                    "pattern": rf"^\d{{1,{MAX_WHOLE_DIGITS}}}(\.\d{{1,2}})?$",
                    "examples": ["1800", "99.50"],
                },
                {"type": "integer", "minimum": minimum, "maximum": 10**MAX_WHOLE_DIGITS - 1},
            ]
        }
    )


Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2), _schema(0)]
# Above zero: a settlement. "0" and "0.00" fit the string's pattern yet are refused (422).
PositiveMoney = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2), _schema(1)]

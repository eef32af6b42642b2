"""The base of every request model: an unknown field is refused (422), so nobody can
set a stage or an amount the API does not offer; so is text with a NUL character, which
PostgreSQL cannot store: accepted, it would fail the case's audit entry on every retry
and leave the case stuck. Dates and moments a person types that the case or a
sub-process computes deadlines and reminders from are `Day` and `Moment`: within this
century, and the schema says so. A typo of a year made a deadline past the calendar's end
(9999), or one Temporal cannot index (year 1007 in a zone's local mean time, an offset of
odd seconds), and the workflow's task failed on every retry. (They are not tightened
where nothing is computed from them: a workflow replays its inputs through these models,
and an old case's input must still read.)"""

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, WithJsonSchema, field_validator

NUL = "\x00"
THIS_CENTURY = r"^20\d{2}-"
MOMENT_SCHEMA = WithJsonSchema({"type": "string", "format": "date-time", "pattern": THIS_CENTURY})


def this_century(value: date) -> date:
    """Dates and datetimes alike (a datetime is a date): the year as the person wrote it."""
    if not 2000 <= value.year <= 2099:
        raise ValueError("the year must be within this century (2000 to 2099)")
    return value


Day = Annotated[
    date,
    AfterValidator(this_century),
    WithJsonSchema({"type": "string", "format": "date", "pattern": THIS_CENTURY}),
]
Moment = Annotated[datetime, AfterValidator(this_century), MOMENT_SCHEMA]


def refuse_nul(value: Any) -> Any:
    """`value` as it is, unless a string in it (keys included) holds a NUL character."""
    if isinstance(value, str):
        if NUL in value:
            raise ValueError("text may not contain NUL characters (\\u0000)")
    elif isinstance(value, dict):
        for key, item in value.items():
            refuse_nul(key)
            refuse_nul(item)
    elif isinstance(value, list | tuple):
        for item in value:
            refuse_nul(item)
    return value


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return refuse_nul(value)

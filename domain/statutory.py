"""Statutory clocks: deadlines set by law or an authority, each with its own calendar,
carried by a case beside the store's own deadlines (DOMAIN sections 5 and 6)."""

from pydantic import BaseModel, Field

from domain.durations import Duration


class StatutoryRule(BaseModel):
    label: str = Field(min_length=1, description="What is due, as the Web UI shows it")
    duration: Duration | None = Field(
        None, description="None: the authority sets the date (a regulator's answer)"
    )
    on_expiry: str = Field(min_length=1, description="What the expiry means, on record")
    notify: list[str] = Field(default_factory=list, description="Contacts told at expiry")
    escalate: bool = Field(False, description="Expiry escalates the case one level")
    pausable: bool = False
    start_for_channels: list[str] = Field(
        default_factory=list, description="Intake channels that start this clock at once"
    )

"""A market regulator's inquiry (000 八; DOMAIN 6): the visitor's identity checked, the
official letter on record, oral questions answered by the designated department, and a
written reply only after senior approval, as for the consumer association (the rule is
domain/mediation.py's `written_reply_refusal`)."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from domain.authority import Actor
from domain.mediation import ReplyForm
from domain.personal_data import PERSONAL
from domain.processes import ProcessStart
from domain.rules import Refusal, RefusalType


class RegulatorStage(StrEnum):
    TO_ANSWER = "to_answer"
    ANSWERED = "answered"
    ENDED = "ended"


class StartRegulatorInquiry(BaseModel):
    """The case's message: the regulator's visit or letter."""

    regulator: str
    official_letter_ref: str
    visitor: Annotated[str, PERSONAL]
    visitor_identity_checked: bool
    questions: Annotated[str, PERSONAL] = ""
    actor: Actor


class RegulatorInquiryStart(ProcessStart):
    regulator: str
    official_letter_ref: str
    visitor: Annotated[str, PERSONAL]
    visitor_identity_checked: bool
    questions: Annotated[str, PERSONAL] = ""


class RecordRegulatorAnswer(BaseModel):
    form: ReplyForm
    content: Annotated[str, PERSONAL]
    department: str = Field(description="Who answers: the designated department")
    actor: Actor


class RecordConclusion(BaseModel):
    conclusion: Annotated[str, PERSONAL]
    actor: Actor


class RegulatorAnswer(BaseModel):
    form: ReplyForm
    content: Annotated[str, PERSONAL]
    department: str
    recorded_by: str
    recorded_at: datetime
    approved_by: str | None = None


class RegulatorRecord(BaseModel):
    regulator: str
    official_letter_ref: str
    visitor: Annotated[str, PERSONAL]
    visitor_identity_checked: bool
    identity_checked_by: str
    questions: Annotated[str, PERSONAL] = ""
    designated_department: str
    answer_due: datetime
    answers: list[RegulatorAnswer] = Field(default_factory=list)
    written_reply_approved_by: str | None = None
    conclusion: Annotated[str | None, PERSONAL] = None


def department_refusal(record: RegulatorRecord, department: str) -> Refusal | None:
    """The regulator's questions are answered by the designated department only."""
    if department.strip().casefold() != record.designated_department.casefold():
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            f"department: the regulator is answered by {record.designated_department}, "
            f"not {department}",
        )
    return None

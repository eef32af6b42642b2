"""Consumer-association mediation (DOMAIN section 6): sessions, replies, and an
outcome that is a settlement under the non-admission clause or a failure."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from domain.authority import Actor
from domain.personal_data import PERSONAL
from domain.processes import ProcessStart
from domain.rules import Refusal, RefusalType


def non_admission_clause(amount: Decimal) -> str:
    """The only terms the company signs a mediated settlement on (DOMAIN section 6)."""
    return (
        "The company does not accept the facts as stated but offers "
        f"CNY {amount:.2f} as a goodwill gesture."
    )


def written_reply_refusal(
    form: "ReplyForm", *, approved_by: str | None, to: str = "the association"
) -> Refusal | None:
    """A written reply (to the association, or a regulator: DOMAIN 6) only after senior
    management approved it; each approval covers one written reply."""
    if form is ReplyForm.WRITTEN and not approved_by:
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            f"a written reply to {to} needs senior management's approval first",
        )
    return None


class MediationStage(StrEnum):
    IN_MEDIATION = "in_mediation"
    ENDED = "ended"


class ReplyForm(StrEnum):
    ORAL = "oral"
    WRITTEN = "written"


class MediationResult(StrEnum):
    SETTLED = "settled"
    FAILED = "failed"


class Failure(StrEnum):
    SIGNED_NON_ACCEPTANCE = "signed_non_acceptance"
    NOT_SIGNED = "not_signed"


# The mediation's messages as histories hold them: tolerant (no length limits, no rules
# between fields); the HTTP bodies that decide what may be sent are in api/bodies.py.


class AppointRepresentative(BaseModel):
    name: str
    actor: Actor


class Session(BaseModel):
    at: datetime
    place: str


class ScheduleSession(Session):
    actor: Actor


class ReplyContent(BaseModel):
    form: ReplyForm
    content: Annotated[str, PERSONAL]


class RecordReply(ReplyContent):
    actor: Actor


class ApproveWrittenReply(BaseModel):
    comment: Annotated[str, PERSONAL]
    actor: Actor


class Extension(BaseModel):
    until: date
    association_ref: str


class RecordExtension(Extension):
    actor: Actor


class MediationOutcome(BaseModel):
    result: MediationResult
    amount: Decimal | None = None
    agreement_ref: str | None = None
    failure: Failure | None = None
    statement_ref: str | None = None


class RecordMediationOutcome(MediationOutcome):
    actor: Actor


class MediationStart(ProcessStart):
    association: str
    notice_ref: str
    accepted_on: date


class Reply(ReplyContent):
    recorded_by: str
    recorded_at: datetime
    approved_by: str | None = None


class MediationRecord(BaseModel):
    association: str
    notice_ref: str
    accepted_on: date
    ends_at: datetime
    representative: str | None = None
    sessions: list[Session] = Field(default_factory=list)
    replies: list[Reply] = Field(default_factory=list)
    written_reply_approved_by: str | None = None
    extensions: list[Extension] = Field(default_factory=list)
    outcome: MediationOutcome | None = None
    terms: Annotated[str | None, PERSONAL] = None

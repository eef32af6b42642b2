"""Consumer-association mediation (DOMAIN section 6): sessions, replies, and an
outcome that is a settlement under the non-admission clause or a failure."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator

from domain.authority import Actor
from domain.money import PositiveMoney
from domain.personal_data import PERSONAL
from domain.processes import ProcessStart
from domain.strict import Day, Moment, StrictModel


def non_admission_clause(amount: Decimal) -> str:
    """The only terms the company signs a mediated settlement on (DOMAIN section 6)."""
    return (
        "The company does not accept the facts as stated but offers "
        f"CNY {amount:.2f} as a goodwill gesture."
    )


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


class RepresentativeBody(StrictModel):
    name: str = Field(min_length=1, max_length=200)


class SessionBody(StrictModel):
    at: Moment
    place: str = Field(min_length=1, max_length=200)


class ReplyBody(StrictModel):
    form: ReplyForm
    content: Annotated[str, PERSONAL] = Field(min_length=1, max_length=5000)


class WrittenReplyApprovalBody(StrictModel):
    comment: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


class ExtensionBody(StrictModel):
    until: Day
    association_ref: str = Field(min_length=1, max_length=100)


class MediationOutcomeBody(StrictModel):
    result: MediationResult
    amount: PositiveMoney | None = None
    agreement_ref: str | None = Field(None, min_length=1, max_length=100)
    failure: Failure | None = None
    statement_ref: str | None = Field(None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _result_has_its_details(self) -> "MediationOutcomeBody":
        if self.result is MediationResult.SETTLED and (not self.amount or not self.agreement_ref):
            raise ValueError("amount and agreement_ref are required for a settlement")
        if self.result is MediationResult.FAILED:
            if self.failure is None:
                raise ValueError("failure is required when mediation fails")
            if self.failure is Failure.SIGNED_NON_ACCEPTANCE and not self.statement_ref:
                raise ValueError("statement_ref is required for a signed statement")
            if self.amount is not None or self.agreement_ref is not None:
                raise ValueError("a failed mediation has no amount and no agreement")
        return self


class AppointRepresentative(RepresentativeBody):
    actor: Actor


class ScheduleSession(SessionBody):
    actor: Actor


class RecordReply(ReplyBody):
    actor: Actor


class ApproveWrittenReply(WrittenReplyApprovalBody):
    actor: Actor


class RecordExtension(ExtensionBody):
    actor: Actor


class RecordMediationOutcome(MediationOutcomeBody):
    actor: Actor


class MediationStart(ProcessStart):
    association: str
    notice_ref: str
    accepted_on: date


class Reply(ReplyBody):
    recorded_by: str
    recorded_at: datetime
    approved_by: str | None = None


class MediationRecord(BaseModel):
    association: str
    notice_ref: str
    accepted_on: date
    ends_at: datetime
    representative: str | None = None
    sessions: list[SessionBody] = Field(default_factory=list)
    replies: list[Reply] = Field(default_factory=list)
    written_reply_approved_by: str | None = None
    extensions: list[ExtensionBody] = Field(default_factory=list)
    outcome: MediationOutcomeBody | None = None
    terms: Annotated[str | None, PERSONAL] = None

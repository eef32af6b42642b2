"""The police report (DOMAIN section 6): who called, which station, the case-filing
certificate, forensic assessment, and CCTV hand-overs to the police only."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from domain.authority import Actor
from domain.incidents import Incident
from domain.personal_data import PERSONAL
from domain.processes import ProcessStart
from domain.rules import Refusal, RefusalType
from domain.strict import Moment, StrictModel


class PoliceStage(StrEnum):
    TO_REPORT = "to_report"
    AWAITING_CERTIFICATE = "awaiting_certificate"
    AWAITING_OUTCOME = "awaiting_outcome"
    ENDED = "ended"


class Recipient(StrEnum):
    POLICE = "police"
    REGULATOR = "regulator"
    COURT = "court"
    CUSTOMER = "customer"
    MEDIA = "media"
    OTHER = "other"


CCTV_RECIPIENTS = frozenset({Recipient.POLICE, Recipient.REGULATOR, Recipient.COURT})


def cctv_refusal(recipient: Recipient) -> Refusal | None:
    if recipient in CCTV_RECIPIENTS:
        return None
    return Refusal(
        RefusalType.RECIPIENT_NOT_ALLOWED,
        f"CCTV footage goes only to the police, regulators or courts, never to {recipient.value}",
    )


class PoliceCallBody(StrictModel):
    reported_by: Annotated[str, PERSONAL] = Field(
        min_length=1, max_length=200, description="Who called the police"
    )
    reported_at: Moment
    station: str = Field(min_length=1, max_length=200)


class CertificateBody(StrictModel):
    certificate_no: str = Field(min_length=1, max_length=100)


class ForensicAssessmentBody(StrictModel):
    requested_at: Moment
    result: Annotated[str | None, PERSONAL] = Field(
        None, max_length=2000, description="Once the police have it"
    )


class CctvHandoverBody(StrictModel):
    recipient: Recipient
    recipient_name: Annotated[str, PERSONAL] = Field(min_length=1, max_length=200)
    footage_ref: str = Field(min_length=1, max_length=200)


class PoliceOutcomeBody(StrictModel):
    outcome: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


class RecordPoliceCall(PoliceCallBody):
    actor: Actor


class RecordCertificate(CertificateBody):
    actor: Actor


class RecordForensicAssessment(ForensicAssessmentBody):
    actor: Actor


class HandOverCctv(CctvHandoverBody):
    actor: Actor


class RecordPoliceOutcome(PoliceOutcomeBody):
    actor: Actor


class PoliceReportStart(ProcessStart):
    incident: Incident | None = None


class CctvHandover(CctvHandoverBody):
    handed_over_by: str
    handed_over_at: datetime


class PoliceReportRecord(BaseModel):
    incident: Incident | None = None
    reported_by: Annotated[str | None, PERSONAL] = None
    reported_at: datetime | None = None
    station: str | None = None
    certificate_no: str | None = None
    forensic_assessments: list[ForensicAssessmentBody] = Field(default_factory=list)
    cctv_handovers: list[CctvHandover] = Field(default_factory=list)
    outcome: Annotated[str | None, PERSONAL] = None
    reminders: int = 0

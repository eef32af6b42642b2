"""The police report (DOMAIN section 6): who called, which station, the case-filing
certificate, forensic assessment, and CCTV hand-overs to the police only."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from domain.authority import Actor
from domain.evidence import EvidenceId
from domain.incidents import Incident
from domain.personal_data import PERSONAL
from domain.processes import ProcessStart
from domain.rules import Refusal, RefusalType


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


def outcome_refusal(category: str, certificate_no: str | None) -> Refusal | None:
    """A vehicle claim closes only with the case-filing certificate (DOMAIN section 6), so
    its police report does not end without one: the case could never close."""
    if category == "vehicle_parking" and not certificate_no:
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            "record the case-filing certificate first: a vehicle claim closes only with it",
        )
    return None


# The report's messages as histories hold them: tolerant (no length limits); the HTTP
# bodies that decide what may be sent are in api/bodies.py.


class RecordPoliceCall(BaseModel):
    reported_by: Annotated[str, PERSONAL]
    reported_at: datetime
    station: str
    actor: Actor


class RecordCertificate(BaseModel):
    certificate_no: str
    actor: Actor


class ForensicAssessment(BaseModel):
    requested_at: datetime
    result: Annotated[str | None, PERSONAL] = None


class RecordForensicAssessment(ForensicAssessment):
    actor: Actor


class CctvFootage(BaseModel):
    recipient: Recipient
    recipient_name: Annotated[str, PERSONAL]
    footage_ref: str
    # The uploaded CCTV files handed over (evidence ids, docs/evidence.md); empty in
    # hand-overs recorded before evidence existed.
    evidence_ids: list[EvidenceId] = Field(default_factory=list)


class HandOverCctv(CctvFootage):
    actor: Actor


class RecordPoliceOutcome(BaseModel):
    outcome: Annotated[str, PERSONAL]
    actor: Actor


class PoliceReportStart(ProcessStart):
    incident: Incident | None = None


class CctvHandover(CctvFootage):
    handed_over_by: str
    handed_over_at: datetime


class PoliceReportRecord(BaseModel):
    incident: Incident | None = None
    reported_by: Annotated[str | None, PERSONAL] = None
    reported_at: datetime | None = None
    station: str | None = None
    certificate_no: str | None = None
    forensic_assessments: list[ForensicAssessment] = Field(default_factory=list)
    cctv_handovers: list[CctvHandover] = Field(default_factory=list)
    outcome: Annotated[str | None, PERSONAL] = None
    reminders: int = 0

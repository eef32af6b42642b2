"""The insurance claim (DOMAIN section 6): report, documents, the insurer's written
opinion, and the rules the case must respect until the insurer has answered."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from domain.authority import Actor
from domain.evidence import EvidenceId
from domain.personal_data import PERSONAL
from domain.processes import ProcessStart, ProcessSummary
from domain.rules import Refusal, RefusalType


class DocumentKind(StrEnum):
    MEDICAL_RECORDS = "medical_records"
    DIAGNOSIS = "diagnosis"
    TESTS = "tests"
    RECEIPTS = "receipts"
    REST_NOTE = "rest_note"
    INCOME_PROOF = "income_proof"
    TRANSFER_CERTIFICATE = "transfer_certificate"


# Medical fees are advanced only against these originals (DOMAIN section 6).
ORIGINALS_FOR_ADVANCE = (
    DocumentKind.MEDICAL_RECORDS,
    DocumentKind.DIAGNOSIS,
    DocumentKind.TESTS,
    DocumentKind.RECEIPTS,
)


class DamageHead(StrEnum):
    MEDICAL = "medical"
    HOSPITAL = "hospital"
    TRANSPORT = "transport"
    LOST_EARNINGS = "lost_earnings"
    NURSING = "nursing"
    NUTRITION = "nutrition"
    MEAL_ALLOWANCE = "meal_allowance"
    DISABILITY = "disability"
    DEATH = "death"
    MENTAL_DISTRESS = "mental_distress"
    FUTURE_TREATMENT = "future_treatment"
    PROPERTY = "property"


# Agreed with the customer only after the insurer confirms them in writing.
NEEDS_INSURER_CONFIRMATION = frozenset({DamageHead.MENTAL_DISTRESS, DamageHead.FUTURE_TREATMENT})


class InsuranceStage(StrEnum):
    TO_REPORT = "to_report"
    AWAITING_OPINION = "awaiting_opinion"
    DOCUMENTS_REQUESTED = "documents_requested"
    ENDED = "ended"


class OpinionDecision(StrEnum):
    PAYS = "pays"
    REFUSES = "refuses"
    NEEDS_DOCUMENTS = "needs_documents"


# The claim's messages as histories hold them: tolerant (no length limits, no rules
# between fields); the HTTP bodies that decide what may be sent are in api/bodies.py.


class ReportToInsurer(BaseModel):
    insurer: str
    claim_ref: str
    reported_at: datetime | None = None
    actor: Actor


class RecordDocuments(BaseModel):
    documents: list[DocumentKind]
    # Set by the one who saw the paper originals: the message's actor.
    originals: bool = True
    # The uploaded files of these documents (evidence ids); empty before evidence existed.
    evidence_ids: list[EvidenceId] = Field(default_factory=list)
    note: Annotated[str | None, PERSONAL] = None
    actor: Actor


class InsurerOpinion(BaseModel):
    """The insurer's written opinion, as the claim records it."""

    decision: OpinionDecision
    written_ref: str
    amounts: dict[DamageHead, Decimal] = Field(default_factory=dict)
    reason: Annotated[str | None, PERSONAL] = None
    documents_needed: list[DocumentKind] = Field(default_factory=list)
    advance_without_originals: bool = False


class RecordInsurerOpinion(InsurerOpinion):
    actor: Actor


class GrantAdvanceException(BaseModel):
    reason: Annotated[str, PERSONAL]
    actor: Actor


class InsuranceClaimStart(ProcessStart):
    insurer: str | None = None


class DocumentReceipt(BaseModel):
    kind: DocumentKind
    original: bool  # recorded_by saw the paper original
    received_at: datetime
    recorded_by: str
    evidence_ids: list[EvidenceId] = Field(default_factory=list)


class InsuranceClaimRecord(BaseModel):
    insurer: str | None = None
    claim_ref: str | None = None
    reported_by: str | None = None
    reported_at: datetime | None = None
    documents: list[DocumentReceipt] = Field(default_factory=list)
    documents_requested: list[DocumentKind] = Field(default_factory=list)
    opinion: InsurerOpinion | None = None
    opinion_at: datetime | None = None
    chases: int = 0
    advance_exception_by: str | None = None
    advance_exception_reason: Annotated[str | None, PERSONAL] = None

    def originals(self) -> set[DocumentKind]:
        return {doc.kind for doc in self.documents if doc.original}

    def missing_originals(self) -> list[DocumentKind]:
        held = self.originals()
        return [kind for kind in ORIGINALS_FOR_ADVANCE if kind not in held]

    def outstanding_requests(self) -> list[DocumentKind]:
        held = {doc.kind for doc in self.documents}
        return [kind for kind in self.documents_requested if kind not in held]


# --- the case's rules while a claim exists ------------------------------------------


def advance_refusal(claim: ProcessSummary | None) -> Refusal | None:
    """Medical fees are advanced only against the originals, the insurer's written
    consent, or a senior management exception."""
    if claim is None:
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            "medical fees are advanced only through an insurance claim: start one first",
        )
    if claim.advance_cleared_by or not claim.missing_originals:
        return None
    return Refusal(
        RefusalType.CONDITION_NOT_MET,
        "medical fees are advanced only against the original "
        + ", ".join(claim.missing_originals)
        + ", the insurer's written consent, or a senior management exception",
    )


def confirmation_refusal(heads: dict[str, Decimal], claim: ProcessSummary | None) -> Refusal | None:
    """Mental distress and one-off future treatment need the insurer's written
    confirmation before the customer's agreement."""
    confirmed = claim.insurer_confirmed if claim else {}
    missing = [h for h in heads if h in NEEDS_INSURER_CONFIRMATION and h not in confirmed]
    if not missing:
        return None
    return Refusal(
        RefusalType.CONDITION_NOT_MET,
        f"the insurer has not confirmed {', '.join(missing)} in writing: "
        "the customer cannot sign for it yet",
    )


def insurer_share(heads: dict[str, Decimal], claim: ProcessSummary | None) -> Decimal:
    """What the insurer covers of a proposal: per head, at most what it confirmed."""
    if claim is None:
        return Decimal("0")
    return sum(
        (
            min(amount, claim.insurer_confirmed.get(head, Decimal("0")))
            for head, amount in heads.items()
        ),
        Decimal("0"),
    )

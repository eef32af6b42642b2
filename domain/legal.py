"""Legal documents served on the company and lawsuits against it (000 八.9, 九; DOMAIN 6).

Legal documents: a lawyer's letter is never signed for; one left at the desk is received
unsigned, senior management is told at once and the designated department answers it by
a deadline. Papers a court, procuratorate or the police serve: the company name on them
and the bearer's identity are checked (each yes or no), senior management is told before
the designated person signs, only originals are signed for, and the enclosures are
checked against the list.

A lawsuit: filed, hearings, a judgment (effective, or appealed), and the execution of an
effective judgment, as it orders and by its deadline. Its effective judgment is what a
payment's `court_judgment_ref` must name (`judgment_refusal`).
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from domain.authority import Actor, Level
from domain.models import AuditEntry
from domain.personal_data import PERSONAL
from domain.processes import ProcessKind, ProcessStart, ProcessSummary
from domain.rules import Refusal, RefusalType

SENIOR_MANAGEMENT = Level.SENIOR_MANAGEMENT.value

# --- legal documents (000 九) ------------------------------------------------------------


class LegalDocumentKind(StrEnum):
    LAWYER_LETTER = "lawyer_letter"
    COURT = "court"
    PROCURATORATE = "procuratorate"
    POLICE = "police"


OFFICIAL_ISSUERS = (
    LegalDocumentKind.COURT,
    LegalDocumentKind.PROCURATORATE,
    LegalDocumentKind.POLICE,
)


class LegalDocumentState(StrEnum):
    RECEIVED_UNSIGNED = "received_unsigned"  # a lawyer's letter left at the desk
    NOT_LEFT = "not_left"  # a lawyer's letter not signed for and taken back
    ANSWERED = "answered"
    AWAITING_SENIOR = "awaiting_senior"  # papers checked; senior management not told yet
    SENIOR_INFORMED = "senior_informed"  # the designated person may sign
    SIGNED = "signed"
    REFUSED = "refused"  # a check failed: not signed for


SETTLED_STATES = frozenset(
    {
        LegalDocumentState.NOT_LEFT,
        LegalDocumentState.ANSWERED,
        LegalDocumentState.SIGNED,
        LegalDocumentState.REFUSED,
    }
)


class LegalDocumentsStage(StrEnum):
    OPEN = "open"
    ENDED = "ended"


# Messages as histories hold them: tolerant; api/bodies.py decides what may be sent.


class StartLegalDocuments(BaseModel):
    """The case's message: opens the record of legal documents served over the case."""

    reason: Annotated[str, PERSONAL]
    actor: Actor


class LegalDocumentsStart(ProcessStart):
    pass


class ReceiveLawyerLetter(BaseModel):
    sender: str = Field(description="The law firm (and lawyer) that sent it")
    on_behalf_of: Annotated[str | None, PERSONAL] = None
    left: bool = Field(description="The bearer left it, unsigned, at the desk")
    summary: Annotated[str, PERSONAL] = ""
    actor: Actor


class AnswerLawyerLetter(BaseModel):
    number: int
    answer_ref: str
    summary: Annotated[str, PERSONAL] = ""
    actor: Actor


class ReceiveOfficialPapers(BaseModel):
    issuer: LegalDocumentKind
    title: str
    reference: str = ""
    bearer: Annotated[str, PERSONAL]
    bearer_identity_checked: bool = Field(description="The bearer showed valid official ID")
    company_name_matches: bool = Field(
        description="The company name on the papers is exactly the company's"
    )
    enclosures_listed: list[str] = Field(default_factory=list)
    actor: Actor


class InformSenior(BaseModel):
    number: int
    informed: str = Field(description="Whom of senior management, and how")
    actor: Actor


class SignPapers(BaseModel):
    number: int
    signed_by: str = Field(description="The company's designated person")
    original: bool
    enclosures_received: list[str] = Field(default_factory=list)
    actor: Actor


class Check(BaseModel):
    name: str
    passed: bool
    by: str
    at: datetime


class LegalDocument(BaseModel):
    number: int
    kind: LegalDocumentKind
    state: LegalDocumentState
    received_by: str
    received_at: datetime
    sender: str = ""
    title: str = ""
    reference: str = ""
    bearer: Annotated[str | None, PERSONAL] = None
    summary: Annotated[str, PERSONAL] = ""
    checks: list[Check] = Field(default_factory=list)
    department: str = ""
    answer_due: datetime | None = None
    answer_ref: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    senior_informed: str | None = None
    senior_informed_by: str | None = None
    senior_informed_at: datetime | None = None
    enclosures_listed: list[str] = Field(default_factory=list)
    enclosures_received: list[str] = Field(default_factory=list)
    enclosures_missing: list[str] = Field(default_factory=list)
    signed_by: str | None = None
    signed_at: datetime | None = None


class LegalDocumentsRecord(BaseModel):
    department: str
    documents: list[LegalDocument] = Field(default_factory=list)


def _refused(message: str) -> Refusal:
    return Refusal(RefusalType.CONDITION_NOT_MET, message)


def document_refusal(record: LegalDocumentsRecord, number: int) -> Refusal | None:
    if not 1 <= number <= len(record.documents):
        return _refused(f"there is no legal document {number} on this case")
    return None


def answer_refusal(record: LegalDocumentsRecord, number: int) -> Refusal | None:
    refusal = document_refusal(record, number)
    if refusal is not None:
        return refusal
    document = record.documents[number - 1]
    if document.kind is not LegalDocumentKind.LAWYER_LETTER:
        return _refused(f"legal document {number} is no lawyer's letter: nothing to answer")
    if document.state is not LegalDocumentState.RECEIVED_UNSIGNED:
        return _refused(f"lawyer's letter {number} is {document.state.value.replace('_', ' ')}")
    return None


def senior_refusal(record: LegalDocumentsRecord, number: int) -> Refusal | None:
    refusal = document_refusal(record, number)
    if refusal is not None:
        return refusal
    document = record.documents[number - 1]
    if document.state is not LegalDocumentState.AWAITING_SENIOR:
        return _refused(
            f"legal document {number} is {document.state.value.replace('_', ' ')}: "
            "senior management is told of papers checked and not yet signed for"
        )
    return None


def sign_refusal(record: LegalDocumentsRecord, cmd: SignPapers) -> Refusal | None:
    """000 九.1, 九.3: never a lawyer's letter; only after senior management was told;
    only originals; never papers whose checks failed."""
    refusal = document_refusal(record, cmd.number)
    if refusal is not None:
        return refusal
    document = record.documents[cmd.number - 1]
    if document.kind is LegalDocumentKind.LAWYER_LETTER:
        return _refused("a lawyer's letter is never signed for (000 九.1)")
    if document.state is LegalDocumentState.REFUSED:
        return _refused(f"papers {cmd.number} failed their checks: they are not signed for")
    if document.state is LegalDocumentState.SIGNED:
        return _refused(f"papers {cmd.number} are signed for already")
    if document.state is LegalDocumentState.AWAITING_SENIOR:
        return _refused(
            f"papers {cmd.number}: tell senior management before the designated person signs"
        )
    if not cmd.original:
        return _refused("only originals are signed for, not a copy (000 九.3)")
    return None


def missing_enclosures(listed: list[str], received: list[str]) -> list[str]:
    have = {item.strip().casefold() for item in received}
    return [item for item in listed if item.strip().casefold() not in have]


def failed_checks(document: LegalDocument) -> list[str]:
    return [check.name for check in document.checks if not check.passed]


def all_settled(record: LegalDocumentsRecord) -> bool:
    return bool(record.documents) and all(d.state in SETTLED_STATES for d in record.documents)


# --- the lawsuit (000 八.9) ---------------------------------------------------------------


class LawsuitStage(StrEnum):
    FILED = "filed"
    HEARINGS = "hearings"
    APPEALED = "appealed"
    EXECUTION = "execution"
    ENDED = "ended"


class JudgmentStatus(StrEnum):
    EFFECTIVE = "effective"
    APPEALED = "appealed"


class StartLawsuit(BaseModel):
    """The case's message: the court's papers of a lawsuit against the company."""

    court: str
    court_case_no: str
    filed_on: date
    claim: Annotated[str, PERSONAL]
    claimed_amount: Decimal | None = None
    actor: Actor


class LawsuitStart(ProcessStart):
    court: str
    court_case_no: str
    filed_on: date
    claimed_amount: Decimal | None = None


class ScheduleHearing(BaseModel):
    at: datetime
    place: str
    actor: Actor


class RecordJudgment(BaseModel):
    judgment_ref: str
    judged_on: date
    status: JudgmentStatus
    orders_amount: Decimal | None = Field(None, description="What it orders the company to pay")
    pay_by: date | None = Field(None, description="The judgment's own date for it, if any")
    summary: Annotated[str, PERSONAL] = ""
    actor: Actor


class RecordExecution(BaseModel):
    payment_ref: str
    amount: Decimal
    actor: Actor


class Hearing(BaseModel):
    at: datetime
    place: str


class Judgment(BaseModel):
    judgment_ref: str
    judged_on: date
    status: JudgmentStatus
    orders_amount: Decimal | None = None
    pay_by: date | None = None
    summary: Annotated[str, PERSONAL] = ""
    recorded_by: str
    recorded_at: datetime


class Execution(BaseModel):
    payment_ref: str
    amount: Decimal
    recorded_by: str
    recorded_at: datetime


class LawsuitRecord(BaseModel):
    court: str
    court_case_no: str
    filed_on: date
    claimed_amount: Decimal | None = None
    hold_id: str | None = Field(None, description="The legal hold the lawsuit placed on the case")
    hold_lifted: bool = False
    hearings: list[Hearing] = Field(default_factory=list)
    judgments: list[Judgment] = Field(default_factory=list)
    execution_due: datetime | None = None
    execution: Execution | None = None


def judgment_refusal_in_lawsuit(record: LawsuitRecord, cmd: RecordJudgment) -> Refusal | None:
    if any(j.status is JudgmentStatus.EFFECTIVE for j in record.judgments):
        return _refused("an effective judgment is on record already: record its execution")
    if cmd.orders_amount is not None and cmd.orders_amount < 0:
        return _refused("orders_amount: a judgment orders an amount of 0 or more")
    return None


def execution_refusal(summary: ProcessSummary, cmd: RecordExecution) -> Refusal | None:
    """An effective judgment is carried out as it orders (000 八.9)."""
    if summary.stage != LawsuitStage.EXECUTION:
        return _refused("there is no effective judgment that orders a payment to carry out")
    if summary.judgment_orders is not None and cmd.amount != summary.judgment_orders:
        return _refused(
            f"the judgment {summary.effective_judgment_ref} orders CNY {summary.judgment_orders},"
            f" not CNY {cmd.amount}: it is carried out as it orders"
        )
    return None


class PlaceHold(BaseModel):
    """The lawsuit's legal hold on its case (activities/legal_holds.py): its ID and audit
    entry come from the workflow, so a retried write adds nothing."""

    case_no: str
    hold_id: str
    reference: str
    audit: AuditEntry


class LiftHold(BaseModel):
    case_no: str
    hold_id: str
    audit: AuditEntry


# --- the case's rule: a court judgment named on a payment must be the lawsuit's ---------


def judgment_refusal(
    court_judgment_ref: str | None, amount: Decimal, processes: list[ProcessSummary]
) -> Refusal | None:
    """A `court_judgment_ref` on a proposal or a settlement must name an effective
    judgment recorded by the case's lawsuit, and pay no more than it orders."""
    if not court_judgment_ref:
        return None
    lawsuits = [p for p in processes if p.kind is ProcessKind.LAWSUIT and p.effective_judgment_ref]
    judgment = next(
        (p for p in lawsuits if p.effective_judgment_ref == court_judgment_ref.strip()), None
    )
    if judgment is None:
        known = ", ".join(sorted({p.effective_judgment_ref or "" for p in lawsuits}))
        return _refused(
            f"court_judgment_ref {court_judgment_ref}: "
            + (
                f"the case's lawsuit recorded the effective judgment {known}, not this one"
                if known
                else "the case's lawsuit has recorded no effective judgment"
            )
        )
    if judgment.judgment_orders is not None and amount > judgment.judgment_orders:
        return _refused(
            f"court_judgment_ref {court_judgment_ref}: the judgment orders CNY "
            f"{judgment.judgment_orders}, not CNY {amount}"
        )
    return None

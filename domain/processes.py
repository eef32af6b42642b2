"""Sub-processes with outside parties (DOMAIN section 6), as the case sees them.

Each runs as a child workflow of its complaint, with an ID derived from the case number.
The case keeps a `ProcessSummary` of each: its stage, whom it waits for, and the facts
the case's own rules depend on (originals received, what the insurer confirmed, the
police certificate, a settlement).
"""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field

from domain.authority import Actor, Role
from domain.calendar import BusinessCalendar
from domain.incidents import Incident
from domain.personal_data import PERSONAL
from domain.policy import ProcessesPolicy
from domain.products import ProductRef
from domain.rules import Refusal, RefusalType

# The child reports to its case by this signal name: the parent module imports the
# children to start them, so the children cannot import the parent class.
PROCESS_CHANGED_SIGNAL = "process_changed"
PROCESS_ESCALATION_SIGNAL = "process_needs_escalation"
# Issue 16: a child asks its case to stop or restart the case's clocks (a test lab trip).
PROCESS_CLOCKS_SIGNAL = "process_clocks"


class ProcessKind(StrEnum):
    INSURANCE = "insurance"
    POLICE = "police"
    MEDIATION = "mediation"
    # Issue 16: quality control's ruling, purchasing's claim against the supplier.
    QUALITY = "quality_inspection"
    SUPPLIER = "supplier_claim"
    # Issue 16 (000 八, 九): legal documents served, a lawsuit, a regulator's inquiry.
    LEGAL_DOCUMENTS = "legal_documents"
    LAWSUIT = "lawsuit"
    REGULATOR = "regulator_inquiry"


LABELS = {
    ProcessKind.INSURANCE: "insurance claim",
    ProcessKind.POLICE: "police report",
    ProcessKind.MEDIATION: "consumer-association mediation",
    ProcessKind.QUALITY: "quality inspection",
    ProcessKind.SUPPLIER: "supplier claim",
    ProcessKind.LEGAL_DOCUMENTS: "record of legal documents",
    ProcessKind.LAWSUIT: "lawsuit",
    ProcessKind.REGULATOR: "regulator's inquiry",
}


def process_workflow_id(case_no: str, kind: ProcessKind) -> str:
    return f"complaint-{case_no}-{kind.value}"


class ProcessCommand(StrEnum):
    START_INSURANCE = "start an insurance claim"
    START_POLICE = "record a police report"
    START_MEDIATION = "record the association's mediation notice"
    WITHDRAW = "withdraw a sub-process"
    INSURANCE_REPORT = "report to the insurer"
    INSURANCE_DOCUMENTS = "record claim documents"
    INSURANCE_OPINION = "record the insurer's opinion"
    ADVANCE_EXCEPTION = "allow advancing medical fees without originals"
    POLICE_REPORT = "record who called the police"
    POLICE_CERTIFICATE = "record the case-filing certificate"
    FORENSIC_ASSESSMENT = "record a forensic injury assessment"
    CCTV_HANDOVER = "hand over CCTV footage"
    POLICE_OUTCOME = "record the police outcome"
    MEDIATION_REPRESENTATIVE = "appoint the company's representative"
    MEDIATION_SESSION = "schedule a mediation session"
    MEDIATION_REPLY = "record a reply to the association"
    WRITTEN_REPLY_APPROVAL = "approve a written reply to the association"
    MEDIATION_EXTENSION = "record the association's extension"
    MEDIATION_OUTCOME = "record the mediation outcome"
    # Issue 16: quality inspection and supplier claim.
    START_QUALITY = "ask quality control for a ruling"
    START_SUPPLIER = "open a claim against the supplier"
    LAB_TRIP_REQUEST = "request a joint trip to an outside test lab"
    LAB_TRIP_APPROVAL = "approve a joint trip to an outside test lab"
    LAB_TRIP_START = "record the start of the test lab trip"
    LAB_RESULT = "record the test lab's report"
    QUALITY_RULING = "record quality control's ruling"
    SUPPLIER_NOTICE = "record the notice sent to the supplier"
    SUPPLIER_PULLED = "record goods pulled from sale"
    SUPPLIER_RETURNED = "record goods returned to the supplier"
    SUPPLIER_DEMAND = "ask the supplier for compensation"
    SUPPLIER_PAYMENT = "record compensation received from the supplier"
    SUPPLIER_REFUSAL = "record the supplier's refusal"
    # Issue 16: legal documents (000 九), a lawsuit (000 八.9), a regulator (DOMAIN 6).
    START_LEGAL_DOCUMENTS = "open the record of legal documents served"
    START_LAWSUIT = "record a lawsuit against the company"
    START_REGULATOR = "record a market regulator's inquiry"
    LAWYER_LETTER = "record a lawyer's letter"
    ANSWER_LAWYER_LETTER = "answer a lawyer's letter"
    OFFICIAL_PAPERS = "record papers served by a court, procuratorate or the police"
    SENIOR_INFORMED = "record that senior management was told of papers served"
    SIGN_PAPERS = "sign for papers served"
    LAWSUIT_HEARING = "schedule a hearing"
    LAWSUIT_JUDGMENT = "record a judgment"
    LAWSUIT_EXECUTION = "record the judgment carried out"
    REGULATOR_ANSWER = "record an answer to the regulator"
    REGULATOR_WRITTEN_APPROVAL = "approve a written reply to the regulator"
    REGULATOR_CONCLUSION = "record the regulator's conclusion"


_CASE_WORKERS = frozenset({Role.HANDLER, Role.MANAGER, Role.SENIOR})
_DESK = _CASE_WORKERS | {Role.STAFF}
_MANAGERS = frozenset({Role.MANAGER, Role.SENIOR})
_SENIOR = frozenset({Role.SENIOR})

PROCESS_ROLES: dict[ProcessCommand, frozenset[Role]] = {
    ProcessCommand.START_INSURANCE: _CASE_WORKERS,
    ProcessCommand.START_POLICE: _DESK,
    ProcessCommand.START_MEDIATION: _DESK,
    ProcessCommand.WITHDRAW: _MANAGERS,
    ProcessCommand.INSURANCE_REPORT: _CASE_WORKERS,
    ProcessCommand.INSURANCE_DOCUMENTS: _DESK,
    ProcessCommand.INSURANCE_OPINION: _CASE_WORKERS,
    # An exception to the originals rule is senior management's alone (DOMAIN section 6).
    ProcessCommand.ADVANCE_EXCEPTION: _SENIOR,
    ProcessCommand.POLICE_REPORT: _DESK,
    ProcessCommand.POLICE_CERTIFICATE: _DESK,
    ProcessCommand.FORENSIC_ASSESSMENT: _CASE_WORKERS,
    ProcessCommand.CCTV_HANDOVER: _DESK,
    ProcessCommand.POLICE_OUTCOME: _DESK,
    ProcessCommand.MEDIATION_REPRESENTATIVE: _MANAGERS,
    ProcessCommand.MEDIATION_SESSION: _CASE_WORKERS,
    ProcessCommand.MEDIATION_REPLY: _CASE_WORKERS,
    # A written reply to the association needs senior approval first (DOMAIN section 6).
    ProcessCommand.WRITTEN_REPLY_APPROVAL: _SENIOR,
    ProcessCommand.MEDIATION_EXTENSION: _CASE_WORKERS,
    ProcessCommand.MEDIATION_OUTCOME: _CASE_WORKERS,
    # Issue 16. The desk may ask quality control; purchasing's staff act as case workers.
    ProcessCommand.START_QUALITY: _DESK,
    ProcessCommand.START_SUPPLIER: _CASE_WORKERS,
    ProcessCommand.LAB_TRIP_REQUEST: _CASE_WORKERS,
    # A joint trip to an outside test lab only with senior approval (DOMAIN section 6).
    ProcessCommand.LAB_TRIP_APPROVAL: _SENIOR,
    ProcessCommand.LAB_TRIP_START: _CASE_WORKERS,
    ProcessCommand.LAB_RESULT: _CASE_WORKERS,
    ProcessCommand.QUALITY_RULING: _CASE_WORKERS,
    ProcessCommand.SUPPLIER_NOTICE: _CASE_WORKERS,
    ProcessCommand.SUPPLIER_PULLED: _DESK,
    ProcessCommand.SUPPLIER_RETURNED: _CASE_WORKERS,
    ProcessCommand.SUPPLIER_DEMAND: _CASE_WORKERS,
    ProcessCommand.SUPPLIER_PAYMENT: _CASE_WORKERS,
    ProcessCommand.SUPPLIER_REFUSAL: _CASE_WORKERS,
    # Issue 16.
    ProcessCommand.START_LEGAL_DOCUMENTS: _DESK,
    ProcessCommand.START_LAWSUIT: _CASE_WORKERS,
    ProcessCommand.START_REGULATOR: _DESK,
    ProcessCommand.LAWYER_LETTER: _DESK,
    ProcessCommand.ANSWER_LAWYER_LETTER: _CASE_WORKERS,
    ProcessCommand.OFFICIAL_PAPERS: _DESK,
    ProcessCommand.SENIOR_INFORMED: _DESK,
    # The company's designated person signs (000 九.3), not the desk.
    ProcessCommand.SIGN_PAPERS: _CASE_WORKERS,
    ProcessCommand.LAWSUIT_HEARING: _CASE_WORKERS,
    ProcessCommand.LAWSUIT_JUDGMENT: _CASE_WORKERS,
    ProcessCommand.LAWSUIT_EXECUTION: _CASE_WORKERS,
    ProcessCommand.REGULATOR_ANSWER: _CASE_WORKERS,
    # A written reply to a regulator, as to the association, needs senior approval.
    ProcessCommand.REGULATOR_WRITTEN_APPROVAL: _SENIOR,
    ProcessCommand.REGULATOR_CONCLUSION: _CASE_WORKERS,
}


def process_refusal(command: ProcessCommand, *, actor: Actor, open: bool) -> Refusal | None:
    if actor.role not in PROCESS_ROLES[command]:
        return Refusal(RefusalType.ROLE_NOT_ALLOWED, f"role {actor.role} may not {command.value}")
    if not open:
        return Refusal(RefusalType.PROCESS_NOT_OPEN, f"cannot {command.value}: it has ended")
    return None


class LateDocument(BaseModel):
    """A document recorded by the case after its sub-process ended (domain/late_documents)."""

    document: str
    reference: str
    recorded_by: str
    recorded_at: datetime


class ProcessSummary(BaseModel):
    """What the case knows of one sub-process; sent by the child at every change."""

    kind: ProcessKind
    workflow_id: str
    run_id: str | None = Field(
        None, description="This run of the workflow ID: a second run of a kind reuses the ID"
    )
    version: int = 0
    stage: str
    waiting_on: str
    waiting_on_who: str = ""
    waiting_since: datetime | None = None
    open: bool = True
    withdrawn: bool = False
    outcome: Annotated[str | None, PERSONAL] = None
    started_at: datetime
    ended_at: datetime | None = None
    # Insurance: the gates of DOMAIN section 6.
    missing_originals: list[str] = Field(default_factory=list)
    advance_cleared_by: str | None = Field(
        None, description="Who allowed advancing medical fees without originals"
    )
    insurer_confirmed: dict[str, Decimal] = Field(
        default_factory=dict, description="Head of damage -> amount the insurer pays, in writing"
    )
    # Police.
    certificate_no: str | None = None
    # Mediation.
    settlement_amount: Decimal | None = None
    agreement_ref: str | None = None
    # Issue 16. Quality inspection: the ruling the case's liability rests on.
    defect: bool | None = Field(None, description="Quality control's ruling: a defect or not")
    defect_cause: str | None = Field(None, description="product or use (domain/quality.py)")
    liable_department: str | None = Field(
        None, description="The department the ruling lays liability on (004)"
    )
    product: ProductRef | None = Field(None, description="The product and batch ruled on")
    # Supplier claim: what was asked of the supplier, and what came back.
    claimed_amount: Decimal | None = None
    recovered_amount: Decimal | None = None
    # Lawsuit (issue 16): the judgment in force, which a payment's court_judgment_ref names.
    effective_judgment_ref: str | None = None
    judgment_orders: Decimal | None = Field(
        None, description="What the effective judgment orders the company to pay (CNY)"
    )
    execution_due: datetime | None = None
    late_documents: list[LateDocument] = Field(
        default_factory=list, description="Recorded by the case after the sub-process ended"
    )


class ProcessStart(BaseModel):
    """What every child workflow starts with."""

    case_no: str
    parent_workflow_id: str
    category: str
    started_by: Actor | None = Field(None, description="None when intake started it")
    reason: Annotated[str, PERSONAL]
    started_at: datetime
    calendar: BusinessCalendar
    policy: ProcessesPolicy


class EndProcess(BaseModel):
    """Sent by the case to a child: withdrawn with a reason, or the case itself ended."""

    reason: Annotated[str, PERSONAL]
    actor: Actor | None = None
    withdrawn: bool = False


class ProcessEscalation(BaseModel):
    kind: ProcessKind
    reason: Annotated[str, PERSONAL]
    event_id: str | None = Field(
        None, description="Unique per escalation of a sub-process: the case acts on it once"
    )


class ProcessClocks(BaseModel):
    """A child asks its case to stop (pause) or restart its clocks; acted on once per
    `event_id` (issue 16: the case's clocks stop while an outside test lab works)."""

    kind: ProcessKind
    pause: bool
    note: Annotated[str, PERSONAL] = ""
    event_id: str


class ProcessStatus(BaseModel):
    summary: ProcessSummary
    record: dict[str, Any]
    history: list[dict[str, Any]] = Field(default_factory=list)
    earlier_runs: list["ProcessStatus"] = Field(
        default_factory=list,
        description="Runs of this kind before this one, newest first (the API fills it in)",
    )


# --- starting and withdrawing, as the case receives them ----------------------------
# Tolerant, as histories hold them; the HTTP bodies are in api/bodies.py.


class StartInsuranceClaim(BaseModel):
    reason: Annotated[str, PERSONAL]
    insurer: str | None = None
    actor: Actor


class StartPoliceReport(BaseModel):
    reason: Annotated[str, PERSONAL]
    incident: Incident | None = None
    actor: Actor


class StartMediation(BaseModel):
    """The association's notice: the customer's own visit starts nothing."""

    association: str
    notice_ref: str
    accepted_on: date
    actor: Actor


class StartQualityInspection(BaseModel):
    """Asks quality control for a ruling on the product the case is about (issue 16)."""

    question: Annotated[str, PERSONAL]
    product: ProductRef | None = None
    actor: Actor


class StartSupplierClaim(BaseModel):
    """Reports a defect to purchasing, which claims against the supplier (000 四.17)."""

    supplier: str
    reason: Annotated[str, PERSONAL]
    product: ProductRef | None = None
    actor: Actor


class WithdrawProcess(BaseModel):
    reason: Annotated[str, PERSONAL]
    kind: ProcessKind
    actor: Actor


def processes_at_intake(
    policy: ProcessesPolicy, *, category: str, claimed_amount: Decimal, incident: Incident | None
) -> list[tuple[ProcessKind, str]]:
    """The sub-processes intake opens by itself, each with its reason."""
    opened: list[tuple[ProcessKind, str]] = []
    insurance = policy.insurance
    if category in insurance.start_for_categories:
        opened.append((ProcessKind.INSURANCE, f"{category} is reported to the insurer"))
    elif category in insurance.insurable_categories and (
        claimed_amount >= insurance.insurable_min_amount
    ):
        opened.append((ProcessKind.INSURANCE, f"insured loss ({category}, CNY {claimed_amount})"))
    if incident is not None and incident in policy.police.start_for_incidents:
        opened.append((ProcessKind.POLICE, f"{incident.value} calls for the police"))
    return opened


def start_refusal(
    kind: ProcessKind,
    *,
    actor: Actor,
    current: ProcessSummary | None,
    rules: ProcessesPolicy | None,
) -> Refusal | None:
    command = {
        ProcessKind.INSURANCE: ProcessCommand.START_INSURANCE,
        ProcessKind.POLICE: ProcessCommand.START_POLICE,
        ProcessKind.MEDIATION: ProcessCommand.START_MEDIATION,
        ProcessKind.QUALITY: ProcessCommand.START_QUALITY,
        ProcessKind.SUPPLIER: ProcessCommand.START_SUPPLIER,
        ProcessKind.LEGAL_DOCUMENTS: ProcessCommand.START_LEGAL_DOCUMENTS,
        ProcessKind.LAWSUIT: ProcessCommand.START_LAWSUIT,
        ProcessKind.REGULATOR: ProcessCommand.START_REGULATOR,
    }[kind]
    if actor.role not in PROCESS_ROLES[command]:
        return Refusal(RefusalType.ROLE_NOT_ALLOWED, f"role {actor.role} may not {command.value}")
    if rules is None:
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            "this case's policy version has no rules for sub-processes",
        )
    if _LEGAL_RULES.get(kind) and getattr(rules, _LEGAL_RULES[kind]) is None:
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            f"this case's policy version has no rules for the {LABELS[kind]}",
        )
    if current is not None and current.open:
        return Refusal(RefusalType.PROCESS_ALREADY_OPEN, f"the {LABELS[kind]} is already open")
    if kind is ProcessKind.QUALITY and rules.quality is None:
        return Refusal(RefusalType.CONDITION_NOT_MET, "this case's policy has no quality rules")
    if kind is ProcessKind.SUPPLIER and rules.supplier is None:
        return Refusal(RefusalType.CONDITION_NOT_MET, "this case's policy has no supplier rules")
    return None


def supplier_claim_refusal(quality: ProcessSummary | None) -> Refusal | None:
    """A claim against the supplier rests on a defect: not while quality control is still
    ruling, nor after it ruled no defect or one caused by use (issue 16)."""
    if quality is None or quality.withdrawn:
        return None
    if quality.open:
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            "quality control has not ruled yet: the supplier claim waits for its ruling",
        )
    if quality.defect is False or quality.defect_cause == "use":
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            "quality control found no product defect: there is nothing to claim",
        )
    return None


# Issue 16: each of these kinds has its own policy section, absent from older policies.
_LEGAL_RULES = {
    ProcessKind.LEGAL_DOCUMENTS: "legal_documents",
    ProcessKind.LAWSUIT: "lawsuit",
    ProcessKind.REGULATOR: "regulator",
}


def withdraw_refusal(actor: Actor, current: ProcessSummary | None) -> Refusal | None:
    if actor.role not in PROCESS_ROLES[ProcessCommand.WITHDRAW]:
        return Refusal(
            RefusalType.ROLE_NOT_ALLOWED,
            f"role {actor.role} may not {ProcessCommand.WITHDRAW.value}",
        )
    if current is None or not current.open:
        return Refusal(RefusalType.PROCESS_NOT_OPEN, "there is no open sub-process of that kind")
    return None


def closing_refusal(processes: list[ProcessSummary], *, category: str) -> Refusal | None:
    """A case closes only when its sub-processes have ended; a vehicle claim only with
    the police case-filing certificate on record (DOMAIN section 6)."""
    still_open = [LABELS[p.kind] for p in processes if p.open]
    if still_open:
        return Refusal(
            RefusalType.PROCESSES_OPEN,
            f"the {' and the '.join(still_open)} must end (or be withdrawn with a reason) "
            "before the case closes",
        )
    police = next((p for p in processes if p.kind is ProcessKind.POLICE), None)
    if (
        category == "vehicle_parking"
        and police is not None
        and not police.withdrawn
        and not police.certificate_no
    ):
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            "a vehicle claim closes only with the police case-filing certificate on record",
        )
    return None

"""Shared models: intake, one input model per workflow command, and the case's live state.

HTTP bodies are the `*Body` models; a workflow update's input is the body plus the
acting user, so the API and the workflow share one definition of every field.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    Field,
    field_serializer,
    model_validator,
)

from domain.authority import Actor, Level
from domain.clocks import Pause, PauseReason
from domain.crisis import CrisisLevel
from domain.delays import DelayRequest
from domain.durations import Duration, RFC3339Duration, rfc3339_duration
from domain.grades import Grade
from domain.incidents import Incident
from domain.insurance import DamageHead
from domain.lifecycle import Stage, WaitingOn
from domain.money import Money
from domain.personal_data import PERSONAL
from domain.policy import DeadlineName, Policy
from domain.processes import ProcessKind, ProcessSummary
from domain.strict import MOMENT_SCHEMA, Day, StrictModel, this_century

# Dates a person types for a clock: within this century, so a typo of a year is a 422
# and not a deadline Temporal cannot index (domain/strict.py); a moment with its offset.
ClockDate = Day
ClockMoment = Annotated[AwareDatetime, AfterValidator(this_century), MOMENT_SCHEMA]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=5000)]


class Channel(StrEnum):
    PHONE = "phone"
    WALK_IN = "walk_in"
    EMAIL = "email"
    WEB = "web"
    SOCIAL = "social"
    LETTER = "letter"
    FAX = "fax"
    ON_SITE = "on_site"
    REGULATOR_REFERRAL = "regulator_referral"
    CONSUMER_ASSOCIATION_REFERRAL = "consumer_association_referral"
    MEDIA = "media"


class Category(StrEnum):
    PRODUCT_QUALITY = "product_quality"
    SERVICE_QUALITY = "service_quality"
    DELIVERY_INSTALLATION = "delivery_installation"
    FACILITY_FAULT = "facility_fault"
    PERSONAL_INJURY = "personal_injury"
    LOST_BELONGINGS = "lost_belongings"
    VEHICLE_PARKING = "vehicle_parking"
    CONFLICT = "conflict"
    ANTI_THEFT_ALARM = "anti_theft_alarm"
    PRICE = "price"
    SUGGESTION_ENQUIRY = "suggestion_enquiry"
    OTHER = "other"


class RemedyKind(StrEnum):
    REFUND = "refund"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    COMPENSATION = "compensation"
    GOODWILL_PAYMENT = "goodwill_payment"
    APOLOGY = "apology"
    # Paid before the insurer settles, against the original documents (DOMAIN section 6).
    MEDICAL_ADVANCE = "medical_advance"
    OTHER = "other"


class Liability(StrEnum):
    COMPANY = "company"
    SUPPLIER = "supplier"
    CUSTOMER = "customer"
    THIRD_PARTY = "third_party"
    SHARED = "shared"
    NONE = "none"


class Customer(StrictModel):
    name: Annotated[ShortText, PERSONAL]
    contact: Annotated[ShortText, PERSONAL]


class PurchaseProof(StrictModel):
    receipt_no: ShortText | None = None
    purchase_date: date | None = None


class ComplaintCreate(StrictModel):
    """What intake records (DOMAIN section 2)."""

    channel: Channel
    store: ShortText
    category: Category
    description: Annotated[LongText, PERSONAL]
    occurred_at: datetime | None = None
    requested_remedy: ShortText
    claimed_amount: Money = Decimal("0")
    customer: Customer
    people_affected: int = Field(1, ge=1, le=100000)
    purchase_proof: PurchaseProof | None = None
    media_attention: bool = False
    litigation_threatened: bool = False
    incident: Incident | None = Field(
        None, description="An incident that calls for the police (DOMAIN section 6)"
    )
    subject: ShortText | None = Field(
        None,
        description=(
            "What the complaint is about, as the desk tags it: the product or SKU and the fault"
            " ('sofa ZX-200 stitching'). Complaints with the same subject, category and store"
            " from different customers are identical: enough of them within the policy's"
            " window make grade B (DOMAIN section 4). Case, spacing and full-width forms do"
            " not matter; no subject, no repeat check. Never the customer's name."
        ),
        examples=["sofa ZX-200 stitching"],
    )


# --- command bodies (HTTP) --------------------------------------------------------


class AcknowledgeBody(StrictModel):
    note: Annotated[str | None, PERSONAL] = Field(None, max_length=2000)


class FindingsBody(StrictModel):
    valid: bool
    liability: Liability
    summary: Annotated[LongText, PERSONAL]
    reason: Annotated[str | None, PERSONAL] = Field(
        None, max_length=2000, description="Why, when not valid"
    )

    @model_validator(mode="after")
    def _invalid_needs_reason(self) -> "FindingsBody":
        if not self.valid and not self.reason:
            raise ValueError("reason is required when the complaint is not valid")
        return self


class ProposalBody(StrictModel):
    kind: RemedyKind
    amount: Money
    details: Annotated[LongText, PERSONAL]
    heads: dict[DamageHead, Money] = Field(
        default_factory=dict,
        description="Injury cases: the amount per head of damage; they add up to amount",
    )

    @model_validator(mode="after")
    def _heads_add_up(self) -> "ProposalBody":
        if self.heads and sum(self.heads.values()) != self.amount:
            raise ValueError("heads must add up to amount")
        return self


class ApprovalBody(StrictModel):
    approve: bool
    comment: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


class CustomerResponseBody(StrictModel):
    accepted: bool
    agreement_ref: str | None = Field(None, min_length=1, max_length=100)
    reason: Annotated[str | None, PERSONAL] = Field(None, max_length=2000)

    @model_validator(mode="after")
    def _agreement_or_reason(self) -> "CustomerResponseBody":
        if self.accepted and not self.agreement_ref:
            raise ValueError("agreement_ref is required when the customer accepts")
        if not self.accepted and not self.reason:
            raise ValueError("reason is required when the customer rejects")
        return self


class ResolutionBody(StrictModel):
    summary: Annotated[LongText, PERSONAL]


class FollowUpBody(StrictModel):
    satisfaction: int = Field(ge=1, le=5)
    comment: Annotated[str | None, PERSONAL] = Field(None, max_length=2000)


class ReasonBody(StrictModel):
    reason: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


class NoteBody(StrictModel):
    text: Annotated[LongText, PERSONAL]


class ReassignBody(StrictModel):
    handler: str = Field(min_length=1, max_length=100, description="User id of the new handler")
    reason: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


class PauseBody(StrictModel):
    reason: PauseReason = Field(description="Whom or what the case waits on meanwhile")
    note: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


class ResumeBody(StrictModel):
    note: Annotated[str | None, PERSONAL] = Field(None, max_length=2000)


class DelayRequestBody(StrictModel):
    deadline: DeadlineName
    new_due_on: ClockDate = Field(description="The new last day, in the store's time zone")
    reason: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


class DelayDecisionBody(StrictModel):
    accept: bool
    comment: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


class GradeChangeBody(StrictModel):
    grade: Grade
    reason: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


class ExposureKind(StrEnum):
    MEDIA = "media"
    LAWSUIT = "lawsuit"


class ExposureBody(StrictModel):
    kind: ExposureKind
    detail: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


class CrisisBody(StrictModel):
    level: CrisisLevel
    reason: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


class StartClockBody(StrictModel):
    clock: DeadlineName = Field(description="A clock of the policy's statutory section")
    started_at: ClockMoment | None = Field(None, description="When it began; default now")
    due_on: ClockDate | None = Field(
        None, description="The last day an authority set (a regulator's answer)"
    )
    reference: str | None = Field(None, max_length=200)


class SettleClockBody(StrictModel):
    clock: DeadlineName
    note: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


class AttendanceBody(StrictModel):
    note: Annotated[str, PERSONAL] = Field(min_length=1, max_length=2000)


# --- workflow inputs --------------------------------------------------------------


class ComplaintStart(BaseModel):
    """The complaint workflow's input: the intake, its grade and the pinned policy; after
    a continue-as-new, also the state the previous run handed over."""

    case_no: str
    intake: ComplaintCreate
    grade: Grade
    grade_reasons: list[str]
    registered_at: datetime
    registered_by: Actor
    policy: Policy
    carried: "CarriedState | None" = None


class Acknowledge(AcknowledgeBody):
    actor: Actor


class RecordFindings(FindingsBody):
    actor: Actor


class ProposeRemedy(ProposalBody):
    actor: Actor


class DecideApproval(ApprovalBody):
    actor: Actor


class RecordCustomerResponse(CustomerResponseBody):
    actor: Actor


class RecordResolution(ResolutionBody):
    actor: Actor


class RecordFollowUp(FollowUpBody):
    actor: Actor


class Reopen(ReasonBody):
    actor: Actor


class Escalate(ReasonBody):
    actor: Actor


class AddNote(NoteBody):
    actor: Actor


class ReassignHandler(ReassignBody):
    actor: Actor


class PauseClocks(PauseBody):
    actor: Actor


class ResumeClocks(ResumeBody):
    actor: Actor


class RequestDelay(DelayRequestBody):
    actor: Actor


class DecideDelay(DelayDecisionBody):
    actor: Actor


class DisputeDelay(ReasonBody):
    actor: Actor


class ChangeGrade(GradeChangeBody):
    actor: Actor


class ReportExposure(ExposureBody):
    actor: Actor


class DeclareCrisis(CrisisBody):
    actor: Actor


class StartStatutoryClock(StartClockBody):
    actor: Actor


class SettleStatutoryClock(SettleClockBody):
    actor: Actor


class AcknowledgeEscalation(ResumeBody):
    actor: Actor


class RecordAttendance(AttendanceBody):
    actor: Actor


class StatusQuery(BaseModel):
    include_history: bool = True


# --- live state -------------------------------------------------------------------


class DeadlineState(StrEnum):
    PENDING = "pending"
    MET = "met"
    MISSED = "missed"
    MET_LATE = "met_late"
    CANCELLED = "cancelled"


class DeadlineView(BaseModel):
    """One clock of the case: due_at is in the store's time zone; pauses push it back."""

    name: DeadlineName
    label: str
    due_at: datetime
    state: DeadlineState
    settled_at: datetime | None = None
    statutory: bool = False
    budget: Duration | None = Field(None, description="What the policy allows")
    started_at: datetime | None = None
    base_due: datetime | None = Field(None, description="Due before pauses (or the delay)")
    delayed: bool = False
    pauses: list[Pause] = Field(default_factory=list)
    paused: bool = False
    used: timedelta | None = Field(None, description="Counted so far, pauses excluded")
    left: timedelta | None = Field(None, description="Left; frozen while paused")
    due_local: str | None = Field(None, description="due_at in the store's time zone")

    @field_serializer("used", "left", when_used="json-unless-none")
    def _as_rfc3339(self, value: timedelta) -> RFC3339Duration:
        return rfc3339_duration(value)


class EscalationView(BaseModel):
    level: Level
    recipients: list[str]
    since: datetime
    acknowledge_by: datetime
    acknowledged_by: str | None = None


class OnSiteView(BaseModel):
    contact: str
    recipients: list[str]
    grade: Grade
    assigned_at: datetime
    attended_by: str | None = None
    attended_at: datetime | None = None


class Proposal(BaseModel):
    number: int
    kind: RemedyKind
    amount: Decimal
    details: Annotated[str, PERSONAL]
    proposed_by: str
    proposed_at: datetime
    approver_level: Level
    heads: dict[str, Decimal] = Field(default_factory=dict)
    insurer_covers: Decimal = Decimal("0")
    company_pays: Decimal | None = Field(
        None, description="What needs approval: the amount less the insurer's confirmed share"
    )
    decision: str | None = None
    decided_by: str | None = None
    customer_response: str | None = None
    payment_request: str | None = Field(
        None, description="Idempotency key of the payment finance was asked for, once accepted"
    )

    def amount_to_approve(self) -> Decimal:
        return self.amount if self.company_pays is None else self.company_pays


class Waiting(BaseModel):
    on: WaitingOn
    who: str
    since: datetime


class HistoryEntry(BaseModel):
    at: datetime
    actor: str
    action: str
    detail: Annotated[str, PERSONAL] = ""


class CaseStatus(BaseModel):
    case_no: str
    workflow_id: str
    policy_version: str
    stage: Stage
    grade: Grade
    escalation_level: Level
    handler: str | None
    waiting: Waiting
    deadlines: list[DeadlineView]
    proposals: list[Proposal]
    agreement_ref: str | None = None
    satisfaction: int | None = None
    reopen_count: int = 0
    closed_reason: Annotated[str | None, PERSONAL] = None
    closed_at: datetime | None = None
    processes: list[ProcessSummary] = Field(default_factory=list)
    crisis_level: CrisisLevel | None = None
    delay: DelayRequest | None = Field(None, description="The latest delay request")
    escalation: EscalationView | None = Field(None, description="Awaiting acknowledgement")
    on_site: OnSiteView | None = None
    history: list[HistoryEntry] = Field(default_factory=list)


class CarriedState(BaseModel):
    """What one run of a case hands to the next when its history grows long: everything
    its state holds; timers are armed again from the deadlines."""

    stage: Stage
    grade: Grade
    level: Level
    handler: str | None
    waiting_since: datetime
    deadlines: list[DeadlineView]
    proposals: list[Proposal]
    history: list[HistoryEntry]
    agreement_ref: str | None
    satisfaction: int | None
    reopen_count: int
    closed_reason: Annotated[str | None, PERSONAL]
    closed_at: datetime | None
    version: int
    processes: list[ProcessSummary]
    paused_for: PauseReason | None
    delay: DelayRequest | None
    escalation: EscalationView | None
    crisis: CrisisLevel | None
    on_site: OnSiteView | None
    applied_updates: dict[str, str] = Field(
        default_factory=dict, description="Update ID to outcome: a retry is applied once"
    )
    runs: int = Field(1, description="How many runs the case has had before this one")
    signals_seen: list[str] = Field(
        default_factory=list, description="Event IDs of the signals already acted on"
    )


class CommandResult(BaseModel):
    outcome: str
    status: CaseStatus


# --- what activities write --------------------------------------------------------


class AuditEntry(BaseModel):
    event_id: str
    at: datetime
    actor_id: str
    actor_role: str
    action: str
    reason: Annotated[str, PERSONAL] = ""
    data: dict[str, Any] = Field(default_factory=dict)


class Notification(BaseModel):
    notification_id: str
    recipient: str
    subject: str
    body: Annotated[str, PERSONAL]


class RegisterSnapshot(BaseModel):
    """The case register row (a read model), as the workflow last saw it."""

    version: int
    stage: Stage
    grade: Grade
    escalation_level: Level
    handler: str | None
    waiting_on: WaitingOn
    waiting_on_who: str
    next_deadline: DeadlineName | None
    next_deadline_at: datetime | None
    overdue: bool
    reopen_count: int
    closed_at: datetime | None


class SignedAgreement(BaseModel):
    agreement_ref: str
    remedy_kind: RemedyKind
    amount: Decimal
    recorded_by: str
    recorded_at: datetime
    terms: Annotated[str | None, PERSONAL] = None


class CaseEvent(BaseModel):
    """One activity call per change: audit entry, register row and notifications together."""

    case_no: str
    audit: AuditEntry
    register_row: RegisterSnapshot
    notifications: list[Notification] = Field(default_factory=list)
    agreement: SignedAgreement | None = None


class ProcessEvent(BaseModel):
    """One change of a sub-process: its audit entry (filed with the case), its record
    and notifications, written together."""

    case_no: str
    kind: ProcessKind
    audit: AuditEntry
    summary: ProcessSummary
    record: dict[str, Any]
    notifications: list[Notification] = Field(default_factory=list)
    agreement: SignedAgreement | None = None


ComplaintStart.model_rebuild()

"""Shared models: the intake, one input model per workflow command, and the case's live state.

These are what workflow histories hold. The HTTP bodies are separate (api/bodies.py):
strict, and free to tighten without breaking the replay of a running case.
"""

from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_serializer

from domain.authority import Actor, Level
from domain.clocks import Pause, PauseReason
from domain.contact import ContactChannel, CustomerLanguage
from domain.crisis import CrisisLevel
from domain.delays import DelayRequest
from domain.durations import Duration, RFC3339Duration, rfc3339_duration
from domain.grades import Grade
from domain.incidents import Incident
from domain.injury import SpotDecision
from domain.insurance import DamageHead
from domain.lessons import CorrectiveAction
from domain.lifecycle import Stage, WaitingOn
from domain.personal_data import PERSONAL
from domain.policy import DeadlineName, Policy
from domain.processes import ProcessKind, ProcessSummary
from domain.products import ProductRef
from domain.stop_sale import StopSaleOrderLink
from domain.surveys import Revisit


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


class ExposureKind(StrEnum):
    MEDIA = "media"
    LAWSUIT = "lawsuit"


# --- the intake, as cases hold it -------------------------------------------------


class Customer(BaseModel):
    """The customer as intake recorded them. `contact` is what the desk wrote down (a phone
    number, a WeChat id, anything); `email` and `phone` are addresses the customer may be
    written to, and only with `contact_consent` on `contact_channel`. The fields after
    `contact` came with customer messages: a case registered before reads them as "no
    consent", so it is never written to."""

    name: Annotated[str, PERSONAL]
    contact: Annotated[str, PERSONAL]
    email: Annotated[str | None, PERSONAL] = None
    phone: Annotated[str | None, PERSONAL] = None
    language: CustomerLanguage = CustomerLanguage.ZH
    contact_consent: bool = False
    contact_channel: ContactChannel | None = None


class PurchaseProof(BaseModel):
    receipt_no: str | None = None
    purchase_date: date | None = None


class LostProperty(BaseModel):
    """A lost-property intake (000 五): what was lost, where and when; a locker's own rule."""

    item: Annotated[str, PERSONAL]
    where: str
    lost_at: datetime | None = None
    locker: bool = False


class Intake(BaseModel):
    """What intake recorded (DOMAIN section 2), as the register row and the case's workflow
    input hold it. Tolerant: every case's input must read, so nothing here is tightened;
    the API's `ComplaintCreate` (api/bodies.py) decides what a new intake may say."""

    channel: Channel
    store: str
    category: Category
    description: Annotated[str, PERSONAL]
    occurred_at: datetime | None = None
    requested_remedy: str
    claimed_amount: Decimal = Decimal("0")
    customer: Customer
    people_affected: int = 1
    purchase_proof: PurchaseProof | None = None
    media_attention: bool = False
    litigation_threatened: bool = False
    incident: Incident | None = None
    subject: str | None = None
    # Issue 19 (000 五, 六): the facts the category's compensation rules read.
    lost_property: LostProperty | None = None
    caused_by_goods: bool = Field(
        False, description="An injury caused by goods sold (not one in the store)"
    )
    other_vehicle_plate: Annotated[str | None, PERSONAL] = None  # vehicle intakes (000 六)
    # Issue 16: the product the complaint is about, for stop-sale orders (000 四.18).
    product: ProductRef | None = None


# --- workflow inputs --------------------------------------------------------------


class ComplaintStart(BaseModel):
    """The complaint workflow's input: the intake, its grade and the pinned policy; after
    a continue-as-new, also the state the previous run handed over."""

    case_no: str
    intake: Intake
    grade: Grade
    grade_reasons: list[str]
    registered_at: datetime
    registered_by: Actor
    policy: Policy
    carried: "CarriedState | None" = None


# The case's commands as its history holds them: what the HTTP body said, plus who acted.
# The API maps each body (api/bodies.py) to one of these (api/commands.py). They are
# tolerant on purpose: no length limits, no rules between fields, unknown fields ignored,
# so a recorded history always reads. A body may tighten freely; a message changes only
# with replay in mind (loosen, or add a field with a default).


class Acknowledge(BaseModel):
    note: Annotated[str | None, PERSONAL] = None
    actor: Actor


class RecordFindings(BaseModel):
    valid: bool
    liability: Liability
    summary: Annotated[str, PERSONAL]
    reason: Annotated[str | None, PERSONAL] = None
    # Issue 19 (事后检讨): the cause (policy `lessons.causes`) and the responsible unit.
    cause: str | None = None
    responsible_unit: str | None = None
    actor: Actor


class ProposeRemedy(BaseModel):
    kind: RemedyKind
    amount: Decimal
    details: Annotated[str, PERSONAL]
    heads: dict[DamageHead, Decimal] = Field(default_factory=dict)
    # Issue 19: what a category's compensation rule may ask for (domain/compensation.py).
    court_judgment_ref: str | None = None
    written_answer_ref: str | None = None
    actor: Actor


class DecideApproval(BaseModel):
    approve: bool
    comment: Annotated[str, PERSONAL]
    actor: Actor


class RecordCustomerResponse(BaseModel):
    accepted: bool
    agreement_ref: str | None = None
    reason: Annotated[str | None, PERSONAL] = None
    written_answer_ref: str | None = None
    # Where the customer answered: None is the desk (as every answer before the customer's
    # page); "web" the tracking page (docs/customer-page.md).
    channel: str | None = None
    actor: Actor


class RecordResolution(BaseModel):
    summary: Annotated[str, PERSONAL]
    actor: Actor


class RecordFollowUp(BaseModel):
    satisfaction: int
    comment: Annotated[str | None, PERSONAL] = None
    actor: Actor


class Reopen(BaseModel):
    reason: Annotated[str, PERSONAL]
    actor: Actor


class Escalate(BaseModel):
    reason: Annotated[str, PERSONAL]
    actor: Actor


class AddNote(BaseModel):
    text: Annotated[str, PERSONAL]
    actor: Actor


class ReassignHandler(BaseModel):
    handler: str
    reason: Annotated[str, PERSONAL]
    actor: Actor


class PauseClocks(BaseModel):
    reason: PauseReason
    note: Annotated[str, PERSONAL]
    actor: Actor


class ResumeClocks(BaseModel):
    note: Annotated[str | None, PERSONAL] = None
    actor: Actor


class RequestDelay(BaseModel):
    deadline: DeadlineName
    new_due_on: date
    reason: Annotated[str, PERSONAL]
    actor: Actor


class DecideDelay(BaseModel):
    accept: bool
    comment: Annotated[str, PERSONAL]
    actor: Actor


class DisputeDelay(BaseModel):
    reason: Annotated[str, PERSONAL]
    actor: Actor


class ChangeGrade(BaseModel):
    grade: Grade
    reason: Annotated[str, PERSONAL]
    actor: Actor


class ReportExposure(BaseModel):
    kind: ExposureKind
    detail: Annotated[str, PERSONAL]
    actor: Actor


class DeclareCrisis(BaseModel):
    level: CrisisLevel
    reason: Annotated[str, PERSONAL]
    actor: Actor


class StartStatutoryClock(BaseModel):
    clock: DeadlineName
    started_at: datetime | None = None
    due_on: date | None = None
    reference: str | None = None
    actor: Actor


class SettleStatutoryClock(BaseModel):
    clock: DeadlineName
    note: Annotated[str, PERSONAL]
    actor: Actor


class AcknowledgeEscalation(BaseModel):
    note: Annotated[str | None, PERSONAL] = None
    actor: Actor


class RecordAttendance(BaseModel):
    note: Annotated[str, PERSONAL]
    actor: Actor


class SettleOnTheSpot(BaseModel):
    """Settled at intake or first contact within one's own authority (domain/settlement.py)."""

    kind: RemedyKind
    amount: Decimal = Decimal("0")
    given: Annotated[str, PERSONAL]
    consent: str = "oral"
    agreement_ref: str | None = None
    court_judgment_ref: str | None = None
    actor: Actor


class PromiseCompletion(BaseModel):
    """The completion date promised to a customer whose case cannot be settled at once."""

    promised_by: datetime
    note: Annotated[str | None, PERSONAL] = None
    actor: Actor


class DecideHospital(BaseModel):
    """000 三: the duty manager's word on accompanying the injured customer to hospital."""

    accompanied_by: str | None = None
    neither_reason: Annotated[str | None, PERSONAL] = None
    actor: Actor


class DecideAdvance(BaseModel):
    """000 三: the duty manager's word on advancing medical fees, and against what."""

    amount: Decimal | None = None
    documents: list[str] = Field(default_factory=list)
    neither_reason: Annotated[str | None, PERSONAL] = None
    actor: Actor


class RecordCorrectiveAction(BaseModel):
    """5W2H: what, why, who, where, when (due_by), how, how much (domain/lessons.py)."""

    what: Annotated[str, PERSONAL]
    why: Annotated[str, PERSONAL]
    who: str
    where: str
    due_by: datetime
    how: Annotated[str, PERSONAL]
    how_much: Decimal | None = None
    actor: Actor


class CompleteCorrectiveAction(BaseModel):
    note: Annotated[str, PERSONAL]
    actor: Actor


class ChangeResponsible(BaseModel):
    """004: a new responsible person, approved by the department head (domain/routing.py)."""

    person: str
    reason: Annotated[str, PERSONAL]
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


class Recommendation(BaseModel):
    """What someone without the authority to decide a proposal recommends to those above."""

    by: str
    level: Level | None = None
    approve: bool
    comment: Annotated[str, PERSONAL]
    at: datetime


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
    recommendations: list[Recommendation] = Field(
        default_factory=list,
        description="From those it passed on the way up, beyond their authority",
    )
    # Issue 19: the category's compensation rule that covers it, and what it asked for.
    rule: str | None = Field(None, description="The compensation rule that covers it")
    rule_level: Level | None = Field(None, description="The lowest level the rule allows")
    court_judgment_ref: str | None = None
    written_answer_ref: str | None = None
    on_the_spot: bool = Field(False, description="Settled on the spot (domain/settlement.py)")
    given: Annotated[str | None, PERSONAL] = None
    consent: str | None = Field(None, description="oral or signed, settled on the spot")

    def amount_to_approve(self) -> Decimal:
        return self.amount if self.company_pays is None else self.company_pays


class Waiting(BaseModel):
    on: WaitingOn
    who: str
    since: datetime


class HistoryEntry(BaseModel):
    """The case's own record of a change: its audit entry's who, what, when and why."""

    at: datetime
    actor: str
    action: str
    detail: Annotated[str, PERSONAL] = ""

    @classmethod
    def of(cls, audit: "AuditEntry") -> "HistoryEntry":
        return cls(at=audit.at, actor=audit.actor_id, action=audit.action, detail=audit.reason)


class SupplierRecovery(BaseModel):
    """What the company paid the customer (payments asked of finance) and what its claims
    against the supplier recovered (issue 16)."""

    paid_to_customer: Decimal
    recovered_from_supplier: Decimal
    rate: float | None = Field(None, description="Recovered / paid, 4 decimals")


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
    processes: list[ProcessSummary] = Field(
        default_factory=list, description="Every run of every sub-process, newest first"
    )
    crisis_level: CrisisLevel | None = None
    delay: DelayRequest | None = Field(None, description="The latest delay request")
    escalation: EscalationView | None = Field(None, description="Awaiting acknowledgement")
    on_site: OnSiteView | None = None
    revisits: list[Revisit] = Field(
        default_factory=list, description="Re-visits after closing: calls and survey answers"
    )
    promised_by: datetime | None = Field(
        None, description="The completion date promised to the customer"
    )
    settled_on_the_spot: bool = False
    department: str | None = Field(None, description="The responsible department (routing)")
    spot_decisions: list[SpotDecision] = Field(
        default_factory=list, description="The duty manager's decisions on an injury (000 三)"
    )
    cause: str | None = Field(None, description="The findings' cause (policy lessons.causes)")
    responsible_unit: str | None = None
    corrective_actions: list[CorrectiveAction] = Field(default_factory=list)
    stop_sale_orders: list[StopSaleOrderLink] = Field(
        default_factory=list, description="Stop-sale orders linked to the case (issue 16)"
    )
    recovery: SupplierRecovery | None = Field(
        None, description="Paid to the customer, recovered from the supplier (issue 16)"
    )
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
    earlier_processes: list[ProcessSummary] = Field(
        default_factory=list, description="Runs a newer run of the same kind replaced"
    )
    paused_for: PauseReason | None
    delay: DelayRequest | None
    escalation: EscalationView | None
    crisis: CrisisLevel | None
    on_site: OnSiteView | None
    department: str | None = None
    spot_decisions: list[SpotDecision] = Field(default_factory=list)
    cause: str | None = None
    responsible_unit: str | None = None
    corrective_actions: list[CorrectiveAction] = Field(default_factory=list)
    applied_updates: dict[str, str] = Field(
        default_factory=dict, description="Update ID to outcome: a retry is applied once"
    )
    runs: int = Field(1, description="How many runs the case has had before this one")
    signals_seen: list[str] = Field(
        default_factory=list, description="Event IDs of the signals already acted on"
    )
    revisits: list[Revisit] = Field(default_factory=list)
    stop_sale_orders: list[StopSaleOrderLink] = Field(default_factory=list)


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
    # What the case itself waits on (domain/lifecycle.py case_waits, without its
    # sub-processes': the register reads those from their own rows). Empty in snapshots
    # of workers before it.
    waits: list[str] = Field(default_factory=list)
    next_deadline: DeadlineName | None
    next_deadline_at: datetime | None
    overdue: bool
    reopen_count: int
    closed_at: datetime | None
    department: str | None = None  # issue 19: the responsible department


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
    status: CaseStatus | None = Field(
        None,
        description="The case after the change, without its history, for reads that need no"
        " worker (GET /complaints/{case_no}); None from workers before snapshots",
    )
    history_length: int | None = Field(
        None, description="How many history entries the case has with this change's"
    )


class CaseEvents(BaseModel):
    """The changes a case makes at its registration, in order, in one activity call and
    one transaction (issue 20): each as `CaseEvent` would write it alone."""

    case_no: str
    events: list[CaseEvent]


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

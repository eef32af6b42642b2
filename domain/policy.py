"""The policy: every deadline, threshold, authority limit and the holiday calendar.

Loaded from a YAML file (policy/default.yaml) and validated at start-up; a case pins the
policy it started with, carried in its workflow input.
"""

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, model_validator

from domain.authority import AuthorityPolicy
from domain.calendar import BusinessCalendar
from domain.compensation import CompensationRule, facts_of, rules_for_case
from domain.crisis import CrisisPolicy
from domain.customer_messages import CustomerMessagesPolicy, contact_channel_of
from domain.customer_page import CustomerPagePolicy
from domain.durations import Duration, DurationUnit
from domain.escalation import EscalationPolicy, MajorCasePolicy, OnSitePolicy
from domain.evidence import EvidencePolicy
from domain.grades import Grade, GradingPolicy
from domain.incidents import Incident
from domain.injury import InjuryIntakePolicy, OutsideNoticePolicy
from domain.lessons import LessonsPolicy
from domain.notifications import NotificationsPolicy
from domain.reports import ReportsPolicy
from domain.retention import RetentionPolicy
from domain.routing import RoutingPolicy
from domain.settlement import SettlePolicy
from domain.statutory import StatutoryRule
from domain.stop_sale import StopSalePolicy
from domain.stores import StoreSettings, store_key

__all__ = ["Duration", "DurationUnit"]


class DeadlineName(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    DEPARTMENT_REPLY = "department_reply"
    PROPOSAL = "proposal"
    INFORM_CUSTOMER = "inform_customer"
    CLOSE = "close"
    REOPEN_REPLY = "reopen_reply"
    FOLLOW_UP = "follow_up"
    # Optional: a policy without them keeps the behaviour cases had before.
    NEGOTIATION = "negotiation"
    # Statutory clocks (the `statutory` section), started by an event of the case.
    REGULATOR_ACCEPTANCE = "regulator_acceptance"
    REGULATOR_ANSWER = "regulator_answer"
    RETURN_WINDOW = "return_window"
    REFUND_AFTER_RETURN = "refund_after_return"
    REPAIR = "repair"
    # Optional, with customer messages (docs/customer-messages.md): the re-visit after the
    # remedy was carried out (004: 72 h), met by the survey's answer or a recorded call;
    # and the re-visit of a case closed without a follow-up visit (not valid), after closing.
    REVISIT_AFTER_REMEDY = "revisit_after_remedy"
    REVISIT = "revisit"
    # Issue 19: the completion date promised to the customer (settle_on_the_spot).
    PROMISED = "promised"
    # Issue 19: the duty manager's two decisions on an injury, due within minutes (000 三).
    HOSPITAL_DECISION = "hospital_decision"
    ADVANCE_DECISION = "advance_decision"
    # Issue 19: an A or B case's corrective action (5W2H), its date set when recorded.
    CORRECTIVE_ACTION = "corrective_action"
    # Issue 19 (001): a web complaint accepted within 1 working day, a statutory-style
    # clock started by the channel and met by the acknowledgement.
    WEB_ACCEPTANCE = "web_acceptance"


REQUIRED_DEADLINES = (
    DeadlineName.ACKNOWLEDGE,
    DeadlineName.DEPARTMENT_REPLY,
    DeadlineName.PROPOSAL,
    DeadlineName.INFORM_CUSTOMER,
    DeadlineName.CLOSE,
    DeadlineName.REOPEN_REPLY,
    DeadlineName.FOLLOW_UP,
)


class DeadlineRule(BaseModel):
    label: str = Field(min_length=1, description="What is due, as the Web UI shows it")
    default: Duration
    by_category: dict[str, Duration] = Field(default_factory=dict)
    by_grade: dict[Grade, Duration] = Field(default_factory=dict)
    # Empty in policies before the customer's page: their cases' deadlines stay as they were.
    by_channel: dict[str, Duration] = Field(
        default_factory=dict,
        description="Per intake channel, where no grade or category rule applies (001: web"
        " complaints accepted within one working day)",
    )
    raise_grade_to: Grade | None = Field(
        None, description="Grade a case is raised to (at least) when this deadline is missed"
    )
    pausable: bool = Field(
        True, description="Its clock stops while the case waits on the customer or an appraisal"
    )
    escalate_on_miss: bool = Field(True, description="A miss escalates the case one level")
    notify_on_miss: list[str] = Field(
        default_factory=list, description="Contacts (roles) told when it is missed"
    )
    # Issue 19 (000, 004): the proposal within 48 h and the negotiation alert 3 days after
    # the complaint, not after the findings. Off in older policies: they count from the
    # findings, as their cases ran.
    from_complaint: bool = Field(
        False, description="Counted from the complaint (or its reopening), not the event"
    )

    def counts_from(self, *, complaint: datetime, event: datetime) -> datetime:
        """When this deadline's clock starts, set at `event` of a case complained at
        `complaint` (its registration, or the second complaint's reopening)."""
        return min(complaint, event) if self.from_complaint else event

    def duration_for(self, *, category: str, grade: Grade, channel: str | None = None) -> Duration:
        """The grade's rule, else the category's (the stricter rules: 24 h for injuries),
        else the intake channel's, else the default."""
        if grade in self.by_grade:
            return self.by_grade[grade]
        if category in self.by_category:
            return self.by_category[category]
        if channel is not None and channel in self.by_channel:
            return self.by_channel[channel]
        return self.default


class InsurancePolicy(BaseModel):
    start_for_categories: list[str] = Field(
        description="Categories that open an insurance claim at intake (personal injury)"
    )
    insurable_categories: list[str] = Field(
        default_factory=list, description="Property losses the company is insured for"
    )
    insurable_min_amount: Decimal = Field(
        Decimal("0"), ge=0, description="Claimed amount from which an insurable loss is claimed"
    )
    report_within: Duration
    opinion_within: Duration
    chase_every: Duration
    chases_before_escalation: int = Field(gt=0)


class PolicePolicy(BaseModel):
    start_for_incidents: list[Incident]
    remind_every: Duration


class MediationPolicy(BaseModel):
    agreement_within: Duration = Field(
        description="From the association's acceptance; mediation without agreement then fails"
    )
    session_reminder_before: Duration

    @model_validator(mode="after")
    def _reminder_in_clock_time(self) -> "MediationPolicy":
        if self.session_reminder_before.unit is DurationUnit.WORKING_DAYS:
            raise ValueError("session_reminder_before is counted in hours or days")
        return self

    def reminder_for(self, session_at: datetime) -> datetime:
        span = self.session_reminder_before
        if span.unit is DurationUnit.MINUTES:
            return session_at - timedelta(minutes=span.amount)
        hours = span.amount if span.unit is DurationUnit.HOURS else span.amount * 24
        return session_at - timedelta(hours=hours)


# --- issue 16: quality inspection and supplier claim (000 四.1, 四.17; DOMAIN 6) -------


class QualityPolicy(BaseModel):
    """Quality control's ruling on a product-quality case (000 四.1 "质量认定通知到品控部")."""

    inspection_within: Duration = Field(
        description="An internal inspection's ruling is due within this from its start"
    )
    ruling_after_lab_within: Duration = Field(
        description="After the outside test lab's report, quality control rules within this"
    )
    notify: list[str] = Field(
        default_factory=lambda: ["quality_control"],
        description="Roles told of every inspection and of an overdue ruling",
    )


class SupplierPolicy(BaseModel):
    """Purchasing's claim against the supplier of a defective product (000 四.17)."""

    chase_after: Duration = Field(
        description="The supplier's silence after a notice or a demand is chased after this"
    )
    chases_before_escalation: int = Field(
        gt=0, description="Chases without an answer before the case escalates"
    )
    notify: list[str] = Field(
        default_factory=lambda: ["purchasing"],
        description="Roles told of the claim's opening and of every chase",
    )


# --- Issue 16: legal documents, lawsuits, regulator inquiries (000 八, 九; DOMAIN 6) ----


def _clock_span_before(span: Duration, moment: datetime) -> datetime:
    if span.unit is DurationUnit.MINUTES:
        return moment - timedelta(minutes=span.amount)
    hours = span.amount if span.unit is DurationUnit.HOURS else span.amount * 24
    return moment - timedelta(hours=hours)


class LegalDocumentsPolicy(BaseModel):
    designated_department: str = Field(
        min_length=1,
        description="The department that answers lawyer's letters and receives official papers",
    )
    answer_within: Duration = Field(
        description="A lawyer's letter left at the desk is answered within this (000 九.1)"
    )


class LawsuitPolicy(BaseModel):
    hearing_reminder_before: Duration
    execution_within: Duration = Field(
        description="From an effective judgment, when it names no date of its own"
    )
    execution_reminder_before: Duration

    @model_validator(mode="after")
    def _reminders_in_clock_time(self) -> "LawsuitPolicy":
        for name in ("hearing_reminder_before", "execution_reminder_before"):
            if getattr(self, name).unit is DurationUnit.WORKING_DAYS:
                raise ValueError(f"{name} is counted in hours or days")
        return self

    def hearing_reminder(self, at: datetime) -> datetime:
        return _clock_span_before(self.hearing_reminder_before, at)

    def execution_reminder(self, due: datetime) -> datetime:
        return _clock_span_before(self.execution_reminder_before, due)


class RegulatorPolicy(BaseModel):
    designated_department: str = Field(
        min_length=1, description="The department that answers a market regulator's questions"
    )
    answer_within: Duration = Field(description="From the official letter's receipt")


class ProcessesPolicy(BaseModel):
    """The sub-processes with outside parties (DOMAIN section 6)."""

    insurance: InsurancePolicy
    police: PolicePolicy
    mediation: MediationPolicy
    # Issue 16. None in policies before it: no inspection or supplier claim under them.
    quality: QualityPolicy | None = None
    supplier: SupplierPolicy | None = None
    # Issue 16: None in policies that predate them (no such process under those).
    legal_documents: LegalDocumentsPolicy | None = None
    lawsuit: LawsuitPolicy | None = None
    regulator: RegulatorPolicy | None = None


class Policy(BaseModel):
    version: str = Field(min_length=1)
    calendar: BusinessCalendar
    deadlines: dict[DeadlineName, DeadlineRule]
    grading: GradingPolicy
    authority: AuthorityPolicy
    reopen_window_days: int = Field(
        90, gt=0, description="How long a closed case can be reopened as a second complaint"
    )
    stuck_after_days: int = Field(
        7, gt=0, description="A case waiting this long on an outside party is listed as stuck"
    )
    # Read by report runs and their schedules, never by a case, so a default is safe.
    reports: ReportsPolicy = Field(default_factory=ReportsPolicy)
    retention: RetentionPolicy = Field(default_factory=RetentionPolicy)
    # Issue 15: limits per kind of evidence, read by the API at upload, never by a case.
    # None in older policies: no uploads under them.
    evidence: EvidencePolicy | None = None
    # Optional only so cases started under an earlier policy still load; a policy file
    # must define it (infra/policy_file.py).
    processes: ProcessesPolicy | None = None
    # Issue 4's sections. Off (None or empty) in policies that predate them, so cases
    # started under those replay exactly as they ran.
    statutory: dict[DeadlineName, StatutoryRule] = Field(
        default_factory=dict, description="Statutory clocks a case can carry"
    )
    escalation: EscalationPolicy | None = None
    major_case: MajorCasePolicy | None = None
    on_site: OnSitePolicy | None = None
    crisis: CrisisPolicy | None = None
    # Issue 19's sections, off in older policies (cases that pinned them run as they ran).
    settle_on_the_spot: SettlePolicy | None = None
    routing: RoutingPolicy | None = None
    injury_intake: InjuryIntakePolicy | None = None
    outside_notices: OutsideNoticePolicy | None = None
    lessons: LessonsPolicy | None = None
    compensation_rules: list[CompensationRule] = Field(
        default_factory=list,
        description="The category's rules, checked before the amount ladder (000 五, 六)",
    )
    history_limit: int | None = Field(
        None,
        ge=100,
        description="Events after which a case continues as new with its state carried over",
    )
    contacts: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Named people (recipients like user:li.wei) for a role or level",
    )
    stores: dict[str, StoreSettings] = Field(
        default_factory=dict,
        description="Per store (the intake's store name): time zone, hours, days, contacts",
    )
    # Off (None) in policies before it: their cases tell the customer nothing.
    customer_messages: CustomerMessagesPolicy | None = Field(
        None, description="What the customer is told at each moment (docs/customer-messages.md)"
    )
    # Issue 14: how notices are delivered (read by the relay, never by a case). None in
    # policies that predate it: no role inboxes, the default retries.
    notifications: NotificationsPolicy | None = None
    # Issue 16: stop-sale orders (docs/stop-sale-orders.md), pinned by each order's own
    # workflow, never by a case. None in policies before it: orders cannot be recorded.
    stop_sale: StopSalePolicy | None = None

    # Off (None) in policies before it; read by the API only, never pinned in a case.
    customer_page: CustomerPagePolicy | None = Field(
        None, description="The customer's own page (docs/customer-page.md)"
    )

    @model_validator(mode="after")
    def _every_deadline_defined(self) -> "Policy":
        missing = [name.value for name in REQUIRED_DEADLINES if name not in self.deadlines]
        if missing:
            raise ValueError(f"deadlines missing: {', '.join(missing)}")
        return self

    @model_validator(mode="after")
    def _one_entry_per_store(self) -> "Policy":
        keys = [store_key(name) for name in self.stores]
        if len(set(keys)) != len(keys):
            raise ValueError("stores: two entries name the same store (case and spaces aside)")
        return self

    @model_validator(mode="after")
    def _notification_stores_known(self) -> "Policy":
        if self.notifications is None:
            return self
        known = {store_key(name) for name in self.stores}
        unknown = [name for name in self.notifications.stores if store_key(name) not in known]
        if unknown:
            raise ValueError(f"notifications.stores: not in stores: {', '.join(unknown)}")
        return self

    @model_validator(mode="after")
    def _stop_sale_stores_known(self) -> "Policy":
        """A store carrying a SKU (stop_sale.carried_by) is one the policy lists."""
        if self.stop_sale is None or not self.stores:
            return self
        known = {store_key(name) for name in self.stores}
        named = {store for stores in self.stop_sale.carried_by.values() for store in stores}
        unknown = sorted(store for store in named if store_key(store) not in known)
        if unknown:
            raise ValueError(f"stop_sale.carried_by: not in stores: {', '.join(unknown)}")
        return self

    def for_store(self, store: str) -> "Policy":
        """The policy a case of `store` runs under: the calendar with the store's settings,
        the store's contacts over the company's (role by role), and no `stores` or
        `evidence` (the workflow input stays small). A store without an entry gets the
        company's."""
        settings = next(
            (s for name, s in self.stores.items() if store_key(name) == store_key(store)), None
        )
        # Nor `evidence`: the API reads it at upload, a case never does.
        routing = self.routing.for_store(store) if self.routing is not None else None
        if settings is None:
            return self.model_copy(
                update={
                    "stores": {},
                    "evidence": None,
                    "routing": routing,
                    "notifications": None,
                    "customer_page": None,
                    "stop_sale": None,
                }
            )
        return self.model_copy(
            update={
                "calendar": self.calendar.for_store(settings),
                "contacts": {**self.contacts, **settings.contacts},
                "stores": {},
                "evidence": None,
                "routing": routing,
                "notifications": None,
                # The API reads it (the page, the links, the limits); a case never does.
                "customer_page": None,
                "stop_sale": None,
            }
        )

    def for_case(self, intake: Any) -> "Policy":
        """The policy a new case (domain.models.Intake) pins: made for its store, with only
        the compensation rules its category and incident can meet, and without the customer
        messages' templates when the customer may not be written to (consent is given at
        intake): what a case would never read it does not carry, and every case carries its
        policy in its input (bench/budgets.json `start_input_bytes`)."""
        policy = self.for_store(intake.store)
        update: dict[str, Any] = {
            "compensation_rules": rules_for_case(policy.compensation_rules, facts_of(intake))
        }
        if policy.customer_messages is not None and contact_channel_of(intake.customer) is None:
            update["customer_messages"] = None
        return policy.model_copy(update=update)

    def recipients(self, role: str) -> list[str]:
        """Who is told as `role`: the named people, or the role itself when none are."""
        return self.contacts.get(role) or [role]

    def due_at(
        self,
        name: DeadlineName,
        start: datetime,
        *,
        category: str,
        grade: Grade,
        channel: str | None = None,
    ) -> datetime:
        duration = self.deadlines[name].duration_for(
            category=category, grade=grade, channel=channel
        )
        return duration.after(start, self.calendar)

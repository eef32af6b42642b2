"""The monthly report and the weekly summary (DOMAIN section 9): periods, figures, re-visit sample.

Pure: the register's rows of one period in, the figures out. The report workflow, its
activities, the API and the tests share these definitions; README "Reports" states each
formula in words.
"""

import hashlib
import math
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from domain.authority import Role

# Years 1000 to 2999: a period's first and last instant must exist in every time zone
# (year 0 and 9999 are past the ends of the date range).
MONTH_PATTERN = r"^[12]\d{3}-(0[1-9]|1[0-2])$"
WEEK_PATTERN = r"^[12]\d{3}-W(0[1-9]|[1-4]\d|5[0-3])$"

# Who may read reports, and who may have one produced for a period (README "Reports").
READ_ROLES = frozenset({Role.MANAGER, Role.SENIOR, Role.ENGINEER})
PRODUCE_ROLES = frozenset({Role.MANAGER, Role.SENIOR})

REVISIT_ASSIGNEE = "customer_service"

# Audit actions the figures read (written by workflows/complaint.py).
# A case settled on the spot (issue 19) was contacted, answered and told its result at once:
# it counts in every figure like any other resolved case.
SETTLED_ACTION = "settled_on_the_spot"
CONTACT_ACTIONS = ("acknowledged", SETTLED_ACTION)
REPLY_ACTIONS = ("findings_recorded", "closed_invalid", SETTLED_ACTION)
RESULT_ACTIONS = ("customer_accepted", "customer_rejected", "closed_invalid", SETTLED_ACTION)
REPLY_DEADLINE = "department_reply"
CORRECTIVE = "corrective_action"


class ReportRules(BaseModel):
    """The numbers a report is computed with (DOMAIN section 9). A run carries them in its
    input; the defaults are the numbers runs used before the policy held them."""

    satisfied_from: int = Field(
        4, ge=1, le=5, description="A follow-up rated this or better (of 1-5) is satisfied"
    )
    revisit_percent: int = Field(
        20,
        ge=20,
        le=100,
        description="Share of a month's closed cases re-visited, rounded up (DOMAIN: at least 20%)",
    )


class ReportsPolicy(ReportRules):
    """The policy's `reports` section: the report numbers and when the schedules run."""

    run_at_hour: int = Field(
        1,
        ge=0,
        le=23,
        description="Local hour (calendar time zone) of the scheduled runs: on the 1st for the"
        " month, on Mondays for the week; the hour before is grace for the period's last cases",
    )

    revisit_within_days: int = Field(
        7,
        gt=0,
        description="A sampled case's re-visit task is overdue this many days after it was"
        " drawn (001: within a week)",
    )

    first_period: str | None = Field(
        None,
        pattern=MONTH_PATTERN,
        description="The first month (YYYY-MM) reports may be asked for; unset, the month of"
        " the company's first case. Nobody means a month before it (or one that has not begun)",
    )

    def rules(self) -> ReportRules:
        return ReportRules.model_validate(self.model_dump(include=set(ReportRules.model_fields)))


class PeriodKind(StrEnum):
    MONTHLY = "monthly"
    WEEKLY = "weekly"


class InvalidPeriod(ValueError):
    """A period name that is malformed or names no such month or week."""


class Period(BaseModel, frozen=True):
    """A calendar month (`2026-11`) or ISO week (`2026-W48`), as local dates."""

    kind: PeriodKind
    key: str
    first_day: date
    end_day: date  # the day after the last one

    @classmethod
    def parse(cls, kind: PeriodKind, key: str) -> "Period":
        if kind is PeriodKind.MONTHLY:
            if not re.match(MONTH_PATTERN, key):
                raise InvalidPeriod(f"{key!r} is not a month: use YYYY-MM, e.g. 2026-11")
            return cls.of_month(int(key[:4]), int(key[5:]))
        if not re.match(WEEK_PATTERN, key):
            raise InvalidPeriod(f"{key!r} is not an ISO week: use YYYY-Www, e.g. 2026-W48")
        try:
            monday = date.fromisocalendar(int(key[:4]), int(key[6:]), 1)
        except ValueError as err:
            raise InvalidPeriod(f"{key!r}: year {key[:4]} has no week {key[6:]}") from err
        return cls.of_week(monday)

    @classmethod
    def of_month(cls, year: int, month: int) -> "Period":
        first = date(year, month, 1)
        end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
        return cls(
            kind=PeriodKind.MONTHLY, key=f"{year:04d}-{month:02d}", first_day=first, end_day=end
        )

    @classmethod
    def of_week(cls, day: date) -> "Period":
        year, week, weekday = day.isocalendar()
        monday = day - timedelta(days=weekday - 1)
        return cls(
            kind=PeriodKind.WEEKLY,
            key=f"{year:04d}-W{week:02d}",
            first_day=monday,
            end_day=monday + timedelta(days=7),
        )

    @classmethod
    def containing(cls, kind: PeriodKind, moment: datetime, timezone: str) -> "Period":
        day = moment.astimezone(ZoneInfo(timezone)).date()
        if kind is PeriodKind.MONTHLY:
            return cls.of_month(day.year, day.month)
        return cls.of_week(day)

    def previous(self) -> "Period":
        if self.kind is PeriodKind.MONTHLY:
            last = self.first_day - timedelta(days=1)
            return Period.of_month(last.year, last.month)
        return Period.of_week(self.first_day - timedelta(days=7))

    def starts_at(self, timezone: str) -> datetime:
        return _midnight(self.first_day, timezone)

    def ends_at(self, timezone: str) -> datetime:
        return _midnight(self.end_day, timezone)

    @property
    def workflow_id(self) -> str:
        """The business ID of a requested run: re-requesting a running period joins it."""
        return f"report-{self.kind.value}-{self.key}"


def first_period_of(
    kind: PeriodKind,
    *,
    first_period: str | None,
    first_case_at: datetime | None,
    now: datetime,
    timezone: str,
) -> Period:
    """The first period reports cover: the policy's `reports.first_period` (a month, or
    the week its first day falls in), else the period of the company's first case, else
    (no case yet) the current one."""
    if first_period is not None:
        start = Period.parse(PeriodKind.MONTHLY, first_period).first_day
    else:
        start = (first_case_at or now).astimezone(ZoneInfo(timezone)).date()
    return (
        Period.of_month(start.year, start.month)
        if kind is PeriodKind.MONTHLY
        else (Period.of_week(start))
    )


def out_of_range(period: Period, *, first: Period, now: datetime, timezone: str) -> str | None:
    """Why nobody means this period (README "Reports"), or None: from `first` to now."""
    if period.starts_at(timezone) > now:
        return f"{period.key} has not started yet"
    if period.first_day < first.first_day:
        return f"{period.key} is before {first.key}, the first period reports cover"
    return None


def _midnight(day: date, timezone: str) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(timezone)).astimezone(UTC)


# --- what the register holds about a case -----------------------------------------


class CaseFacts(BaseModel):
    """One case of the period: its register row plus what its audit trail records."""

    case_no: str
    received_at: datetime
    closed_at: datetime | None
    channel: str
    store: str
    category: str
    grade: str
    stage: str
    handler: str | None
    escalation_level: str
    reopen_count: int
    contacted: bool  # an `acknowledged` entry: first contact made
    replied: bool  # `findings_recorded` or `closed_invalid`: the department replied
    result_told: bool  # `customer_accepted`/`customer_rejected`/`closed_invalid`
    satisfaction: int | None  # the latest `followed_up` entry's data.satisfaction
    missed_deadlines: list[str]  # data.deadline of every `deadline_missed` entry
    overdue_now: bool  # the register's overdue test at the report's as-of time
    settled_on_the_spot: bool = False  # a `settled_on_the_spot` entry (issue 19)
    department: str | None = None  # the responsible department (issue 19 routing)
    # Issue 19 section 6 (事后检讨): the latest findings' cause, the corrective action, the
    # subject as the repeat check reads it.
    cause: str | None = None
    corrective_set: bool = False
    corrective_done: bool = False
    subject_key: str | None = None
    # Issue 19 section 7 (004): what the case's responsible person (its handler) did
    # themselves; a store's or another's reply does not count for the appraisal figures.
    contacted_by_responsible: bool = False
    replied_by_responsible: bool = False
    result_by_responsible: bool = False
    # Issue 16: a case with a claim against the supplier, what finance was asked to pay
    # the customer (`payment_requested`), what the supplier paid back.
    supplier_claim: bool = False
    paid_to_customer: Decimal = Decimal("0")
    recovered_from_supplier: Decimal = Decimal("0")


# --- figures ----------------------------------------------------------------------


class Rate(BaseModel):
    numerator: int
    denominator: int
    value: float | None  # numerator / denominator, 4 decimals; None when nothing to count


class Rates(BaseModel):
    timely_reply: Rate
    contact: Rate
    result_reply: Rate
    satisfaction: Rate
    second_complaint: Rate


class CloseTimes(BaseModel):
    closed: int
    median_hours: float | None
    p90_hours: float | None


class OverdueCase(BaseModel):
    case_no: str
    grade: str
    stage: str
    owner: str  # the handler who owns it, else the level it was escalated to
    escalation_level: str
    missed_deadlines: list[str]
    still_overdue: bool


class SupplierRecoveryFigures(BaseModel):
    """Issue 16: over the period's cases with a supplier claim (reports before it: zero)."""

    claims: int = 0
    paid_to_customer: Decimal = Decimal("0")
    recovered_from_supplier: Decimal = Decimal("0")
    recovery_rate: float | None = Field(None, description="Recovered / paid, 4 decimals")


def supplier_recovery(cases: list[CaseFacts]) -> SupplierRecoveryFigures:
    claimed = [c for c in cases if c.supplier_claim]
    paid = sum((c.paid_to_customer for c in claimed), Decimal("0"))
    recovered = sum((c.recovered_from_supplier for c in claimed), Decimal("0"))
    return SupplierRecoveryFigures(
        claims=len(claimed),
        paid_to_customer=paid,
        recovered_from_supplier=recovered,
        recovery_rate=round(float(recovered / paid), 4) if paid > 0 else None,
    )


class ReportFigures(BaseModel):
    cases: int
    by_category: dict[str, int]
    by_grade: dict[str, int]
    by_store: dict[str, int]
    by_channel: dict[str, int]
    rates: Rates
    time_to_close: dict[str, CloseTimes]  # by grade
    overdue: list[OverdueCase]
    # Issue 19: cases settled on the spot (reports stored before it read 0).
    settled_on_the_spot: int = 0
    by_department: dict[str, int] = Field(default_factory=dict)
    by_cause: dict[str, int] = Field(default_factory=dict)
    corrective_actions_open: int = 0  # set and not yet done
    corrective_actions_overdue: int = 0  # open, and their deadline was missed
    repeat_subjects: dict[str, int] = Field(
        default_factory=dict, description="Subjects complained about by two or more cases"
    )
    # Issue 19 section 7: the appraisal figures (004), per responsible person, department
    # and store (appraisal_rates).
    rates_by_person: dict[str, Rates] = Field(default_factory=dict)
    rates_by_department: dict[str, Rates] = Field(default_factory=dict)
    rates_by_store: dict[str, Rates] = Field(default_factory=dict)
    supplier_recovery: SupplierRecoveryFigures = Field(default_factory=SupplierRecoveryFigures)


class Comparison(BaseModel):
    """The period before, for "rates against the previous month"."""

    period: str
    cases: int
    rates: Rates


class RevisitSample(BaseModel):
    """The month's re-visit sample: each case got a follow-up task for customer service."""

    period: str
    population: int  # closed cases of the month
    case_nos: list[str]


class RevisitCompletion(BaseModel):
    """How much of a month's re-visit sample is done (issue 19 section 5): the sample of the
    month before the report's, drawn as this one began and re-visited during it."""

    period: str  # the sampled month
    completion: Rate  # tasks done / tasks drawn


class Report(BaseModel):
    kind: PeriodKind
    period: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    generated_at: datetime
    complete: bool  # the period had ended when the report was produced
    figures: ReportFigures
    previous: Comparison
    revisit: RevisitSample | None = None
    revisit_completion: RevisitCompletion | None = None


def rate(numerator: int, denominator: int) -> Rate:
    value = round(numerator / denominator, 4) if denominator else None
    return Rate(numerator=numerator, denominator=denominator, value=value)


def percentile(values: list[float], fraction: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _counts(values: list[str]) -> dict[str, int]:
    return dict(sorted(Counter(values).items()))


def owner_of(case: CaseFacts) -> str:
    return case.handler or case.escalation_level


def compute_rates(cases: list[CaseFacts], rules: ReportRules) -> Rates:
    total = len(cases)
    followed_up = [c for c in cases if c.satisfaction is not None]
    return Rates(
        timely_reply=rate(
            sum(c.replied and REPLY_DEADLINE not in c.missed_deadlines for c in cases), total
        ),
        contact=rate(sum(c.contacted for c in cases), total),
        result_reply=rate(sum(c.result_told for c in cases), total),
        satisfaction=rate(
            sum((c.satisfaction or 0) >= rules.satisfied_from for c in followed_up),
            len(followed_up),
        ),
        second_complaint=rate(sum(c.reopen_count > 0 for c in cases), total),
    )


def appraisal_rates(cases: list[CaseFacts], rules: ReportRules) -> Rates:
    """The rates people are appraised on, as 004 defines them (docs/reports.md):
    timely reply counts only the responsible person's own reply within the department-reply
    deadline (2 working days, Saturday counting), not a store's; contact counts the
    responsible person's own contact with the customer; result reply counts the
    responsible person's final answer (the customer's response to the remedy, or the
    reason it is not valid) back on the case for customer service; satisfaction and
    second complaints as the company's rates (001, 004)."""
    total = len(cases)
    followed_up = [c for c in cases if c.satisfaction is not None]
    return Rates(
        timely_reply=rate(
            sum(
                c.replied_by_responsible and REPLY_DEADLINE not in c.missed_deadlines for c in cases
            ),
            total,
        ),
        contact=rate(sum(c.contacted_by_responsible for c in cases), total),
        result_reply=rate(sum(c.result_by_responsible for c in cases), total),
        satisfaction=rate(
            sum((c.satisfaction or 0) >= rules.satisfied_from for c in followed_up),
            len(followed_up),
        ),
        second_complaint=rate(sum(c.reopen_count > 0 for c in cases), total),
    )


def _appraised_by(cases: list[CaseFacts], key, rules: ReportRules) -> dict[str, Rates]:
    groups: dict[str, list[CaseFacts]] = {}
    for case in cases:
        name = key(case)
        if name:
            groups.setdefault(name, []).append(case)
    return {name: appraisal_rates(group, rules) for name, group in sorted(groups.items())}


def compute_figures(cases: list[CaseFacts], rules: ReportRules) -> ReportFigures:
    """Every figure of DOMAIN section 9 over the cases received in the period."""
    hours_by_grade: dict[str, list[float]] = {}
    for case in cases:
        if case.closed_at is not None:
            hours = (case.closed_at - case.received_at).total_seconds() / 3600
            hours_by_grade.setdefault(case.grade, []).append(hours)
    overdue = [
        OverdueCase(
            case_no=c.case_no,
            grade=c.grade,
            stage=c.stage,
            owner=owner_of(c),
            escalation_level=c.escalation_level,
            missed_deadlines=sorted(set(c.missed_deadlines)),
            still_overdue=c.overdue_now,
        )
        for c in sorted(cases, key=lambda c: c.case_no)
        if c.missed_deadlines or c.overdue_now
    ]
    return ReportFigures(
        cases=len(cases),
        by_category=_counts([c.category for c in cases]),
        by_grade=_counts([c.grade for c in cases]),
        by_store=_counts([c.store for c in cases]),
        by_channel=_counts([c.channel for c in cases]),
        rates=compute_rates(cases, rules),
        time_to_close={
            grade: CloseTimes(
                closed=len(hours),
                median_hours=_hours(percentile(hours, 0.5)),
                p90_hours=_hours(percentile(hours, 0.9)),
            )
            for grade, hours in sorted(hours_by_grade.items())
        },
        overdue=overdue,
        settled_on_the_spot=sum(c.settled_on_the_spot for c in cases),
        by_department=_counts([c.department for c in cases if c.department]),
        by_cause=_counts([c.cause for c in cases if c.cause]),
        corrective_actions_open=sum(c.corrective_set and not c.corrective_done for c in cases),
        corrective_actions_overdue=sum(
            c.corrective_set and not c.corrective_done and CORRECTIVE in c.missed_deadlines
            for c in cases
        ),
        rates_by_person=_appraised_by(cases, lambda c: c.handler, rules),
        rates_by_department=_appraised_by(cases, lambda c: c.department, rules),
        rates_by_store=_appraised_by(cases, lambda c: c.store, rules),
        supplier_recovery=supplier_recovery(cases),
        repeat_subjects={
            subject: count
            for subject, count in _counts([c.subject_key for c in cases if c.subject_key]).items()
            if count >= 2
        },
    )


# --- the re-visit sample ----------------------------------------------------------


def revisit_sample_size(population: int, rules: ReportRules) -> int:
    """At least `revisit_percent` of the closed cases, rounded up."""
    return math.ceil(population * rules.revisit_percent / 100)


def revisit_order(period_key: str, case_no: str) -> str:
    """Seeded by the period: the same month and cases always give the same order."""
    return hashlib.sha256(f"revisit/{period_key}/{case_no}".encode()).hexdigest()


def draw_revisit_sample(
    period_key: str, closed_case_nos: list[str], rules: ReportRules
) -> list[str]:
    ordered = sorted(set(closed_case_nos), key=lambda case_no: revisit_order(period_key, case_no))
    return ordered[: revisit_sample_size(len(ordered), rules)]


# --- workflow and activity inputs -------------------------------------------------


class ProduceReport(BaseModel):
    """The report workflow's input. No period: the one before the scheduled time."""

    kind: PeriodKind
    period: str | None = None
    timezone: str = Field(min_length=1)
    # From the policy's `reports` section; absent in runs started before it existed.
    rules: ReportRules = Field(default_factory=ReportRules)


class ComputeReport(BaseModel):
    period: Period
    timezone: str
    as_of: datetime
    rules: ReportRules = Field(default_factory=ReportRules)


class DrawRevisit(BaseModel):
    period: Period
    timezone: str
    rules: ReportRules = Field(default_factory=ReportRules)


class StoreReport(BaseModel):
    report: Report
    workflow_id: str

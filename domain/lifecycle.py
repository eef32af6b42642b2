"""Stages of a complaint and which command each stage and role allows (DOMAIN section 5)."""

from enum import StrEnum

from domain.authority import Role


class Stage(StrEnum):
    RECEIVED = "received"
    INVESTIGATING = "investigating"
    LIABILITY_DECIDED = "liability_decided"
    REMEDY_PROPOSED = "remedy_proposed"
    APPROVED = "approved"
    CUSTOMER_CONSENTED = "customer_consented"
    REMEDY_CARRIED_OUT = "remedy_carried_out"
    CLOSED = "closed"


class Command(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RECORD_FINDINGS = "record_findings"
    PROPOSE_REMEDY = "propose_remedy"
    DECIDE_APPROVAL = "decide_approval"
    RECORD_CUSTOMER_RESPONSE = "record_customer_response"
    RECORD_RESOLUTION = "record_resolution"
    RECORD_FOLLOW_UP = "record_follow_up"
    REOPEN = "reopen"
    ESCALATE = "escalate"
    ADD_NOTE = "add_note"
    REASSIGN_HANDLER = "reassign_handler"
    PAUSE_CLOCKS = "pause_clocks"
    RESUME_CLOCKS = "resume_clocks"
    REQUEST_DELAY = "request_delay"
    DECIDE_DELAY = "decide_delay"
    CHANGE_GRADE = "change_grade"
    REPORT_EXPOSURE = "report_exposure"
    DECLARE_CRISIS = "declare_crisis"
    START_STATUTORY_CLOCK = "start_statutory_clock"
    SETTLE_STATUTORY_CLOCK = "settle_statutory_clock"
    ACKNOWLEDGE_ESCALATION = "acknowledge_escalation"
    RECORD_ATTENDANCE = "record_attendance"
    SETTLE_ON_THE_SPOT = "settle_on_the_spot"
    PROMISE_COMPLETION = "promise_completion"


_OPEN_STAGES = frozenset(stage for stage in Stage if stage is not Stage.CLOSED)

ALLOWED_STAGES: dict[Command, frozenset[Stage]] = {
    Command.ACKNOWLEDGE: frozenset({Stage.RECEIVED}),
    Command.RECORD_FINDINGS: frozenset({Stage.INVESTIGATING}),
    Command.PROPOSE_REMEDY: frozenset({Stage.LIABILITY_DECIDED}),
    Command.DECIDE_APPROVAL: frozenset({Stage.REMEDY_PROPOSED}),
    Command.RECORD_CUSTOMER_RESPONSE: frozenset({Stage.APPROVED}),
    Command.RECORD_RESOLUTION: frozenset({Stage.CUSTOMER_CONSENTED}),
    Command.RECORD_FOLLOW_UP: frozenset({Stage.REMEDY_CARRIED_OUT}),
    Command.REOPEN: frozenset({Stage.CLOSED}),
    Command.ESCALATE: _OPEN_STAGES,
    Command.ADD_NOTE: frozenset(Stage),
    Command.REASSIGN_HANDLER: _OPEN_STAGES,
    Command.PAUSE_CLOCKS: _OPEN_STAGES,
    Command.RESUME_CLOCKS: _OPEN_STAGES,
    Command.REQUEST_DELAY: _OPEN_STAGES,
    Command.DECIDE_DELAY: _OPEN_STAGES,
    Command.CHANGE_GRADE: _OPEN_STAGES,
    Command.REPORT_EXPOSURE: _OPEN_STAGES,
    Command.DECLARE_CRISIS: _OPEN_STAGES,
    Command.START_STATUTORY_CLOCK: _OPEN_STAGES,
    Command.SETTLE_STATUTORY_CLOCK: _OPEN_STAGES,
    Command.ACKNOWLEDGE_ESCALATION: _OPEN_STAGES,
    Command.RECORD_ATTENDANCE: _OPEN_STAGES,
    # At intake or at first contact (000 十.5B): before the findings.
    Command.SETTLE_ON_THE_SPOT: frozenset({Stage.RECEIVED, Stage.INVESTIGATING}),
    Command.PROMISE_COMPLETION: frozenset(
        {
            Stage.RECEIVED,
            Stage.INVESTIGATING,
            Stage.LIABILITY_DECIDED,
            Stage.REMEDY_PROPOSED,
            Stage.APPROVED,
            Stage.CUSTOMER_CONSENTED,
        }
    ),
}

_CASE_WORKERS = frozenset({Role.HANDLER, Role.MANAGER, Role.SENIOR})

ALLOWED_ROLES: dict[Command, frozenset[Role]] = {
    # Service-desk staff make first contact and acknowledge (DOMAIN section 1).
    Command.ACKNOWLEDGE: _CASE_WORKERS | {Role.STAFF},
    Command.RECORD_FINDINGS: _CASE_WORKERS,
    Command.PROPOSE_REMEDY: _CASE_WORKERS,
    Command.DECIDE_APPROVAL: frozenset({Role.MANAGER, Role.SENIOR}),
    Command.RECORD_CUSTOMER_RESPONSE: _CASE_WORKERS | {Role.STAFF},
    Command.RECORD_RESOLUTION: _CASE_WORKERS,
    # Handlers may not record or influence the satisfaction result (DOMAIN section 8).
    Command.RECORD_FOLLOW_UP: frozenset({Role.STAFF, Role.MANAGER, Role.SENIOR}),
    Command.REOPEN: _CASE_WORKERS | {Role.STAFF},
    Command.ESCALATE: _CASE_WORKERS | {Role.STAFF},
    Command.ADD_NOTE: frozenset(Role),
    # The repair path: an engineer moves a stuck case to another handler, audited.
    Command.REASSIGN_HANDLER: frozenset({Role.ENGINEER, Role.MANAGER, Role.SENIOR}),
    Command.PAUSE_CLOCKS: _CASE_WORKERS,
    Command.RESUME_CLOCKS: _CASE_WORKERS,
    # Who decides a delay depends on its state (domain/delays.py).
    Command.REQUEST_DELAY: _CASE_WORKERS,
    Command.DECIDE_DELAY: frozenset({Role.MANAGER, Role.SENIOR}),
    # Raising: anyone handling the case; lowering also needs a manager (domain/grade_changes.py).
    Command.CHANGE_GRADE: _CASE_WORKERS,
    Command.REPORT_EXPOSURE: _CASE_WORKERS | {Role.STAFF},
    Command.DECLARE_CRISIS: _CASE_WORKERS | {Role.STAFF},
    Command.START_STATUTORY_CLOCK: _CASE_WORKERS | {Role.STAFF},
    Command.SETTLE_STATUTORY_CLOCK: _CASE_WORKERS,
    Command.ACKNOWLEDGE_ESCALATION: frozenset({Role.MANAGER, Role.SENIOR}),
    Command.RECORD_ATTENDANCE: _CASE_WORKERS,
    # The service desk settles what is within its own authority (domain/settlement.py).
    Command.SETTLE_ON_THE_SPOT: _CASE_WORKERS | {Role.STAFF},
    Command.PROMISE_COMPLETION: _CASE_WORKERS | {Role.STAFF},
}

REGISTER_ROLES = _CASE_WORKERS | {Role.STAFF}
# Customer name and contact are shown only to those handling cases (DOMAIN section 8).
PERSONAL_DATA_ROLES = _CASE_WORKERS | {Role.STAFF}


class WaitingOn(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    DEPARTMENT_FINDINGS = "department-findings"
    REMEDY_PROPOSAL = "remedy-proposal"
    MANAGER_APPROVAL = "manager-approval"
    CUSTOMER_CONSENT = "customer-consent"
    REMEDY_EXECUTION = "remedy-execution"
    FOLLOW_UP_VISIT = "follow-up-visit"
    NOTHING = "nothing"


WAITING_ON: dict[Stage, WaitingOn] = {
    Stage.RECEIVED: WaitingOn.ACKNOWLEDGEMENT,
    Stage.INVESTIGATING: WaitingOn.DEPARTMENT_FINDINGS,
    Stage.LIABILITY_DECIDED: WaitingOn.REMEDY_PROPOSAL,
    Stage.REMEDY_PROPOSED: WaitingOn.MANAGER_APPROVAL,
    Stage.APPROVED: WaitingOn.CUSTOMER_CONSENT,
    Stage.CUSTOMER_CONSENTED: WaitingOn.REMEDY_EXECUTION,
    Stage.REMEDY_CARRIED_OUT: WaitingOn.FOLLOW_UP_VISIT,
    Stage.CLOSED: WaitingOn.NOTHING,
}


class CaseWait(StrEnum):
    """Everything a case can wait on at once: the values of its `CaseWaitingOn` search
    attribute and of the register's `waiting_on` filter. The stage's own wait (WaitingOn)
    comes first, then what its open sub-processes, paused clocks, a delay request and an
    unacknowledged escalation wait on (`case_waits`)."""

    # The stage's own (WaitingOn, same values).
    ACKNOWLEDGEMENT = "acknowledgement"
    DEPARTMENT_FINDINGS = "department-findings"
    REMEDY_PROPOSAL = "remedy-proposal"
    MANAGER_APPROVAL = "manager-approval"
    CUSTOMER_CONSENT = "customer-consent"
    REMEDY_EXECUTION = "remedy-execution"
    FOLLOW_UP_VISIT = "follow-up-visit"
    NOTHING = "nothing"
    # An open sub-process (insurance, police, mediation: workflows/*.py).
    PROCESS_STARTING = "starting"
    INSURER_REPORT = "insurer-report"
    INSURER = "insurer"
    CUSTOMER_DOCUMENTS = "customer-documents"
    POLICE_REPORT = "police-report"
    POLICE = "police"
    CONSUMER_ASSOCIATION = "consumer-association"
    # Issue 16: quality inspection and supplier claim (workflows/quality.py, supplier.py).
    QUALITY_CONTROL = "quality-control"
    LAB_TRIP_APPROVAL = "lab-trip-approval"
    TEST_LAB = "test-lab"
    PURCHASING = "purchasing"
    SUPPLIER = "supplier"
    # Issue 16: legal documents, a lawsuit, a regulator's inquiry (workflows/legal_*.py).
    LEGAL_DOCUMENTS = "legal-documents"
    COURT = "court"
    JUDGMENT_EXECUTION = "judgment-execution"
    REGULATOR = "regulator"
    # Paused clocks, by the pause's reason (domain/clocks.py PauseReason).
    CUSTOMER = "customer"
    INSPECTION = "inspection"
    APPRAISAL = "appraisal"
    # A delay request, by who decides it next (domain/delays.py DelayRequest.waiting_on).
    DELAY_DECISION_CUSTOMER_SERVICE = "delay-decision-customer-service"
    DELAY_DECISION_GENERAL_MANAGER = "delay-decision-general-manager"
    DELAY_DECISION_HANDLER = "delay-decision-handler"
    # An escalation nobody has acknowledged yet (domain/escalation.py).
    ESCALATION_ACKNOWLEDGEMENT = "escalation-acknowledgement"


WAITS_OF_STAGE = frozenset(CaseWait(w.value) for w in WaitingOn)


def delay_decision_wait(decider: str) -> str:
    """`customer_service` -> delay-decision-customer-service."""
    return f"delay-decision-{decider.replace('_', '-')}"


def case_waits(
    stage_wait: WaitingOn,
    *,
    processes: list[str],
    paused_for: str | None,
    delay_decider: str | None,
    escalation_unacknowledged: bool,
) -> list[str]:
    """What the case waits on, its stage's wait first: `CaseWaitingOn` and the register's
    `waits` column. `processes`: what each open sub-process waits on. Never raises (a
    workflow calls it): that each value is a CaseWait is tests/domain/test_waits.py's."""
    waits = [stage_wait.value, *processes]
    if paused_for is not None:
        waits.append(paused_for)
    if delay_decider is not None:
        waits.append(delay_decision_wait(delay_decider))
    if escalation_unacknowledged:
        waits.append(CaseWait.ESCALATION_ACKNOWLEDGEMENT.value)
    return waits

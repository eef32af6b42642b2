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

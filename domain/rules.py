"""Who may do what, when: the refusals a command can meet (DOMAIN sections 5 and 7).

The workflow's update validators call `refusal_for`; the API maps each refusal type to
an HTTP status in one place (api/errors.py).
"""

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from domain.authority import Actor, Level, next_level
from domain.lifecycle import ALLOWED_ROLES, ALLOWED_STAGES, Command, Stage


class RefusalType(StrEnum):
    STAGE_NOT_ALLOWED = "StageNotAllowed"
    ROLE_NOT_ALLOWED = "RoleNotAllowed"
    SELF_APPROVAL = "SelfApproval"
    TOP_OF_CHAIN = "TopOfChain"
    PROCESS_ALREADY_OPEN = "ProcessAlreadyOpen"
    PROCESS_NOT_OPEN = "ProcessNotOpen"
    PROCESSES_OPEN = "ProcessesOpen"
    CONDITION_NOT_MET = "ConditionNotMet"
    RECIPIENT_NOT_ALLOWED = "RecipientNotAllowed"
    # Issue 19: beyond one's own authority to settle on the spot, and a category's
    # compensation rule (domain/compensation.py) that reserves the remedy for a higher level.
    OVER_AUTHORITY = "OverAuthority"
    COMPENSATION_RULE = "CompensationRule"


@dataclass(frozen=True)
class Refusal:
    type: RefusalType
    message: str


def refusal_for(command: Command, *, stage: Stage, actor: Actor) -> Refusal | None:
    if actor.role not in ALLOWED_ROLES[command]:
        return Refusal(
            RefusalType.ROLE_NOT_ALLOWED,
            f"role {actor.role} may not {command.value.replace('_', ' ')}",
        )
    if stage not in ALLOWED_STAGES[command]:
        return Refusal(
            RefusalType.STAGE_NOT_ALLOWED,
            f"cannot {command.value.replace('_', ' ')} while the case is {stage.value}",
        )
    return None


def approval_refusal(actor: Actor, *, proposed_by: str) -> Refusal | None:
    if actor.user_id == proposed_by:
        return Refusal(RefusalType.SELF_APPROVAL, "the proposer of a payment may not approve it")
    if actor.level is None:
        return Refusal(RefusalType.ROLE_NOT_ALLOWED, f"{actor.user_id} has no approval level")
    return None


def escalation_refusal(level: Level) -> Refusal | None:
    if next_level(level) is None:
        return Refusal(RefusalType.TOP_OF_CHAIN, f"the case is already with {level.value}")
    return None


def within_authority(actor: Actor, amount: Decimal) -> bool:
    return actor.level is not None and actor.may_approve(amount)

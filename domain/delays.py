"""Delay requests (DOMAIN section 5): the handler asks for more time with a reason and a
new date; the customer-service department accepts or refuses; if the handler disputes a
refusal, the general manager decides. An accepted delay moves the deadline."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel

from domain.authority import Actor, Role
from domain.personal_data import PERSONAL
from domain.rules import Refusal, RefusalType

# The customer-service department's managers decide first; the general manager
# (senior management) decides a dispute.
FIRST_DECIDERS = frozenset({Role.MANAGER})
DISPUTE_DECIDERS = frozenset({Role.SENIOR})
REQUESTERS = frozenset({Role.HANDLER, Role.MANAGER, Role.SENIOR})


class DelayState(StrEnum):
    REQUESTED = "requested"
    REFUSED = "refused"
    DISPUTED = "disputed"
    ACCEPTED = "accepted"
    REFUSED_FINALLY = "refused_finally"


OPEN_DELAY_STATES = frozenset({DelayState.REQUESTED, DelayState.REFUSED, DelayState.DISPUTED})


class DelayRequest(BaseModel):
    number: int
    deadline: str
    due_before: datetime
    new_due: datetime
    reason: Annotated[str, PERSONAL]
    requested_by: str
    requested_at: datetime
    state: DelayState = DelayState.REQUESTED
    decided_by: str | None = None
    comment: Annotated[str | None, PERSONAL] = None
    disputed_by: str | None = None
    dispute_reason: Annotated[str | None, PERSONAL] = None

    @property
    def waiting_on(self) -> str | None:
        return {
            DelayState.REQUESTED: "customer_service",
            DelayState.DISPUTED: "general_manager",
            DelayState.REFUSED: "handler",
        }.get(self.state)


def request_refusal(
    actor: Actor, *, current: DelayRequest | None, due_at: datetime | None, new_due: datetime
) -> Refusal | None:
    if actor.role not in REQUESTERS:
        return Refusal(RefusalType.ROLE_NOT_ALLOWED, f"role {actor.role} may not request a delay")
    if current is not None and current.state in OPEN_DELAY_STATES:
        return Refusal(
            RefusalType.STAGE_NOT_ALLOWED,
            f"delay request {current.number} is still {current.state.value}",
        )
    if due_at is None:
        return Refusal(RefusalType.CONDITION_NOT_MET, "that deadline is not running")
    if new_due <= due_at:
        return Refusal(
            RefusalType.CONDITION_NOT_MET, "the new date must be after the current deadline"
        )
    return None


def decision_refusal(actor: Actor, current: DelayRequest | None) -> Refusal | None:
    if current is None or current.state not in (DelayState.REQUESTED, DelayState.DISPUTED):
        return Refusal(RefusalType.STAGE_NOT_ALLOWED, "no delay request awaits a decision")
    deciders = FIRST_DECIDERS if current.state is DelayState.REQUESTED else DISPUTE_DECIDERS
    if actor.role not in deciders:
        who = "customer service" if current.state is DelayState.REQUESTED else "general manager"
        return Refusal(RefusalType.ROLE_NOT_ALLOWED, f"the {who} decides this delay request")
    if actor.user_id == current.requested_by:
        return Refusal(RefusalType.SELF_APPROVAL, "who asks for a delay may not grant it")
    return None


def dispute_refusal(actor: Actor, current: DelayRequest | None) -> Refusal | None:
    if current is None or current.state is not DelayState.REFUSED:
        return Refusal(RefusalType.STAGE_NOT_ALLOWED, "only a refused delay can be disputed")
    if actor.role not in REQUESTERS:
        return Refusal(RefusalType.ROLE_NOT_ALLOWED, f"role {actor.role} may not dispute a delay")
    return None

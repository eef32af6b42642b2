"""Changing a grade by hand (DOMAIN section 4): anyone handling the case may raise it;
lowering needs a manager and a reason. Grades only go up by themselves."""

from domain.authority import Actor, Role
from domain.crisis import CrisisLevel, crisis_rank
from domain.grades import Grade, more_severe
from domain.rules import Refusal, RefusalType

LOWERING_ROLES = frozenset({Role.MANAGER, Role.SENIOR})


def grade_change_refusal(actor: Actor, *, current: Grade, new: Grade) -> Refusal | None:
    if new is current:
        return Refusal(RefusalType.CONDITION_NOT_MET, f"the case is already grade {current.value}")
    lowering = more_severe(current, new) is current
    if lowering and actor.role not in LOWERING_ROLES:
        return Refusal(RefusalType.ROLE_NOT_ALLOWED, "only a manager may lower a grade")
    return None


def crisis_refusal(current: CrisisLevel | None, new: CrisisLevel) -> Refusal | None:
    if current is not None and crisis_rank(new) <= crisis_rank(current):
        return Refusal(
            RefusalType.CONDITION_NOT_MET, f"the case is already a crisis of level {current.value}"
        )
    return None

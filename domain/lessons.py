"""Learning from each case (every seed: 事后检讨、改善; issue 19 section 6), as pure rules.

Findings record the cause, one of the policy's categories of causes, and the responsible
unit. Closing an A or B case needs a corrective action, its 5W2H (what, why, who, where,
when, how, how much), whose deadline is tracked like any other and escalates when missed.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from domain.authority import Actor
from domain.grades import Grade
from domain.personal_data import PERSONAL
from domain.rules import Refusal, RefusalType


class LessonsPolicy(BaseModel):
    causes: dict[str, str] = Field(description="Cause key -> its name, Chinese first")
    corrective_for_grades: list[Grade] = Field(
        default_factory=lambda: [Grade.A, Grade.B],
        description="Grades a case closes only with a corrective action",
    )


class CorrectiveAction(BaseModel):
    """5W2H: what, why, who, where, when (due_by), how, how much."""

    what: Annotated[str, PERSONAL]
    why: Annotated[str, PERSONAL]
    who: str
    where: str
    due_by: datetime
    how: Annotated[str, PERSONAL]
    how_much: Decimal | None = None
    recorded_by: str
    recorded_at: datetime
    done_at: datetime | None = None
    done_note: Annotated[str | None, PERSONAL] = None


def cause_refusal(policy: LessonsPolicy | None, cause: str | None) -> Refusal | None:
    """A cause given must be one of the policy's categories of causes."""
    if cause is None or policy is None or cause in policy.causes:
        return None
    return Refusal(
        RefusalType.CONDITION_NOT_MET,
        f"cause {cause!r} is not one of the policy's causes: {', '.join(sorted(policy.causes))}",
    )


def corrective_refusal(
    policy: LessonsPolicy | None,
    *,
    closed: bool,
    actor: Actor,
    due_by: datetime,
    now: datetime,
    furthest: datetime | None,
) -> Refusal | None:
    if policy is None or furthest is None:
        return Refusal(RefusalType.CONDITION_NOT_MET, "the case's policy has no corrective actions")
    if closed:
        return Refusal(RefusalType.STAGE_NOT_ALLOWED, "the case is closed: reopen it first")
    if actor.level is None:
        return Refusal(
            RefusalType.ROLE_NOT_ALLOWED, f"{actor.user_id} may not set a corrective action"
        )
    if due_by <= now or due_by > furthest:
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            f"a corrective action is due after now and by {furthest.isoformat()} at the latest",
        )
    return None


def closing_refusal_for_lessons(
    policy: LessonsPolicy | None, *, grade: Grade, actions: list[CorrectiveAction]
) -> Refusal | None:
    """Closing an A or B case needs its corrective action (001: the complaints log)."""
    if policy is None or grade not in policy.corrective_for_grades or actions:
        return None
    return Refusal(
        RefusalType.CONDITION_NOT_MET,
        f"a grade {grade.value} case closes only with a corrective action (5W2H): record one",
    )

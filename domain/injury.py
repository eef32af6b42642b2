"""Injury and incident at intake (000 三, 四; issue 19 section 4), as pure rules.

000 三.1: "服务中心员工接到该类投诉后应立即通知到相关部门和商场值班经理，由商场值班经理
决定是否应当指派人员陪同顾客就医以及是否应当垫付医疗费用并办理请款手续" — an injury
intake tells the duty manager and risk control at once, and asks the duty manager two
decisions on the spot, each due within minutes (policy `deadlines.hospital_decision`,
`deadlines.advance_decision`): who accompanies the customer to hospital, and whether to
advance medical fees (how much, against which documents), which goes to finance as an
urgent payment request (三.3 "立即向财务部门紧急请款") without findings or an agreement.
Where liability is doubtful (三.2 "无法给予肯定的判断，就不要派人陪同就医和垫付相关费用")
the decision is "neither", with the reason.

Media exposure, a regulator referral and a consumer-association notice tell senior
management by themselves (000 十六 and the media rules), not only through a crisis.
"""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from domain.authority import Actor, Level, rank
from domain.compensation import CaseFacts, CompensationRule, compensation_rule_for, rule_refusal
from domain.personal_data import PERSONAL
from domain.rules import Refusal, RefusalType


class InjuryIntakePolicy(BaseModel):
    categories: list[str] = Field(
        default_factory=lambda: ["personal_injury"], description="Categories that are injuries"
    )
    notify: list[str] = Field(
        default_factory=lambda: ["duty_manager", "risk_control"],
        description="Roles told at once (000 三.1), beside the store manager",
    )


class OutsideNoticePolicy(BaseModel):
    channels: list[str] = Field(
        default_factory=list, description="Intake channels that tell senior management"
    )
    exposures: list[str] = Field(
        default_factory=list, description="Reported exposures that tell senior management"
    )
    media_attention: bool = Field(True, description="An intake flagged for media attention")
    notify: list[str] = Field(default_factory=lambda: ["senior_management"])


class SpotDecisionKind(StrEnum):
    HOSPITAL = "hospital"
    ADVANCE = "advance"


class SpotDecision(BaseModel):
    """One of the duty manager's decisions on the spot, as the case shows it."""

    kind: SpotDecisionKind
    decided_by: str
    decided_at: datetime
    neither: bool = False
    reason: Annotated[str | None, PERSONAL] = None
    accompanied_by: str | None = None
    amount: Decimal | None = None
    documents: list[str] = Field(default_factory=list)
    payment_request: str | None = None


def is_injury(policy: InjuryIntakePolicy | None, category: str) -> bool:
    return policy is not None and category in policy.categories


def outside_notice_reason(
    policy: OutsideNoticePolicy | None, *, channel: str, media_attention: bool
) -> str | None:
    """Why senior management is told at intake, or None."""
    if policy is None:
        return None
    if channel in policy.channels:
        return f"received through {channel}: senior management is told (000)"
    if media_attention and policy.media_attention:
        return "media attention at intake: senior management is told (000)"
    return None


def advance_rule(
    rules: list[CompensationRule], facts: CaseFacts, amount: Decimal
) -> CompensationRule | None:
    return compensation_rule_for(rules, facts, kind="medical_advance", amount=amount)


def spot_decision_refusal(
    *,
    kind: SpotDecisionKind,
    actor: Actor,
    open_decision: bool,
    rules: list[CompensationRule],
    facts: CaseFacts,
    amount: Decimal | None,
    neither: bool,
    reason: str | None,
) -> Refusal | None:
    """The duty manager (or above) decides, once, while the decision is open; an advance
    for an injury caused by goods needs senior management (its compensation rule)."""
    if actor.level is None or rank(actor.level) < rank(Level.DUTY_MANAGER):
        return Refusal(
            RefusalType.ROLE_NOT_ALLOWED, "the duty manager decides on the spot (000 三.1)"
        )
    if not open_decision:
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            f"the case has no open {kind.value} decision (an injury intake opens it, once)",
        )
    if neither and not reason:
        return Refusal(
            RefusalType.CONDITION_NOT_MET, "neither needs the reason (000 三.2: liability doubtful)"
        )
    if kind is SpotDecisionKind.ADVANCE and amount is not None and amount > 0:
        return rule_refusal(actor, advance_rule(rules, facts, amount))
    return None


def advance_key(case_no: str) -> str:
    """The urgent payment's idempotency key: one advance decision per case."""
    return f"{case_no}:medical-advance"

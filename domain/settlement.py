"""Settle on the spot (000 十.5B "尽可能当场解决", 004; DOMAIN 5), as one pure decision.

A case whose remedy lies within the acting person's own authority for its category (the
policy's `settle_on_the_spot`: e.g. an apology, an exchange, a goodwill voucher up to
CNY 50 by staff, up to CNY 200 by the duty manager) is resolved at intake or at first
contact in one command: recorded as settled on the spot with what was given and the
customer's oral or signed consent (signed where the policy demands it for that remedy
kind). It still gets its follow-up visit. Money above the policy's four-eyes floor is not
given by one person alone: the settlement waits for a second person's approval (the
ordinary approval, domain/approvals.py), then completes. The category's compensation
rules (domain/compensation.py) are checked first, and a refusal names the rule.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from domain.authority import Actor, Level
from domain.compensation import CaseFacts, CompensationRule, compensation_rule_for, rule_refusal
from domain.lifecycle import Command, Stage
from domain.rules import Refusal, RefusalType, refusal_for

# Remedy kinds are the case's (domain/models.py RemedyKind); kept as text here so this
# module stays below domain/models.py.
MONEY_KINDS = frozenset({"refund", "compensation", "goodwill_payment", "medical_advance"})
REMEDY_KINDS = frozenset(
    {
        "refund",
        "exchange",
        "repair",
        "compensation",
        "goodwill_payment",
        "apology",
        "medical_advance",
        "other",
    }
)
ACTING = frozenset({"staff", *(level.value for level in Level)})

# Who acts, as the policy's limits name them: the approval level, or the role for those
# without one (service-desk staff).
Limits = dict[str, dict[str, Decimal]]


class Consent(StrEnum):
    ORAL = "oral"
    SIGNED = "signed"


class SettlePolicy(BaseModel):
    """What each acting person may give on the spot, by category and remedy kind (CNY)."""

    default: Limits = Field(
        description="Acting person (staff, handler, duty_manager, ...) -> remedy kind -> "
        "the most they may give on the spot"
    )
    by_category: dict[str, Limits] = Field(
        default_factory=dict, description="A category's own limits, replacing the default"
    )
    signed_agreement_for: list[str] = Field(
        default_factory=list, description="Remedy kinds settled only with a signed agreement"
    )
    four_eyes_above: Decimal = Field(
        Decimal("0"), ge=0, description="Money above this needs a second person's approval"
    )

    @model_validator(mode="after")
    def _known_people_and_kinds(self) -> "SettlePolicy":
        tables = [self.default, *self.by_category.values()]
        for limits in tables:
            unknown = sorted(set(limits) - ACTING)
            if unknown:
                raise ValueError(f"unknown acting person {unknown}: one of {sorted(ACTING)}")
            kinds = sorted({k for kinds in limits.values() for k in kinds} - REMEDY_KINDS)
            if kinds:
                raise ValueError(f"unknown remedy kind {kinds}")
        if set(self.signed_agreement_for) - REMEDY_KINDS:
            raise ValueError("signed_agreement_for names an unknown remedy kind")
        return self

    def limit_for(self, *, category: str, acting_as: str, kind: str) -> Decimal | None:
        limits = self.by_category.get(category, self.default)
        return limits.get(acting_as, {}).get(kind)


def acting_as(actor: Actor) -> str:
    """How the policy's limits name the actor: their level, or their role without one."""
    return actor.level.value if actor.level is not None else actor.role.value


class SettlementOutcome(StrEnum):
    SETTLED = "settled"
    SECOND_PERSON = "second_person"  # four-eyes: another person approves, then it settles
    REFUSED = "refused"


@dataclass(frozen=True)
class SettlementDecision:
    outcome: SettlementOutcome
    refusal: Refusal | None = None
    limit: Decimal | None = None
    rule: CompensationRule | None = None

    @property
    def refused(self) -> bool:
        return self.refusal is not None


def _refused(kind: RefusalType, message: str) -> SettlementDecision:
    return SettlementDecision(SettlementOutcome.REFUSED, refusal=Refusal(kind, message))


def decide_settlement(
    *,
    policy: SettlePolicy | None,
    rules: list[CompensationRule],
    stage: Stage,
    actor: Actor,
    facts: CaseFacts,
    kind: str,
    amount: Decimal,
    consent: Consent,
    agreement_ref: str | None,
    court_judgment_ref: str | None = None,
) -> SettlementDecision:
    """What `settle {kind, amount, consent}` by `actor` does to a case at `stage`."""
    refusal = refusal_for(Command.SETTLE_ON_THE_SPOT, stage=stage, actor=actor)
    if refusal is not None:
        return SettlementDecision(SettlementOutcome.REFUSED, refusal=refusal)
    if policy is None:
        return _refused(
            RefusalType.CONDITION_NOT_MET,
            "the case's policy has no settling on the spot: propose the remedy",
        )
    rule = compensation_rule_for(rules, facts, kind=kind, amount=amount)
    refusal = rule_refusal(actor, rule, court_judgment_ref=court_judgment_ref)
    if refusal is not None:
        return SettlementDecision(SettlementOutcome.REFUSED, refusal=refusal, rule=rule)
    who = acting_as(actor)
    limit = policy.limit_for(category=facts.category, acting_as=who, kind=kind)
    if limit is None:
        return _refused(
            RefusalType.OVER_AUTHORITY,
            f"{kind} is not within {who}'s authority on the spot for {facts.category}: "
            "propose the remedy",
        )
    if amount > limit:
        return _refused(
            RefusalType.OVER_AUTHORITY,
            f"CNY {amount} exceeds {who}'s authority on the spot for {kind} in "
            f"{facts.category} (CNY {limit}): propose the remedy",
        )
    if (kind in policy.signed_agreement_for or consent is Consent.SIGNED) and not agreement_ref:
        return _refused(
            RefusalType.CONDITION_NOT_MET,
            f"{kind} is settled only with the customer's signed agreement: give agreement_ref",
        )
    if kind in policy.signed_agreement_for and consent is not Consent.SIGNED:
        return _refused(
            RefusalType.CONDITION_NOT_MET,
            f"{kind} is settled only with the customer's signed agreement, not oral consent",
        )
    if kind in MONEY_KINDS and amount > policy.four_eyes_above:
        return SettlementDecision(SettlementOutcome.SECOND_PERSON, limit=limit, rule=rule)
    return SettlementDecision(SettlementOutcome.SETTLED, limit=limit, rule=rule)


def promise_refusal(
    *, stage: Stage, actor: Actor, promised_by: datetime, now: datetime, furthest: datetime | None
) -> Refusal | None:
    """A promised completion date (000 十.5B: "不能当场解决的，也应给予顾客具体完成时间"):
    in the future, and no further than the policy's `deadlines.promised` allows from now
    (`furthest`; None: the case's policy has no promised dates)."""
    refusal = refusal_for(Command.PROMISE_COMPLETION, stage=stage, actor=actor)
    if refusal is not None:
        return refusal
    if furthest is None:
        return Refusal(RefusalType.CONDITION_NOT_MET, "the case's policy has no promised dates")
    if promised_by <= now:
        return Refusal(RefusalType.CONDITION_NOT_MET, "the promised date must be in the future")
    if furthest is not None and promised_by > furthest:
        return Refusal(
            RefusalType.CONDITION_NOT_MET,
            f"a promise may reach at most {furthest.isoformat()} (policy deadlines.promised)",
        )
    return None


def settled_level(actor: Actor) -> Level:
    """The level a settlement is on record as given by (staff: the handler's)."""
    return actor.level or Level.HANDLER

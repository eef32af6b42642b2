"""Compensation by the category's rules (000 五, 六; DOMAIN 7), checked before the amount
ladder of `authority.limits`: the ladder alone would let a duty manager pay CNY 180 for a
stolen bag.

A rule names the cases it covers (category, incident, remedy kinds, a locker, goods that
caused an injury, an amount below which it applies) and the lowest level that may approve
or give a remedy under it. The first rule of the policy's list that covers a case decides,
so a narrower exception (a locker claim under CNY 200) is listed before the rule it
excepts (lost belongings). Every refusal names its rule.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, Field

from domain.authority import Actor, Level, rank
from domain.incidents import Incident
from domain.rules import Refusal, RefusalType


class CompensationRule(BaseModel):
    name: str = Field(min_length=1, description="How refusals and the audit trail name it")
    seed: str = Field(min_length=1, description="The procedure document it comes from")
    says: str = Field(min_length=1, description="The rule in words, Chinese first")
    categories: list[str] = Field(
        default_factory=list, description="Categories it covers; empty: any category"
    )
    incidents: list[Incident] = Field(
        default_factory=list, description="Incidents it covers (theft, robbery, a fight)"
    )
    remedy_kinds: list[str] = Field(
        default_factory=list, description="Remedy kinds it covers; empty: any kind"
    )
    money_only: bool = Field(True, description="Covers only remedies that pay (an amount above 0)")
    locker: bool | None = Field(None, description="Only locker losses (true) or none (false)")
    caused_by_goods: bool | None = Field(
        None, description="Only injuries caused by goods (true) or in the store (false)"
    )
    below: Decimal | None = Field(None, gt=0, description="Only amounts under this (CNY)")
    approver: Level = Field(description="The lowest level that may approve or give it")
    court_judgment_suffices: bool = Field(
        False, description="An effective court judgment recorded on the case replaces the approver"
    )
    written_answer_first: bool = Field(
        False,
        description="No agreement before the insurer's or the property-management "
        "company's written answer is recorded",
    )


@dataclass(frozen=True)
class CaseFacts:
    """What the rules read of a case: its intake's facts."""

    category: str
    incident: Incident | None = None
    locker: bool = False
    caused_by_goods: bool = False


def facts_of(intake: Any) -> CaseFacts:
    """What the rules read of an intake (domain.models.Intake): fixed at registration."""
    lost = intake.lost_property
    return CaseFacts(
        category=intake.category.value,
        incident=intake.incident,
        locker=bool(lost and lost.locker),
        caused_by_goods=intake.caused_by_goods,
    )


def _names_the_case(rule: CompensationRule, facts: CaseFacts) -> bool:
    """Whether the rule's categories and incidents take in the case: the part of a rule
    that the intake alone decides."""
    if rule.categories and rule.incidents:
        # Either names the wrong: a theft is one whatever category the desk chose.
        return facts.category in rule.categories or facts.incident in rule.incidents
    if rule.categories:
        return facts.category in rule.categories
    if rule.incidents:
        return facts.incident in rule.incidents
    return True


def rules_for_case(rules: list[CompensationRule], facts: CaseFacts) -> list[CompensationRule]:
    """The rules that can ever cover a case with these facts, in their order: what a new
    case pins (the others would never be read, and the policy rides in every case's input)."""
    return [rule for rule in rules if _names_the_case(rule, facts)]


def _covers(rule: CompensationRule, facts: CaseFacts, kind: str, amount: Decimal) -> bool:
    if not _names_the_case(rule, facts):
        return False
    if rule.remedy_kinds and kind not in rule.remedy_kinds:
        return False
    if rule.money_only and amount <= 0:
        return False
    if rule.locker is not None and rule.locker != facts.locker:
        return False
    if rule.caused_by_goods is not None and rule.caused_by_goods != facts.caused_by_goods:
        return False
    return rule.below is None or amount < rule.below


def compensation_rule_for(
    rules: list[CompensationRule], facts: CaseFacts, *, kind: str, amount: Decimal
) -> CompensationRule | None:
    """The category's rule that covers a remedy of `kind` and `amount`, the first listed."""
    return next((rule for rule in rules if _covers(rule, facts, kind, amount)), None)


def rule_by_name(rules: list[CompensationRule], name: str | None) -> CompensationRule | None:
    return next((rule for rule in rules if rule.name == name), None) if name else None


def required_level(
    rule: CompensationRule | None, *, court_judgment_ref: str | None
) -> Level | None:
    """The lowest level a rule asks for; None when no rule covers the remedy or an
    effective court judgment on the case stands in for the approval the rule demands."""
    if rule is None:
        return None
    if rule.court_judgment_suffices and court_judgment_ref:
        return None
    return rule.approver


def names(rule: CompensationRule) -> str:
    """How a refusal names the rule: `rule lost_belongings_not_compensated (000 五): ...`."""
    return f"rule {rule.name} ({rule.seed}): {rule.says}"


def actor_meets(actor: Actor, level: Level | None) -> bool:
    """Whether the actor's level reaches the rule's; staff have no level and reach none."""
    if level is None:
        return True
    return actor.level is not None and rank(actor.level) >= rank(level)


def rule_refusal(
    actor: Actor, rule: CompensationRule | None, *, court_judgment_ref: str | None = None
) -> Refusal | None:
    """Refused when the actor gives (settles on the spot) what the rule reserves above them."""
    level = required_level(rule, court_judgment_ref=court_judgment_ref)
    if rule is None or actor_meets(actor, level):
        return None
    assert level is not None
    return Refusal(
        RefusalType.COMPENSATION_RULE,
        f"{names(rule)}: needs {level.value}, not {actor.user_id}",
    )


def agreement_refusal(
    rule: CompensationRule | None, *, written_answer_ref: str | None
) -> Refusal | None:
    """No agreement before the insurer's or the property-management company's written
    answer, where the rule asks for it (vehicles, 000 六)."""
    if rule is None or not rule.written_answer_first or written_answer_ref:
        return None
    return Refusal(
        RefusalType.COMPENSATION_RULE,
        f"{names(rule)}: record the insurer's or the property-management company's "
        "written answer (written_answer_ref) before the agreement",
    )

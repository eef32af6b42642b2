"""Issue 19's rules as pure decisions, without Temporal: the category's compensation rules
(000 五, 六) and settling on the spot (000 十.5B) under the default policy."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.authority import Actor, Level, Role
from domain.compensation import (
    CaseFacts,
    compensation_rule_for,
    required_level,
    rule_refusal,
    rules_for_case,
)
from domain.incidents import Incident
from domain.lifecycle import Stage
from domain.models import RemedyKind
from domain.policy import Policy
from domain.rules import RefusalType
from domain.settlement import (
    REMEDY_KINDS,
    Consent,
    SettlementOutcome,
    decide_settlement,
    promise_refusal,
)

STAFF = Actor(user_id="staff.li", role=Role.STAFF)
DUTY = Actor(user_id="duty.sun", role=Role.MANAGER, level=Level.DUTY_MANAGER)
SENIOR = Actor(user_id="senior.chen", role=Role.SENIOR, level=Level.SENIOR_MANAGEMENT)


def _rule(policy: Policy, facts: CaseFacts, kind: str, amount: str):
    return compensation_rule_for(
        policy.compensation_rules, facts, kind=kind, amount=Decimal(amount)
    )


def _settle(policy: Policy, actor: Actor, facts: CaseFacts, kind: str, amount: str, **kw):
    return decide_settlement(
        policy=policy.settle_on_the_spot,
        rules=policy.compensation_rules,
        stage=kw.pop("stage", Stage.RECEIVED),
        actor=actor,
        facts=facts,
        kind=kind,
        amount=Decimal(amount),
        consent=kw.pop("consent", Consent.ORAL),
        agreement_ref=kw.pop("agreement_ref", None),
        **kw,
    )


def test_the_settlement_module_knows_every_remedy_kind() -> None:
    assert REMEDY_KINDS == {kind.value for kind in RemedyKind}


def test_a_stolen_bag_needs_senior_management_whatever_the_amount(policy: Policy) -> None:
    stolen = CaseFacts(category="lost_belongings", incident=Incident.THEFT)
    rule = _rule(policy, stolen, "compensation", "180")
    assert rule is not None and rule.name == "lost_belongings_not_compensated"
    assert required_level(rule, court_judgment_ref=None) is Level.SENIOR_MANAGEMENT
    refusal = rule_refusal(DUTY, rule)
    assert refusal is not None and refusal.type is RefusalType.COMPENSATION_RULE
    assert "000 五" in refusal.message and "lost_belongings_not_compensated" in refusal.message
    assert rule_refusal(SENIOR, rule) is None
    # An effective court judgment recorded on the case stands in for senior approval.
    assert required_level(rule, court_judgment_ref="(2026)沪0115民初1号") is None


def test_a_locker_claim_is_the_duty_managers_only_under_200(policy: Policy) -> None:
    locker = CaseFacts(category="lost_belongings", locker=True)
    assert _rule(policy, locker, "compensation", "199").name == "locker_under_200"
    assert _rule(policy, locker, "compensation", "200").name == "lost_belongings_not_compensated"


def test_a_fight_with_another_customer_is_a_third_party_wrong_in_any_category(
    policy: Policy,
) -> None:
    fight = CaseFacts(category="conflict", incident=Incident.FIGHT)
    assert _rule(policy, fight, "compensation", "10").name == "third_party_wrongs_not_compensated"
    assert _rule(policy, CaseFacts(category="conflict"), "compensation", "10") is None


def test_an_apology_costs_nothing_and_meets_no_rule_but_a_vehicle_commitment_does(
    policy: Policy,
) -> None:
    assert _rule(policy, CaseFacts(category="lost_belongings"), "apology", "0") is None
    vehicle = _rule(policy, CaseFacts(category="vehicle_parking"), "repair", "0")
    assert vehicle is not None and vehicle.written_answer_first


def test_a_goods_injurys_medical_advance_needs_senior_but_an_in_store_one_does_not(
    policy: Policy,
) -> None:
    goods = CaseFacts(category="personal_injury", caused_by_goods=True)
    in_store = CaseFacts(category="personal_injury")
    assert _rule(policy, goods, "medical_advance", "1").approver is Level.SENIOR_MANAGEMENT
    assert _rule(policy, in_store, "medical_advance", "1") is None


def test_staff_settle_an_apology_and_a_voucher_up_to_50_on_the_spot(policy: Policy) -> None:
    goods = CaseFacts(category="product_quality")
    assert _settle(policy, STAFF, goods, "apology", "0").outcome is SettlementOutcome.SETTLED
    voucher = _settle(policy, STAFF, goods, "goodwill_payment", "50")
    assert voucher.outcome is SettlementOutcome.SETTLED
    more = _settle(policy, STAFF, goods, "goodwill_payment", "50.01")
    assert more.refusal is not None and more.refusal.type is RefusalType.OVER_AUTHORITY


def test_a_duty_managers_200_needs_a_second_person_above_the_floor(policy: Policy) -> None:
    goods = CaseFacts(category="product_quality")
    decision = _settle(policy, DUTY, goods, "goodwill_payment", "180")
    assert decision.outcome is SettlementOutcome.SECOND_PERSON
    assert _settle(policy, DUTY, goods, "goodwill_payment", "201").refused


def test_settling_is_for_intake_and_first_contact_only(policy: Policy) -> None:
    goods = CaseFacts(category="product_quality")
    late = _settle(policy, STAFF, goods, "apology", "0", stage=Stage.LIABILITY_DECIDED)
    assert late.refusal is not None and late.refusal.type is RefusalType.STAGE_NOT_ALLOWED


def test_an_older_policy_settles_nothing_on_the_spot(policy: Policy) -> None:
    older = policy.model_copy(update={"settle_on_the_spot": None})
    decision = _settle(older, STAFF, CaseFacts(category="price"), "apology", "0")
    assert decision.refusal is not None and decision.refusal.type is RefusalType.CONDITION_NOT_MET


def test_a_promise_lies_in_the_future_and_within_the_policy() -> None:
    now = datetime(2026, 12, 2, 9, tzinfo=UTC)
    furthest = now + timedelta(days=14)
    common = {"stage": Stage.INVESTIGATING, "actor": STAFF, "now": now}
    assert promise_refusal(promised_by=now + timedelta(days=3), furthest=furthest, **common) is None
    assert promise_refusal(promised_by=now, furthest=furthest, **common) is not None
    assert promise_refusal(promised_by=now + timedelta(days=20), furthest=furthest, **common)
    assert promise_refusal(promised_by=now + timedelta(days=1), furthest=None, **common)


def test_a_case_pins_only_the_compensation_rules_its_intake_can_meet(policy: Policy) -> None:
    every = policy.compensation_rules
    for facts in (
        CaseFacts(category="lost_belongings", incident=Incident.THEFT, locker=True),
        CaseFacts(category="conflict", incident=Incident.FIGHT),
        CaseFacts(category="personal_injury", caused_by_goods=True),
        CaseFacts(category="service_quality"),
    ):
        kept = rules_for_case(every, facts)
        assert len(kept) < len(every)
        # Whatever the remedy, the kept rules decide as the whole list does.
        for kind in ("compensation", "goodwill", "refund", "repair", "medical_advance"):
            for amount in ("0", "10", "199", "200", "5000"):
                whole = compensation_rule_for(every, facts, kind=kind, amount=Decimal(amount))
                pinned = compensation_rule_for(kept, facts, kind=kind, amount=Decimal(amount))
                assert pinned == whole, (facts, kind, amount)

"""Deciding a proposal is one pure function (domain/approvals.py): tested without Temporal."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.approvals import ApprovalOutcome, decide_approval
from domain.authority import Actor, AuthorityPolicy, Level, Role
from domain.lifecycle import Stage
from domain.models import Proposal, Recommendation, RemedyKind

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
AUTHORITY = AuthorityPolicy()
MANAGER = Actor(
    user_id="manager.zhang",
    role=Role.MANAGER,
    level=Level.DEPARTMENT_MANAGER,
    authority_limit=Decimal("5000"),
)
SENIOR = Actor(user_id="senior.chen", role=Role.SENIOR, level=Level.SENIOR_MANAGEMENT)


def proposal(amount: str, **fields: object) -> Proposal:
    return Proposal(
        number=1,
        kind=RemedyKind.COMPENSATION,
        amount=Decimal(amount),
        details="pay",
        proposed_by="handler.wang",
        proposed_at=NOW,
        approver_level=AUTHORITY.approver_for(Decimal(amount)),
        **fields,
    )


def decide(actor: Actor, approve: bool, on: Proposal | None, stage=Stage.REMEDY_PROPOSED):
    return decide_approval(
        case_no="202612-0001",
        stage=stage,
        proposal=on,
        actor=actor,
        approve=approve,
        comment="looked at it",
        authority=AUTHORITY,
        handler="handler.wang",
        now=NOW,
    )


@pytest.mark.parametrize(
    ("approve", "outcome", "action"),
    [
        (True, ApprovalOutcome.APPROVED, "remedy_approved"),
        (False, ApprovalOutcome.REJECTED, "remedy_rejected"),
    ],
)
def test_within_authority_a_manager_decides(approve, outcome, action) -> None:
    decision = decide(MANAGER, approve, proposal("800"))
    assert (decision.outcome, decision.action, decision.refusal) == (outcome, action, None)
    assert [n.recipient for n in decision.notices] == ["user:handler.wang"]


def test_a_refusal_beyond_authority_is_passed_up_with_the_recommendation() -> None:
    decision = decide(MANAGER, False, proposal("6000"))
    assert decision.outcome is ApprovalOutcome.RECOMMENDED
    assert decision.action == "approval_recommended"
    assert decision.waits_for is Level.SENIOR_MANAGEMENT
    assert decision.recommendation is not None and decision.recommendation.approve is False
    (notice,) = decision.notices
    assert notice.recipient == "senior_management"
    assert "manager.zhang (department_manager) recommends refusal: looked at it" in notice.body


def test_approving_what_already_waits_above_is_refused_naming_whom_it_waits_for() -> None:
    decision = decide(MANAGER, True, proposal("6000"))
    assert decision.outcome is ApprovalOutcome.REFUSED
    assert decision.refusal is not None
    assert decision.refusal.type.value == "ConditionNotMet"
    assert "waits for senior_management" in decision.refusal.message


def test_a_recommendation_is_passed_up_once() -> None:
    said = Recommendation(by=MANAGER.user_id, approve=False, comment="no", at=NOW)
    decision = decide(MANAGER, False, proposal("6000", recommendations=[said]))
    assert decision.refusal is not None
    assert "recommendation is on record" in decision.refusal.message


def test_beyond_a_personal_limit_the_proposal_climbs_to_the_level_that_covers_it() -> None:
    limited = MANAGER.model_copy(update={"authority_limit": Decimal("3000")})
    decision = decide(limited, True, proposal("4000"))
    assert decision.outcome is ApprovalOutcome.CLIMBS
    assert decision.action == "approval_escalated"
    assert decision.waits_for is Level.SENIOR_MANAGEMENT
    assert decision.result == "escalated to senior_management"
    assert "recommends approval" in decision.notices[0].body


def test_the_proposer_and_the_wrong_stage_are_refused_first() -> None:
    mine = proposal("800").model_copy(update={"proposed_by": MANAGER.user_id})
    assert decide(MANAGER, True, mine).refusal.type.value == "SelfApproval"
    stage = decide(MANAGER, True, proposal("800"), stage=Stage.INVESTIGATING)
    assert stage.refusal.type.value == "StageNotAllowed"


def test_senior_management_decides_any_amount() -> None:
    assert decide(SENIOR, False, proposal("90000")).outcome is ApprovalOutcome.REJECTED

"""Deciding a proposed remedy (DOMAIN section 7), as one pure function: the case's state
and the decider's command in, one decision out (approved, rejected, climbs to a level,
a recommendation passed up, or refused), with the audit action and the notices it
implies. The workflow only applies and records what it returns.

A decision beyond one's authority is never a refusal or a grant: the proposal climbs to
the lowest level whose limit covers it, and the decider's word (approve or refuse, and
why) travels with it as a recommendation. Where the proposal already waits above the
decider, an approval changes nothing and is answered so (409, naming whom it waits for);
a recommendation to refuse is passed up once.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from domain.authority import Actor, AuthorityPolicy, Level, rank
from domain.compensation import actor_meets
from domain.lifecycle import Command, Stage
from domain.models import Proposal, Recommendation
from domain.rules import Refusal, RefusalType, approval_refusal, refusal_for


class ApprovalOutcome(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    CLIMBS = "climbs"
    RECOMMENDED = "recommended"
    REFUSED = "refused"


@dataclass(frozen=True)
class Notice:
    """A notification to send; the workflow gives it its ID."""

    recipient: str
    subject: str
    body: str


@dataclass(frozen=True)
class ApprovalDecision:
    outcome: ApprovalOutcome
    refusal: Refusal | None = None
    action: str = ""
    reason: str = ""
    waits_for: Level | None = None
    recommendation: Recommendation | None = None
    notices: tuple[Notice, ...] = field(default_factory=tuple)
    result: str = ""

    @property
    def refused(self) -> bool:
        return self.refusal is not None


def _refused(refusal: Refusal) -> ApprovalDecision:
    return ApprovalDecision(ApprovalOutcome.REFUSED, refusal=refusal, result=refusal.message)


def _word(approve: bool) -> str:
    return "approval" if approve else "refusal"


def decide_approval(
    *,
    case_no: str,
    stage: Stage,
    proposal: Proposal | None,
    actor: Actor,
    approve: bool,
    comment: str,
    authority: AuthorityPolicy,
    handler: str | None,
    now: datetime,
) -> ApprovalDecision:
    """What `approval {approve, comment}` by `actor` does to the case's latest proposal."""
    refusal = refusal_for(Command.DECIDE_APPROVAL, stage=stage, actor=actor)
    if refusal is not None:
        return _refused(refusal)
    if proposal is None:
        return _refused(Refusal(RefusalType.STAGE_NOT_ALLOWED, "there is no proposal to decide"))
    refusal = approval_refusal(actor, proposed_by=proposal.proposed_by)
    if refusal is not None:
        return _refused(refusal)
    assert actor.level is not None  # approval_refusal refuses an actor without a level
    amount = proposal.amount_to_approve()
    to_handler = f"user:{handler}" if handler else Level.HANDLER.value
    subject = f"Case {case_no}: "
    # The category's rule (domain/compensation.py) is checked before the amount ladder.
    if actor.may_approve(amount) and actor_meets(actor, proposal.rule_level):
        if approve:
            return ApprovalDecision(
                ApprovalOutcome.APPROVED,
                action="remedy_approved",
                reason=comment,
                waits_for=proposal.approver_level,
                notices=(
                    Notice(
                        to_handler,
                        subject + "Proposal approved",
                        f"Tell the customer: {proposal.kind.value} CNY {proposal.amount}",
                    ),
                ),
                result="approved",
            )
        return ApprovalDecision(
            ApprovalOutcome.REJECTED,
            action="remedy_rejected",
            reason=comment,
            waits_for=proposal.approver_level,
            notices=(Notice(to_handler, subject + "Proposal rejected", comment),),
            result="rejected",
        )
    return _beyond_authority(proposal, actor, approve, comment, authority, amount, now, subject)


def _beyond_authority(
    proposal: Proposal,
    actor: Actor,
    approve: bool,
    comment: str,
    authority: AuthorityPolicy,
    amount: Decimal,
    now: datetime,
    subject: str,
) -> ApprovalDecision:
    assert actor.level is not None
    waiting = proposal.approver_level
    target = max(waiting, authority.approver_for(amount, above=actor.level), key=rank)
    if proposal.rule_level is not None:
        target = max(target, proposal.rule_level, key=rank)
    if rank(target) <= rank(actor.level):
        return _refused(
            Refusal(
                RefusalType.CONDITION_NOT_MET,
                f"CNY {amount} exceeds the authority of {actor.user_id} and no level above "
                f"{actor.level.value} may decide it",
            )
        )
    climbs = target is not waiting
    already = any(r.by == actor.user_id for r in proposal.recommendations)
    if not climbs and (approve or already):
        said = f"; {actor.user_id}'s recommendation is on record" if already else ""
        if proposal.rule is not None and not actor_meets(actor, proposal.rule_level):
            # A refusal names the rule (issue 19).
            return _refused(
                Refusal(
                    RefusalType.COMPENSATION_RULE,
                    f"proposal {proposal.number} (CNY {amount}) falls under rule "
                    f"{proposal.rule}: it waits for {waiting.value}, not {actor.user_id}{said}",
                )
            )
        return _refused(
            Refusal(
                RefusalType.CONDITION_NOT_MET,
                f"proposal {proposal.number} (CNY {amount}) exceeds the authority of "
                f"{actor.user_id} and waits for {waiting.value}{said}",
            )
        )
    recommendation = Recommendation(
        by=actor.user_id, level=actor.level, approve=approve, comment=comment, at=now
    )
    recommends = f"{actor.user_id} ({actor.level.value}) recommends {_word(approve)}: {comment}"
    request = Notice(
        target.value,
        subject + "approval needed",
        f"{proposal.kind.value} CNY {proposal.amount} proposed by {proposal.proposed_by}. "
        + recommends,
    )
    if climbs:
        return ApprovalDecision(
            ApprovalOutcome.CLIMBS,
            action="approval_escalated",
            reason=(
                f"CNY {amount} exceeds the authority of {actor.user_id}; "
                f"sent to {target.value}. {recommends}"
            ),
            waits_for=target,
            recommendation=recommendation,
            notices=(request,),
            result=f"escalated to {target.value}",
        )
    return ApprovalDecision(
        ApprovalOutcome.RECOMMENDED,
        action="approval_recommended",
        reason=f"CNY {amount} waits for {target.value}. {recommends}",
        waits_for=target,
        recommendation=recommendation,
        notices=(request,),
        result=f"recommendation passed to {target.value}, who decides",
    )

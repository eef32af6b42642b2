"""Settling on the spot, promised completion dates and the category's compensation rules,
part of ComplaintWorkflow (issue 19; DOMAIN 5 and 7; seeds 000 五, 六, 十.5B and 004).

The decisions are the domain's (domain/settlement.py, domain/compensation.py); this part
applies and records them. Each is off in a policy without its section, so cases that
pinned one replay as they ran.
"""

from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.authority import rank
    from domain.compensation import (
        CaseFacts,
        CompensationRule,
        agreement_refusal,
        compensation_rule_for,
        facts_of,
        required_level,
        rule_by_name,
    )
    from domain.customer_messages import MessageMoment
    from domain.lifecycle import Stage
    from domain.models import (
        CommandResult,
        DeadlineState,
        DeadlineView,
        PromiseCompletion,
        Proposal,
        RecordCustomerResponse,
        SettleOnTheSpot,
        SignedAgreement,
    )
    from domain.policy import DeadlineName
    from domain.settlement import (
        Consent,
        SettlementDecision,
        SettlementOutcome,
        decide_settlement,
        promise_refusal,
        settled_level,
    )
    from domain.surveys import SurveyPurpose

from workflows import patches
from workflows.case_continuation import applied_once, unless_applied
from workflows.common import refuse
from workflows.payments import payment_due, request_payment

# What settling on the spot settles: every deadline up to the remedy carried out.
_SETTLED_BY_IT = (
    DeadlineName.ACKNOWLEDGE,
    DeadlineName.DEPARTMENT_REPLY,
    DeadlineName.PROPOSAL,
    DeadlineName.INFORM_CUSTOMER,
    DeadlineName.NEGOTIATION,
    DeadlineName.CLOSE,
    DeadlineName.REOPEN_REPLY,
    DeadlineName.PROMISED,
    DeadlineName.WEB_ACCEPTANCE,
)


class CaseSettlement:
    """Mixed into ComplaintWorkflow, whose state and recording it uses."""

    # --- the category's compensation rules -----------------------------------------

    def _case_facts(self) -> CaseFacts:
        return facts_of(self._start.intake)

    def _compensation_rule(self, kind: str, amount: Decimal) -> CompensationRule | None:
        """The rule covering a proposed remedy; none under a policy without rules."""
        rules = self._policy.compensation_rules
        if not rules or not patches.applies(patches.COMPENSATION_RULES):
            return None
        return compensation_rule_for(rules, self._case_facts(), kind=kind, amount=amount)

    def _apply_rule(
        self, proposal: Proposal, rule: CompensationRule | None, court_judgment_ref: str | None
    ) -> None:
        """The rule's level raises the proposal's approver: checked before the ladder."""
        if rule is None:
            return
        proposal.rule = rule.name
        proposal.rule_level = required_level(rule, court_judgment_ref=court_judgment_ref)
        if proposal.rule_level is not None and rank(proposal.rule_level) > rank(
            proposal.approver_level
        ):
            proposal.approver_level = proposal.rule_level

    def _check_agreement_rule(self, cmd: RecordCustomerResponse) -> None:
        """Vehicles (000 六): no agreement before the written answer, where the rule says."""
        if not cmd.accepted or not self._proposals:
            return
        proposal = self._proposals[-1]
        rule = rule_by_name(self._policy.compensation_rules, proposal.rule)
        refuse(
            agreement_refusal(
                rule, written_answer_ref=cmd.written_answer_ref or proposal.written_answer_ref
            )
        )

    # --- settle on the spot ----------------------------------------------------------

    def _settlement_decision(self, cmd: SettleOnTheSpot) -> SettlementDecision:
        try:
            consent = Consent(cmd.consent)
        except ValueError:
            consent = Consent.ORAL
        return decide_settlement(
            policy=self._policy.settle_on_the_spot,
            rules=self._policy.compensation_rules,
            stage=self._stage,
            actor=cmd.actor,
            facts=self._case_facts(),
            kind=cmd.kind.value,
            amount=cmd.amount,
            consent=consent,
            agreement_ref=cmd.agreement_ref,
            court_judgment_ref=cmd.court_judgment_ref,
        )

    @workflow.update
    @applied_once
    async def settle_on_the_spot(self, cmd: SettleOnTheSpot) -> CommandResult:
        async with self._turn():
            decision = self._settlement_decision(cmd)
            refuse(decision.refusal)
            self._check_judgment(cmd.court_judgment_ref, cmd.amount)  # issue 16
            self._take_ownership(cmd.actor)
            self._meet(DeadlineName.ACKNOWLEDGE)
            level = settled_level(cmd.actor)
            proposal = Proposal(
                number=len(self._proposals) + 1,
                kind=cmd.kind,
                amount=cmd.amount,
                details=cmd.given,
                proposed_by=cmd.actor.user_id,
                proposed_at=workflow.now(),
                approver_level=level,
                company_pays=cmd.amount,
                court_judgment_ref=cmd.court_judgment_ref,
                on_the_spot=True,
                given=cmd.given,
                consent=cmd.consent,
            )
            if decision.rule is not None:
                proposal.rule = decision.rule.name
            self._proposals.append(proposal)
            self._agreement_ref = cmd.agreement_ref
            if decision.outcome is SettlementOutcome.SECOND_PERSON:
                # Four-eyes above the floor: another person of a level whose limit covers
                # it approves (decide_approval), and the settlement completes then.
                approver = self._policy.authority.approver_for(cmd.amount)
                proposal.approver_level = max(approver, level, key=rank)
                self._move_to(Stage.REMEDY_PROPOSED)
                await self._record(
                    "settlement_awaits_approval",
                    cmd.actor,
                    reason=cmd.given,
                    data=self._proposal_data(proposal) | {"on_the_spot": True},
                    notifications=[self._approval_request(proposal)],
                )
                return self._result(
                    f"settles on the spot once a second person approves "
                    f"({proposal.approver_level.value})"
                )
            proposal.decision = "settled_on_the_spot"
            proposal.decided_by = cmd.actor.user_id
            await self._settle(proposal, cmd.actor)
            return self._result("settled on the spot")

    @settle_on_the_spot.validator
    @unless_applied
    def _validate_settlement(self, cmd: SettleOnTheSpot) -> None:
        refuse(self._settlement_decision(cmd).refusal)
        self._validate_judgment(cmd.court_judgment_ref, cmd.amount)  # issue 16

    async def _settle(self, proposal: Proposal, actor) -> None:
        """The remedy given with the customer's consent: carried out, the follow-up due."""
        proposal.customer_response = "accepted"
        for name in _SETTLED_BY_IT:
            self._meet(name)
        self._move_to(Stage.REMEDY_CARRIED_OUT)
        self._set_deadline(DeadlineName.FOLLOW_UP, workflow.now(), arm=True)
        # As after any remedy carried out: the 72 h re-visit, the result and the survey.
        after_remedy = patches.applies(patches.SETTLED_LIKE_REMEDY)
        if after_remedy:
            self._revisit_due(DeadlineName.REVISIT_AFTER_REMEDY)
        ref = self._agreement_ref
        data = self._proposal_data(proposal) | {
            "on_the_spot": True,
            "consent": proposal.consent,
            "agreement_ref": ref,
        }
        if proposal.rule:
            data["rule"] = proposal.rule
        await self._record(
            "settled_on_the_spot",
            actor,
            reason=f"{proposal.kind.value} CNY {proposal.amount}: {proposal.given}",
            data=data,
            agreement=(
                SignedAgreement(
                    agreement_ref=ref,
                    remedy_kind=proposal.kind,
                    amount=proposal.amount,
                    recorded_by=actor.user_id,
                    recorded_at=workflow.now(),
                )
                if ref
                else None
            ),
        )
        if after_remedy:
            await self._tell_customer(MessageMoment.RESULT)
            await self._send_survey(SurveyPurpose.FOLLOW_UP)
        payment = payment_due(
            self._case_no,
            proposal,
            agreement_ref=ref or f"oral consent recorded by {proposal.proposed_by}",
            requested_by=actor.user_id,
        )
        if payment is not None:
            await self._flush_recorded()  # on record before finance is asked
            receipt = await request_payment(payment)
            proposal.payment_request = receipt.idempotency_key
            await self._record(
                "payment_requested",
                None,
                reason=f"finance asked to pay CNY {payment.amount} ({payment.remedy_kind})",
                data=self._proposal_data(proposal)
                | {
                    "amount": str(payment.amount),
                    "agreement_ref": payment.agreement_ref,
                    "idempotency_key": receipt.idempotency_key,
                },
            )

    def _spot_settlement_refused(self) -> None:
        """The second person refused a settlement on the spot: the case is investigated
        as any other (its findings come next)."""
        self._move_to(Stage.INVESTIGATING)
        if DeadlineName.DEPARTMENT_REPLY not in self._deadlines:
            self._set_deadline(DeadlineName.DEPARTMENT_REPLY, workflow.now(), arm=True)

    # --- a promised completion date ----------------------------------------------------

    def _promise_refusal(self, cmd: PromiseCompletion):
        rule = self._policy.deadlines.get(DeadlineName.PROMISED)
        now = workflow.now()
        furthest = rule.default.after(now, self._policy.calendar) if rule is not None else None
        return promise_refusal(
            stage=self._stage,
            actor=cmd.actor,
            promised_by=cmd.promised_by,
            now=now,
            furthest=furthest,
        )

    @workflow.update
    @applied_once
    async def promise_completion(self, cmd: PromiseCompletion) -> CommandResult:
        """000 十.5B: what cannot be settled on the spot gets a concrete completion date,
        a deadline of its own, met when the remedy is carried out."""
        async with self._turn():
            refuse(self._promise_refusal(cmd))
            rule = self._policy.deadlines[DeadlineName.PROMISED]
            self._disarm(DeadlineName.PROMISED)
            self._deadlines[DeadlineName.PROMISED] = DeadlineView(
                name=DeadlineName.PROMISED,
                label=rule.label,
                due_at=cmd.promised_by,
                state=DeadlineState.PENDING,
                started_at=workflow.now(),
                base_due=cmd.promised_by,
            )
            self._arm(DeadlineName.PROMISED)
            self._take_ownership(cmd.actor)
            when = self._local(cmd.promised_by)
            await self._record(
                "completion_promised",
                cmd.actor,
                reason=cmd.note or "",
                data={"promised_by": cmd.promised_by.isoformat()},
                notifications=[
                    self._notice(
                        "customer",
                        "Your complaint / 您的投诉",
                        f"案件 {self._case_no} 将于 {when} 前处理完毕。"
                        f" Case {self._case_no} will be completed by {when}.",
                    )
                ],
            )
            return self._result(f"completion promised by {when}")

    @promise_completion.validator
    @unless_applied
    def _validate_promise(self, cmd: PromiseCompletion) -> None:
        refuse(self._promise_refusal(cmd))

    def _promised_by(self):
        promised = self._deadlines.get(DeadlineName.PROMISED)
        return promised.due_at if promised is not None else None

    def _settled_on_the_spot(self) -> bool:
        return any(p.on_the_spot and p.customer_response == "accepted" for p in self._proposals)

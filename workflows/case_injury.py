"""Injury and incident at intake, part of ComplaintWorkflow (issue 19; 000 三, 四): the
duty manager and risk control told at once, the duty manager's two decisions on the spot
as deadlines of minutes, the medical advance as an urgent payment request, and senior
management told by itself of media, regulator and consumer-association cases. The rules
are domain/injury.py's."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.injury import (
        SpotDecision,
        SpotDecisionKind,
        advance_key,
        is_injury,
        outside_notice_reason,
        spot_decision_refusal,
    )
    from domain.models import (
        CommandResult,
        ComplaintStart,
        DeadlineState,
        DecideAdvance,
        DecideHospital,
        RemedyKind,
        ReportExposure,
    )
    from domain.payments import PaymentRequest
    from domain.policy import DeadlineName

from workflows import patches
from workflows.case_continuation import applied_once, unless_applied
from workflows.common import refuse
from workflows.payments import request_payment

_DEADLINE_OF = {
    SpotDecisionKind.HOSPITAL: DeadlineName.HOSPITAL_DECISION,
    SpotDecisionKind.ADVANCE: DeadlineName.ADVANCE_DECISION,
}


class CaseInjury:
    """Mixed into ComplaintWorkflow, whose state and recording it uses."""

    async def _injury_and_notices_at_intake(self, start: ComplaintStart) -> None:
        """Both off in a policy without `injury_intake` and `outside_notices`."""
        injury = self._policy.injury_intake
        notices = self._policy.outside_notices
        if injury is None and notices is None:
            return
        if not patches.applies(patches.INJURY_INTAKE):
            return
        intake = start.intake
        if is_injury(injury, intake.category.value):
            assert injury is not None
            for name in _DEADLINE_OF.values():
                if name in self._policy.deadlines:
                    self._set_deadline(name, start.registered_at, arm=True)
            body = (
                f"Injury at {intake.store}: decide at once who accompanies the customer to"
                " hospital and whether to advance medical fees (000 三) /"
                " 顾客受伤：请立即决定是否派人陪同就医、是否垫付医疗费"
            )
            await self._record(
                "injury_reported",
                None,
                reason="an injury intake: the duty manager and risk control are told at once",
                data={"notified": list(injury.notify)},
                notifications=[
                    self._notice(r, f"Case {self._case_no}: injury / 顾客受伤", body)
                    for role in injury.notify
                    for r in self._policy.recipients(role)
                ],
            )
        reason = outside_notice_reason(
            notices, channel=intake.channel.value, media_attention=intake.media_attention
        )
        if reason is not None:
            await self._tell_senior_management(reason)

    async def _tell_senior_management(self, reason: str) -> None:
        notices = self._policy.outside_notices
        assert notices is not None
        await self._record(
            "senior_management_told",
            None,
            reason=reason,
            notifications=[
                self._notice(r, f"Case {self._case_no}: senior management to know", reason)
                for role in notices.notify
                for r in self._policy.recipients(role)
            ],
        )

    async def _exposure_tells_senior_management(self, cmd: ReportExposure) -> None:
        notices = self._policy.outside_notices
        if notices is None or cmd.kind.value not in notices.exposures:
            return
        if not patches.applies(patches.INJURY_INTAKE):
            return
        await self._tell_senior_management(
            f"{cmd.kind.value} exposure reported by {cmd.actor.user_id}: senior management"
            " is told (000)"
        )

    # --- the duty manager's decisions on the spot -----------------------------------

    def _decision_open(self, kind: SpotDecisionKind) -> bool:
        deadline = self._deadlines.get(_DEADLINE_OF[kind])
        return deadline is not None and deadline.state in (
            DeadlineState.PENDING,
            DeadlineState.MISSED,
        )

    def _hospital_refusal(self, cmd: DecideHospital):
        return spot_decision_refusal(
            kind=SpotDecisionKind.HOSPITAL,
            actor=cmd.actor,
            open_decision=self._decision_open(SpotDecisionKind.HOSPITAL),
            rules=self._policy.compensation_rules,
            facts=self._case_facts(),
            amount=None,
            neither=not cmd.accompanied_by,
            reason=cmd.neither_reason,
        )

    def _advance_refusal(self, cmd: DecideAdvance):
        return spot_decision_refusal(
            kind=SpotDecisionKind.ADVANCE,
            actor=cmd.actor,
            open_decision=self._decision_open(SpotDecisionKind.ADVANCE),
            rules=self._policy.compensation_rules,
            facts=self._case_facts(),
            amount=cmd.amount,
            neither=not cmd.amount,
            reason=cmd.neither_reason,
        )

    @workflow.update
    @applied_once
    async def decide_hospital(self, cmd: DecideHospital) -> CommandResult:
        async with self._turn():
            refuse(self._hospital_refusal(cmd))
            self._meet(DeadlineName.HOSPITAL_DECISION)
            decision = SpotDecision(
                kind=SpotDecisionKind.HOSPITAL,
                decided_by=cmd.actor.user_id,
                decided_at=workflow.now(),
                neither=not cmd.accompanied_by,
                reason=cmd.neither_reason,
                accompanied_by=cmd.accompanied_by,
            )
            self._spot_decisions.append(decision)
            said = (
                f"{cmd.accompanied_by} accompanies the customer to hospital"
                if cmd.accompanied_by
                else f"nobody accompanies: {cmd.neither_reason}"
            )
            await self._record(
                "hospital_decided",
                cmd.actor,
                reason=said,
                data={"accompanied_by": cmd.accompanied_by, "neither": decision.neither},
            )
            return self._result(said)

    @decide_hospital.validator
    @unless_applied
    def _validate_hospital(self, cmd: DecideHospital) -> None:
        refuse(self._hospital_refusal(cmd))

    @workflow.update
    @applied_once
    async def decide_advance(self, cmd: DecideAdvance) -> CommandResult:
        async with self._turn():
            refuse(self._advance_refusal(cmd))
            self._meet(DeadlineName.ADVANCE_DECISION)
            decision = SpotDecision(
                kind=SpotDecisionKind.ADVANCE,
                decided_by=cmd.actor.user_id,
                decided_at=workflow.now(),
                neither=not cmd.amount,
                reason=cmd.neither_reason,
                amount=cmd.amount,
                documents=list(cmd.documents),
            )
            self._spot_decisions.append(decision)
            if not cmd.amount:
                await self._record(
                    "advance_decided",
                    cmd.actor,
                    reason=f"no advance: {cmd.neither_reason}",
                    data={"neither": True},
                )
                return self._result("no advance")
            await self._record(
                "advance_decided",
                cmd.actor,
                reason=f"advance CNY {cmd.amount} against {', '.join(cmd.documents)}",
                data={"amount": str(cmd.amount), "documents": list(cmd.documents)},
            )
            # 000 三.3: to finance at once, as an urgent request: no findings, no agreement.
            await self._flush_recorded()  # on record before finance is asked
            receipt = await request_payment(
                PaymentRequest(
                    idempotency_key=advance_key(self._case_no),
                    case_no=self._case_no,
                    proposal=0,
                    remedy_kind=RemedyKind.MEDICAL_ADVANCE,
                    amount=cmd.amount,
                    agreement_ref=f"duty manager's decision on the spot ({cmd.actor.user_id})",
                    requested_by=cmd.actor.user_id,
                    requested_at=workflow.now(),
                    urgent=True,
                )
            )
            decision.payment_request = receipt.idempotency_key
            await self._record(
                "payment_requested",
                None,
                reason=f"finance asked urgently to advance CNY {cmd.amount} (000 三.3)",
                data={
                    "amount": str(cmd.amount),
                    "kind": RemedyKind.MEDICAL_ADVANCE.value,
                    "urgent": True,
                    "idempotency_key": receipt.idempotency_key,
                },
            )
            return self._result(f"advance CNY {cmd.amount} requested urgently")

    @decide_advance.validator
    @unless_applied
    def _validate_advance(self, cmd: DecideAdvance) -> None:
        refuse(self._advance_refusal(cmd))

"""Escalation, part of ComplaintWorkflow: a case climbs the chain one level at a time, to
the store's named people at each level; where the policy asks for it, an escalation waits
for that level's acknowledgement and climbs again if nobody answers (DOMAIN sections 4
and 7). Major cases reach senior management at intake."""

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.authority import Actor, next_level, rank
    from domain.lifecycle import Command, Stage
    from domain.models import (
        AcknowledgeEscalation,
        CommandResult,
        ComplaintStart,
        EscalationView,
        Notification,
    )
    from domain.rules import Refusal, RefusalType

from workflows.case_continuation import applied_once, unless_applied
from workflows.common import refuse, sleep_until


class CaseEscalation:
    """Mixed into ComplaintWorkflow, whose state and recording it uses."""

    async def _escalate_one_level(
        self,
        actor: Actor | None,
        action: str,
        *,
        reason: str,
        data: dict | None = None,
        extra: list[Notification] | None = None,
    ) -> None:
        previous = self._level
        self._level = next_level(self._level) or self._level
        notices = [
            self._notice(
                recipient,
                f"Case {self._case_no} escalated to you",
                f"{reason} (was with {previous.value}; stage {self._stage.value})",
            )
            for recipient in self._policy.recipients(self._level.value)
        ]
        if self._handler is not None:
            notices.append(self._to_handler(f"Case {self._case_no} escalated", reason))
        data = (data or {}) | {"from_level": previous.value, "to_level": self._level.value}
        if self._policy.escalation is not None and self._level is not previous:
            self._await_acknowledgement()
            assert self._escalation is not None
            data["acknowledge_by"] = self._escalation.acknowledge_by.isoformat()
        await self._record(
            action, actor, reason=reason, data=data, notifications=notices + (extra or [])
        )

    def _await_acknowledgement(self) -> None:
        assert self._policy.escalation is not None
        now = workflow.now()
        due = self._policy.escalation.acknowledge_within.after(now, self._policy.calendar)
        self._escalation = EscalationView(
            level=self._level,
            recipients=self._policy.recipients(self._level.value),
            since=now,
            acknowledge_by=due,
        )
        asyncio.create_task(self._climb_if_unanswered(self._escalation))

    async def _climb_if_unanswered(self, escalation: EscalationView) -> None:
        due = escalation.acknowledge_by
        await sleep_until(
            due, f"acknowledgement by {escalation.level.value} due {self._local(due)}"
        )
        async with self._lock:
            if self._escalation is not escalation or self._stage is Stage.CLOSED:
                return
            reason = (
                f"{escalation.level.value} ({', '.join(escalation.recipients)}) did not "
                f"acknowledge by {self._local(escalation.acknowledge_by)}"
            )
            if next_level(self._level) is None:
                # The top of the chain: told once more, and the wait stays on record.
                self._escalation = None
                await self._record(
                    "escalation_unanswered",
                    None,
                    reason=reason,
                    data={"level": escalation.level.value},
                    notifications=[
                        self._notice(r, f"Case {self._case_no}: still unanswered", reason)
                        for r in escalation.recipients
                    ],
                )
                return
            await self._escalate_one_level(
                None, "escalation_unanswered", reason=reason, data={"level": escalation.level.value}
            )

    @workflow.update
    @applied_once
    async def acknowledge_escalation(self, cmd: AcknowledgeEscalation) -> CommandResult:
        async with self._turn():
            self._check_escalation_ack(cmd)
            assert self._escalation is not None
            level = self._escalation.level
            self._escalation = None
            await self._record(
                "escalation_acknowledged",
                cmd.actor,
                reason=cmd.note or "",
                data={"level": level.value},
            )
            return self._result(f"acknowledged at {level.value}")

    @acknowledge_escalation.validator
    @unless_applied
    def _validate_escalation_ack(self, cmd: AcknowledgeEscalation) -> None:
        self._check_escalation_ack(cmd)

    def _check_escalation_ack(self, cmd: AcknowledgeEscalation) -> None:
        self._check(Command.ACKNOWLEDGE_ESCALATION, cmd.actor)
        if self._escalation is None:
            refuse(Refusal(RefusalType.CONDITION_NOT_MET, "no escalation awaits acknowledgement"))
            return
        if cmd.actor.level is None or rank(cmd.actor.level) < rank(self._escalation.level):
            refuse(
                Refusal(
                    RefusalType.ROLE_NOT_ALLOWED,
                    f"the escalation is with {self._escalation.level.value}",
                )
            )

    async def _notify_major_case(self, start: ComplaintStart) -> None:
        rule = self._policy.major_case
        if rule is None or start.intake.claimed_amount <= rule.claimed_amount_above:
            return
        reason = (
            f"claimed CNY {start.intake.claimed_amount} is above CNY "
            f"{rule.claimed_amount_above}: a major case"
        )
        await self._record(
            "major_case",
            None,
            reason=reason,
            data={"claimed_amount": str(start.intake.claimed_amount)},
            notifications=[
                self._notice(r, f"Case {self._case_no}: major case", reason)
                for role in rule.notify
                for r in self._policy.recipients(role)
            ],
        )

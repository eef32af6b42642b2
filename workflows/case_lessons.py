"""Learning from each case, part of ComplaintWorkflow (issue 19 section 6; every seed's
事后检讨、改善): the cause and the responsible unit on the findings, and the corrective
action (5W2H) an A or B case closes with, its deadline tracked and escalated like any
other. The rules are domain/lessons.py's."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.lessons import CorrectiveAction, corrective_refusal
    from domain.lifecycle import Stage
    from domain.models import (
        CommandResult,
        CompleteCorrectiveAction,
        DeadlineState,
        DeadlineView,
        RecordCorrectiveAction,
        RecordFindings,
    )
    from domain.policy import DeadlineName
    from domain.rules import Refusal, RefusalType

from workflows.case_continuation import applied_once, unless_applied
from workflows.common import refuse


class CaseLessons:
    """Mixed into ComplaintWorkflow, whose state and recording it uses."""

    def _note_lesson(self, cmd: RecordFindings) -> dict:
        """The findings' cause and responsible unit, kept and named in their entry."""
        if cmd.cause is None and cmd.responsible_unit is None:
            return {}
        self._cause = cmd.cause
        self._responsible_unit = cmd.responsible_unit
        return {"cause": cmd.cause, "responsible_unit": cmd.responsible_unit}

    def _corrective_refusal(self, cmd: RecordCorrectiveAction) -> Refusal | None:
        rule = self._policy.deadlines.get(DeadlineName.CORRECTIVE_ACTION)
        now = workflow.now()
        furthest = rule.default.after(now, self._policy.calendar) if rule is not None else None
        return corrective_refusal(
            self._policy.lessons,
            closed=self._stage is Stage.CLOSED,
            actor=cmd.actor,
            due_by=cmd.due_by,
            now=now,
            furthest=furthest,
        )

    @workflow.update
    @applied_once
    async def record_corrective_action(self, cmd: RecordCorrectiveAction) -> CommandResult:
        async with self._turn():
            refuse(self._corrective_refusal(cmd))
            action = CorrectiveAction(
                what=cmd.what,
                why=cmd.why,
                who=cmd.who,
                where=cmd.where,
                due_by=cmd.due_by,
                how=cmd.how,
                how_much=cmd.how_much,
                recorded_by=cmd.actor.user_id,
                recorded_at=workflow.now(),
            )
            self._corrective.append(action)
            rule = self._policy.deadlines[DeadlineName.CORRECTIVE_ACTION]
            self._disarm(DeadlineName.CORRECTIVE_ACTION)
            self._deadlines[DeadlineName.CORRECTIVE_ACTION] = DeadlineView(
                name=DeadlineName.CORRECTIVE_ACTION,
                label=rule.label,
                due_at=cmd.due_by,
                state=DeadlineState.PENDING,
                started_at=workflow.now(),
                base_due=cmd.due_by,
            )
            self._arm(DeadlineName.CORRECTIVE_ACTION)
            await self._record(
                "corrective_action_set",
                cmd.actor,
                reason=cmd.what,
                data={"who": cmd.who, "where": cmd.where, "due_by": cmd.due_by.isoformat()},
                notifications=[
                    self._notice(
                        f"user:{cmd.who}",
                        f"Case {self._case_no}: corrective action / 整改措施",
                        f"{cmd.what} — due {self._local(cmd.due_by)}",
                    )
                ],
            )
            return self._result(f"corrective action due {self._local(cmd.due_by)}")

    @record_corrective_action.validator
    @unless_applied
    def _validate_corrective(self, cmd: RecordCorrectiveAction) -> None:
        refuse(self._corrective_refusal(cmd))

    def _completion_refusal(self, cmd: CompleteCorrectiveAction) -> Refusal | None:
        if not self._corrective or self._corrective[-1].done_at is not None:
            return Refusal(RefusalType.CONDITION_NOT_MET, "no open corrective action to complete")
        if cmd.actor.level is None:
            return Refusal(RefusalType.ROLE_NOT_ALLOWED, f"{cmd.actor.user_id} may not do this")
        return None

    @workflow.update
    @applied_once
    async def complete_corrective_action(self, cmd: CompleteCorrectiveAction) -> CommandResult:
        """Done, even after the case closed: the action outlives the complaint."""
        async with self._turn():
            refuse(self._completion_refusal(cmd))
            action = self._corrective[-1]
            action.done_at = workflow.now()
            action.done_note = cmd.note
            self._meet(DeadlineName.CORRECTIVE_ACTION)
            await self._record("corrective_action_done", cmd.actor, reason=cmd.note)
            return self._result("corrective action done")

    @complete_corrective_action.validator
    @unless_applied
    def _validate_completion(self, cmd: CompleteCorrectiveAction) -> None:
        refuse(self._completion_refusal(cmd))

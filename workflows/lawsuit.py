"""A lawsuit against the company over a case: a child workflow of its complaint (000 八.9)."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.legal_holds import LegalHolds
    from domain.legal import (
        SENIOR_MANAGEMENT,
        Execution,
        Hearing,
        Judgment,
        JudgmentStatus,
        LawsuitRecord,
        LawsuitStage,
        LawsuitStart,
        LiftHold,
        PlaceHold,
        RecordExecution,
        RecordJudgment,
        ScheduleHearing,
        execution_refusal,
        judgment_refusal_in_lawsuit,
    )
    from domain.lifecycle import CaseWait
    from domain.processes import (
        EndProcess,
        ProcessCommand,
        ProcessKind,
        ProcessStatus,
        ProcessSummary,
    )

from workflows.common import audit_entry, refuse
from workflows.process_journal import ProcessJournal

_EXECUTION_DUE = "execution due"
_EXECUTION_REMINDER = "execution reminder"
_HOLD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)


@workflow.defn
class LawsuitWorkflow:
    """Filed, hearings (each with a reminder), judgments (appealed, or effective), and an
    effective judgment carried out as it orders by its deadline. While it runs the case
    holds its evidence (a legal hold placed at the start) and cannot close; the hold it
    placed is lifted when it ends (docs/legal-and-regulator.md)."""

    @workflow.init
    def __init__(self, start: LawsuitStart) -> None:
        assert start.policy.lawsuit is not None
        self._policy = start.policy.lawsuit
        self._lawsuit = LawsuitRecord(
            court=start.court,
            court_case_no=start.court_case_no,
            filed_on=start.filed_on,
            claimed_amount=start.claimed_amount,
        )
        self._j = ProcessJournal(
            start,
            ProcessKind.LAWSUIT,
            stage=LawsuitStage.FILED,
            waiting_on=CaseWait.COURT.value,
            who=start.court,
            record_of=lambda: self._lawsuit,
        )

    @workflow.run
    async def run(self, start: LawsuitStart) -> ProcessSummary:
        await self._place_hold(start)
        summary = await self._j.run(
            "lawsuit_started",
            data={
                "court": start.court,
                "court_case_no": start.court_case_no,
                "hold_id": self._lawsuit.hold_id,
            },
            on_started=lambda: None,
        )
        await self._lift_hold(summary)
        return summary

    @workflow.query
    def get_status(self) -> ProcessStatus:
        return self._j.status()

    @workflow.signal
    def end_process(self, request: EndProcess) -> None:
        self._j.request_end(request)

    # --- messages -----------------------------------------------------------------

    @workflow.update
    async def schedule_hearing(self, cmd: ScheduleHearing) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.LAWSUIT_HEARING, cmd.actor)
            hearing = Hearing(at=cmd.at, place=cmd.place)
            self._lawsuit.hearings.append(hearing)
            number = len(self._lawsuit.hearings)
            if self._j.summary.stage == LawsuitStage.FILED:
                self._j.move(LawsuitStage.HEARINGS, CaseWait.COURT.value, self._lawsuit.court)
            self._j.arm(
                f"hearing {number}",
                self._policy.hearing_reminder(cmd.at),
                f"reminder: hearing {number} at {self._j.local(cmd.at)}",
                lambda: self._remind_hearing(number, hearing),
            )
            await self._j.record(
                "lawsuit_hearing_scheduled",
                cmd.actor,
                reason=f"hearing {number} at {self._j.local(cmd.at)}, {cmd.place}",
            )
            return self._j.status()

    @schedule_hearing.validator
    def _validate_hearing(self, cmd: ScheduleHearing) -> None:
        self._j.check(ProcessCommand.LAWSUIT_HEARING, cmd.actor)

    @workflow.update
    async def record_judgment(self, cmd: RecordJudgment) -> ProcessStatus:
        async with self._j.turn():
            self._check_judgment(cmd)
            judgment = Judgment(
                **cmd.model_dump(exclude={"actor"}),
                recorded_by=cmd.actor.user_id,
                recorded_at=workflow.now(),
            )
            self._lawsuit.judgments.append(judgment)
            data = {"judgment_ref": cmd.judgment_ref, "status": cmd.status.value}
            notifications = []
            if cmd.status is JudgmentStatus.APPEALED:
                self._j.move(LawsuitStage.APPEALED, CaseWait.COURT.value, self._lawsuit.court)
                reason = f"judgment {cmd.judgment_ref} of {cmd.judged_on} appealed"
            else:
                self._j.summary.effective_judgment_ref = cmd.judgment_ref
                self._j.summary.judgment_orders = cmd.orders_amount
                if cmd.orders_amount:
                    due = self._execution_due(cmd)
                    self._lawsuit.execution_due = due
                    self._j.summary.execution_due = due
                    self._j.move(
                        LawsuitStage.EXECUTION, CaseWait.JUDGMENT_EXECUTION.value, "finance"
                    )
                    self._arm_execution(due)
                    reason = (
                        f"judgment {cmd.judgment_ref} effective: pay CNY {cmd.orders_amount}"
                        f" by {self._j.local(due)}"
                    )
                    data |= {"orders_amount": str(cmd.orders_amount), "due": due.isoformat()}
                    notifications.append(
                        self._j.notice(SENIOR_MANAGEMENT, "effective judgment to carry out", reason)
                    )
                else:
                    reason = f"judgment {cmd.judgment_ref} effective: no payment ordered"
                    self._j.end(reason)
            await self._j.record(
                f"judgment_{cmd.status.value}",
                cmd.actor,
                reason=f"{reason}. {cmd.summary}".strip(". ") if cmd.summary else reason,
                data=data,
                notifications=notifications,
            )
            return self._j.status()

    @record_judgment.validator
    def _validate_judgment(self, cmd: RecordJudgment) -> None:
        self._check_judgment(cmd)

    @workflow.update
    async def record_execution(self, cmd: RecordExecution) -> ProcessStatus:
        async with self._j.turn():
            self._check_execution(cmd)
            self._lawsuit.execution = Execution(
                payment_ref=cmd.payment_ref,
                amount=cmd.amount,
                recorded_by=cmd.actor.user_id,
                recorded_at=workflow.now(),
            )
            reason = (
                f"judgment {self._j.summary.effective_judgment_ref} carried out:"
                f" CNY {cmd.amount} paid ({cmd.payment_ref})"
            )
            self._j.end(reason)
            await self._j.record(
                "judgment_carried_out",
                cmd.actor,
                reason=reason,
                data={"payment_ref": cmd.payment_ref, "amount": str(cmd.amount)},
            )
            return self._j.status()

    @record_execution.validator
    def _validate_execution(self, cmd: RecordExecution) -> None:
        self._check_execution(cmd)

    # --- rules ----------------------------------------------------------------------

    def _check_judgment(self, cmd: RecordJudgment) -> None:
        self._j.check(ProcessCommand.LAWSUIT_JUDGMENT, cmd.actor)
        refuse(judgment_refusal_in_lawsuit(self._lawsuit, cmd))

    def _check_execution(self, cmd: RecordExecution) -> None:
        self._j.check(ProcessCommand.LAWSUIT_EXECUTION, cmd.actor)
        refuse(execution_refusal(self._j.summary, cmd))

    # --- clocks ---------------------------------------------------------------------

    def _execution_due(self, cmd: RecordJudgment):
        """The judgment's own date, else the policy's span from its recording."""
        if cmd.pay_by is not None:
            return self._j.start.calendar.end_of_day(cmd.pay_by)
        return self._policy.execution_within.after(workflow.now(), self._j.start.calendar)

    def _arm_execution(self, due) -> None:
        self._j.arm(
            _EXECUTION_REMINDER,
            self._policy.execution_reminder(due),
            f"reminder: judgment to carry out by {self._j.local(due)}",
            self._remind_execution,
        )
        self._j.arm(
            _EXECUTION_DUE,
            due,
            f"judgment carried out by {self._j.local(due)}",
            self._execution_overdue,
        )

    async def _remind_execution(self) -> None:
        due = self._lawsuit.execution_due
        assert due is not None
        reason = (
            f"judgment {self._j.summary.effective_judgment_ref}: CNY "
            f"{self._j.summary.judgment_orders} to pay by {self._j.local(due)}"
        )
        await self._j.record(
            "judgment_execution_reminder",
            None,
            reason=reason,
            notifications=[self._j.notice("finance", "judgment to carry out", reason)],
        )

    async def _execution_overdue(self) -> None:
        reason = (
            f"judgment {self._j.summary.effective_judgment_ref} not carried out by its deadline"
        )
        await self._j.record(
            "judgment_execution_overdue",
            None,
            reason=reason,
            notifications=[
                self._j.notice(SENIOR_MANAGEMENT, "judgment not carried out", reason),
                self._j.notice("finance", "judgment not carried out", reason),
            ],
        )
        await self._j.escalate_case(reason)

    async def _remind_hearing(self, number: int, hearing: Hearing) -> None:
        await self._j.record(
            "lawsuit_hearing_reminder",
            None,
            reason=f"hearing {number} at {self._j.local(hearing.at)}, {hearing.place}",
            notifications=[
                self._j.notice(
                    self._j.start.policy.legal_documents.designated_department
                    if self._j.start.policy.legal_documents
                    else SENIOR_MANAGEMENT,
                    f"hearing {number}",
                    f"{self._j.local(hearing.at)} at {hearing.place}",
                )
            ],
        )

    # --- the legal hold (000 八.2) ------------------------------------------------------

    async def _place_hold(self, start: LawsuitStart) -> None:
        hold_id = str(workflow.uuid4())
        reason = f"lawsuit {start.court_case_no} at {start.court}: evidence kept until it ends"
        placed = await workflow.execute_activity_method(
            LegalHolds.place_lawsuit_hold,
            PlaceHold(
                case_no=start.case_no,
                hold_id=hold_id,
                reference=start.court_case_no,
                audit=audit_entry(
                    "legal_hold_placed",
                    start.started_by,
                    at=workflow.now(),
                    reason=reason,
                    data={
                        "hold_id": hold_id,
                        "source": "lawsuit",
                        "reference": start.court_case_no,
                    },
                ),
            ),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_HOLD_RETRY,
            summary="place the lawsuit's legal hold",
        )
        self._lawsuit.hold_id = hold_id if placed else None

    async def _lift_hold(self, summary: ProcessSummary) -> None:
        hold_id = self._lawsuit.hold_id
        if hold_id is None:
            return
        await workflow.execute_activity_method(
            LegalHolds.lift_lawsuit_hold,
            LiftHold(
                case_no=self._j.case_no,
                hold_id=hold_id,
                audit=audit_entry(
                    "legal_hold_lifted",
                    None,
                    at=workflow.now(),
                    reason=f"the lawsuit ended: {summary.outcome}",
                    data={"hold_id": hold_id},
                ),
            ),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_HOLD_RETRY,
            summary="lift the lawsuit's legal hold",
        )
        self._lawsuit.hold_lifted = True

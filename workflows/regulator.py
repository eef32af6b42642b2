"""A market regulator's inquiry: a child workflow of its complaint (000 八; DOMAIN 6)."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.legal import SENIOR_MANAGEMENT
    from domain.lifecycle import CaseWait
    from domain.mediation import ApproveWrittenReply, ReplyForm, written_reply_refusal
    from domain.processes import (
        EndProcess,
        ProcessCommand,
        ProcessKind,
        ProcessStatus,
        ProcessSummary,
    )
    from domain.regulator import (
        RecordConclusion,
        RecordRegulatorAnswer,
        RegulatorAnswer,
        RegulatorInquiryStart,
        RegulatorRecord,
        RegulatorStage,
        department_refusal,
    )

from workflows.common import refuse
from workflows.process_journal import ProcessJournal

_ANSWER_DUE = "answer due"


@workflow.defn
class RegulatorInquiryWorkflow:
    """The visitor's identity check and the official letter on record; answers by the
    designated department (a written one only after senior approval) by the policy's
    deadline; ends with the regulator's conclusion."""

    @workflow.init
    def __init__(self, start: RegulatorInquiryStart) -> None:
        assert start.policy.regulator is not None
        self._policy = start.policy.regulator
        self._inquiry = RegulatorRecord(
            regulator=start.regulator,
            official_letter_ref=start.official_letter_ref,
            visitor=start.visitor,
            visitor_identity_checked=start.visitor_identity_checked,
            identity_checked_by=start.started_by.user_id if start.started_by else "system",
            questions=start.questions,
            designated_department=self._policy.designated_department,
            answer_due=self._policy.answer_within.after(start.started_at, start.calendar),
        )
        self._j = ProcessJournal(
            start,
            ProcessKind.REGULATOR,
            stage=RegulatorStage.TO_ANSWER,
            waiting_on=CaseWait.REGULATOR.value,
            who=self._policy.designated_department,
            record_of=lambda: self._inquiry,
        )

    @workflow.run
    async def run(self, start: RegulatorInquiryStart) -> ProcessSummary:
        return await self._j.run(
            "regulator_inquiry_started",
            data={
                "regulator": start.regulator,
                "official_letter_ref": start.official_letter_ref,
                "visitor_identity_checked": start.visitor_identity_checked,
                "department": self._inquiry.designated_department,
            },
            on_started=self._arm_answer,
        )

    @workflow.query
    def get_status(self) -> ProcessStatus:
        return self._j.status()

    @workflow.signal
    def end_process(self, request: EndProcess) -> None:
        self._j.request_end(request)

    # --- messages -----------------------------------------------------------------

    @workflow.update
    async def approve_written_reply(self, cmd: ApproveWrittenReply) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.REGULATOR_WRITTEN_APPROVAL, cmd.actor)
            self._inquiry.written_reply_approved_by = cmd.actor.user_id
            await self._j.record("regulator_written_reply_approved", cmd.actor, reason=cmd.comment)
            return self._j.status()

    @approve_written_reply.validator
    def _validate_approval(self, cmd: ApproveWrittenReply) -> None:
        self._j.check(ProcessCommand.REGULATOR_WRITTEN_APPROVAL, cmd.actor)

    @workflow.update
    async def record_answer(self, cmd: RecordRegulatorAnswer) -> ProcessStatus:
        async with self._j.turn():
            self._check_answer(cmd)
            approved_by = None
            if cmd.form is ReplyForm.WRITTEN:
                # Each approval covers one written reply (as the mediation's).
                approved_by = self._inquiry.written_reply_approved_by
                self._inquiry.written_reply_approved_by = None
            self._inquiry.answers.append(
                RegulatorAnswer(
                    form=cmd.form,
                    content=cmd.content,
                    department=self._inquiry.designated_department,
                    recorded_by=cmd.actor.user_id,
                    recorded_at=workflow.now(),
                    approved_by=approved_by,
                )
            )
            self._j.disarm(_ANSWER_DUE)
            self._j.move(RegulatorStage.ANSWERED, CaseWait.REGULATOR.value, self._inquiry.regulator)
            await self._j.record(
                f"regulator_{cmd.form.value}_answer_given",
                cmd.actor,
                reason=cmd.content,
                data={"department": self._inquiry.designated_department}
                | ({"approved_by": approved_by} if approved_by else {}),
            )
            return self._j.status()

    @record_answer.validator
    def _validate_answer(self, cmd: RecordRegulatorAnswer) -> None:
        self._check_answer(cmd)

    @workflow.update
    async def record_conclusion(self, cmd: RecordConclusion) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.REGULATOR_CONCLUSION, cmd.actor)
            self._inquiry.conclusion = cmd.conclusion
            self._j.end(f"concluded: {cmd.conclusion}")
            await self._j.record("regulator_inquiry_concluded", cmd.actor, reason=cmd.conclusion)
            return self._j.status()

    @record_conclusion.validator
    def _validate_conclusion(self, cmd: RecordConclusion) -> None:
        self._j.check(ProcessCommand.REGULATOR_CONCLUSION, cmd.actor)

    # --- rules ----------------------------------------------------------------------

    def _check_answer(self, cmd: RecordRegulatorAnswer) -> None:
        self._j.check(ProcessCommand.REGULATOR_ANSWER, cmd.actor)
        refuse(department_refusal(self._inquiry, cmd.department))
        refuse(
            written_reply_refusal(
                cmd.form,
                approved_by=self._inquiry.written_reply_approved_by,
                to="the regulator",
            )
        )

    # --- clocks ---------------------------------------------------------------------

    def _arm_answer(self) -> None:
        due = self._inquiry.answer_due
        self._j.arm(
            _ANSWER_DUE, due, f"the regulator answered by {self._j.local(due)}", self._overdue
        )

    async def _overdue(self) -> None:
        reason = (
            f"{self._inquiry.regulator} ({self._inquiry.official_letter_ref}) not answered by"
            f" {self._j.local(self._inquiry.answer_due)}"
        )
        await self._j.record(
            "regulator_answer_overdue",
            None,
            reason=reason,
            notifications=[
                self._j.notice(SENIOR_MANAGEMENT, "regulator not answered", reason),
                self._j.notice(self._inquiry.designated_department, "regulator to answer", reason),
            ],
        )
        await self._j.escalate_case(reason)

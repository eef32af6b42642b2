"""Consumer-association mediation: a child workflow of its complaint (DOMAIN section 6)."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.lifecycle import CaseWait
    from domain.mediation import (
        AppointRepresentative,
        ApproveWrittenReply,
        Extension,
        MediationOutcome,
        MediationRecord,
        MediationResult,
        MediationStage,
        MediationStart,
        RecordExtension,
        RecordMediationOutcome,
        RecordReply,
        Reply,
        ReplyForm,
        ScheduleSession,
        Session,
        non_admission_clause,
        written_reply_refusal,
    )
    from domain.models import RemedyKind, SignedAgreement
    from domain.processes import (
        EndProcess,
        ProcessCommand,
        ProcessKind,
        ProcessStatus,
        ProcessSummary,
    )

from workflows.common import refuse
from workflows.process_journal import ProcessJournal

_END = "agreement deadline"


@workflow.defn
class MediationWorkflow:
    """Started by the association's notice. Sessions with reminders, oral replies (a
    written one only after senior approval), and an end: a settlement on the
    non-admission clause, or a failure, also when no agreement comes in time."""

    @workflow.init
    def __init__(self, start: MediationStart) -> None:
        self._policy = start.policy.mediation
        accepted = start.calendar.end_of_day(start.accepted_on)
        self._mediation = MediationRecord(
            association=start.association,
            notice_ref=start.notice_ref,
            accepted_on=start.accepted_on,
            ends_at=self._policy.agreement_within.after(accepted, start.calendar),
        )
        self._j = ProcessJournal(
            start,
            ProcessKind.MEDIATION,
            stage=MediationStage.IN_MEDIATION,
            waiting_on=CaseWait.CONSUMER_ASSOCIATION.value,
            who=start.association,
            record_of=lambda: self._mediation,
        )

    @workflow.run
    async def run(self, start: MediationStart) -> ProcessSummary:
        return await self._j.run(
            "mediation_started",
            data={"association": start.association, "notice_ref": start.notice_ref},
            on_started=self._arm_end,
        )

    @workflow.query
    def get_status(self) -> ProcessStatus:
        return self._j.status()

    @workflow.signal
    def end_process(self, request: EndProcess) -> None:
        self._j.request_end(request)

    # --- messages -----------------------------------------------------------------

    @workflow.update
    async def appoint_representative(self, cmd: AppointRepresentative) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.MEDIATION_REPRESENTATIVE, cmd.actor)
            self._mediation.representative = cmd.name
            await self._j.record("mediation_representative_appointed", cmd.actor, reason=cmd.name)
            return self._j.status()

    @appoint_representative.validator
    def _validate_representative(self, cmd: AppointRepresentative) -> None:
        self._j.check(ProcessCommand.MEDIATION_REPRESENTATIVE, cmd.actor)

    @workflow.update
    async def schedule_session(self, cmd: ScheduleSession) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.MEDIATION_SESSION, cmd.actor)
            session = Session(at=cmd.at, place=cmd.place)
            self._mediation.sessions.append(session)
            number = len(self._mediation.sessions)
            reminder = self._policy.reminder_for(cmd.at)
            self._j.arm(
                f"session {number}",
                reminder,
                f"reminder: mediation session {number} at {self._j.local(cmd.at)}",
                lambda: self._remind(number, session),
            )
            await self._j.record(
                "mediation_session_scheduled",
                cmd.actor,
                reason=f"session {number} at {self._j.local(cmd.at)}, {cmd.place}",
            )
            return self._j.status()

    @schedule_session.validator
    def _validate_session(self, cmd: ScheduleSession) -> None:
        self._j.check(ProcessCommand.MEDIATION_SESSION, cmd.actor)

    @workflow.update
    async def approve_written_reply(self, cmd: ApproveWrittenReply) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.WRITTEN_REPLY_APPROVAL, cmd.actor)
            self._mediation.written_reply_approved_by = cmd.actor.user_id
            await self._j.record("written_reply_approved", cmd.actor, reason=cmd.comment)
            return self._j.status()

    @approve_written_reply.validator
    def _validate_approval(self, cmd: ApproveWrittenReply) -> None:
        self._j.check(ProcessCommand.WRITTEN_REPLY_APPROVAL, cmd.actor)

    @workflow.update
    async def record_reply(self, cmd: RecordReply) -> ProcessStatus:
        async with self._j.turn():
            self._check_reply(cmd)
            approved_by = None
            if cmd.form is ReplyForm.WRITTEN:
                # Each approval covers one written reply.
                approved_by = self._mediation.written_reply_approved_by
                self._mediation.written_reply_approved_by = None
            self._mediation.replies.append(
                Reply(
                    form=cmd.form,
                    content=cmd.content,
                    recorded_by=cmd.actor.user_id,
                    recorded_at=workflow.now(),
                    approved_by=approved_by,
                )
            )
            await self._j.record(
                f"{cmd.form.value}_reply_given",
                cmd.actor,
                reason=cmd.content,
                data={"approved_by": approved_by} if approved_by else {},
            )
            return self._j.status()

    @record_reply.validator
    def _validate_reply(self, cmd: RecordReply) -> None:
        self._check_reply(cmd)

    @workflow.update
    async def record_extension(self, cmd: RecordExtension) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.MEDIATION_EXTENSION, cmd.actor)
            self._mediation.extensions.append(
                Extension(until=cmd.until, association_ref=cmd.association_ref)
            )
            self._mediation.ends_at = self._j.start.calendar.end_of_day(cmd.until)
            self._arm_end()
            await self._j.record(
                "mediation_extended",
                cmd.actor,
                reason=f"extended by the association to {cmd.until} ({cmd.association_ref})",
            )
            return self._j.status()

    @record_extension.validator
    def _validate_extension(self, cmd: RecordExtension) -> None:
        self._j.check(ProcessCommand.MEDIATION_EXTENSION, cmd.actor)

    @workflow.update
    async def record_outcome(self, cmd: RecordMediationOutcome) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.MEDIATION_OUTCOME, cmd.actor)
            outcome = MediationOutcome.model_validate(cmd.model_dump(exclude={"actor"}))
            self._mediation.outcome = outcome
            agreement = None
            if outcome.result is MediationResult.SETTLED and outcome.amount is not None:
                terms = non_admission_clause(outcome.amount)
                self._mediation.terms = terms
                agreement = SignedAgreement(
                    agreement_ref=outcome.agreement_ref or "",
                    remedy_kind=RemedyKind.GOODWILL_PAYMENT,
                    amount=outcome.amount,
                    recorded_by=cmd.actor.user_id,
                    recorded_at=workflow.now(),
                    terms=terms,
                )
                self._j.summary.settlement_amount = outcome.amount
                self._j.summary.agreement_ref = outcome.agreement_ref
                self._j.end(f"settled: CNY {outcome.amount} as a goodwill gesture")
            else:
                failure = outcome.failure.value if outcome.failure else "failed"
                self._j.end(f"failed: {failure.replace('_', ' ')}")
            await self._j.record(
                f"mediation_{outcome.result.value}",
                cmd.actor,
                reason=self._j.summary.outcome or "",
                data=outcome.model_dump(mode="json", exclude_none=True),
                agreement=agreement,
            )
            return self._j.status()

    @record_outcome.validator
    def _validate_outcome(self, cmd: RecordMediationOutcome) -> None:
        self._j.check(ProcessCommand.MEDIATION_OUTCOME, cmd.actor)

    # --- rules ----------------------------------------------------------------------

    def _check_reply(self, cmd: RecordReply) -> None:
        self._j.check(ProcessCommand.MEDIATION_REPLY, cmd.actor)
        refuse(
            written_reply_refusal(cmd.form, approved_by=self._mediation.written_reply_approved_by)
        )

    # --- clocks ---------------------------------------------------------------------

    def _arm_end(self) -> None:
        ends_at = self._mediation.ends_at
        self._j.arm(
            _END,
            ends_at,
            f"mediation ends without agreement {self._j.local(ends_at)}",
            self._expire,
        )

    async def _expire(self) -> None:
        self._j.end("failed: no agreement within the mediation period")
        await self._j.record(
            "mediation_failed",
            None,
            reason=f"no agreement by {self._j.local(self._mediation.ends_at)}",
        )

    async def _remind(self, number: int, session: Session) -> None:
        who = self._mediation.representative or "customer service"
        await self._j.record(
            "mediation_session_reminder",
            None,
            reason=f"session {number} at {self._j.local(session.at)}, {session.place}",
            notifications=[
                self._j.notice(
                    who,
                    f"mediation session {number}",
                    f"{self._j.local(session.at)} at {session.place}",
                )
            ],
        )

"""The police report: a child workflow of its complaint (DOMAIN section 6)."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.lifecycle import CaseWait
    from domain.police import (
        CctvHandover,
        ForensicAssessment,
        HandOverCctv,
        PoliceReportRecord,
        PoliceReportStart,
        PoliceStage,
        RecordCertificate,
        RecordForensicAssessment,
        RecordPoliceCall,
        RecordPoliceOutcome,
        cctv_refusal,
        outcome_refusal,
    )
    from domain.processes import (
        EndProcess,
        ProcessCommand,
        ProcessKind,
        ProcessStatus,
        ProcessSummary,
    )
    from domain.rules import Refusal, RefusalType

from workflows.common import refuse
from workflows.process_journal import ProcessJournal

_REMINDER = "reminder"


@workflow.defn
class PoliceReportWorkflow:
    """Who called the police, the station, the case-filing certificate (kept with the
    case), forensic assessments, CCTV hand-overs; reminds the handler until the
    certificate and the police outcome are on record."""

    @workflow.init
    def __init__(self, start: PoliceReportStart) -> None:
        self._policy = start.policy.police
        self._report = PoliceReportRecord(incident=start.incident)
        self._j = ProcessJournal(
            start,
            ProcessKind.POLICE,
            stage=PoliceStage.TO_REPORT,
            waiting_on=CaseWait.POLICE_REPORT.value,
            who="service desk",
            record_of=lambda: self._report,
        )

    @workflow.run
    async def run(self, start: PoliceReportStart) -> ProcessSummary:
        return await self._j.run(
            "police_report_started",
            data={"incident": start.incident.value if start.incident else None},
            on_started=self._arm_reminder,
        )

    @workflow.query
    def get_status(self) -> ProcessStatus:
        return self._j.status()

    @workflow.signal
    def end_process(self, request: EndProcess) -> None:
        self._j.request_end(request)

    # --- messages -----------------------------------------------------------------

    @workflow.update
    async def record_police_call(self, cmd: RecordPoliceCall) -> ProcessStatus:
        async with self._j.turn():
            self._check_call(cmd)
            self._report.reported_by = cmd.reported_by
            self._report.reported_at = cmd.reported_at
            self._report.station = cmd.station
            self._j.move(PoliceStage.AWAITING_CERTIFICATE, CaseWait.POLICE.value, cmd.station)
            await self._j.record(
                "police_called",
                cmd.actor,
                reason=f"{cmd.reported_by} called {cmd.station}"
                f" at {self._j.local(cmd.reported_at)}",
                data={"station": cmd.station},
            )
            return self._j.status()

    @record_police_call.validator
    def _validate_call(self, cmd: RecordPoliceCall) -> None:
        self._check_call(cmd)

    @workflow.update
    async def record_certificate(self, cmd: RecordCertificate) -> ProcessStatus:
        async with self._j.turn():
            self._check_reported(ProcessCommand.POLICE_CERTIFICATE, cmd.actor)
            self._report.certificate_no = cmd.certificate_no
            self._j.summary.certificate_no = cmd.certificate_no
            self._j.move(
                PoliceStage.AWAITING_OUTCOME, CaseWait.POLICE.value, self._report.station or ""
            )
            await self._j.record(
                "police_certificate_recorded",
                cmd.actor,
                reason=f"case-filing certificate {cmd.certificate_no}",
                data={"certificate_no": cmd.certificate_no},
            )
            return self._j.status()

    @record_certificate.validator
    def _validate_certificate(self, cmd: RecordCertificate) -> None:
        self._check_reported(ProcessCommand.POLICE_CERTIFICATE, cmd.actor)

    @workflow.update
    async def record_forensic_assessment(self, cmd: RecordForensicAssessment) -> ProcessStatus:
        async with self._j.turn():
            self._check_reported(ProcessCommand.FORENSIC_ASSESSMENT, cmd.actor)
            assessment = ForensicAssessment.model_validate(cmd.model_dump(exclude={"actor"}))
            self._report.forensic_assessments.append(assessment)
            await self._j.record(
                "forensic_assessment_recorded",
                cmd.actor,
                reason=cmd.result or "requested through the police",
            )
            return self._j.status()

    @record_forensic_assessment.validator
    def _validate_forensic(self, cmd: RecordForensicAssessment) -> None:
        self._check_reported(ProcessCommand.FORENSIC_ASSESSMENT, cmd.actor)

    @workflow.update
    async def hand_over_cctv(self, cmd: HandOverCctv) -> ProcessStatus:
        async with self._j.turn():
            self._check_cctv(cmd)
            self._report.cctv_handovers.append(
                CctvHandover(
                    recipient=cmd.recipient,
                    recipient_name=cmd.recipient_name,
                    footage_ref=cmd.footage_ref,
                    evidence_ids=cmd.evidence_ids,
                    handed_over_by=cmd.actor.user_id,
                    handed_over_at=workflow.now(),
                )
            )
            await self._j.record(
                "cctv_handed_over",
                cmd.actor,
                reason=f"footage {cmd.footage_ref} to {cmd.recipient_name}",
                data={
                    "recipient": cmd.recipient.value,
                    "footage_ref": cmd.footage_ref,
                    # Only when some are named: recorded histories keep their inputs.
                    **(
                        {"evidence_ids": [str(i) for i in cmd.evidence_ids]}
                        if cmd.evidence_ids
                        else {}
                    ),
                },
            )
            return self._j.status()

    @hand_over_cctv.validator
    def _validate_cctv(self, cmd: HandOverCctv) -> None:
        self._check_cctv(cmd)

    @workflow.update
    async def record_outcome(self, cmd: RecordPoliceOutcome) -> ProcessStatus:
        async with self._j.turn():
            self._check_reported(ProcessCommand.POLICE_OUTCOME, cmd.actor)
            self._report.outcome = cmd.outcome
            self._j.end(cmd.outcome)
            await self._j.record("police_outcome_recorded", cmd.actor, reason=cmd.outcome)
            return self._j.status()

    @record_outcome.validator
    def _validate_outcome(self, cmd: RecordPoliceOutcome) -> None:
        self._check_reported(ProcessCommand.POLICE_OUTCOME, cmd.actor)
        # Only here, not in the handler: validators do not run on replay, so outcomes
        # accepted before this rule replay as they were.
        refuse(outcome_refusal(self._j.start.category, self._report.certificate_no))

    # --- rules ----------------------------------------------------------------------

    def _check_call(self, cmd: RecordPoliceCall) -> None:
        self._j.check(ProcessCommand.POLICE_REPORT, cmd.actor)
        if self._j.summary.stage != PoliceStage.TO_REPORT:
            refuse(Refusal(RefusalType.STAGE_NOT_ALLOWED, "the police call is already recorded"))

    def _check_reported(self, command: ProcessCommand, actor) -> None:
        self._j.check(command, actor)
        if self._j.summary.stage == PoliceStage.TO_REPORT:
            refuse(
                Refusal(
                    RefusalType.STAGE_NOT_ALLOWED,
                    f"cannot {command.value} before the police call is recorded",
                )
            )

    def _check_cctv(self, cmd: HandOverCctv) -> None:
        self._j.check(ProcessCommand.CCTV_HANDOVER, cmd.actor)
        refuse(cctv_refusal(cmd.recipient))

    # --- reminders ------------------------------------------------------------------

    def _arm_reminder(self) -> None:
        due = self._policy.remind_every.after(workflow.now(), self._j.start.calendar)
        self._j.arm(_REMINDER, due, f"police follow-up reminder {self._j.local(due)}", self._remind)

    async def _remind(self) -> None:
        missing = {
            PoliceStage.TO_REPORT: "the police call",
            PoliceStage.AWAITING_CERTIFICATE: "the case-filing certificate",
            PoliceStage.AWAITING_OUTCOME: "the police outcome",
        }[PoliceStage(self._j.summary.stage)]
        self._report.reminders += 1
        await self._j.record(
            "police_reminder",
            None,
            reason=f"{missing} is not on record",
            notifications=[self._j.notice("handler", f"{missing} missing", f"Record {missing}.")],
        )
        self._arm_reminder()

"""Quality inspection: a child workflow of its complaint (000 四.1; DOMAIN 6; issue 16)."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.lifecycle import CaseWait
    from domain.processes import (
        EndProcess,
        ProcessClocks,
        ProcessCommand,
        ProcessKind,
        ProcessStatus,
        ProcessSummary,
    )
    from domain.quality import (
        ApproveLabTrip,
        LabResult,
        LabTrip,
        QualityRecord,
        QualityStage,
        QualityStart,
        RecordLabResult,
        RecordRuling,
        RequestLabTrip,
        Ruling,
        StartLabTrip,
        lab_trip_refusal,
        ruling_outcome,
        ruling_refusal,
    )

from workflows.common import refuse
from workflows.process_journal import ProcessJournal

_RULING = "ruling deadline"
QUALITY_CONTROL = "quality_control"


@workflow.defn
class QualityInspectionWorkflow:
    """Quality control inspects the product and rules: a defect or not, its cause, the
    batch, the liable department. An internal inspection has a deadline; a joint trip to
    an outside test lab needs senior approval, and the case's clocks stop while the lab
    works; after its report the ruling is due again."""

    @workflow.init
    def __init__(self, start: QualityStart) -> None:
        assert start.policy.quality is not None, "started only under a policy with quality"
        self._policy = start.policy.quality
        self._quality = QualityRecord(
            question=start.question,
            product=start.product,
            ruling_due=self._policy.inspection_within.after(start.started_at, start.calendar),
        )
        self._j = ProcessJournal(
            start,
            ProcessKind.QUALITY,
            stage=QualityStage.INSPECTING,
            waiting_on=CaseWait.QUALITY_CONTROL.value,
            who=QUALITY_CONTROL,
            record_of=lambda: self._quality,
        )

    @workflow.run
    async def run(self, start: QualityStart) -> ProcessSummary:
        return await self._j.run(
            "quality_inspection_started",
            data={"product": start.product.model_dump() if start.product else None},
            on_started=self._arm_ruling,
            notifications=lambda: [
                self._j.notice(
                    role,
                    "a quality ruling is asked for",
                    f"{start.product.label() if start.product else 'The product'}: ruling due"
                    f" {self._j.local(self._quality.ruling_due)}.",
                )
                for role in self._policy.notify
            ],
        )

    @workflow.query
    def get_status(self) -> ProcessStatus:
        return self._j.status()

    @workflow.signal
    def end_process(self, request: EndProcess) -> None:
        self._j.request_end(request)

    # --- the test lab -------------------------------------------------------------

    @workflow.update
    async def request_lab_trip(self, cmd: RequestLabTrip) -> ProcessStatus:
        async with self._j.turn():
            self._check_trip(ProcessCommand.LAB_TRIP_REQUEST, cmd, "request")
            self._quality.lab_trips.append(
                LabTrip(
                    lab=cmd.lab,
                    reason=cmd.reason,
                    requested_by=cmd.actor.user_id,
                    requested_at=workflow.now(),
                )
            )
            self._j.move(
                QualityStage.LAB_TRIP_REQUESTED,
                CaseWait.LAB_TRIP_APPROVAL.value,
                "senior_management",
            )
            await self._j.record(
                "lab_trip_requested",
                cmd.actor,
                reason=f"{cmd.lab}: {cmd.reason}",
                data={"lab": cmd.lab},
                notifications=[
                    self._j.notice(
                        "senior_management",
                        "a joint trip to an outside test lab needs your approval",
                        f"{cmd.lab}: {cmd.reason}",
                    )
                ],
            )
            return self._j.status()

    @request_lab_trip.validator
    def _validate_request(self, cmd: RequestLabTrip) -> None:
        self._check_trip(ProcessCommand.LAB_TRIP_REQUEST, cmd, "request")

    @workflow.update
    async def approve_lab_trip(self, cmd: ApproveLabTrip) -> ProcessStatus:
        async with self._j.turn():
            self._check_trip(ProcessCommand.LAB_TRIP_APPROVAL, cmd, "approve")
            trip = self._quality.lab_trips[-1]
            trip.approved_by = cmd.actor.user_id
            trip.approved_at = workflow.now()
            self._j.move(
                QualityStage.LAB_TRIP_APPROVED, CaseWait.QUALITY_CONTROL.value, QUALITY_CONTROL
            )
            await self._j.record(
                "lab_trip_approved", cmd.actor, reason=cmd.comment, data={"lab": trip.lab}
            )
            return self._j.status()

    @approve_lab_trip.validator
    def _validate_approve(self, cmd: ApproveLabTrip) -> None:
        self._check_trip(ProcessCommand.LAB_TRIP_APPROVAL, cmd, "approve")

    @workflow.update
    async def start_lab_trip(self, cmd: StartLabTrip) -> ProcessStatus:
        async with self._j.turn():
            self._check_trip(ProcessCommand.LAB_TRIP_START, cmd, "start")
            trip = self._quality.lab_trips[-1]
            trip.started_at = workflow.now()
            trip.with_customer = cmd.with_customer
            # The lab's time does not count against the case, nor against the ruling.
            self._j.disarm(_RULING)
            self._j.move(QualityStage.AT_TEST_LAB, CaseWait.TEST_LAB.value, trip.lab)
            await self._j.record(
                "lab_trip_started",
                cmd.actor,
                reason=f"to {trip.lab}" + (" with the customer" if cmd.with_customer else ""),
                data={"lab": trip.lab, "approved_by": trip.approved_by},
            )
            await self._j.ask_case_clocks(
                ProcessClocks(
                    kind=ProcessKind.QUALITY,
                    pause=True,
                    note=f"the outside test lab {trip.lab} is testing the product",
                    event_id=self._event_id("pause"),
                )
            )
            return self._j.status()

    @start_lab_trip.validator
    def _validate_start(self, cmd: StartLabTrip) -> None:
        self._check_trip(ProcessCommand.LAB_TRIP_START, cmd, "start")

    @workflow.update
    async def record_lab_result(self, cmd: RecordLabResult) -> ProcessStatus:
        async with self._j.turn():
            self._check_trip(ProcessCommand.LAB_RESULT, cmd, "result")
            trip = self._quality.lab_trips[-1]
            trip.result = LabResult.model_validate(cmd.model_dump(exclude={"actor"}))
            trip.result_at = workflow.now()
            self._quality.ruling_due = self._policy.ruling_after_lab_within.after(
                workflow.now(), self._j.start.calendar
            )
            self._quality.overdue = False
            self._j.move(QualityStage.RULING, CaseWait.QUALITY_CONTROL.value, QUALITY_CONTROL)
            self._arm_ruling()
            await self._j.record(
                "lab_result_recorded",
                cmd.actor,
                reason=f"{trip.lab} report {cmd.report_ref}: {cmd.verdict.value}",
                data={"lab": trip.lab, "report_ref": cmd.report_ref, "verdict": cmd.verdict.value},
            )
            await self._j.ask_case_clocks(
                ProcessClocks(
                    kind=ProcessKind.QUALITY,
                    pause=False,
                    note=f"report {cmd.report_ref} of {trip.lab} on record",
                    event_id=self._event_id("resume"),
                )
            )
            return self._j.status()

    @record_lab_result.validator
    def _validate_result(self, cmd: RecordLabResult) -> None:
        self._check_trip(ProcessCommand.LAB_RESULT, cmd, "result")

    # --- the ruling ---------------------------------------------------------------

    @workflow.update
    async def record_ruling(self, cmd: RecordRuling) -> ProcessStatus:
        async with self._j.turn():
            ruling = self._check_ruling(cmd)
            product = ruling.product or self._quality.product
            ruling = ruling.model_copy(update={"product": product})
            self._quality.ruling = ruling
            self._quality.ruled_by = cmd.actor.user_id
            self._quality.ruled_at = workflow.now()
            summary = self._j.summary
            summary.defect = ruling.defect
            summary.defect_cause = ruling.cause.value if ruling.cause else None
            summary.liable_department = ruling.liable_department
            summary.product = product
            self._j.end(ruling_outcome(ruling))
            await self._j.record(
                "quality_ruling_recorded",
                cmd.actor,
                reason=summary.outcome or "",
                data=ruling.model_dump(mode="json", exclude={"summary"}, exclude_none=True),
            )
            return self._j.status()

    @record_ruling.validator
    def _validate_ruling(self, cmd: RecordRuling) -> None:
        self._check_ruling(cmd)

    # --- rules ----------------------------------------------------------------------

    def _check_trip(self, command: ProcessCommand, cmd, step: str) -> None:
        self._j.check(command, cmd.actor)
        refuse(lab_trip_refusal(self._quality, step))

    def _check_ruling(self, cmd: RecordRuling) -> Ruling:
        self._j.check(ProcessCommand.QUALITY_RULING, cmd.actor)
        ruling = Ruling.model_validate(cmd.model_dump(exclude={"actor"}))
        refuse(ruling_refusal(self._quality, ruling))
        return ruling

    def _event_id(self, what: str) -> str:
        started = self._j.summary.started_at.isoformat()
        return f"{ProcessKind.QUALITY.value}:{started}:{what}:{len(self._quality.lab_trips)}"

    # --- clocks ---------------------------------------------------------------------

    def _arm_ruling(self) -> None:
        due = self._quality.ruling_due
        self._j.arm(_RULING, due, f"quality ruling due {self._j.local(due)}", self._overdue)

    async def _overdue(self) -> None:
        """The ruling is late: quality control is told, and the case escalates."""
        self._quality.overdue = True
        due = self._j.local(self._quality.ruling_due)
        await self._j.record(
            "quality_ruling_overdue",
            None,
            reason=f"no ruling by {due}",
            notifications=[
                self._j.notice(role, "the quality ruling is overdue", f"It was due {due}.")
                for role in self._policy.notify
            ],
        )
        await self._j.escalate_case(f"quality control has not ruled by {due}")

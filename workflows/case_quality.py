"""Quality inspection and supplier claim as the case sees them, part of ComplaintWorkflow
(issue 16; 000 四.1, 四.17; DOMAIN 6 "Others"): starting each, the case's clocks stopped
while an outside test lab works, and quality control's ruling settling which department
is liable (004). The processes themselves run as child workflows (workflows/quality.py,
workflows/supplier.py). New handlers and new kinds of child only: no recorded history
holds them, so they need no patch."""

from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.clocks import Pause, PauseReason
    from domain.lifecycle import Stage
    from domain.models import CommandResult, SupplierRecovery
    from domain.processes import (
        LABELS,
        PROCESS_CLOCKS_SIGNAL,
        ProcessClocks,
        ProcessKind,
        ProcessSummary,
        StartQualityInspection,
        StartSupplierClaim,
        supplier_claim_refusal,
    )
    from domain.quality import QualityStart
    from domain.supplier import SupplierStart, recovery_rate

from workflows.case_continuation import applied_once, unless_applied
from workflows.common import refuse


class CaseQuality:
    """Mixed into ComplaintWorkflow, whose state, recording and children it uses."""

    # --- starting ---------------------------------------------------------------------

    @workflow.update
    @applied_once
    async def start_quality_inspection(self, cmd: StartQualityInspection) -> CommandResult:
        async with self._turn():
            self._check_start(ProcessKind.QUALITY, cmd.actor)
            start = QualityStart(
                **self._process_start(cmd.actor, cmd.question),
                question=cmd.question,
                product=cmd.product or self._start.intake.product,
            )
            await self._open_process(ProcessKind.QUALITY, start)
            return self._result("quality inspection opened")

    @start_quality_inspection.validator
    @unless_applied
    def _validate_quality(self, cmd: StartQualityInspection) -> None:
        self._check_start(ProcessKind.QUALITY, cmd.actor)

    @workflow.update
    @applied_once
    async def start_supplier_claim(self, cmd: StartSupplierClaim) -> CommandResult:
        async with self._turn():
            self._check_supplier_start(cmd)
            quality = self._processes.get(ProcessKind.QUALITY)
            ruled = quality.product if quality is not None and quality.defect else None
            start = SupplierStart(
                **self._process_start(cmd.actor, cmd.reason),
                supplier=cmd.supplier,
                product=cmd.product or ruled or self._start.intake.product,
                defect=(quality.outcome or "") if ruled is not None else "",
            )
            await self._open_process(ProcessKind.SUPPLIER, start)
            return self._result("supplier claim opened")

    @start_supplier_claim.validator
    @unless_applied
    def _validate_supplier(self, cmd: StartSupplierClaim) -> None:
        self._check_supplier_start(cmd)

    def _check_supplier_start(self, cmd: StartSupplierClaim) -> None:
        self._check_start(ProcessKind.SUPPLIER, cmd.actor)
        refuse(supplier_claim_refusal(self._processes.get(ProcessKind.QUALITY)))

    # --- the case's clocks while an outside test lab works -----------------------------

    @workflow.signal(name=PROCESS_CLOCKS_SIGNAL)
    async def process_clocks(self, request: ProcessClocks) -> None:
        """A child stops or restarts the case's clocks; sent twice, acted on once."""
        async with self._turn():
            if request.event_id in self._signals_seen:
                return
            self._signals_seen.add(request.event_id)
            if self._stage is Stage.CLOSED:
                return
            if request.pause:
                await self._pause_for_process(request.kind, request.note)
            else:
                await self._resume_for_process(request.kind, request.note)

    async def _pause_for_process(self, kind: ProcessKind, note: str) -> None:
        if self._paused_clocks():
            return  # paused already (the customer, an appraisal): that pause stands
        paused = []
        for deadline in self._running_clocks():
            if self._clock_rule_pausable(deadline):
                deadline.pauses.append(
                    Pause(reason=PauseReason.INSPECTION, since=workflow.now(), note=note)
                )
                deadline.paused = True
                self._disarm(deadline.name)
                paused.append(deadline.name.value)
        if not paused:
            return
        self._paused_for = PauseReason.INSPECTION
        await self._record(
            "clocks_paused",
            None,
            reason=note,
            data={
                "waiting_on": PauseReason.INSPECTION.value,
                "clocks": paused,
                "process": kind.value,
            },
        )

    async def _resume_for_process(self, kind: ProcessKind, note: str) -> None:
        """Only the test lab's pause: one the desk made for the customer stands."""
        if self._paused_for is not PauseReason.INSPECTION or not self._paused_clocks():
            return
        resumed = {}
        for deadline in self._paused_clocks():
            self._close_pause(deadline)
            self._push_back(deadline)
            resumed[deadline.name.value] = self._local(deadline.due_at)
        self._paused_for = None
        await self._record(
            "clocks_resumed", None, reason=note, data={"due": resumed, "process": kind.value}
        )

    # --- the ruling, as the case takes it -----------------------------------------------

    async def _quality_ended(self, summary: ProcessSummary) -> None:
        """Called by the case when its inspection ends: clocks its lab stopped restart
        (a withdrawn inspection too), and the ruling's liable department takes the case."""
        label = LABELS[ProcessKind.QUALITY]
        await self._resume_for_process(ProcessKind.QUALITY, f"the {label} ended")
        department = summary.liable_department
        routing = self._policy.routing
        if (
            department is None
            or routing is None
            or department not in routing.departments
            or department == self._department
            or self._stage is Stage.CLOSED
        ):
            return
        moved_from = self._department
        self._department = department
        people = routing.for_store(self._start.intake.store).people_of(department)
        recipient = f"user:{people.responsible}" if people.responsible else department
        await self._record(
            "liability_settled_by_quality",
            None,
            reason=f"quality control's ruling: {summary.outcome}",
            data={"department": department, "moved_from": moved_from},
            notifications=[
                self._notice(
                    recipient,
                    f"Case {self._case_no}: liable by quality control's ruling",
                    f"{summary.outcome}; from {moved_from or '-'}",
                )
            ],
        )

    # --- paid and recovered ---------------------------------------------------------------

    def _recovery(self) -> SupplierRecovery | None:
        """Only for a case with a supplier claim: what finance was asked to pay the
        customer, and what every claim against the supplier recovered."""
        claims = [p for p in self._process_runs() if p.kind is ProcessKind.SUPPLIER]
        if not claims:
            return None
        paid = sum(
            (p.amount for p in self._proposals if p.payment_request is not None), Decimal("0")
        )
        recovered = sum((c.recovered_amount or Decimal("0") for c in claims), Decimal("0"))
        return SupplierRecovery(
            paid_to_customer=paid,
            recovered_from_supplier=recovered,
            rate=recovery_rate(paid, recovered),
        )

"""The insurance claim: a child workflow of its complaint (DOMAIN section 6)."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.insurance import (
        DocumentReceipt,
        GrantAdvanceException,
        InsuranceClaimRecord,
        InsuranceClaimStart,
        InsuranceStage,
        InsurerOpinion,
        OpinionDecision,
        RecordDocuments,
        RecordInsurerOpinion,
        ReportToInsurer,
    )
    from domain.lifecycle import CaseWait
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

_REPORT = "report"
_CHASE = "chase"


@workflow.defn
class InsuranceClaimWorkflow:
    """Report to the insurer, collect the original documents, chase the insurer's
    written opinion, and tell the case what it may advance and what the insurer pays."""

    @workflow.init
    def __init__(self, start: InsuranceClaimStart) -> None:
        self._policy = start.policy.insurance
        self._claim = InsuranceClaimRecord(insurer=start.insurer)
        self._j = ProcessJournal(
            start,
            ProcessKind.INSURANCE,
            stage=InsuranceStage.TO_REPORT,
            waiting_on=CaseWait.INSURER_REPORT.value,
            who="handler",
            record_of=lambda: self._claim,
        )
        self._refresh()

    @workflow.run
    async def run(self, start: InsuranceClaimStart) -> ProcessSummary:
        return await self._j.run(
            "insurance_claim_started",
            data={"insurer": start.insurer},
            on_started=self._arm_report_deadline,
        )

    @workflow.query
    def get_status(self) -> ProcessStatus:
        return self._j.status()

    @workflow.signal
    def end_process(self, request: EndProcess) -> None:
        self._j.request_end(request)

    # --- messages -----------------------------------------------------------------

    @workflow.update
    async def report_to_insurer(self, cmd: ReportToInsurer) -> ProcessStatus:
        async with self._j.turn():
            self._check_report(cmd)
            reported_at = cmd.reported_at or workflow.now()
            self._claim.insurer = cmd.insurer
            self._claim.claim_ref = cmd.claim_ref
            self._claim.reported_by = cmd.actor.user_id
            self._claim.reported_at = reported_at
            self._j.disarm(_REPORT)
            self._await_opinion(since=reported_at)
            await self._j.record(
                "insurer_reported",
                cmd.actor,
                reason=f"reported to {cmd.insurer}, claim {cmd.claim_ref}",
                data={"insurer": cmd.insurer, "claim_ref": cmd.claim_ref},
            )
            return self._j.status()

    @report_to_insurer.validator
    def _validate_report(self, cmd: ReportToInsurer) -> None:
        self._check_report(cmd)

    @workflow.update
    async def record_documents(self, cmd: RecordDocuments) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.INSURANCE_DOCUMENTS, cmd.actor)
            for kind in cmd.documents:
                self._claim.documents.append(
                    DocumentReceipt(
                        kind=kind,
                        original=cmd.originals,
                        received_at=workflow.now(),
                        recorded_by=cmd.actor.user_id,
                        evidence_ids=cmd.evidence_ids,
                    )
                )
            stage = self._j.summary.stage
            if (
                stage == InsuranceStage.DOCUMENTS_REQUESTED
                and not self._claim.outstanding_requests()
            ):
                self._await_opinion(since=workflow.now())
            self._refresh()
            await self._j.record(
                "claim_documents_received",
                cmd.actor,
                reason=cmd.note or "",
                data={
                    "documents": [kind.value for kind in cmd.documents],
                    "originals": cmd.originals,
                    "missing_originals": self._j.summary.missing_originals,
                    # Only when some are named: recorded histories keep their inputs.
                    **(
                        {"evidence_ids": [str(i) for i in cmd.evidence_ids]}
                        if cmd.evidence_ids
                        else {}
                    ),
                },
            )
            return self._j.status()

    @record_documents.validator
    def _validate_documents(self, cmd: RecordDocuments) -> None:
        self._j.check(ProcessCommand.INSURANCE_DOCUMENTS, cmd.actor)

    @workflow.update
    async def record_opinion(self, cmd: RecordInsurerOpinion) -> ProcessStatus:
        async with self._j.turn():
            self._check_opinion(cmd)
            opinion = cmd.model_dump(mode="json", exclude={"actor"})
            self._claim.opinion = InsurerOpinion.model_validate(opinion)
            self._claim.opinion_at = workflow.now()
            self._j.disarm(_CHASE)
            if cmd.decision is OpinionDecision.NEEDS_DOCUMENTS:
                self._claim.documents_requested = list(cmd.documents_needed)
                self._j.move(
                    InsuranceStage.DOCUMENTS_REQUESTED,
                    CaseWait.CUSTOMER_DOCUMENTS.value,
                    "customer",
                )
                reason = "the insurer needs " + ", ".join(d.value for d in cmd.documents_needed)
            elif cmd.decision is OpinionDecision.PAYS:
                self._j.end(f"insurer pays CNY {sum(cmd.amounts.values())}")
                reason = self._j.summary.outcome or ""
            else:
                self._j.end(f"insurer refuses: {cmd.reason}")
                reason = cmd.reason or ""
            self._refresh()
            await self._j.record(
                "insurer_opinion_recorded",
                cmd.actor,
                reason=reason,
                data={key: value for key, value in opinion.items() if value},
            )
            return self._j.status()

    @record_opinion.validator
    def _validate_opinion(self, cmd: RecordInsurerOpinion) -> None:
        self._check_opinion(cmd)

    @workflow.update
    async def grant_advance_exception(self, cmd: GrantAdvanceException) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.ADVANCE_EXCEPTION, cmd.actor)
            self._claim.advance_exception_by = cmd.actor.user_id
            self._claim.advance_exception_reason = cmd.reason
            self._refresh()
            await self._j.record("advance_exception_granted", cmd.actor, reason=cmd.reason)
            return self._j.status()

    @grant_advance_exception.validator
    def _validate_exception(self, cmd: GrantAdvanceException) -> None:
        self._j.check(ProcessCommand.ADVANCE_EXCEPTION, cmd.actor)

    # --- rules ----------------------------------------------------------------------

    def _check_report(self, cmd: ReportToInsurer) -> None:
        self._j.check(ProcessCommand.INSURANCE_REPORT, cmd.actor)
        if self._j.summary.stage != InsuranceStage.TO_REPORT:
            refuse(Refusal(RefusalType.STAGE_NOT_ALLOWED, "the claim is already reported"))

    def _check_opinion(self, cmd: RecordInsurerOpinion) -> None:
        self._j.check(ProcessCommand.INSURANCE_OPINION, cmd.actor)
        if self._j.summary.stage == InsuranceStage.TO_REPORT:
            refuse(
                Refusal(
                    RefusalType.STAGE_NOT_ALLOWED,
                    "the insurer has no claim to give an opinion on: report it first",
                )
            )

    def _refresh(self) -> None:
        """The facts the case's rules read (DOMAIN section 6)."""
        summary = self._j.summary
        summary.missing_originals = [kind.value for kind in self._claim.missing_originals()]
        opinion = self._claim.opinion
        if self._claim.advance_exception_by:
            summary.advance_cleared_by = self._claim.advance_exception_by
        elif opinion is not None and opinion.advance_without_originals:
            summary.advance_cleared_by = "insurer"
        if opinion is not None and opinion.decision is OpinionDecision.PAYS:
            summary.insurer_confirmed = {
                head.value: amount for head, amount in opinion.amounts.items()
            }

    # --- clocks ---------------------------------------------------------------------

    def _arm_report_deadline(self) -> None:
        due = self._policy.report_within.after(self._j.start.started_at, self._j.start.calendar)
        self._j.arm(
            _REPORT,
            due,
            f"report to the insurer due {self._j.local(due)}",
            self._report_overdue,
        )

    async def _report_overdue(self) -> None:
        await self._j.record(
            "insurer_report_overdue",
            None,
            reason="the claim has not been reported to the insurer",
            notifications=[
                self._j.notice("handler", "report to the insurer overdue", "Report the claim now.")
            ],
        )

    def _await_opinion(self, *, since) -> None:
        self._j.move(
            InsuranceStage.AWAITING_OPINION,
            CaseWait.INSURER.value,
            self._claim.insurer or "insurer",
        )
        due = self._policy.opinion_within.after(since, self._j.start.calendar)
        self._arm_chase(due)

    def _arm_chase(self, due) -> None:
        self._j.arm(
            _CHASE,
            due,
            f"insurer's written opinion due {self._j.local(due)} (chase {self._claim.chases + 1})",
            self._chase,
        )

    async def _chase(self) -> None:
        """The insurer is late: chase it, and after the policy's chases, escalate the case."""
        self._claim.chases += 1
        chases = self._claim.chases
        await self._j.record(
            "insurer_chased",
            None,
            reason=f"chase {chases}: no written opinion from {self._claim.insurer}",
            data={"chase": chases, "claim_ref": self._claim.claim_ref},
            notifications=[
                self._j.notice(
                    "insurance",
                    f"chase the insurer (chase {chases})",
                    f"Ask {self._claim.insurer} for its written opinion on claim "
                    f"{self._claim.claim_ref}.",
                )
            ],
        )
        if chases == self._policy.chases_before_escalation:
            await self._j.escalate_case(
                f"the insurer has not answered after {chases} chases"
                f" (claim {self._claim.claim_ref})"
            )
        self._arm_chase(self._policy.chase_every.after(workflow.now(), self._j.start.calendar))

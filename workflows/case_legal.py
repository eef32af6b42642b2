"""Legal documents, a lawsuit and a regulator's inquiry, as the case starts them, and the
lawsuit's effective judgment as the one a payment may name (issue 16; 000 八, 九;
DOMAIN 6), part of ComplaintWorkflow. The child workflows are workflows/legal_documents.py,
workflows/lawsuit.py and workflows/regulator.py."""

from decimal import Decimal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.legal import (
        LawsuitStart,
        LegalDocumentsStart,
        StartLawsuit,
        StartLegalDocuments,
        judgment_refusal,
    )
    from domain.models import CommandResult
    from domain.processes import ProcessKind
    from domain.regulator import RegulatorInquiryStart, StartRegulatorInquiry

from workflows import patches
from workflows.case_continuation import applied_once, unless_applied
from workflows.common import refuse


class CaseLegal:
    """Mixed into ComplaintWorkflow, whose sub-process machinery it uses."""

    @workflow.update
    @applied_once
    async def start_legal_documents(self, cmd: StartLegalDocuments) -> CommandResult:
        async with self._turn():
            self._check_start(ProcessKind.LEGAL_DOCUMENTS, cmd.actor)
            start = LegalDocumentsStart(**self._process_start(cmd.actor, cmd.reason))
            await self._open_process(ProcessKind.LEGAL_DOCUMENTS, start)
            return self._result("legal documents opened")

    @start_legal_documents.validator
    @unless_applied
    def _validate_legal_documents(self, cmd: StartLegalDocuments) -> None:
        self._check_start(ProcessKind.LEGAL_DOCUMENTS, cmd.actor)

    @workflow.update
    @applied_once
    async def start_lawsuit(self, cmd: StartLawsuit) -> CommandResult:
        async with self._turn():
            self._check_start(ProcessKind.LAWSUIT, cmd.actor)
            reason = f"lawsuit {cmd.court_case_no} at {cmd.court}: {cmd.claim}"
            start = LawsuitStart(
                **self._process_start(cmd.actor, reason),
                court=cmd.court,
                court_case_no=cmd.court_case_no,
                filed_on=cmd.filed_on,
                claimed_amount=cmd.claimed_amount,
            )
            await self._open_process(ProcessKind.LAWSUIT, start)
            return self._result("lawsuit opened")

    @start_lawsuit.validator
    @unless_applied
    def _validate_lawsuit(self, cmd: StartLawsuit) -> None:
        self._check_start(ProcessKind.LAWSUIT, cmd.actor)

    @workflow.update
    @applied_once
    async def start_regulator_inquiry(self, cmd: StartRegulatorInquiry) -> CommandResult:
        async with self._turn():
            self._check_start(ProcessKind.REGULATOR, cmd.actor)
            checked = "identity checked" if cmd.visitor_identity_checked else "identity NOT checked"
            reason = f"{cmd.regulator}, letter {cmd.official_letter_ref}; visitor {checked}"
            start = RegulatorInquiryStart(
                **self._process_start(cmd.actor, reason),
                regulator=cmd.regulator,
                official_letter_ref=cmd.official_letter_ref,
                visitor=cmd.visitor,
                visitor_identity_checked=cmd.visitor_identity_checked,
                questions=cmd.questions,
            )
            await self._open_process(ProcessKind.REGULATOR, start)
            return self._result("regulator's inquiry opened")

    @start_regulator_inquiry.validator
    @unless_applied
    def _validate_regulator(self, cmd: StartRegulatorInquiry) -> None:
        self._check_start(ProcessKind.REGULATOR, cmd.actor)

    # --- the court judgment a payment names ---------------------------------------------

    def _judgment_refusal(self, court_judgment_ref: str | None, amount: Decimal):
        runs = [*self._earlier_processes, *self._processes.values()]
        return judgment_refusal(court_judgment_ref, amount, runs)

    def _validate_judgment(self, court_judgment_ref: str | None, amount: Decimal) -> None:
        """In a validator: validators do not run on replay, so this needs no patch."""
        refuse(self._judgment_refusal(court_judgment_ref, amount))

    def _check_judgment(self, court_judgment_ref: str | None, amount: Decimal) -> None:
        """In a handler: only where a judgment is named, and only in runs that have the
        patch, so histories recorded before it (a free-text reference) replay as they ran."""
        if court_judgment_ref and patches.applies(patches.LEGAL_JUDGMENT_GATE):
            refuse(self._judgment_refusal(court_judgment_ref, amount))

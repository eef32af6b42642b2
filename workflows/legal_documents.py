"""Legal documents served over a case: a child workflow of its complaint (000 九)."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.legal import (
        OFFICIAL_ISSUERS,
        SENIOR_MANAGEMENT,
        AnswerLawyerLetter,
        Check,
        InformSenior,
        LegalDocument,
        LegalDocumentKind,
        LegalDocumentsRecord,
        LegalDocumentsStage,
        LegalDocumentsStart,
        LegalDocumentState,
        ReceiveLawyerLetter,
        ReceiveOfficialPapers,
        SignPapers,
        all_settled,
        answer_refusal,
        failed_checks,
        missing_enclosures,
        senior_refusal,
        sign_refusal,
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


@workflow.defn
class LegalDocumentsWorkflow:
    """Every legal document served over the case, each with its record of who did what
    when; ends when each is settled (a letter answered, papers signed for or refused)."""

    @workflow.init
    def __init__(self, start: LegalDocumentsStart) -> None:
        assert start.policy.legal_documents is not None
        self._policy = start.policy.legal_documents
        self._record = LegalDocumentsRecord(department=self._policy.designated_department)
        self._j = ProcessJournal(
            start,
            ProcessKind.LEGAL_DOCUMENTS,
            stage=LegalDocumentsStage.OPEN,
            waiting_on=CaseWait.LEGAL_DOCUMENTS.value,
            who="service desk",
            record_of=lambda: self._record,
        )

    @workflow.run
    async def run(self, start: LegalDocumentsStart) -> ProcessSummary:
        return await self._j.run(
            "legal_documents_started",
            data={"department": self._record.department},
            on_started=lambda: None,
        )

    @workflow.query
    def get_status(self) -> ProcessStatus:
        return self._j.status()

    @workflow.signal
    def end_process(self, request: EndProcess) -> None:
        self._j.request_end(request)

    # --- a lawyer's letter (000 九.1) -----------------------------------------------

    @workflow.update
    async def receive_lawyer_letter(self, cmd: ReceiveLawyerLetter) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.LAWYER_LETTER, cmd.actor)
            now = workflow.now()
            number = len(self._record.documents) + 1
            document = LegalDocument(
                number=number,
                kind=LegalDocumentKind.LAWYER_LETTER,
                state=(
                    LegalDocumentState.RECEIVED_UNSIGNED
                    if cmd.left
                    else LegalDocumentState.NOT_LEFT
                ),
                received_by=cmd.actor.user_id,
                received_at=now,
                sender=cmd.sender,
                summary=cmd.summary,
            )
            self._record.documents.append(document)
            if not cmd.left:
                self._end_when_settled()
                await self._j.record(
                    "lawyer_letter_not_signed",
                    cmd.actor,
                    reason=f"letter {number} from {cmd.sender}: not signed for, not left",
                )
                return self._j.status()
            document.department = self._record.department
            document.answer_due = self._policy.answer_within.after(now, self._j.start.calendar)
            self._arm_answer(document)
            self._waiting()
            await self._j.record(
                "lawyer_letter_received_unsigned",
                cmd.actor,
                reason=(
                    f"letter {number} from {cmd.sender} left at the desk, not signed for;"
                    f" {document.department} answers by {self._j.local(document.answer_due)}"
                ),
                data={"number": number, "department": document.department},
                notifications=[
                    # At once (000 九.1): senior management, and the department that answers.
                    self._j.notice(
                        SENIOR_MANAGEMENT,
                        f"lawyer's letter {number} received unsigned",
                        f"From {cmd.sender}, left at the desk by the bearer and not signed for;"
                        f" {document.department} answers by {self._j.local(document.answer_due)}.",
                    ),
                    self._j.notice(
                        document.department,
                        f"lawyer's letter {number} to answer",
                        f"From {cmd.sender}; answer by {self._j.local(document.answer_due)}.",
                    ),
                ],
            )
            return self._j.status()

    @receive_lawyer_letter.validator
    def _validate_letter(self, cmd: ReceiveLawyerLetter) -> None:
        self._j.check(ProcessCommand.LAWYER_LETTER, cmd.actor)

    @workflow.update
    async def answer_lawyer_letter(self, cmd: AnswerLawyerLetter) -> ProcessStatus:
        async with self._j.turn():
            self._check_answer(cmd)
            document = self._record.documents[cmd.number - 1]
            document.state = LegalDocumentState.ANSWERED
            document.answer_ref = cmd.answer_ref
            document.answered_by = cmd.actor.user_id
            document.answered_at = workflow.now()
            self._j.disarm(self._answer_timer(cmd.number))
            self._waiting()
            self._end_when_settled()
            await self._j.record(
                "lawyer_letter_answered",
                cmd.actor,
                reason=f"letter {cmd.number} answered ({cmd.answer_ref}): {cmd.summary}",
                data={"number": cmd.number, "answer_ref": cmd.answer_ref},
            )
            return self._j.status()

    @answer_lawyer_letter.validator
    def _validate_answer(self, cmd: AnswerLawyerLetter) -> None:
        self._check_answer(cmd)

    # --- papers of a court, procuratorate or the police (000 九.3) -----------------------

    @workflow.update
    async def receive_official_papers(self, cmd: ReceiveOfficialPapers) -> ProcessStatus:
        async with self._j.turn():
            self._check_papers(cmd)
            now = workflow.now()
            number = len(self._record.documents) + 1
            who = cmd.actor.user_id
            document = LegalDocument(
                number=number,
                kind=cmd.issuer,
                state=LegalDocumentState.AWAITING_SENIOR,
                received_by=who,
                received_at=now,
                title=cmd.title,
                reference=cmd.reference,
                bearer=cmd.bearer,
                department=self._record.department,
                checks=[
                    Check(
                        name="company_name_matches", passed=cmd.company_name_matches, by=who, at=now
                    ),
                    Check(
                        name="bearer_identity_checked",
                        passed=cmd.bearer_identity_checked,
                        by=who,
                        at=now,
                    ),
                ],
                enclosures_listed=list(cmd.enclosures_listed),
            )
            failed = failed_checks(document)
            if failed:
                document.state = LegalDocumentState.REFUSED
            self._record.documents.append(document)
            self._waiting()
            checks = {check.name: check.passed for check in document.checks}
            if failed:
                self._end_when_settled()
                await self._j.record(
                    "official_papers_refused",
                    cmd.actor,
                    reason=f"papers {number} ({cmd.issuer.value}: {cmd.title}) not signed for:"
                    f" {', '.join(failed)} failed",
                    data={"number": number, "checks": checks},
                )
                return self._j.status()
            await self._j.record(
                "official_papers_checked",
                cmd.actor,
                reason=f"papers {number} ({cmd.issuer.value}: {cmd.title}) checked; "
                "senior management to be told before signing",
                data={"number": number, "checks": checks, "issuer": cmd.issuer.value},
            )
            return self._j.status()

    @receive_official_papers.validator
    def _validate_papers(self, cmd: ReceiveOfficialPapers) -> None:
        self._check_papers(cmd)

    @workflow.update
    async def inform_senior(self, cmd: InformSenior) -> ProcessStatus:
        async with self._j.turn():
            self._check_senior(cmd)
            document = self._record.documents[cmd.number - 1]
            document.state = LegalDocumentState.SENIOR_INFORMED
            document.senior_informed = cmd.informed
            document.senior_informed_by = cmd.actor.user_id
            document.senior_informed_at = workflow.now()
            self._waiting()
            await self._j.record(
                "senior_management_informed",
                cmd.actor,
                reason=f"papers {cmd.number}: {cmd.informed}",
                data={"number": cmd.number},
                notifications=[
                    self._j.notice(
                        SENIOR_MANAGEMENT,
                        f"papers {cmd.number} served",
                        f"{document.kind.value}: {document.title} ({document.reference});"
                        f" {document.department} receives them.",
                    )
                ],
            )
            return self._j.status()

    @inform_senior.validator
    def _validate_senior(self, cmd: InformSenior) -> None:
        self._check_senior(cmd)

    @workflow.update
    async def sign_papers(self, cmd: SignPapers) -> ProcessStatus:
        async with self._j.turn():
            self._check_sign(cmd)
            document = self._record.documents[cmd.number - 1]
            missing = missing_enclosures(document.enclosures_listed, cmd.enclosures_received)
            document.state = LegalDocumentState.SIGNED
            document.signed_by = cmd.signed_by
            document.signed_at = workflow.now()
            document.enclosures_received = list(cmd.enclosures_received)
            document.enclosures_missing = missing
            reason = f"papers {cmd.number} signed for, originals, by {cmd.signed_by}"
            if missing:
                reason += f"; enclosures missing: {', '.join(missing)}"
            if document.kind is LegalDocumentKind.COURT and not cmd.enclosures_received:
                # 000 九.3: no evidence enclosed, the judge is asked whether any comes.
                reason += (
                    "; no evidence enclosed: ask the judge what evidence the other side submits"
                )
            self._waiting()
            self._end_when_settled()
            await self._j.record(
                "official_papers_signed",
                cmd.actor,
                reason=reason,
                data={"number": cmd.number, "missing": missing, "signed_by": cmd.signed_by},
                notifications=[
                    self._j.notice(
                        document.department,
                        f"papers {cmd.number} signed for",
                        f"{document.title} ({document.reference}) passed to {document.department}"
                        + (f"; missing: {', '.join(missing)}" if missing else ""),
                    )
                ],
            )
            return self._j.status()

    @sign_papers.validator
    def _validate_sign(self, cmd: SignPapers) -> None:
        self._check_sign(cmd)

    # --- rules ----------------------------------------------------------------------

    def _check_answer(self, cmd: AnswerLawyerLetter) -> None:
        self._j.check(ProcessCommand.ANSWER_LAWYER_LETTER, cmd.actor)
        refuse(answer_refusal(self._record, cmd.number))

    def _check_papers(self, cmd: ReceiveOfficialPapers) -> None:
        self._j.check(ProcessCommand.OFFICIAL_PAPERS, cmd.actor)
        if cmd.issuer not in OFFICIAL_ISSUERS:
            refuse(
                Refusal(
                    RefusalType.CONDITION_NOT_MET,
                    "issuer: a lawyer's letter is recorded as one, never as papers to sign",
                )
            )

    def _check_senior(self, cmd: InformSenior) -> None:
        self._j.check(ProcessCommand.SENIOR_INFORMED, cmd.actor)
        refuse(senior_refusal(self._record, cmd.number))

    def _check_sign(self, cmd: SignPapers) -> None:
        self._j.check(ProcessCommand.SIGN_PAPERS, cmd.actor)
        refuse(sign_refusal(self._record, cmd))

    # --- state ----------------------------------------------------------------------

    def _waiting(self) -> None:
        """Senior management while papers wait for them; the department while a letter
        waits for its answer; else the desk."""
        states = {d.state for d in self._record.documents}
        if LegalDocumentState.AWAITING_SENIOR in states:
            self._j.move(
                LegalDocumentsStage.OPEN, CaseWait.LEGAL_DOCUMENTS.value, SENIOR_MANAGEMENT
            )
        elif states & {LegalDocumentState.RECEIVED_UNSIGNED, LegalDocumentState.SENIOR_INFORMED}:
            self._j.move(
                LegalDocumentsStage.OPEN, CaseWait.LEGAL_DOCUMENTS.value, self._record.department
            )
        else:
            self._j.move(LegalDocumentsStage.OPEN, CaseWait.LEGAL_DOCUMENTS.value, "service desk")

    def _end_when_settled(self) -> None:
        if all_settled(self._record):
            count = len(self._record.documents)
            self._j.end(f"{count} legal document{'s' if count > 1 else ''} settled")

    # --- clocks ---------------------------------------------------------------------

    @staticmethod
    def _answer_timer(number: int) -> str:
        return f"answer letter {number}"

    def _arm_answer(self, document: LegalDocument) -> None:
        assert document.answer_due is not None
        self._j.arm(
            self._answer_timer(document.number),
            document.answer_due,
            f"lawyer's letter {document.number} answered by {self._j.local(document.answer_due)}",
            lambda: self._answer_overdue(document.number),
        )

    async def _answer_overdue(self, number: int) -> None:
        document = self._record.documents[number - 1]
        reason = f"lawyer's letter {number} from {document.sender} is not answered in time"
        await self._j.record(
            "lawyer_letter_answer_overdue",
            None,
            reason=reason,
            data={"number": number},
            notifications=[
                self._j.notice(SENIOR_MANAGEMENT, f"lawyer's letter {number} overdue", reason),
                self._j.notice(document.department, f"lawyer's letter {number} overdue", reason),
            ],
        )
        await self._j.escalate_case(reason)

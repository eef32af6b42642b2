"""The complaint workflow: one durable run per case, from intake to closing.

Implements DOMAIN sections 4 (grade raises on a breach), 5 (stages and every deadline as
a named timer), 7 (approval within authority, escalation, no self-approval) and 8 (every
change written to the audit trail by an activity).
"""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError, ChildWorkflowError, WorkflowAlreadyStartedError
from temporalio.workflow import ChildWorkflowHandle, ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from activities.case_records import CaseRecorder
    from domain.approvals import ApprovalDecision, ApprovalOutcome, decide_approval
    from domain.authority import Actor, Level, Role
    from domain.clocks import PauseReason
    from domain.crisis import CrisisLevel
    from domain.customer_messages import REMEDY_LABELS, MessageMoment, money
    from domain.delays import DelayRequest
    from domain.evidence import RecordEvidence
    from domain.injury import SpotDecision
    from domain.insurance import (
        InsuranceClaimStart,
        advance_refusal,
        confirmation_refusal,
        insurer_share,
    )
    from domain.late_documents import (
        PROCESS_OF,
        RecordLateDocument,
        late_document_refusal,
        record_late,
    )
    from domain.lessons import (
        CorrectiveAction,
        cause_refusal,
        closing_refusal_for_lessons,
    )
    from domain.lifecycle import WAITING_ON, CaseWait, Command, Stage, WaitingOn, case_waits
    from domain.mediation import MediationStart
    from domain.models import (
        Acknowledge,
        AddNote,
        CaseEvent,
        CaseEvents,
        CaseStatus,
        CommandResult,
        ComplaintStart,
        DeadlineState,
        DeadlineView,
        DecideApproval,
        Escalate,
        EscalationView,
        HistoryEntry,
        Notification,
        OnSiteView,
        Proposal,
        ProposeRemedy,
        ReassignHandler,
        RecordCustomerResponse,
        RecordFindings,
        RecordFollowUp,
        RecordResolution,
        RegisterSnapshot,
        RemedyKind,
        Reopen,
        SignedAgreement,
        StatusQuery,
        Waiting,
    )
    from domain.narrative import case_details
    from domain.police import PoliceReportStart
    from domain.policy import DeadlineName
    from domain.processes import (
        LABELS,
        PROCESS_CHANGED_SIGNAL,
        PROCESS_ESCALATION_SIGNAL,
        EndProcess,
        ProcessEscalation,
        ProcessKind,
        ProcessStart,
        ProcessSummary,
        StartInsuranceClaim,
        StartMediation,
        StartPoliceReport,
        WithdrawProcess,
        closing_refusal,
        process_workflow_id,
        processes_at_intake,
        start_refusal,
        withdraw_refusal,
    )
    from domain.rules import (
        Refusal,
        RefusalType,
        approval_refusal,
        escalation_refusal,
        refusal_for,
        within_authority,
    )
    from domain.shared_policy import shared
    from domain.stop_sale import StopSaleOrderLink
    from domain.stores import CorrectStore
    from domain.surveys import Revisit, SurveyPurpose

from workflows import patches
from workflows import search_attributes as sa
from workflows.case_clocks import CaseClocks
from workflows.case_continuation import CaseContinuation, applied_once, unless_applied
from workflows.case_customer import CaseCustomer
from workflows.case_escalation import CaseEscalation
from workflows.case_grading import CaseGrading
from workflows.case_injury import CaseInjury
from workflows.case_legal import CaseLegal
from workflows.case_lessons import CaseLessons
from workflows.case_quality import CaseQuality
from workflows.case_routing import CaseRouting
from workflows.case_settlement import CaseSettlement
from workflows.case_stop_sale import CaseStopSale
from workflows.common import audit_entry, record_with, refuse
from workflows.insurance import InsuranceClaimWorkflow
from workflows.lawsuit import LawsuitWorkflow
from workflows.legal_documents import LegalDocumentsWorkflow
from workflows.mediation import MediationWorkflow
from workflows.payments import payment_due, request_payment
from workflows.police import PoliceReportWorkflow
from workflows.quality import QualityInspectionWorkflow
from workflows.regulator import RegulatorInquiryWorkflow
from workflows.supplier import SupplierClaimWorkflow

_CHILDREN = {
    ProcessKind.INSURANCE: InsuranceClaimWorkflow,
    ProcessKind.POLICE: PoliceReportWorkflow,
    ProcessKind.MEDIATION: MediationWorkflow,
    # Issue 16.
    ProcessKind.QUALITY: QualityInspectionWorkflow,
    ProcessKind.SUPPLIER: SupplierClaimWorkflow,
    # Issue 16 (workflows/case_legal.py starts them).
    ProcessKind.LEGAL_DOCUMENTS: LegalDocumentsWorkflow,
    ProcessKind.LAWSUIT: LawsuitWorkflow,
    ProcessKind.REGULATOR: RegulatorInquiryWorkflow,
}

_OPEN = (DeadlineState.PENDING, DeadlineState.MISSED)
_UNSET = object()


@workflow.defn
class ComplaintWorkflow(
    CaseClocks,
    CaseEscalation,
    CaseGrading,
    CaseSettlement,
    CaseRouting,
    CaseInjury,
    CaseLessons,
    CaseContinuation,
    CaseCustomer,
    CaseStopSale,
    CaseQuality,
    CaseLegal,
    patches.Folds,
):
    """One complaint case; its updates are the commands of the service desk and managers.
    Its clocks, escalation and grading live in the mixed-in parts (workflows/case_*.py)."""

    @workflow.init
    def __init__(self, start: ComplaintStart) -> None:
        self.fold_patches()
        # The worker's one copy of this pinned policy, not the decoded one of our own
        # (domain/shared_policy.py): equal, so nothing the case does changes.
        start.policy = shared(start.policy)
        self._start = start
        self._policy = start.policy
        self._stage = Stage.RECEIVED
        self._grade = start.grade
        self._level = Level.HANDLER
        self._handler: str | None = None
        self._waiting_since = start.registered_at
        self._deadlines: dict[DeadlineName, DeadlineView] = {}
        self._timers: dict[DeadlineName, asyncio.Task[None]] = {}
        self._armed_due: dict[DeadlineName, datetime] = {}
        self._proposals: list[Proposal] = []
        self._history: list[HistoryEntry] = []
        self._agreement_ref: str | None = None
        self._satisfaction: int | None = None
        self._reopen_count = 0
        self._closed_reason: str | None = None
        self._closed_at: datetime | None = None
        self._version = 0
        self._registered = False
        self._processes: dict[ProcessKind, ProcessSummary] = {}
        # Runs of a sub-process that a newer run of the same kind replaced, oldest first.
        self._earlier_processes: list[ProcessSummary] = []
        self._children: dict[ProcessKind, ChildWorkflowHandle] = {}
        self._lock = asyncio.Lock()
        # Changes waiting to be recorded together (`_recorded_together`), else None.
        self._together: list[CaseEvent] | None = None
        self._paused_for: PauseReason | None = None
        self._delay: DelayRequest | None = None
        self._escalation: EscalationView | None = None
        self._crisis: CrisisLevel | None = None
        self._on_site: OnSiteView | None = None
        self._department: str | None = None
        self._spot_decisions: list[SpotDecision] = []
        self._cause: str | None = None
        self._responsible_unit: str | None = None
        self._corrective: list[CorrectiveAction] = []
        self._applied: dict[str, str] = {}
        self._applied_before: dict[str, str] = {}
        self._runs = 1
        self._signals_seen: set[str] = set()
        self._revisits: list[Revisit] = []
        # The search attributes as last upserted, so a change that leaves them as they
        # were adds no event (patch SEARCH_ATTRIBUTES_CHANGED).
        self._upserted: dict[str, object] = {}
        self._stop_sale_orders: dict[int, StopSaleOrderLink] = {}
        if start.carried is not None:
            self._restore(start.carried)
            return
        self._set_deadline(DeadlineName.ACKNOWLEDGE, start.registered_at)
        self._set_deadline(DeadlineName.CLOSE, start.registered_at)

    @workflow.run
    async def run(self, start: ComplaintStart) -> CaseStatus:
        if start.carried is not None:
            self._resume_carried()
        else:
            await self._register(start)
        try:
            await self._until_archived()
        except asyncio.CancelledError:
            await self._cancelled()
            raise
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._status(StatusQuery())

    async def _register(self, start: ComplaintStart) -> None:
        async with self._lock, self._recorded_together(patches.RECORD_INTAKE_TOGETHER):
            for name in self._deadlines:
                self._arm(name)
            route = self._route_at_intake(start)
            data = {
                "grade": start.grade.value,
                "channel": start.intake.channel.value,
                "category": start.intake.category.value,
                "store": start.intake.store,
                "policy_version": self._policy.version,
            }
            if route is not None:
                data |= {"department": route.department, "responsible": route.responsible}
            await self._record(
                "registered",
                start.registered_by,
                reason="; ".join(start.grade_reasons),
                data=data,
                notifications=self._routing_notices(route),
            )
            self._registered = True
            await self._apply_intake_policy(start)
            await self._open_processes_at_intake(start)
            await self._link_orders_at_intake(start)
            await self._tell_customer(
                MessageMoment.RECEIVED,
                lambda lang: {"first_contact_due": self._due_local(DeadlineName.ACKNOWLEDGE)(lang)},
            )

    async def _apply_intake_policy(self, start: ComplaintStart) -> None:
        """What issue 4's policy sections do at registration; each is off in older policies."""
        for name, rule in self._policy.statutory.items():
            if start.intake.channel.value in rule.start_for_channels:
                await self._start_statutory(name, start.registered_at, None)
        await self._notify_major_case(start)
        await self._injury_and_notices_at_intake(start)
        await self._grade_changed_on_site()
        self._watch_ages()

    async def _until_archived(self) -> None:
        reopen_window = timedelta(days=self._policy.reopen_window_days)
        if self._closed_at is not None and self._start.carried is not None:
            # Carried over while closed: the window runs from the closing, not the hand-over.
            reopen_window = max(
                self._closed_at + reopen_window - workflow.now(), timedelta(seconds=1)
            )
        while True:
            await workflow.wait_condition(
                lambda: self._stage is Stage.CLOSED or self._continue_due()
            )
            if self._continue_due():
                await self._continue_as_new()
            try:
                await workflow.wait_condition(
                    lambda: self._stage is not Stage.CLOSED or self._continue_due(),
                    timeout=reopen_window,
                    timeout_summary="reopen window of the closed case",
                )
            except TimeoutError:
                return
            if self._continue_due():
                await self._continue_as_new()
            reopen_window = timedelta(days=self._policy.reopen_window_days)

    async def _cancelled(self) -> None:
        """Cancelled from outside (an engineer in the Web UI): the sub-processes end with
        that reason, and the cancellation is on record."""
        reason = "the case was cancelled"
        for kind, summary in self._processes.items():
            if summary.open:
                await self._child_handle(kind).signal(
                    _CHILDREN[kind].end_process, EndProcess(reason=reason)
                )
        await self._record("cancelled", None, reason=reason)

    # --- queries -----------------------------------------------------------------

    @workflow.query
    def get_status(self, query: StatusQuery) -> CaseStatus:
        return self._status(query)

    # --- commands ----------------------------------------------------------------

    @workflow.update
    @applied_once
    async def acknowledge(self, cmd: Acknowledge) -> CommandResult:
        async with self._turn():
            self._check(Command.ACKNOWLEDGE, cmd.actor)
            self._take_ownership(cmd.actor)
            self._meet(DeadlineName.ACKNOWLEDGE)
            self._meet(DeadlineName.WEB_ACCEPTANCE)  # none before issue 19: nothing changes
            self._move_to(Stage.INVESTIGATING)
            self._set_deadline(DeadlineName.DEPARTMENT_REPLY, workflow.now(), arm=True)
            await self._record("acknowledged", cmd.actor, reason=cmd.note or "")
            await self._tell_customer(
                MessageMoment.NEXT_STEPS,
                lambda lang: {"reply_due": self._due_local(DeadlineName.DEPARTMENT_REPLY)(lang)},
            )
            return self._result("acknowledged")

    @acknowledge.validator
    @unless_applied
    def _validate_acknowledge(self, cmd: Acknowledge) -> None:
        self._check(Command.ACKNOWLEDGE, cmd.actor)

    @workflow.update
    @applied_once
    async def record_findings(self, cmd: RecordFindings) -> CommandResult:
        async with self._turn():
            self._check_findings(cmd)
            self._take_ownership(cmd.actor)
            self._meet(DeadlineName.DEPARTMENT_REPLY)
            data = {"valid": cmd.valid, "liability": cmd.liability.value, "summary": cmd.summary}
            data |= self._note_lesson(cmd)
            moved, routed = self._route_on_findings(cmd) if cmd.valid else ({}, [])
            data |= moved
            if not cmd.valid:
                reason = cmd.reason or ""
                self._close(reason=f"not valid: {reason}")
                # Told from the policy's template, with consent (workflows/case_customer.py);
                # before, an untemplated row for every customer, consent or not.
                told = patches.applies(patches.CUSTOMER_MESSAGES)
                self._revisit_due(DeadlineName.REVISIT)
                await self._record(
                    "closed_invalid",
                    cmd.actor,
                    reason=reason,
                    data=data,
                    notifications=[]
                    if told
                    else [
                        self._notice(
                            "customer",
                            "Your complaint",
                            f"Case {self._case_no} was found not valid: {reason}",
                        )
                    ],
                )
                await self._tell_customer(MessageMoment.NOT_VALID, lambda _: {"reason": reason})
                await self._send_survey(SurveyPurpose.REVISIT)
                return self._result("closed")
            self._move_to(Stage.LIABILITY_DECIDED)
            self._set_deadline(
                DeadlineName.PROPOSAL, self._start_of(DeadlineName.PROPOSAL), arm=True
            )
            if DeadlineName.NEGOTIATION in self._policy.deadlines:
                self._set_deadline(
                    DeadlineName.NEGOTIATION, self._start_of(DeadlineName.NEGOTIATION), arm=True
                )
            await self._record(
                "findings_recorded", cmd.actor, reason=cmd.summary, data=data, notifications=routed
            )
            return self._result("liability_decided")

    @record_findings.validator
    @unless_applied
    def _validate_findings(self, cmd: RecordFindings) -> None:
        self._check_findings(cmd)

    @workflow.update
    @applied_once
    async def propose_remedy(self, cmd: ProposeRemedy) -> CommandResult:
        async with self._turn():
            self._check_proposal(cmd)
            self._check_judgment(cmd.court_judgment_ref, cmd.amount)
            heads = {head.value: amount for head, amount in cmd.heads.items()}
            # The company approves only what the insurer has not confirmed in writing.
            covers = insurer_share(heads, self._processes.get(ProcessKind.INSURANCE))
            approver = self._policy.authority.approver_for(cmd.amount - covers)
            proposal = Proposal(
                number=len(self._proposals) + 1,
                kind=cmd.kind,
                amount=cmd.amount,
                details=cmd.details,
                proposed_by=cmd.actor.user_id,
                proposed_at=workflow.now(),
                approver_level=approver,
                heads=heads,
                insurer_covers=covers,
                company_pays=cmd.amount - covers,
                court_judgment_ref=cmd.court_judgment_ref,
                written_answer_ref=cmd.written_answer_ref,
            )
            # The category's rule before the ladder (000 五, 六): it may raise the approver.
            self._apply_rule(
                proposal,
                self._compensation_rule(cmd.kind.value, cmd.amount),
                cmd.court_judgment_ref,
            )
            approver = proposal.approver_level
            self._proposals.append(proposal)
            self._meet(DeadlineName.PROPOSAL)
            self._move_to(Stage.REMEDY_PROPOSED)
            await self._record(
                "remedy_proposed",
                cmd.actor,
                reason=cmd.details,
                data=self._proposal_data(proposal),
                notifications=[self._approval_request(proposal)],
            )
            return self._result(f"awaiting approval by {approver.value}")

    @propose_remedy.validator
    @unless_applied
    def _validate_proposal(self, cmd: ProposeRemedy) -> None:
        self._check_proposal(cmd)
        self._validate_judgment(cmd.court_judgment_ref, cmd.amount)

    @workflow.update
    @applied_once
    async def decide_approval(self, cmd: DecideApproval) -> CommandResult:
        async with self._turn():
            if not patches.applies(patches.APPROVAL_DECISIONS):
                return await self._decide_approval_before_decisions(cmd)
            decision = self._approval_decision(cmd)
            refuse(decision.refusal)
            proposal = self._proposals[-1]
            if decision.outcome in (ApprovalOutcome.APPROVED, ApprovalOutcome.REJECTED):
                proposal.decision = decision.outcome.value
                proposal.decided_by = cmd.actor.user_id
            if decision.recommendation is not None:
                proposal.recommendations.append(decision.recommendation)
            if decision.outcome is ApprovalOutcome.APPROVED:
                self._move_to(Stage.APPROVED)
                self._set_deadline(DeadlineName.INFORM_CUSTOMER, workflow.now(), arm=True)
            elif decision.outcome is ApprovalOutcome.REJECTED and proposal.on_the_spot:
                self._spot_settlement_refused()
            elif decision.outcome is ApprovalOutcome.REJECTED:
                self._move_to(Stage.LIABILITY_DECIDED)
                self._set_deadline(DeadlineName.PROPOSAL, workflow.now(), arm=True)
            elif decision.outcome is ApprovalOutcome.CLIMBS:
                assert decision.waits_for is not None
                proposal.approver_level = decision.waits_for
                self._waiting_since = workflow.now()
            data = self._proposal_data(proposal)
            if decision.recommendation is not None:
                data |= {
                    "recommended_by": decision.recommendation.by,
                    "recommends": "approve" if decision.recommendation.approve else "refuse",
                }
            await self._record(
                decision.action,
                cmd.actor,
                reason=decision.reason,
                data=data,
                notifications=[
                    self._notice(n.recipient, n.subject, n.body) for n in decision.notices
                ],
            )
            if decision.outcome is ApprovalOutcome.APPROVED and proposal.on_the_spot:
                # Four-eyes held: the settlement on the spot completes (domain/settlement.py).
                await self._settle(proposal, cmd.actor)
                return self._result("settled on the spot")
            if decision.outcome is ApprovalOutcome.APPROVED:
                # 002: told within 5 days of the approval; queued at once.
                await self._tell_customer(
                    MessageMoment.SOLUTION_APPROVED,
                    lambda lang: {
                        "remedy": REMEDY_LABELS[lang].get(proposal.kind.value, proposal.kind.value),
                        "amount": money(proposal.amount, lang),
                    },
                )
            return self._result(decision.result)

    def _approval_decision(self, cmd: DecideApproval) -> ApprovalDecision:
        return decide_approval(
            case_no=self._case_no,
            stage=self._stage,
            proposal=self._proposals[-1] if self._proposals else None,
            actor=cmd.actor,
            approve=cmd.approve,
            comment=cmd.comment,
            authority=self._policy.authority,
            handler=self._handler,
            now=workflow.now(),
        )

    async def _decide_approval_before_decisions(self, cmd: DecideApproval) -> CommandResult:
        """Replays decisions taken before APPROVAL_DECISIONS, as they were taken then
        (a refusal beyond one's authority sent the case back): never for a new decision."""
        self._check_approval(cmd)
        proposal = self._proposals[-1]
        if not cmd.approve:
            proposal.decision = "rejected"
            proposal.decided_by = cmd.actor.user_id
            self._move_to(Stage.LIABILITY_DECIDED)
            self._set_deadline(DeadlineName.PROPOSAL, workflow.now(), arm=True)
            await self._record(
                "remedy_rejected",
                cmd.actor,
                reason=cmd.comment,
                data=self._proposal_data(proposal),
                notifications=[self._to_handler("Proposal rejected", cmd.comment)],
            )
            return self._result("rejected")
        if not within_authority(cmd.actor, proposal.amount_to_approve()):
            # Beyond one's authority a request climbs, never refused or granted quietly.
            above = cmd.actor.level or Level.HANDLER
            proposal.approver_level = max(
                proposal.approver_level,
                self._policy.authority.approver_for(proposal.amount_to_approve(), above=above),
                key=list(Level).index,
            )
            self._waiting_since = workflow.now()
            await self._record(
                "approval_escalated",
                cmd.actor,
                reason=(
                    f"CNY {proposal.amount} exceeds the authority of {cmd.actor.user_id}; "
                    f"sent to {proposal.approver_level.value}. {cmd.comment}"
                ),
                data=self._proposal_data(proposal),
                notifications=[self._approval_request(proposal)],
            )
            return self._result(f"escalated to {proposal.approver_level.value}")
        proposal.decision = "approved"
        proposal.decided_by = cmd.actor.user_id
        self._move_to(Stage.APPROVED)
        self._set_deadline(DeadlineName.INFORM_CUSTOMER, workflow.now(), arm=True)
        await self._record(
            "remedy_approved",
            cmd.actor,
            reason=cmd.comment,
            data=self._proposal_data(proposal),
            notifications=[
                self._to_handler(
                    "Proposal approved",
                    f"Tell the customer: {proposal.kind.value} CNY {proposal.amount}",
                )
            ],
        )
        return self._result("approved")

    @decide_approval.validator
    @unless_applied
    def _validate_approval(self, cmd: DecideApproval) -> None:
        refuse(self._approval_decision(cmd).refusal)

    @workflow.update
    @applied_once
    async def record_customer_response(self, cmd: RecordCustomerResponse) -> CommandResult:
        async with self._turn():
            self._check_customer_response(cmd)
            proposal = self._proposals[-1]
            self._meet(DeadlineName.INFORM_CUSTOMER)
            if not cmd.accepted:
                proposal.customer_response = "rejected"
                self._move_to(Stage.LIABILITY_DECIDED)
                self._set_deadline(DeadlineName.PROPOSAL, workflow.now(), arm=True)
                await self._record(
                    "customer_rejected",
                    cmd.actor,
                    reason=cmd.reason or "",
                    data=self._proposal_data(proposal) | self._answered_on(cmd),
                    notifications=[
                        self._to_handler("Customer rejected the remedy", cmd.reason or "")
                    ],
                )
                return self._result("renegotiate")
            proposal.customer_response = "accepted"
            if cmd.written_answer_ref:
                proposal.written_answer_ref = cmd.written_answer_ref
            self._meet(DeadlineName.NEGOTIATION)
            self._agreement_ref = cmd.agreement_ref
            self._move_to(Stage.CUSTOMER_CONSENTED)
            await self._record(
                "customer_accepted",
                cmd.actor,
                reason=(
                    f"accepted on the customer's {cmd.channel} page"
                    if cmd.channel and not cmd.agreement_ref
                    else f"signed agreement {cmd.agreement_ref}"
                ),
                data=self._proposal_data(proposal)
                | {"agreement_ref": cmd.agreement_ref}
                | self._answered_on(cmd),
                agreement=SignedAgreement(
                    agreement_ref=cmd.agreement_ref or "",
                    remedy_kind=proposal.kind,
                    amount=proposal.amount,
                    recorded_by=cmd.actor.user_id,
                    recorded_at=workflow.now(),
                ),
            )
            payment = payment_due(
                self._case_no,
                proposal,
                agreement_ref=cmd.agreement_ref or "",
                requested_by=cmd.actor.user_id,
            )
            # Cases that accepted before this change replay without asking finance.
            if payment is not None and patches.applies(patches.PAYMENT_REQUESTS):
                await self._flush_recorded()  # on record before finance is asked
                receipt = await request_payment(payment)
                proposal.payment_request = receipt.idempotency_key
                await self._record(
                    "payment_requested",
                    None,
                    reason=f"finance asked to pay CNY {payment.amount} ({payment.remedy_kind})",
                    data=self._proposal_data(proposal)
                    | {
                        "amount": str(payment.amount),
                        "agreement_ref": payment.agreement_ref,
                        "idempotency_key": receipt.idempotency_key,
                    },
                )
            return self._result("customer_consented")

    @record_customer_response.validator
    @unless_applied
    def _validate_customer_response(self, cmd: RecordCustomerResponse) -> None:
        self._check_customer_response(cmd)

    @workflow.update
    @applied_once
    async def record_resolution(self, cmd: RecordResolution) -> CommandResult:
        async with self._turn():
            self._check(Command.RECORD_RESOLUTION, cmd.actor)
            self._meet(DeadlineName.CLOSE)
            self._meet(DeadlineName.REOPEN_REPLY)
            self._meet(DeadlineName.PROMISED)  # none before issue 19: nothing changes then
            self._move_to(Stage.REMEDY_CARRIED_OUT)
            self._set_deadline(DeadlineName.FOLLOW_UP, workflow.now(), arm=True)
            self._revisit_due(DeadlineName.REVISIT_AFTER_REMEDY)
            await self._record("remedy_carried_out", cmd.actor, reason=cmd.summary)
            await self._tell_customer(MessageMoment.RESULT)
            await self._send_survey(SurveyPurpose.FOLLOW_UP)
            return self._result("remedy_carried_out")

    @record_resolution.validator
    @unless_applied
    def _validate_resolution(self, cmd: RecordResolution) -> None:
        self._check(Command.RECORD_RESOLUTION, cmd.actor)

    @workflow.update
    @applied_once
    async def record_follow_up(self, cmd: RecordFollowUp) -> CommandResult:
        async with self._turn():
            self._check_follow_up(cmd)
            self._satisfaction = cmd.satisfaction
            self._meet(DeadlineName.FOLLOW_UP)
            self._meet(DeadlineName.REVISIT_AFTER_REMEDY)
            self._close(reason="resolved")
            await self._record(
                "followed_up",
                cmd.actor,
                reason=cmd.comment or "",
                data={"satisfaction": cmd.satisfaction},
            )
            # The closing is on record as closing, like every other way a case closes.
            if patches.applies(patches.CLOSED_ON_FOLLOW_UP):
                await self._record(
                    "closed",
                    None,
                    reason=f"resolved: follow-up visit recorded by {cmd.actor.user_id}",
                    data={"closed_reason": "resolved", "followed_up_by": cmd.actor.user_id},
                )
            return self._result("closed")

    @record_follow_up.validator
    @unless_applied
    def _validate_follow_up(self, cmd: RecordFollowUp) -> None:
        self._check_follow_up(cmd)

    def _check_follow_up(self, cmd: RecordFollowUp) -> None:
        self._check_closing(Command.RECORD_FOLLOW_UP, cmd.actor)
        # Issue 19: an A or B case closes with its corrective action (off in older policies).
        refuse(
            closing_refusal_for_lessons(
                self._policy.lessons, grade=self._grade, actions=self._corrective
            )
        )

    @workflow.update
    @applied_once
    async def reopen(self, cmd: Reopen) -> CommandResult:
        async with self._turn():
            self._check(Command.REOPEN, cmd.actor)
            self._reopen_count += 1
            self._cancel_revisits()
            self._closed_reason = None
            self._closed_at = None
            self._move_to(Stage.INVESTIGATING)
            self._set_deadline(DeadlineName.DEPARTMENT_REPLY, workflow.now(), arm=True)
            self._set_deadline(DeadlineName.REOPEN_REPLY, workflow.now(), arm=True)
            await self._record(
                "reopened",
                cmd.actor,
                reason=cmd.reason,
                data={"second_complaint": self._reopen_count},
                notifications=[self._to_handler("Case reopened", cmd.reason)],
            )
            return self._result("reopened")

    @reopen.validator
    @unless_applied
    def _validate_reopen(self, cmd: Reopen) -> None:
        self._check(Command.REOPEN, cmd.actor)

    @workflow.update
    @applied_once
    async def escalate(self, cmd: Escalate) -> CommandResult:
        async with self._turn():
            self._check(Command.ESCALATE, cmd.actor)
            refuse(escalation_refusal(self._level))
            await self._escalate_one_level(cmd.actor, "escalated", reason=cmd.reason)
            return self._result(f"escalated to {self._level.value}")

    @escalate.validator
    @unless_applied
    def _validate_escalate(self, cmd: Escalate) -> None:
        self._check(Command.ESCALATE, cmd.actor)
        refuse(escalation_refusal(self._level))

    @workflow.update
    @applied_once
    async def add_note(self, cmd: AddNote) -> CommandResult:
        async with self._turn():
            self._check(Command.ADD_NOTE, cmd.actor)
            await self._record("note_added", cmd.actor, reason=cmd.text)
            return self._result("noted")

    @add_note.validator
    @unless_applied
    def _validate_note(self, cmd: AddNote) -> None:
        self._check(Command.ADD_NOTE, cmd.actor)

    @workflow.update
    @applied_once
    async def reassign_handler(self, cmd: ReassignHandler) -> CommandResult:
        async with self._turn():
            self._check(Command.REASSIGN_HANDLER, cmd.actor)
            previous = self._handler
            self._handler = cmd.handler
            await self._record(
                "handler_reassigned",
                cmd.actor,
                reason=cmd.reason,
                # Issue 19: an engineer's reassignment is the repair path, said so; a change
                # of responsible person by the department head is change_responsible.
                data={"from": previous, "to": cmd.handler}
                | ({"repair": True} if cmd.actor.role is Role.ENGINEER else {}),
                notifications=[self._to_handler("Case assigned to you", cmd.reason)],
            )
            return self._result(f"handled by {cmd.handler}")

    @reassign_handler.validator
    @unless_applied
    def _validate_reassign(self, cmd: ReassignHandler) -> None:
        self._check(Command.REASSIGN_HANDLER, cmd.actor)

    # --- sub-processes with outside parties (DOMAIN section 6) -----------------------

    @workflow.update
    @applied_once
    async def start_insurance_claim(self, cmd: StartInsuranceClaim) -> CommandResult:
        async with self._turn():
            self._check_start(ProcessKind.INSURANCE, cmd.actor)
            start = InsuranceClaimStart(
                **self._process_start(cmd.actor, cmd.reason), insurer=cmd.insurer
            )
            await self._open_process(ProcessKind.INSURANCE, start)
            return self._result("insurance claim opened")

    @start_insurance_claim.validator
    @unless_applied
    def _validate_insurance(self, cmd: StartInsuranceClaim) -> None:
        self._check_start(ProcessKind.INSURANCE, cmd.actor)

    @workflow.update
    @applied_once
    async def start_police_report(self, cmd: StartPoliceReport) -> CommandResult:
        async with self._turn():
            self._check_start(ProcessKind.POLICE, cmd.actor)
            start = PoliceReportStart(
                **self._process_start(cmd.actor, cmd.reason),
                incident=cmd.incident or self._start.intake.incident,
            )
            await self._open_process(ProcessKind.POLICE, start)
            return self._result("police report opened")

    @start_police_report.validator
    @unless_applied
    def _validate_police(self, cmd: StartPoliceReport) -> None:
        self._check_start(ProcessKind.POLICE, cmd.actor)

    @workflow.update
    @applied_once
    async def start_mediation(self, cmd: StartMediation) -> CommandResult:
        async with self._turn():
            self._check_start(ProcessKind.MEDIATION, cmd.actor)
            reason = f"notice {cmd.notice_ref} from {cmd.association}"
            start = MediationStart(
                **self._process_start(cmd.actor, reason),
                association=cmd.association,
                notice_ref=cmd.notice_ref,
                accepted_on=cmd.accepted_on,
            )
            await self._open_process(ProcessKind.MEDIATION, start)
            return self._result("mediation opened")

    @start_mediation.validator
    @unless_applied
    def _validate_mediation(self, cmd: StartMediation) -> None:
        self._check_start(ProcessKind.MEDIATION, cmd.actor)

    @workflow.update
    @applied_once
    async def withdraw_process(self, cmd: WithdrawProcess) -> CommandResult:
        async with self._turn():
            refuse(withdraw_refusal(cmd.actor, self._processes.get(cmd.kind)))
            summary = self._processes[cmd.kind]
            summary.open = False
            summary.withdrawn = True
            summary.outcome = f"withdrawn: {cmd.reason}"
            await self._flush_recorded()
            await self._child_handle(cmd.kind).signal(
                _CHILDREN[cmd.kind].end_process,
                EndProcess(reason=cmd.reason, actor=cmd.actor, withdrawn=True),
            )
            await self._record(
                f"{cmd.kind.value}_withdrawn",
                cmd.actor,
                reason=cmd.reason,
                data={"process": cmd.kind.value},
            )
            return self._result(f"{LABELS[cmd.kind]} withdrawn")

    @withdraw_process.validator
    @unless_applied
    def _validate_withdraw(self, cmd: WithdrawProcess) -> None:
        refuse(withdraw_refusal(cmd.actor, self._processes.get(cmd.kind)))

    @workflow.update
    @applied_once
    async def record_late_document(self, cmd: RecordLateDocument) -> CommandResult:
        """A document of a sub-process that ended before it came (its workflow has closed):
        on the run's summary, audited as late."""
        async with self._turn():
            kind = PROCESS_OF[cmd.document]
            latest = self._processes.get(kind)
            refuse(late_document_refusal(cmd, latest))
            assert latest is not None
            reason = record_late(cmd, latest, workflow.now())
            await self._record(
                f"{cmd.document.value}_recorded_late",
                cmd.actor,
                reason=reason,
                data={
                    "process": kind.value,
                    "document": cmd.document.value,
                    "reference": cmd.reference,
                    "late": True,
                    "run_id": latest.run_id,
                },
            )
            return self._result(f"{cmd.document.value.replace('_', ' ')} recorded late")

    @record_late_document.validator
    @unless_applied
    def _validate_late_document(self, cmd: RecordLateDocument) -> None:
        refuse(late_document_refusal(cmd, self._processes.get(PROCESS_OF[cmd.document])))

    @staticmethod
    def _keep_late(current: ProcessSummary | None, incoming: ProcessSummary) -> ProcessSummary:
        """The child's last word (its final signal or result) may reach the case after a
        late document: the document stays."""
        if current is None or not current.late_documents:
            return incoming
        if current.started_at != incoming.started_at or incoming.late_documents:
            return incoming
        return incoming.model_copy(
            update={
                "late_documents": list(current.late_documents),
                "certificate_no": incoming.certificate_no or current.certificate_no,
            }
        )

    @workflow.signal(name=PROCESS_CHANGED_SIGNAL)
    def process_changed(self, summary: ProcessSummary) -> None:
        current = self._processes.get(summary.kind)
        if current is not None and current.started_at == summary.started_at:
            # Signals arrive in order, but a withdrawal is already settled here.
            if summary.version <= current.version or (summary.open and not current.open):
                return
        if (
            summary.kind not in self._children
            and not summary.open
            and current is not None
            and current.open
        ):
            # Started by an earlier run: its end comes only by this signal.
            asyncio.create_task(self._ended_elsewhere(summary))
            return
        self._processes[summary.kind] = self._keep_late(current, summary)
        self._publish(self._register_row())

    @workflow.signal
    async def correct_store(self, cmd: CorrectStore) -> None:
        """The store under the policy's name, for CaseStore and the record; the register
        row is corrected already. Sent again, it changes nothing."""
        async with self._turn():
            typed = self._start.intake.store
            if cmd.store == typed:
                return
            intake = self._start.intake.model_copy(update={"store": cmd.store})
            self._start = self._start.model_copy(update={"intake": intake})
            await self._record(
                "store_corrected", None, reason=cmd.reason, data={"from": typed, "to": cmd.store}
            )

    @workflow.signal
    async def record_evidence(self, cmd: RecordEvidence) -> None:
        """A file added to the case (docs/evidence.md): on the case's history, under the
        audit entry the API wrote with the file (its event id, so the trail keeps one).
        A new signal: no recorded history has it, so it needs no patch."""
        async with self._turn():
            if cmd.event_id in self._signals_seen:
                return
            self._signals_seen.add(cmd.event_id)
            await self._record(
                "evidence_uploaded",
                cmd.actor,
                data={
                    "evidence_id": cmd.evidence_id,
                    "kind": cmd.kind.value,
                    "sha256": cmd.sha256,
                    "size": cmd.size,
                    "media_type": cmd.media_type,
                    "process": cmd.process,
                },
                event_id=cmd.event_id,
            )

    @workflow.signal(name=PROCESS_ESCALATION_SIGNAL)
    async def process_needs_escalation(self, escalation: ProcessEscalation) -> None:
        async with self._turn():
            if escalation.event_id is not None:
                if escalation.event_id in self._signals_seen:
                    return
                self._signals_seen.add(escalation.event_id)
            if self._stage is Stage.CLOSED:
                return
            # At the top, an older policy dropped it; with acknowledgements the top is
            # reached within hours, so the top is told again instead.
            if escalation_refusal(self._level) is not None and self._policy.escalation is None:
                return
            await self._escalate_one_level(
                None,
                "process_escalated",
                reason=escalation.reason,
                data={"process": escalation.kind.value},
            )

    # --- rules -------------------------------------------------------------------

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """One change at a time, and none before the registration is on record: an
        update can arrive in the same workflow task as the start."""
        await workflow.wait_condition(lambda: self._registered)
        async with self._lock, self._recorded_together(patches.RECORD_COMMANDS_TOGETHER):
            yield

    def _check(self, command: Command, actor: Actor) -> None:
        refuse(refusal_for(command, stage=self._stage, actor=actor))

    def _check_approval(self, cmd: DecideApproval) -> None:
        self._check(Command.DECIDE_APPROVAL, cmd.actor)
        refuse(approval_refusal(cmd.actor, proposed_by=self._proposals[-1].proposed_by))

    def _check_proposal(self, cmd: ProposeRemedy) -> None:
        self._check(Command.PROPOSE_REMEDY, cmd.actor)
        if cmd.kind is RemedyKind.MEDICAL_ADVANCE:
            refuse(advance_refusal(self._processes.get(ProcessKind.INSURANCE)))

    def _check_customer_response(self, cmd: RecordCustomerResponse) -> None:
        self._check(Command.RECORD_CUSTOMER_RESPONSE, cmd.actor)
        if cmd.accepted:
            claim = self._processes.get(ProcessKind.INSURANCE)
            refuse(confirmation_refusal(self._proposals[-1].heads, claim))
            self._check_agreement_rule(cmd)

    def _check_findings(self, cmd: RecordFindings) -> None:
        refuse(cause_refusal(self._policy.lessons, cmd.cause))
        if cmd.valid:
            self._check(Command.RECORD_FINDINGS, cmd.actor)
        else:
            self._check_closing(Command.RECORD_FINDINGS, cmd.actor)

    def _check_closing(self, command: Command, actor: Actor) -> None:
        self._check(command, actor)
        processes = list(self._processes.values())
        refuse(closing_refusal(processes, category=self._start.intake.category.value))

    def _check_start(self, kind: ProcessKind, actor: Actor) -> None:
        if self._stage is Stage.CLOSED:
            refuse(Refusal(RefusalType.STAGE_NOT_ALLOWED, "the case is closed: reopen it first"))
        rules = self._policy.processes
        refuse(start_refusal(kind, actor=actor, current=self._processes.get(kind), rules=rules))

    def _take_ownership(self, actor: Actor) -> None:
        if self._handler is None and actor.level is Level.HANDLER:
            self._handler = actor.user_id

    def _move_to(self, stage: Stage) -> None:
        self._stage = stage
        self._waiting_since = workflow.now()

    def _close(self, *, reason: str) -> None:
        for name, deadline in self._deadlines.items():
            if name is DeadlineName.CORRECTIVE_ACTION:
                continue  # the corrective action outlives the case, tracked on (issue 19)
            if deadline.state is DeadlineState.PENDING:
                deadline.state = DeadlineState.CANCELLED
                deadline.settled_at = workflow.now()
                self._close_pause(deadline)
                self._disarm(name)
        self._paused_for = None
        self._closed_reason = reason
        self._closed_at = workflow.now()
        self._move_to(Stage.CLOSED)

    # --- sub-processes -------------------------------------------------------------

    async def _open_processes_at_intake(self, start: ComplaintStart) -> None:
        rules = self._policy.processes
        if rules is None:
            return
        opened = processes_at_intake(
            rules,
            category=start.intake.category.value,
            claimed_amount=start.intake.claimed_amount,
            incident=start.intake.incident,
        )
        for kind, reason in opened:
            base = self._process_start(None, reason)
            if kind is ProcessKind.INSURANCE:
                await self._open_process(kind, InsuranceClaimStart(**base))
            else:
                await self._open_process(
                    kind, PoliceReportStart(**base, incident=start.intake.incident)
                )

    def _process_start(self, actor: Actor | None, reason: str) -> dict:
        assert self._policy.processes is not None
        return ProcessStart(
            case_no=self._case_no,
            parent_workflow_id=workflow.info().workflow_id,
            category=self._start.intake.category.value,
            started_by=actor,
            reason=reason,
            started_at=workflow.now(),
            calendar=self._policy.calendar,
            policy=self._policy.processes,
        ).model_dump()

    async def _open_process(self, kind: ProcessKind, start: ProcessStart) -> None:
        await self._flush_recorded()
        workflow_id = process_workflow_id(self._case_no, kind)
        try:
            handle = await workflow.start_child_workflow(
                _CHILDREN[kind].run,
                start,
                id=workflow_id,
                parent_close_policy=self._child_close_policy(),
                static_summary=f"{LABELS[kind]} of case {self._case_no}",
            )
        except WorkflowAlreadyStartedError as err:
            raise ApplicationError(
                f"the previous {LABELS[kind]} is still ending; try again",
                type=RefusalType.PROCESS_ALREADY_OPEN.value,
                non_retryable=True,
            ) from err
        self._children[kind] = handle
        earlier = self._processes.get(kind)
        if earlier is not None:
            self._earlier_processes.append(earlier)
        self._processes[kind] = ProcessSummary(
            kind=kind,
            workflow_id=workflow_id,
            run_id=handle.first_execution_run_id,
            stage="starting",
            waiting_on=CaseWait.PROCESS_STARTING.value,
            started_at=start.started_at,
        )
        asyncio.create_task(self._follow(kind, handle))
        await self._record(
            f"{kind.value}_opened",
            start.started_by,
            reason=start.reason,
            data={"process": kind.value, "workflow_id": workflow_id},
        )

    def _child_close_policy(self) -> ParentClosePolicy:
        if patches.applies(patches.CHILDREN_OUTLIVE_RUN):
            # A continue-as-new closes the run; the sub-process lives on. Cancelling the
            # case ends them itself (_cancelled), and a case closes only when they ended.
            return ParentClosePolicy.ABANDON
        return ParentClosePolicy.REQUEST_CANCEL

    async def _follow(self, kind: ProcessKind, handle: ChildWorkflowHandle) -> None:
        """The child's result flows back: its final state, on the case's record."""
        try:
            summary: ProcessSummary = await handle
        except ChildWorkflowError as err:
            summary = self._processes[kind].model_copy(
                update={"open": False, "outcome": f"failed: {err.cause or err}"}
            )
        async with self._lock:
            await self._record_process_end(kind, summary)

    async def _record_process_end(self, kind: ProcessKind, summary: ProcessSummary) -> None:
        if self._processes.get(kind) is not None and (
            self._processes[kind].started_at != summary.started_at
        ):
            # An earlier run, ended as a newer one started: its last state is kept.
            self._earlier_processes = [
                summary if (p.kind, p.started_at) == (kind, summary.started_at) else p
                for p in self._earlier_processes
            ]
            return
        self._processes[kind] = summary = self._keep_late(self._processes.get(kind), summary)
        data = {"process": kind.value, "outcome": summary.outcome}
        if summary.agreement_ref:
            data |= {
                "agreement_ref": summary.agreement_ref,
                "amount": str(summary.settlement_amount),
            }
        await self._record(f"{kind.value}_ended", None, reason=summary.outcome or "", data=data)
        if kind is ProcessKind.QUALITY:
            # Issue 16: a kind no recorded history holds, so no patch.
            await self._quality_ended(summary)

    # --- records -----------------------------------------------------------------

    def _local(self, moment: datetime) -> str:
        return self._policy.calendar.local(moment).strftime("%Y-%m-%d %H:%M %Z")

    @property
    def _case_no(self) -> str:
        return self._start.case_no

    def _notice(self, recipient: str, subject: str, body: str) -> Notification:
        return Notification(
            notification_id=str(workflow.uuid4()), recipient=recipient, subject=subject, body=body
        )

    def _to_handler(self, subject: str, body: str) -> Notification:
        recipient = f"user:{self._handler}" if self._handler else Level.HANDLER.value
        return self._notice(recipient, f"Case {self._case_no}: {subject}", body)

    def _approval_request(self, proposal: Proposal) -> Notification:
        return self._notice(
            proposal.approver_level.value,
            f"Case {self._case_no}: approval needed",
            f"{proposal.kind.value} CNY {proposal.amount} proposed by {proposal.proposed_by}",
        )

    @staticmethod
    def _answered_on(cmd: RecordCustomerResponse) -> dict:
        """Where the customer answered, when not at the desk (no key at all then: the
        answers recorded before the customer's page keep their data as it was)."""
        return {"channel": cmd.channel} if cmd.channel else {}

    @staticmethod
    def _proposal_data(proposal: Proposal) -> dict:
        return {
            "proposal": proposal.number,
            "kind": proposal.kind.value,
            "amount": str(proposal.amount),
            "approver_level": proposal.approver_level.value,
        }

    async def _record(
        self,
        action: str,
        actor: Actor | None,
        *,
        reason: str = "",
        data: dict | None = None,
        notifications: list[Notification] | None = None,
        agreement: SignedAgreement | None = None,
        who: tuple[str, str] | None = None,
        event_id: str | None = None,
    ) -> None:
        """Writes one change to the audit trail, the register and the outbox; None is the
        system. `event_id`: an entry written already outside the workflow (written once)."""
        audit = audit_entry(action, actor, at=workflow.now(), reason=reason, data=data, who=who)
        if event_id is not None:
            audit = audit.model_copy(update={"event_id": event_id})
        self._version += 1
        self._history.append(HistoryEntry.of(audit))
        register_row = self._register_row()
        self._publish(register_row)
        event = CaseEvent(
            case_no=self._case_no,
            audit=audit,
            register_row=register_row,
            notifications=notifications or [],
            agreement=agreement,
            # What GET /complaints/{case_no} reads, so a read never waits on a busy worker.
            status=self._status(StatusQuery(include_history=False)),
            history_length=len(self._history),
        )
        if self._together is not None:
            self._together.append(event)
            return
        await record_with(CaseRecorder.record_case_event, event, action)

    @asynccontextmanager
    async def _recorded_together(self, patch: str) -> AsyncIterator[None]:
        """The changes made inside are recorded together (the registration's under
        record-intake-together, a command's under record-commands-together): at the end,
        or before anything outside is asked (`_flush_recorded`), so each is on record
        before whatever follows it outside, and before the command is answered, as one by
        one. Inside an outer batch, the outer one records them."""
        if self._together is not None or not patches.applies(patch):
            yield
            return
        self._together = []
        try:
            yield
        finally:
            await self._flush_recorded()
            self._together = None

    async def _flush_recorded(self) -> None:
        if not self._together:
            return
        events, self._together[:] = list(self._together), []
        batch = CaseEvents(case_no=self._case_no, events=events)
        actions = ", ".join(e.audit.action for e in events)
        await record_with(CaseRecorder.record_case_events, batch, actions)

    def _publish(self, row: RegisterSnapshot) -> None:
        """What the Web UI shows of the case: its current details, and the search
        attributes engineers query (README "Find a stuck case")."""
        workflow.set_current_details(self._details())
        if not patches.applies(patches.SEARCH_ATTRIBUTES):
            return
        waiting = self._all_waits(row.waiting_on)
        updates = [
            sa.CASE_NO.value_set(self._case_no),
            sa.CASE_GRADE.value_set(row.grade.value),
            sa.CASE_CATEGORY.value_set(self._start.intake.category.value),
            sa.CASE_STORE.value_set(self._start.intake.store),
            sa.CASE_STAGE.value_set(row.stage.value),
            sa.CASE_WAITING_ON.value_set(waiting),
            sa.CASE_WAITING_SINCE.value_set(self._waiting_since),
            sa.CASE_HANDLER.value_set(row.handler)
            if row.handler
            else sa.CASE_HANDLER.value_unset(),
            sa.CASE_NEXT_DEADLINE.value_set(row.next_deadline_at)
            if row.next_deadline_at
            else sa.CASE_NEXT_DEADLINE.value_unset(),
            sa.CASE_OVERDUE.value_set(row.overdue),
            *self._routing_attributes(),
        ]
        if patches.applies(patches.SEARCH_ATTRIBUTES_CHANGED):
            updates = [u for u in updates if self._upserted.get(u.key.name, _UNSET) != u.value]
            if not updates:
                return
            self._upserted.update({u.key.name: u.value for u in updates})
        workflow.upsert_search_attributes(updates)

    def _details(self) -> str:
        waiting = self._waiting()
        proposal = self._proposals[-1] if self._proposals else None
        upcoming = self._open_deadlines()
        return case_details(
            waiting_on=waiting.on,
            who=waiting.who,
            since=waiting.since,
            proposal=f"CNY {proposal.amount} {proposal.kind.value}" if proposal else None,
            next_deadline=(
                (
                    upcoming[0].label,
                    upcoming[0].due_at,
                    upcoming[0].state is DeadlineState.MISSED,
                )
                if upcoming
                else None
            ),
            processes=list(self._processes.values()),
            local=self._local,
        )

    # --- state -------------------------------------------------------------------

    def _waiting(self) -> Waiting:
        on = WAITING_ON[self._stage]
        owner = self._handler or Level.HANDLER.value
        who = {
            WaitingOn.ACKNOWLEDGEMENT: owner,
            WaitingOn.MANAGER_APPROVAL: (
                self._proposals[-1].approver_level.value if self._proposals else ""
            ),
            WaitingOn.CUSTOMER_CONSENT: "customer",
            WaitingOn.FOLLOW_UP_VISIT: "customer service",
            WaitingOn.NOTHING: "",
        }.get(on, owner)
        return Waiting(on=on, who=who, since=self._waiting_since)

    def _all_waits(self, stage_wait: WaitingOn, *, processes: bool = True) -> list[str]:
        """What the case waits on, its stage's wait first, then its open sub-processes'
        (unless not asked: the register has them from their own rows), paused clocks, a
        delay decision, an escalation's acknowledgement."""
        return case_waits(
            stage_wait,
            processes=[p.waiting_on for p in self._processes.values() if p.open and processes],
            paused_for=self._paused_for.value if self._paused_for is not None else None,
            delay_decider=self._delay.waiting_on if self._delay is not None else None,
            escalation_unacknowledged=self._escalation is not None,
        )

    def _open_deadlines(self) -> list[DeadlineView]:
        return sorted(
            (d for d in self._deadlines.values() if d.state in _OPEN and not d.paused),
            key=lambda d: d.due_at,
        )

    def _register_row(self) -> RegisterSnapshot:
        waiting = self._waiting()
        upcoming = self._open_deadlines()
        return RegisterSnapshot(
            version=self._version,
            stage=self._stage,
            grade=self._grade,
            escalation_level=self._level,
            handler=self._handler,
            waiting_on=waiting.on,
            waiting_on_who=waiting.who,
            waits=self._all_waits(waiting.on, processes=False),
            next_deadline=upcoming[0].name if upcoming else None,
            next_deadline_at=upcoming[0].due_at if upcoming else None,
            overdue=any(d.state is DeadlineState.MISSED for d in upcoming),
            reopen_count=self._reopen_count,
            closed_at=self._closed_at,
            department=self._department,
        )

    def _status(self, query: StatusQuery) -> CaseStatus:
        return CaseStatus(
            case_no=self._case_no,
            workflow_id=workflow.info().workflow_id,
            policy_version=self._policy.version,
            stage=self._stage,
            grade=self._grade,
            escalation_level=self._level,
            handler=self._handler,
            waiting=self._waiting(),
            deadlines=self._clock_views(),
            proposals=list(self._proposals),
            agreement_ref=self._agreement_ref,
            satisfaction=self._satisfaction,
            reopen_count=self._reopen_count,
            closed_reason=self._closed_reason,
            closed_at=self._closed_at,
            processes=self._process_runs(),
            crisis_level=self._crisis,
            delay=self._delay,
            escalation=self._escalation,
            on_site=self._on_site,
            revisits=list(self._revisits),
            promised_by=self._promised_by(),
            settled_on_the_spot=self._settled_on_the_spot(),
            department=self._department,
            spot_decisions=list(self._spot_decisions),
            cause=self._cause,
            responsible_unit=self._responsible_unit,
            corrective_actions=list(self._corrective),
            stop_sale_orders=self._linked_orders(),
            recovery=self._recovery(),
            history=list(self._history) if query.include_history else [],
        )

    def _process_runs(self) -> list[ProcessSummary]:
        """Every run of every sub-process, newest first: a second mediation or police
        report does not hide the first."""
        runs = [*self._earlier_processes, *self._processes.values()]
        return sorted(runs, key=lambda p: p.started_at, reverse=True)

    def _result(self, outcome: str) -> CommandResult:
        # Without the history: every result is stored in the case's own history, and a
        # growing list in each would make it grow with the square of the commands.
        return CommandResult(
            outcome=outcome, status=self._status(StatusQuery(include_history=False))
        )

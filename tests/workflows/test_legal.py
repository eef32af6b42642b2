"""Legal documents, the lawsuit and the regulator's inquiry as child workflows of a case
(issue 16; 000 八, 九), with their real activities, on the time-skipping server and Postgres."""

import asyncio
from datetime import timedelta
from decimal import Decimal

import asyncpg
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.authority import Actor, Level
from domain.legal import (
    AnswerLawyerLetter,
    InformSenior,
    JudgmentStatus,
    LegalDocumentKind,
    ReceiveLawyerLetter,
    ReceiveOfficialPapers,
    RecordExecution,
    RecordJudgment,
    SignPapers,
    StartLegalDocuments,
)
from domain.lifecycle import Stage
from domain.mediation import ApproveWrittenReply, ReplyForm
from domain.models import (
    Acknowledge,
    Category,
    Liability,
    ProposeRemedy,
    RecordFindings,
    RemedyKind,
)
from domain.policy import Policy
from domain.processes import ProcessKind, WithdrawProcess
from domain.regulator import RecordConclusion, RecordRegulatorAnswer, StartRegulatorInquiry
from tests.support import Desk, case_no_of, intake, outbox_for
from tests.workflows.legal_support import effective_judgment, open_lawsuit
from tests.workflows.test_processes import audit_entry, child, process, refused, until
from workflows.complaint import ComplaintWorkflow
from workflows.lawsuit import LawsuitWorkflow
from workflows.legal_documents import LegalDocumentsWorkflow
from workflows.regulator import RegulatorInquiryWorkflow

JUDGMENT = "(2026)沪0115民初7号"


async def _holds(pool: asyncpg.Pool, case_no: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT source, reference, placed_by, lifted_at, lift_reason FROM legal_holds"
        " WHERE case_no = $1 ORDER BY placed_at",
        case_no,
    )


async def _liability_decided(desk: Desk, staff: Actor, handler: Actor) -> WorkflowHandle:
    case = await desk.open(staff, intake(category=Category.LOST_BELONGINGS))
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=handler, valid=True, liability=Liability.COMPANY, summary="Ours"),
    )
    return case


def _propose(handler: Actor, amount: str, ref: str | None) -> ProposeRemedy:
    return ProposeRemedy(
        actor=handler,
        kind=RemedyKind.COMPENSATION,
        amount=Decimal(amount),
        details="As the court ordered",
        court_judgment_ref=ref,
    )


async def test_a_lawyers_letter_left_at_the_desk_reaches_senior_management_at_once_and_is_never_signed(  # noqa: E501
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor, policy: Policy
) -> None:
    case = await desk.open(staff)
    case_no = case_no_of(case)
    await case.execute_update(
        ComplaintWorkflow.start_legal_documents,
        StartLegalDocuments(actor=staff, reason="a lawyer's letter at the desk"),
    )
    documents = child(desk, case, ProcessKind.LEGAL_DOCUMENTS)
    status = await documents.execute_update(
        LegalDocumentsWorkflow.receive_lawyer_letter,
        ReceiveLawyerLetter(actor=staff, sender="Fangda Partners", left=True, summary="demands"),
    )
    letter = status.record["documents"][0]
    assert letter["state"] == "received_unsigned"
    assert letter["department"] == policy.processes.legal_documents.designated_department
    assert letter["signed_by"] is None
    # At once: in the outbox with the change itself, no time has passed.
    recipients = [row["recipient"] for row in await outbox_for(desk.pool, case_no)]
    assert Level.SENIOR_MANAGEMENT.value in recipients
    assert "legal affairs" in recipients
    entry = await audit_entry(desk.pool, case_no, "lawyer_letter_received_unsigned")
    assert entry["process"] == "legal_documents" and entry["actor_id"] == staff.user_id

    message = await refused(
        documents.execute_update(
            LegalDocumentsWorkflow.sign_papers,
            SignPapers(actor=handler, number=1, signed_by="Wang Li", original=True),
        ),
        "ConditionNotMet",
    )
    assert "never signed" in message
    # The case cannot close while the letter is unanswered.
    await until(case, lambda s: process(s, ProcessKind.LEGAL_DOCUMENTS).version > 1)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    message = await refused(
        case.execute_update(
            ComplaintWorkflow.record_findings,
            RecordFindings(
                actor=handler, valid=False, liability=Liability.NONE, summary="x", reason="x"
            ),
        ),
        "ProcessesOpen",
    )
    assert "legal documents" in message

    # Unanswered past the policy's working days: on record, senior management told again.
    await time_skipping.sleep(timedelta(days=9))
    await audit_entry(desk.pool, case_no, "lawyer_letter_answer_overdue")
    subjects = [row["subject"] for row in await outbox_for(desk.pool, case_no)]
    assert any("overdue" in subject for subject in subjects)

    answered = await documents.execute_update(
        LegalDocumentsWorkflow.answer_lawyer_letter,
        AnswerLawyerLetter(actor=handler, number=1, answer_ref="LA-2026-19", summary="denied"),
    )
    assert answered.summary.open is False
    assert answered.record["documents"][0]["state"] == "answered"
    assert answered.record["documents"][0]["signed_by"] is None
    await until(case, lambda s: not process(s, ProcessKind.LEGAL_DOCUMENTS).open)


async def test_court_papers_are_signed_only_after_the_checks_and_senior_management_and_only_originals(  # noqa: E501
    desk: Desk, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff)
    case_no = case_no_of(case)
    await case.execute_update(
        ComplaintWorkflow.start_legal_documents,
        StartLegalDocuments(actor=staff, reason="court papers served"),
    )
    documents = child(desk, case, ProcessKind.LEGAL_DOCUMENTS)
    wrong_name = await documents.execute_update(
        LegalDocumentsWorkflow.receive_official_papers,
        ReceiveOfficialPapers(
            actor=staff,
            issuer=LegalDocumentKind.COURT,
            title="Summons",
            reference="(2026)沪0115民初8号",
            bearer="Clerk Zhou",
            bearer_identity_checked=True,
            company_name_matches=False,
            enclosures_listed=["complaint"],
        ),
    )
    assert wrong_name.record["documents"][0]["state"] == "refused"
    assert wrong_name.summary.open is False  # its only document settled: not signed for
    await until(case, lambda s: not process(s, ProcessKind.LEGAL_DOCUMENTS).open)

    await case.execute_update(
        ComplaintWorkflow.start_legal_documents,
        StartLegalDocuments(actor=staff, reason="court papers served again"),
    )
    documents = child(desk, case, ProcessKind.LEGAL_DOCUMENTS)
    checked = await documents.execute_update(
        LegalDocumentsWorkflow.receive_official_papers,
        ReceiveOfficialPapers(
            actor=staff,
            issuer=LegalDocumentKind.COURT,
            title="Summons and complaint",
            reference="(2026)沪0115民初8号",
            bearer="Clerk Zhou",
            bearer_identity_checked=True,
            company_name_matches=True,
            enclosures_listed=["complaint", "evidence list", "receipt copy"],
        ),
    )
    papers = checked.record["documents"][0]
    assert [(c["name"], c["passed"], c["by"]) for c in papers["checks"]] == [
        ("company_name_matches", True, staff.user_id),
        ("bearer_identity_checked", True, staff.user_id),
    ]
    assert checked.summary.waiting_on_who == Level.SENIOR_MANAGEMENT.value
    sign = SignPapers(
        actor=handler,
        number=1,
        signed_by="Wang Li",
        original=True,
        enclosures_received=["Complaint", "evidence list"],
    )
    message = await refused(
        documents.execute_update(LegalDocumentsWorkflow.sign_papers, sign), "ConditionNotMet"
    )
    assert "tell senior management before" in message
    await documents.execute_update(
        LegalDocumentsWorkflow.inform_senior,
        InformSenior(actor=staff, number=1, informed="GM Chen, by phone"),
    )
    message = await refused(
        documents.execute_update(
            LegalDocumentsWorkflow.sign_papers, sign.model_copy(update={"original": False})
        ),
        "ConditionNotMet",
    )
    assert "only originals" in message
    signed = await documents.execute_update(LegalDocumentsWorkflow.sign_papers, sign)
    papers = signed.record["documents"][0]
    assert papers["state"] == "signed" and papers["signed_by"] == "Wang Li"
    assert papers["enclosures_missing"] == ["receipt copy"]
    assert papers["senior_informed_by"] == staff.user_id and papers["senior_informed_at"]
    assert signed.summary.open is False
    entry = await audit_entry(desk.pool, case_no, "official_papers_signed")
    assert "missing: receipt copy" in entry["reason"]
    actions = [
        row["action"]
        for row in await desk.pool.fetch(
            "SELECT action FROM audit_events WHERE case_no = $1 AND process = 'legal_documents'"
            " ORDER BY at, action",
            case_no,
        )
    ]
    assert actions.index("senior_management_informed") < actions.index("official_papers_signed")


async def test_a_lawsuits_effective_judgment_gates_and_then_orders_the_payment(
    desk: Desk,
    time_skipping: WorkflowEnvironment,
    staff: Actor,
    handler: Actor,
    manager: Actor,
    policy: Policy,
) -> None:
    case = await _liability_decided(desk, staff, handler)
    case_no = case_no_of(case)
    lawsuit = await open_lawsuit(desk, case, handler)
    await until(case, lambda s: process(s, ProcessKind.LAWSUIT).version > 0)
    # The lawsuit holds the case's evidence while it runs.
    [hold] = await _holds(desk.pool, case_no)
    assert (hold["source"], hold["reference"], hold["lifted_at"]) == (
        "lawsuit",
        "(2026)沪0115民初7号",
        None,
    )

    # A judgment named on a payment must be the lawsuit's, and effective.
    message = await refused(
        case.execute_update(ComplaintWorkflow.propose_remedy, _propose(handler, "3000", JUDGMENT)),
        "ConditionNotMet",
    )
    assert "no effective judgment" in message
    await lawsuit.execute_update(
        LawsuitWorkflow.record_judgment,
        RecordJudgment(
            actor=handler,
            judgment_ref="(2026)沪0115民初7号-1",
            judged_on=(await time_skipping.get_current_time()).date(),
            status=JudgmentStatus.APPEALED,
        ),
    )
    await until(case, lambda s: process(s, ProcessKind.LAWSUIT).stage == "appealed")
    await refused(
        case.execute_update(ComplaintWorkflow.propose_remedy, _propose(handler, "3000", JUDGMENT)),
        "ConditionNotMet",
    )
    judged = await effective_judgment(lawsuit, handler, JUDGMENT, Decimal("3000"), time_skipping)
    due = judged.summary.execution_due
    recorded_at = await time_skipping.get_current_time()
    expected = policy.processes.lawsuit.execution_within.after(recorded_at, policy.calendar)
    assert abs(due - expected) < timedelta(minutes=1)
    await until(case, lambda s: process(s, ProcessKind.LAWSUIT).effective_judgment_ref == JUDGMENT)

    message = await refused(
        case.execute_update(
            ComplaintWorkflow.propose_remedy, _propose(handler, "3000", "(2026)沪0115民初9号")
        ),
        "ConditionNotMet",
    )
    assert f"recorded the effective judgment {JUDGMENT}, not this one" in message
    message = await refused(
        case.execute_update(ComplaintWorkflow.propose_remedy, _propose(handler, "3500", JUDGMENT)),
        "ConditionNotMet",
    )
    assert "orders CNY 3000" in message
    # The judgment stands in for senior management (rule lost_belongings_not_compensated).
    proposed = await case.execute_update(
        ComplaintWorkflow.propose_remedy, _propose(handler, "3000", JUDGMENT)
    )
    proposal = proposed.status.proposals[-1]
    assert proposal.rule == "lost_belongings_not_compensated" and proposal.rule_level is None
    assert proposal.approver_level is not Level.SENIOR_MANAGEMENT

    # The ordered payment has its deadline: reminded, then overdue and escalated.
    await time_skipping.sleep(timedelta(days=8))
    await audit_entry(desk.pool, case_no, "judgment_execution_reminder")
    await time_skipping.sleep(timedelta(days=3))
    await audit_entry(desk.pool, case_no, "judgment_execution_overdue")
    subjects = [row["subject"] for row in await outbox_for(desk.pool, case_no)]
    assert any("judgment not carried out" in subject for subject in subjects)

    message = await refused(
        lawsuit.execute_update(
            LawsuitWorkflow.record_execution,
            RecordExecution(actor=handler, payment_ref="PAY-1", amount=Decimal("2000")),
        ),
        "ConditionNotMet",
    )
    assert "carried out as it orders" in message
    done = await lawsuit.execute_update(
        LawsuitWorkflow.record_execution,
        RecordExecution(actor=handler, payment_ref="PAY-1", amount=Decimal("3000")),
    )
    assert done.summary.open is False
    assert done.record["execution"]["payment_ref"] == "PAY-1"
    await audit_entry(desk.pool, case_no, "judgment_carried_out")
    await audit_entry(desk.pool, case_no, "legal_hold_lifted")
    [hold] = await _holds(desk.pool, case_no)
    assert hold["lifted_at"] is not None and "the lawsuit ended" in hold["lift_reason"]
    await until(case, lambda s: not process(s, ProcessKind.LAWSUIT).open)


async def test_the_case_does_not_close_while_its_lawsuit_runs(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff)
    case_no = case_no_of(case)
    await open_lawsuit(desk, case, handler)
    await until(case, lambda s: process(s, ProcessKind.LAWSUIT).version > 0)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    close = RecordFindings(
        actor=handler, valid=False, liability=Liability.NONE, summary="x", reason="Unfounded"
    )
    message = await refused(
        case.execute_update(ComplaintWorkflow.record_findings, close), "ProcessesOpen"
    )
    assert "lawsuit" in message
    await case.execute_update(
        ComplaintWorkflow.withdraw_process,
        WithdrawProcess(actor=manager, kind=ProcessKind.LAWSUIT, reason="Plaintiff withdrew"),
    )
    closed = await case.execute_update(ComplaintWorkflow.record_findings, close)
    assert closed.status.stage is Stage.CLOSED
    for _ in range(100):
        holds = await _holds(desk.pool, case_no)
        if holds and holds[0]["lifted_at"] is not None:
            break
        await asyncio.sleep(0.1)
    assert holds[0]["lifted_at"] is not None


async def test_a_written_reply_to_the_regulator_waits_for_senior_approval(
    desk: Desk, staff: Actor, handler: Actor, senior: Actor, policy: Policy
) -> None:
    case = await desk.open(staff)
    case_no = case_no_of(case)
    await case.execute_update(
        ComplaintWorkflow.start_regulator_inquiry,
        StartRegulatorInquiry(
            actor=staff,
            regulator="Pudong Market Supervision Bureau",
            official_letter_ref="PDMS-2026-311",
            visitor="Inspector Liu",
            visitor_identity_checked=True,
            questions="The sofa's fire rating",
        ),
    )
    inquiry = child(desk, case, ProcessKind.REGULATOR)
    department = policy.processes.regulator.designated_department
    written = RecordRegulatorAnswer(
        actor=handler, form=ReplyForm.WRITTEN, content="Test report enclosed", department=department
    )
    message = await refused(
        inquiry.execute_update(RegulatorInquiryWorkflow.record_answer, written), "ConditionNotMet"
    )
    assert "the regulator needs senior management's approval" in message
    message = await refused(
        inquiry.execute_update(
            RegulatorInquiryWorkflow.record_answer,
            written.model_copy(update={"form": ReplyForm.ORAL, "department": "store 3"}),
        ),
        "ConditionNotMet",
    )
    assert f"answered by {department}" in message
    await refused(
        inquiry.execute_update(
            RegulatorInquiryWorkflow.approve_written_reply,
            ApproveWrittenReply(actor=handler, comment="ok"),
        ),
        "RoleNotAllowed",
    )
    await inquiry.execute_update(
        RegulatorInquiryWorkflow.approve_written_reply,
        ApproveWrittenReply(actor=senior, comment="Approved as drafted"),
    )
    answered = await inquiry.execute_update(RegulatorInquiryWorkflow.record_answer, written)
    answer = answered.record["answers"][0]
    assert (answer["form"], answer["approved_by"]) == ("written", senior.user_id)
    assert answered.record["visitor_identity_checked"] is True
    assert answered.record["identity_checked_by"] == staff.user_id
    # Each approval covers one written reply.
    await refused(
        inquiry.execute_update(RegulatorInquiryWorkflow.record_answer, written), "ConditionNotMet"
    )
    ended = await inquiry.execute_update(
        RegulatorInquiryWorkflow.record_conclusion,
        RecordConclusion(actor=handler, conclusion="No breach found"),
    )
    assert ended.summary.open is False
    await audit_entry(desk.pool, case_no, "regulator_written_answer_given")
    await until(case, lambda s: not process(s, ProcessKind.REGULATOR).open)

"""The customer is told, surveyed and re-visited (docs/customer-messages.md): the case
workflow with its real activities on the time-skipping server and Postgres."""

import asyncio
import re
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.authority import Actor
from domain.lifecycle import Stage
from domain.models import (
    Acknowledge,
    Category,
    Customer,
    DeadlineState,
    DecideApproval,
    DecideDelay,
    Liability,
    ProposeRemedy,
    ReassignHandler,
    RecordCustomerResponse,
    RecordFindings,
    RecordFollowUp,
    RecordResolution,
    RemedyKind,
    RequestDelay,
    SettleOnTheSpot,
    StatusQuery,
)
from domain.policy import DeadlineName, Policy
from domain.surveys import AnswerSurvey, CallResult, RecordRevisit, SurveyPurpose
from infra.revisits import overdue_deadlines
from tests.support import Desk, case_no_of, intake
from tests.workflows.scenarios import run_scenario
from workflows.complaint import ComplaintWorkflow

NAME, PHONE, EMAIL = "Liu Yang", "138-0000-0000", "liu.yang@example.com"


def consenting(language: str = "zh", channel: str = "email") -> Customer:
    return Customer(
        name=NAME,
        contact=PHONE,
        email=EMAIL,
        phone=PHONE,
        language=language,
        contact_consent=True,
        contact_channel=channel,
    )


async def customer_rows(desk: Desk, case_no: str) -> list[dict]:
    rows = await desk.pool.fetch(
        "SELECT notification_id, recipient, subject, body FROM outbox"
        " WHERE case_no = $1 AND recipient = 'customer' ORDER BY created_at",
        case_no,
    )
    return [dict(row) for row in rows]


async def told(desk: Desk, case_no: str) -> list[dict]:
    """The case's `customer_message_queued` entries: at, moment, channel, notification id."""
    rows = await desk.pool.fetch(
        "SELECT at, reason, data FROM audit_events"
        " WHERE case_no = $1 AND action = 'customer_message_queued' ORDER BY seq",
        case_no,
    )
    return [{"at": row["at"], "reason": row["reason"], **row["data"]} for row in rows]


async def registered(case: WorkflowHandle) -> None:
    """The receipt is queued (the start returns before intake's work is done)."""
    for _ in range(200):
        status = await case.query(ComplaintWorkflow.get_status, StatusQuery())
        if "customer_message_queued" in [entry.action for entry in status.history]:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the receipt was never queued")


async def audit_at(desk: Desk, case_no: str, action: str) -> datetime:
    return await desk.pool.fetchval(
        "SELECT at FROM audit_events WHERE case_no = $1 AND action = $2 ORDER BY seq LIMIT 1",
        case_no,
        action,
    )


async def to_approved(case: WorkflowHandle, handler: Actor, manager: Actor) -> None:
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=handler, valid=True, liability=Liability.COMPANY, summary="Cracked"),
    )
    await case.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(
            actor=handler, kind=RemedyKind.REFUND, amount=Decimal("1800"), details="Refund"
        ),
    )
    await case.execute_update(
        ComplaintWorkflow.decide_approval,
        DecideApproval(actor=manager, approve=True, comment="Within my limit"),
    )


async def to_carried_out(case: WorkflowHandle, handler: Actor, manager: Actor) -> None:
    await to_approved(case, handler, manager)
    await case.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(actor=handler, accepted=True, agreement_ref=f"AG-{case.id}"),
    )
    await case.execute_update(
        ComplaintWorkflow.record_resolution,
        RecordResolution(actor=handler, summary="Refund paid at the desk"),
    )


async def close_not_valid(case: WorkflowHandle, handler: Actor) -> None:
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(
            actor=handler,
            valid=False,
            liability=Liability.CUSTOMER,
            summary="Bought elsewhere",
            reason="the sofa was not sold by us",
        ),
    )


async def test_a_customer_registered_with_consent_gets_the_receipt_with_case_number_and_due_time(
    desk: Desk, staff: Actor
) -> None:
    case = await desk.open(staff, intake(customer=consenting()))
    case_no = case_no_of(case)
    await registered(case)
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery())

    [row] = await customer_rows(desk, case_no)
    assert case_no in row["subject"] and case_no in row["body"]
    first_contact = next(d for d in status.deadlines if d.name is DeadlineName.ACKNOWLEDGE)
    due = desk.policy.calendar.local(first_contact.due_at)
    assert f"{due.year}年{due.month}月{due.day}日 {due:%H:%M}" in row["body"]
    assert "我们已收到您的投诉" in row["body"]
    # The message is about the case, not the person: the relay looks the address up.
    assert NAME not in row["body"] and EMAIL not in row["body"] and PHONE not in row["body"]
    [entry] = await told(desk, case_no)
    assert (entry["moment"], entry["channel"], entry["language"]) == ("received", "email", "zh")
    assert entry["notification_id"] == row["notification_id"]
    assert "收到" not in entry["reason"]  # the audit trail names the moment, not the text


async def test_an_english_speaking_customer_is_told_in_english_by_sms(
    desk: Desk, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff, intake(customer=consenting(language="en", channel="sms")))
    case_no = case_no_of(case)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))

    received, next_steps = await customer_rows(desk, case_no)
    assert received["subject"] == f"We have received your complaint (case {case_no})"
    assert "investigating" in next_steps["body"]
    assert [(e["moment"], e["channel"]) for e in await told(desk, case_no)] == [
        ("received", "sms"),
        ("next_steps", "sms"),
    ]


async def test_the_approved_solution_is_queued_within_the_policys_time_after_approval(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff, intake(customer=consenting()))
    case_no = case_no_of(case)
    await to_approved(case, handler, manager)

    entry = next(e for e in await told(desk, case_no) if e["moment"] == "solution_approved")
    approved_at = await audit_at(desk, case_no, "remedy_approved")
    rule = desk.policy.deadlines[DeadlineName.INFORM_CUSTOMER]
    allowed = rule.default.after(approved_at, desk.policy.calendar) - approved_at
    assert timedelta(0) <= entry["at"] - approved_at <= allowed  # 002: within 5 days
    row = next(
        r
        for r in await customer_rows(desk, case_no)
        if r["notification_id"] == entry["notification_id"]
    )
    assert "退款" in row["body"] and "1,800.00元" in row["body"]


async def test_a_customer_without_consent_gets_no_customer_rows_at_any_moment(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    silent = await desk.open(staff)  # tests.support's customer: no word on contact
    await to_carried_out(silent, handler, manager)
    invalid = await desk.open(staff)
    await close_not_valid(invalid, handler)

    for case in (silent, invalid):
        assert await customer_rows(desk, case_no_of(case)) == []
        assert await told(desk, case_no_of(case)) == []
    links = await desk.pool.fetchval(
        "SELECT count(*) FROM survey_links WHERE case_no = ANY($1::text[])",
        [case_no_of(silent), case_no_of(invalid)],
    )
    assert links == 0


async def test_the_survey_answer_records_the_follow_up_and_closes_the_case(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff, intake(customer=consenting()))
    case_no = case_no_of(case)
    await to_carried_out(case, handler, manager)

    moments = [e["moment"] for e in await told(desk, case_no)]
    assert moments[-2:] == ["result", "survey"]
    survey = (await customer_rows(desk, case_no))[-1]
    link = await desk.pool.fetchrow("SELECT * FROM survey_links WHERE case_no = $1", case_no)
    assert link["purpose"] == "follow_up" and link["used_at"] is None
    assert re.search(rf"/survey/{re.escape(link['link_id'])}\.\d+\.[\w-]+", survey["body"])

    closed = await case.execute_update(
        ComplaintWorkflow.answer_survey,
        AnswerSurvey(
            link_id=link["link_id"], purpose=SurveyPurpose.FOLLOW_UP, satisfaction=4, comment="ok"
        ),
    )
    assert closed.status.stage is Stage.CLOSED and closed.status.satisfaction == 4
    deadlines = {d.name: d.state for d in closed.status.deadlines}
    assert deadlines[DeadlineName.FOLLOW_UP] is DeadlineState.MET
    assert deadlines[DeadlineName.REVISIT_AFTER_REMEDY] is DeadlineState.MET
    followed = await desk.pool.fetchrow(
        "SELECT actor_id, actor_role, data FROM audit_events"
        " WHERE case_no = $1 AND action = 'followed_up'",
        case_no,
    )
    assert (followed["actor_id"], followed["actor_role"]) == ("customer", "customer")
    assert followed["data"]["satisfaction"] == 4


async def test_a_case_settled_on_the_spot_is_told_its_result_surveyed_and_re_visited_in_72_hours(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor
) -> None:
    case = await desk.open(
        staff,
        intake(category=Category.SERVICE_QUALITY, claimed_amount=0, customer=consenting()),
    )
    case_no = case_no_of(case)
    settled = await case.execute_update(
        ComplaintWorkflow.settle_on_the_spot,
        SettleOnTheSpot(
            actor=staff,
            kind=RemedyKind.APOLOGY,
            amount=Decimal("0"),
            given="Apologised for the cashier's tone",
            consent="oral",
        ),
    )
    revisit = {d.name: d for d in settled.status.deadlines}[DeadlineName.REVISIT_AFTER_REMEDY]
    assert revisit.state is DeadlineState.PENDING
    assert revisit.due_at - revisit.started_at == timedelta(hours=72)
    assert [e["moment"] for e in await told(desk, case_no)][-2:] == ["result", "survey"]
    link = await desk.pool.fetchrow("SELECT purpose FROM survey_links WHERE case_no = $1", case_no)
    assert link["purpose"] == "follow_up"

    await time_skipping.sleep(timedelta(hours=73))
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery())
    states = {d.name: d.state for d in status.deadlines}
    assert states[DeadlineName.REVISIT_AFTER_REMEDY] is DeadlineState.MISSED


async def test_the_revisit_after_the_remedy_is_missed_after_72_hours_and_customer_service_told(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff)
    case_no = case_no_of(case)
    await to_carried_out(case, handler, manager)

    await time_skipping.sleep(timedelta(hours=73))
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery())
    deadlines = {d.name: d.state for d in status.deadlines}
    assert deadlines[DeadlineName.REVISIT_AFTER_REMEDY] is DeadlineState.MISSED
    assert deadlines[DeadlineName.FOLLOW_UP] is DeadlineState.PENDING  # 001's week runs on
    told_service = await desk.pool.fetchval(
        "SELECT count(*) FROM outbox WHERE case_no = $1 AND recipient = 'customer_service'",
        case_no,
    )
    assert told_service == 1
    assert status.escalation_level.value == "handler"  # not escalated: customer service is told

    closed = await case.execute_update(
        ComplaintWorkflow.record_follow_up, RecordFollowUp(actor=staff, satisfaction=3)
    )
    states = {d.name: d.state for d in closed.status.deadlines}
    assert states[DeadlineName.REVISIT_AFTER_REMEDY] is DeadlineState.MET_LATE


async def test_a_case_closed_as_not_valid_is_re_visited_and_listed_overdue_until_then(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff, intake(customer=consenting()))
    case_no = case_no_of(case)
    await close_not_valid(case, handler)

    moments = [e["moment"] for e in await told(desk, case_no)]
    assert moments == ["received", "next_steps", "not_valid", "survey"]
    not_valid = (await customer_rows(desk, case_no))[2]
    assert "不成立" in not_valid["body"] and "the sofa was not sold by us" in not_valid["body"]

    await time_skipping.sleep(timedelta(days=8))  # policy: re-visited within 7 days of closing
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery())
    assert {d.name: d.state for d in status.deadlines}[DeadlineName.REVISIT] is (
        DeadlineState.MISSED
    )
    overdue = [row for row in await overdue_deadlines(desk.pool, datetime.now().astimezone())]
    assert (case_no, "revisit", "missed") in [
        (r["case_no"], r["deadline"], r["state"]) for r in overdue
    ]

    done = await case.execute_update(
        ComplaintWorkflow.record_revisit,
        RecordRevisit(actor=staff, call_result=CallResult.REACHED, satisfaction=2, comment="meh"),
    )
    assert done.outcome == "revisited"
    assert {d.name: d.state for d in done.status.deadlines}[DeadlineName.REVISIT] is (
        DeadlineState.MET_LATE
    )
    assert [r.satisfaction for r in done.status.revisits] == [2]
    still = [r["case_no"] for r in await overdue_deadlines(desk.pool, datetime.now().astimezone())]
    assert case_no not in still


async def test_a_re_visit_call_completes_the_samples_task_and_an_unanswered_call_does_not(
    desk: Desk, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff)
    case_no = case_no_of(case)
    await close_not_valid(case, handler)
    # The task the month's draw gives a sampled case (activities/reports.py).
    await desk.pool.execute(
        "INSERT INTO follow_up_tasks (task_id, period, case_no, assigned_to, sample_rank,"
        " population) VALUES ($1, '2099-01', $2, 'customer_service', 1, 5)",
        f"revisit-2099-01-{case_no}",
        case_no,
    )

    attempt = await case.execute_update(
        ComplaintWorkflow.record_revisit,
        RecordRevisit(actor=staff, call_result=CallResult.NO_ANSWER),
    )
    assert attempt.outcome == "re-visit attempt: no_answer"
    task = "SELECT done_at FROM follow_up_tasks WHERE case_no = $1"
    assert await desk.pool.fetchval(task, case_no) is None

    await case.execute_update(
        ComplaintWorkflow.record_revisit,
        RecordRevisit(actor=staff, call_result=CallResult.REACHED, satisfaction=5),
    )
    assert await desk.pool.fetchval(task, case_no) is not None


async def test_handlers_may_not_record_a_re_visit_nor_anyone_for_a_case_they_handle(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=staff))
    await case.execute_update(
        ComplaintWorkflow.reassign_handler,
        ReassignHandler(actor=manager, handler=manager.user_id, reason="I take it myself"),
    )
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(
            actor=manager,
            valid=False,
            liability=Liability.NONE,
            summary="x",
            reason="not ours",
        ),
    )
    for actor in (handler, manager):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await case.execute_update(
                ComplaintWorkflow.record_revisit,
                RecordRevisit(actor=actor, call_result=CallResult.REACHED, satisfaction=5),
            )
        assert refused.value.cause.type == "RoleNotAllowed"


async def test_an_agreed_delay_is_explained_to_the_customer_with_the_new_date(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff, intake(customer=consenting()))
    case_no = case_no_of(case)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery())
    close = next(d for d in status.deadlines if d.name is DeadlineName.CLOSE)
    new_day = desk.policy.calendar.local(close.due_at).date() + timedelta(days=10)
    await case.execute_update(
        ComplaintWorkflow.request_delay,
        RequestDelay(
            actor=handler, deadline=DeadlineName.CLOSE, new_due_on=new_day, reason="Parts late"
        ),
    )
    assert "delay_agreed" not in [e["moment"] for e in await told(desk, case_no)]
    await case.execute_update(
        ComplaintWorkflow.decide_delay, DecideDelay(actor=manager, accept=True, comment="ok")
    )

    entry = (await told(desk, case_no))[-1]
    assert entry["moment"] == "delay_agreed"
    row = (await customer_rows(desk, case_no))[-1]
    assert f"{new_day.year}年{new_day.month}月{new_day.day}日" in row["body"]
    assert "Parts late" not in row["body"]  # the internal reason stays internal


async def test_the_recorded_scenario_tells_surveys_and_re_visits_its_consenting_customer(
    time_skipping: WorkflowEnvironment, policy: Policy
) -> None:
    """What the next recorded histories (v8) hold of this issue, in the SDK's full sandbox."""
    async with run_scenario(time_skipping, policy, "negotiated_and_closed") as (_, recorded):
        actions = [event.audit.action for event in recorded.events]
        moments = [
            event.audit.data["moment"]
            for event in recorded.events
            if event.audit.action == "customer_message_queued"
        ]
    assert moments == [
        "received",
        "next_steps",
        "solution_approved",
        "solution_approved",
        "result",
        "survey",
    ]
    assert [link.purpose for link in recorded.survey_links] == [SurveyPurpose.FOLLOW_UP]
    assert actions[-1] == "revisited"

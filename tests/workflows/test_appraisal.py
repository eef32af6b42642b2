"""Issue 19 section 7 on the time-skipping server with real activities and Postgres: the
appraisal figures per responsible person, department and store, as 004 counts them (only
the responsible person's own reply counts), and web complaints accepted within 1 working
day (001) as their own clock."""

from datetime import UTC, datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from domain.authority import Actor
from domain.models import (
    Acknowledge,
    Category,
    Channel,
    DeadlineState,
    Liability,
    RecordFindings,
    StatusQuery,
)
from domain.policy import DeadlineName
from domain.reports import ReportRules, compute_figures
from infra.reports import fetch_case_facts
from tests.support import Desk, intake
from workflows.complaint import ComplaintWorkflow


async def test_only_the_responsible_persons_own_reply_counts_for_their_timely_reply_rate(
    own_desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    # Both routed to quality control's responsible person at Shanghai Pudong (the handler).
    own = await own_desk.open(staff, intake(category=Category.PRODUCT_QUALITY))
    by_another = await own_desk.open(staff, intake(category=Category.PRODUCT_QUALITY))
    for case, replier in ((own, handler), (by_another, manager)):
        await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=replier))
        await case.execute_update(
            ComplaintWorkflow.record_findings,
            RecordFindings(actor=replier, valid=True, liability=Liability.COMPANY, summary="x"),
        )
    facts = await fetch_case_facts(
        own_desk.pool,
        datetime.now(UTC) - timedelta(days=400),
        datetime.now(UTC) + timedelta(days=400),
        datetime.now(UTC) + timedelta(days=400),
    )
    figures = compute_figures(facts, ReportRules())
    person = figures.rates_by_person[handler.user_id]
    assert (person.timely_reply.numerator, person.timely_reply.denominator) == (1, 2)
    assert (person.contact.numerator, person.contact.denominator) == (1, 2)
    # The company's own rate counts every reply, as before.
    assert figures.rates.timely_reply.numerator == 2
    department = figures.rates_by_department["quality_control"]
    assert department.timely_reply.denominator == 2
    assert figures.rates_by_store["Shanghai Pudong"].timely_reply.numerator == 1


async def test_a_web_complaint_is_accepted_within_one_working_day(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor
) -> None:
    accepted = await desk.open(staff, intake(channel=Channel.WEB))
    result = await accepted.execute_update(
        ComplaintWorkflow.acknowledge, Acknowledge(actor=handler)
    )
    clock = next(d for d in result.status.deadlines if d.name is DeadlineName.WEB_ACCEPTANCE)
    assert clock.state is DeadlineState.MET

    waiting = await desk.open(staff, intake(channel=Channel.WEB))
    await time_skipping.sleep(timedelta(days=4))  # past one working day, weekends included
    status = await waiting.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))
    clock = next(d for d in status.deadlines if d.name is DeadlineName.WEB_ACCEPTANCE)
    assert clock.state is DeadlineState.MISSED

"""The report workflow with its real activities, on the time-skipping server and a database
of its own, so the figures count exactly the cases each test drives through the lifecycle."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.authority import Actor
from domain.models import (
    Acknowledge,
    AuditEntry,
    Category,
    Channel,
    CommandResult,
    DecideApproval,
    Liability,
    ProposeRemedy,
    RecordCustomerResponse,
    RecordFindings,
    RecordResolution,
    RemedyKind,
    Reopen,
)
from domain.reports import (
    Period,
    PeriodKind,
    ProduceReport,
    Report,
    ReportRules,
    draw_revisit_sample,
)
from infra.audit import append_audit
from infra.reports import find_report
from infra.revisits import complete_revisit_tasks
from tests.support import Desk, case_no_of, intake, register_only, register_row
from tests.workflows.scenarios import close_with_follow_up
from workflows.complaint import ComplaintWorkflow
from workflows.reports import ReportWorkflow


@pytest.fixture
def desk(own_desk: Desk) -> Desk:
    return own_desk


async def _produce(
    env: WorkflowEnvironment,
    desk: Desk,
    kind: PeriodKind,
    key: str,
    rules: ReportRules | None = None,
) -> Report:
    # No time skipping while the report runs: the cases' clocks stay where the test left them.
    with env.auto_time_skipping_disabled():
        return await desk.client.execute_workflow(
            ReportWorkflow.run,
            ProduceReport(
                kind=kind,
                period=key,
                timezone=desk.policy.calendar.timezone,
                rules=rules or desk.policy.reports.rules(),
            ),
            id=f"report-{kind.value}-{key}-{uuid.uuid4().hex[:6]}",
            task_queue=desk.task_queue,
        )


async def _resolve(
    case: WorkflowHandle, *, staff: Actor, handler: Actor, manager: Actor, satisfaction: int
) -> CommandResult:
    """Acknowledged, found valid, refund approved and accepted, paid, visited: closed."""
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=handler, valid=True, liability=Liability.COMPANY, summary="Ours"),
    )
    await case.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(actor=handler, kind=RemedyKind.REFUND, amount=Decimal("300"), details="x"),
    )
    await case.execute_update(
        ComplaintWorkflow.decide_approval, DecideApproval(actor=manager, approve=True, comment="ok")
    )
    await case.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(actor=handler, accepted=True, agreement_ref=f"AG-{case.id}"),
    )
    await case.execute_update(
        ComplaintWorkflow.record_resolution, RecordResolution(actor=handler, summary="Refunded")
    )
    # A B case (3+ people) closes with its corrective action (issue 19, policy `lessons`).
    return await close_with_follow_up(case, by=staff, satisfaction=satisfaction)


async def test_the_monthly_figures_match_the_cases_driven_through_the_lifecycle(
    desk: Desk,
    time_skipping: WorkflowEnvironment,
    staff: Actor,
    handler: Actor,
    manager: Actor,
) -> None:
    def complaint(category: Category, channel: Channel, store: str, people: int = 1):
        return intake(category=category, channel=channel, store=store, people_affected=people)

    goods, service = Category.PRODUCT_QUALITY, Category.SERVICE_QUALITY
    # Twelve people complaining together: grade A.
    a = await desk.open(staff, complaint(goods, Channel.WALK_IN, "Pudong", people=12))
    b = await desk.open(staff, complaint(service, Channel.PHONE, "Pudong"))
    g = await desk.open(staff, complaint(goods, Channel.WEB, "Xuhui"))
    c = await desk.open(staff, complaint(goods, Channel.WEB, "Xuhui"))
    d = await desk.open(staff, complaint(Category.DELIVERY_INSTALLATION, Channel.PHONE, "Xuhui"))
    e = await desk.open(staff, complaint(service, Channel.EMAIL, "Xuhui"))
    f = await desk.open(staff, complaint(goods, Channel.WALK_IN, "Pudong"))
    cases = [a, b, g, c, d, e, f]

    # c: found not valid (the customer is told why), then back as a second complaint.
    await c.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await c.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(
            actor=handler,
            valid=False,
            liability=Liability.CUSTOMER,
            summary="misuse",
            reason="not bought here",
        ),
    )
    await c.execute_update(ComplaintWorkflow.reopen, Reopen(actor=staff, reason="found receipt"))
    # d: replied to and a remedy proposed, waiting for approval.
    await d.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await d.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=handler, valid=True, liability=Liability.COMPANY, summary="Late"),
    )
    await d.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(actor=handler, kind=RemedyKind.APOLOGY, amount=Decimal("0"), details="x"),
    )
    # f: first contact only; its department reply is not due yet.
    await f.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    # a, g, b: closed 0, 2 and 5 hours in, rated 5, 4 and 2.
    closed = {}
    for case, wait, satisfaction in ((a, 0, 5), (g, 2, 4), (b, 3, 2)):
        await time_skipping.sleep(timedelta(hours=wait))
        result = await _resolve(
            case, staff=staff, handler=handler, manager=manager, satisfaction=satisfaction
        )
        closed[case.id] = result.status.closed_at
    # e: nobody calls the customer; a service complaint's first contact is due in 24 hours.
    await time_skipping.sleep(timedelta(hours=20))

    received = {h.id: (await register_row(desk.pool, case_no_of(h)))["received_at"] for h in cases}
    tz = desk.policy.calendar.timezone
    months = {Period.containing(PeriodKind.MONTHLY, at, tz).key for at in received.values()}
    if len(months) > 1:
        pytest.skip("the cases straddle local midnight at the end of a month")
    month = months.pop()

    report = await _produce(time_skipping, desk, PeriodKind.MONTHLY, month)

    figures = report.figures
    assert (report.kind, report.period, report.timezone) == (PeriodKind.MONTHLY, month, tz)
    assert figures.cases == 7
    assert figures.by_category == {
        "delivery_installation": 1,
        "product_quality": 4,
        "service_quality": 2,
    }
    # e's missed first contact raised it from C to B.
    assert figures.by_grade == {"A": 1, "B": 1, "C": 5}
    assert figures.by_store == {"Pudong": 3, "Xuhui": 4}
    assert figures.by_channel == {"email": 1, "phone": 2, "walk_in": 2, "web": 2}

    def fraction(rate) -> tuple[int, int, float | None]:
        return rate.numerator, rate.denominator, rate.value

    rates = figures.rates
    # Department replies in time: a, b, g, d, and c's "not valid"; f has none yet, e neither.
    assert fraction(rates.timely_reply) == (5, 7, round(5 / 7, 4))
    assert fraction(rates.contact) == (6, 7, round(6 / 7, 4))
    # Told the result: a, b, g accepted their remedy; c was told why it was not valid.
    assert fraction(rates.result_reply) == (4, 7, round(4 / 7, 4))
    assert fraction(rates.satisfaction) == (2, 3, round(2 / 3, 4))
    assert fraction(rates.second_complaint) == (1, 7, round(1 / 7, 4))

    def hours(case: WorkflowHandle) -> float:
        return (closed[case.id] - received[case.id]).total_seconds() / 3600

    assert set(figures.time_to_close) == {"A", "C"}  # c was reopened: no longer closed
    grade_a, grade_c = figures.time_to_close["A"], figures.time_to_close["C"]
    assert (grade_a.closed, grade_a.median_hours) == (1, round(hours(a), 2))
    assert grade_c.closed == 2
    assert grade_c.median_hours == pytest.approx((hours(g) + hours(b)) / 2, abs=0.01)
    assert grade_c.p90_hours == pytest.approx(hours(g) + 0.9 * (hours(b) - hours(g)), abs=0.01)
    assert grade_c.median_hours == pytest.approx(3.5, abs=0.05)  # closed after 2 and 5 hours

    assert [(o.case_no, o.owner, o.missed_deadlines, o.still_overdue) for o in figures.overdue] == [
        (case_no_of(e), "duty_manager", ["acknowledge"], True)
    ]
    assert report.previous.cases == 0
    assert report.previous.period == Period.parse(PeriodKind.MONTHLY, month).previous().key
    assert await find_report(desk.pool, PeriodKind.MONTHLY, month) == report


async def _closed_in(pool: asyncpg.Pool, case_no: str, closed_at: datetime) -> None:
    await pool.execute(
        "UPDATE complaints SET received_at = $2, closed_at = $2, stage = 'closed',"
        " waiting_on = 'nothing' WHERE case_no = $1",
        case_no,
        closed_at,
    )


async def test_a_finished_month_gets_a_reproducible_revisit_sample_and_one_task_per_case(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor
) -> None:
    # Register rows alone stand in for January 2001: no workflow could have closed them then.
    january = [await register_only(desk.pool, desk.policy, staff, month="200101") for _ in range(7)]
    for day, case_no in enumerate(january, start=3):
        await _closed_in(desk.pool, case_no, datetime(2001, 1, day, 4, tzinfo=UTC))
    # Closed just after local midnight on 1 February: February's, not January's.
    february = await register_only(desk.pool, desk.policy, staff, month="200102")
    await _closed_in(desk.pool, february, datetime(2001, 1, 31, 16, 30, tzinfo=UTC))

    first = await _produce(time_skipping, desk, PeriodKind.MONTHLY, "2001-01")
    again = await _produce(time_skipping, desk, PeriodKind.MONTHLY, "2001-01")

    assert first.complete and first.figures.cases == 7
    assert first.revisit is not None and first.revisit.population == 7
    # At least 20%: 7 closed cases give 2, drawn in the month's own hash order.
    assert first.revisit.case_nos == draw_revisit_sample("2001-01", january, ReportRules())
    assert len(first.revisit.case_nos) == 2 and set(first.revisit.case_nos) <= set(january)
    assert again.revisit == first.revisit
    tasks = await desk.pool.fetch(
        "SELECT case_no, assigned_to FROM follow_up_tasks WHERE period = '2001-01'"
        " ORDER BY sample_rank"
    )
    assert [(t["case_no"], t["assigned_to"]) for t in tasks] == [
        (case_no, "customer_service") for case_no in first.revisit.case_nos
    ]
    notes = await desk.pool.fetch(
        "SELECT case_no FROM outbox WHERE recipient = 'customer_service' ORDER BY case_no"
    )
    assert [n["case_no"] for n in notes] == sorted(first.revisit.case_nos)


async def test_a_run_samples_and_counts_satisfaction_with_the_numbers_in_its_input(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor
) -> None:
    march = [await register_only(desk.pool, desk.policy, staff, month="200103") for _ in range(4)]
    for day, case_no in enumerate(march, start=3):
        await _closed_in(desk.pool, case_no, datetime(2001, 3, day, 4, tzinfo=UTC))
        rating = AuditEntry(
            event_id=f"rated-{case_no}",
            at=datetime(2001, 3, day, 4, tzinfo=UTC),
            actor_id=staff.user_id,
            actor_role=staff.role.value,
            action="followed_up",
            data={"satisfaction": 3 + day % 3},  # 3, 4, 5, 3
        )
        async with desk.pool.acquire() as conn:
            await append_audit(conn, case_no, rating)

    strict = ReportRules(satisfied_from=5, revisit_percent=50)
    report = await _produce(time_skipping, desk, PeriodKind.MONTHLY, "2001-03", strict)

    assert report.revisit is not None
    assert report.revisit.case_nos == draw_revisit_sample("2001-03", march, strict)
    assert len(report.revisit.case_nos) == 2  # half of 4, where 20% would have been 1
    satisfaction = report.figures.rates.satisfaction
    assert (satisfaction.numerator, satisfaction.denominator) == (1, 4)  # only the 5


async def test_a_weekly_summary_has_no_sample_and_a_future_period_is_refused(
    desk: Desk, time_skipping: WorkflowEnvironment
) -> None:
    week = await _produce(time_skipping, desk, PeriodKind.WEEKLY, "2001-W05")
    assert (week.figures.cases, week.revisit, week.previous.period) == (0, None, "2001-W04")

    with pytest.raises(WorkflowFailureError) as refused:
        await _produce(time_skipping, desk, PeriodKind.MONTHLY, "2999-01")
    assert isinstance(refused.value.cause, ApplicationError)
    assert refused.value.cause.type == "PeriodInFuture"
    assert await find_report(desk.pool, PeriodKind.MONTHLY, "2999-01") is None


async def test_the_monthly_report_tells_how_much_of_the_previous_months_sample_was_re_visited(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor
) -> None:
    april = [await register_only(desk.pool, desk.policy, staff, month="200104") for _ in range(10)]
    for day, case_no in enumerate(april, start=3):
        await _closed_in(desk.pool, case_no, datetime(2001, 4, day, 4, tzinfo=UTC))
    sampled = (await _produce(time_skipping, desk, PeriodKind.MONTHLY, "2001-04")).revisit
    assert sampled is not None and len(sampled.case_nos) == 2
    # Customer service re-visits one of the two (what a reached call's entry does).
    async with desk.pool.acquire() as conn:
        await complete_revisit_tasks(conn, sampled.case_nos[0], datetime(2001, 5, 6, tzinfo=UTC))

    may = await _produce(time_skipping, desk, PeriodKind.MONTHLY, "2001-05")

    assert may.revisit_completion is not None and may.revisit_completion.period == "2001-04"
    completion = may.revisit_completion.completion
    assert (completion.numerator, completion.denominator, completion.value) == (1, 2, 0.5)

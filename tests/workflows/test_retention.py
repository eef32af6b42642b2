"""Retention (DOMAIN section 8): the daily run anonymises closed cases past the policy's
`retention.keep_days`, keeps their figures, and never touches younger or open cases. The
retention workflow with its real activity on the time-skipping server, and a database of
its own: the run anonymises every expired case it finds."""

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.retention import RetentionActivities
from domain.authority import Actor
from domain.models import AuditEntry, Customer, Intake, Notification, PurchaseProof
from domain.policy import Policy
from domain.reports import Period, PeriodKind, ProduceReport, Report
from domain.retention import ANONYMISED, AnonymiseExpired, ApplyRetention, RetentionResult
from infra.audit import append_audit, queue_notification
from tests.support import Desk, register_only, register_row
from workflows.reports import ReportWorkflow
from workflows.retention import RetentionWorkflow

NOW = datetime.now(UTC)


@pytest.fixture
def desk(own_desk: Desk) -> Desk:
    return own_desk


async def _case(
    pool: asyncpg.Pool,
    policy: Policy,
    staff: Actor,
    *,
    received: int,
    closed: int | None,
    satisfaction: int,
    name: str = "Liu Yang",
) -> str:
    """A register row received and closed (None: still open) so many days ago, with the
    note, findings, rating and reply a case leaves."""
    received_at = NOW - timedelta(days=received)
    case_no = await register_only(
        pool,
        policy,
        staff,
        month=f"{received_at:%Y%m}",
        customer=Customer(name=name, contact="138-0000-0000"),
        description=f"{name}'s sofa armrest cracked; call her at home.",
        purchase_proof=PurchaseProof(receipt_no="R-20251101-88"),
        subject="sofa ZX-200 armrest",
    )
    closed_at = None if closed is None else NOW - timedelta(days=closed)
    await pool.execute(
        "UPDATE complaints SET received_at = $2, closed_at = $3, stage = $4, waiting_on = $5"
        " WHERE case_no = $1",
        case_no,
        received_at,
        closed_at,
        "investigating" if closed_at is None else "closed",
        "department-findings" if closed_at is None else "nothing",
    )
    entries = [
        ("acknowledged", f"Spoke to {name}", {}),
        ("findings_recorded", "Ours", {"valid": True, "summary": f"{name} used it normally"}),
        ("note_added", f"{name} lives at 8 Century Avenue", {}),
        ("followed_up", "Happy enough", {"satisfaction": satisfaction}),
    ]
    async with pool.acquire() as conn:
        for n, (action, reason, data) in enumerate(entries):
            await append_audit(
                conn,
                case_no,
                AuditEntry(
                    event_id=f"{case_no}-{n}",
                    at=received_at + timedelta(hours=n),
                    actor_id=staff.user_id,
                    actor_role=staff.role.value,
                    action=action,
                    reason=reason,
                    data=data,
                ),
            )
        await queue_notification(
            conn,
            case_no,
            Notification(
                notification_id=f"{case_no}-reply",
                recipient="customer",
                subject="Your complaint",
                body=f"Dear {name}, we will refund you.",
            ),
        )
    return case_no


async def _apply(desk: Desk, **fields) -> RetentionResult:
    return await desk.client.execute_workflow(
        RetentionWorkflow.run,
        ApplyRetention(keep_days=desk.policy.retention.keep_days, **fields),
        id=f"retention-{uuid.uuid4().hex[:6]}",
        task_queue=desk.task_queue,
    )


async def _report(env: WorkflowEnvironment, desk: Desk, month: str) -> Report:
    with env.auto_time_skipping_disabled():
        return await desk.client.execute_workflow(
            ReportWorkflow.run,
            ProduceReport(
                kind=PeriodKind.MONTHLY, period=month, timezone=desk.policy.calendar.timezone
            ),
            id=f"report-{uuid.uuid4().hex[:6]}",
            task_queue=desk.task_queue,
        )


async def _audit(pool: asyncpg.Pool, case_no: str) -> list[tuple[str, str, dict]]:
    rows = await pool.fetch(
        "SELECT action, reason, data FROM audit_events WHERE case_no = $1 ORDER BY seq", case_no
    )
    return [(r["action"], r["reason"], r["data"]) for r in rows]


async def test_a_case_closed_400_days_ago_is_anonymised_and_its_month_reports_the_same(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor
) -> None:
    expired = await _case(desk.pool, desk.policy, staff, received=402, closed=400, satisfaction=5)
    unhappy = await _case(
        desk.pool, desk.policy, staff, received=402, closed=400, satisfaction=2, name="Wang Fang"
    )
    recent = await _case(desk.pool, desk.policy, staff, received=102, closed=100, satisfaction=4)
    still_open = await _case(
        desk.pool, desk.policy, staff, received=500, closed=None, satisfaction=3
    )
    before_rows = {n: dict(await register_row(desk.pool, n)) for n in (expired, recent, still_open)}
    before_audit = {n: await _audit(desk.pool, n) for n in (recent, still_open)}
    month = Period.containing(
        PeriodKind.MONTHLY, before_rows[expired]["received_at"], desk.policy.calendar.timezone
    ).key
    report_before = await _report(time_skipping, desk, month)

    result = await _apply(desk, batch_size=1)  # one case a batch: the run goes on until done

    assert (result.anonymised, result.more_left) == (2, False)
    row = await register_row(desk.pool, expired)
    assert (row["customer_name"], row["customer_contact"], row["description"]) == (
        ANONYMISED,
        ANONYMISED,
        ANONYMISED,
    )
    assert row["customer_key"] is None and row["anonymised_at"] is not None
    intake = Intake.model_validate(row["intake"])  # still a valid intake
    assert intake.customer == Customer(name=ANONYMISED, contact=ANONYMISED)
    assert (intake.description, intake.purchase_proof.receipt_no) == (ANONYMISED, ANONYMISED)
    # The figures stay: every column a report reads, and the subject.
    kept = ("received_at", "closed_at", "channel", "store", "category", "grade", "stage")
    kept += ("claimed_amount", "people_affected", "requested_remedy", "subject_key")
    assert {k: row[k] for k in kept} == {k: before_rows[expired][k] for k in kept}
    assert intake.subject == "sofa ZX-200 armrest"

    # Who did what and when stays; the text people typed goes; the rating stays.
    assert await _audit(desk.pool, expired) == [
        ("acknowledged", ANONYMISED, {}),
        ("findings_recorded", ANONYMISED, {"valid": True, "summary": ANONYMISED}),
        ("note_added", ANONYMISED, {}),
        ("followed_up", ANONYMISED, {"satisfaction": 5}),
        (
            "anonymised",
            f"personal data anonymised: closed {row['closed_at'].date()}, kept 365 days",
            {"closed_at": row["closed_at"].isoformat(), "keep_days": 365},
        ),
    ]
    body = await desk.pool.fetchval("SELECT body FROM outbox WHERE case_no = $1", expired)
    assert body == ANONYMISED

    report_after = await _report(time_skipping, desk, month)
    assert report_after.figures == report_before.figures
    assert report_after.figures.rates.satisfaction.numerator == 1  # 5 yes, 2 no
    assert report_after.previous == report_before.previous

    # The 100-day-old case and the open one are untouched, row and trail.
    for case_no in (recent, still_open):
        assert dict(await register_row(desk.pool, case_no)) == before_rows[case_no]
        assert await _audit(desk.pool, case_no) == before_audit[case_no]
    assert (await register_row(desk.pool, unhappy))["anonymised_at"] is not None


async def test_running_again_anonymises_nothing_twice(desk: Desk, staff: Actor) -> None:
    expired = await _case(desk.pool, desk.policy, staff, received=401, closed=400, satisfaction=4)
    first, again = await _apply(desk), await _apply(desk)
    assert (first.anonymised, again.anonymised) == (1, 0)
    actions = [action for action, _, _ in await _audit(desk.pool, expired)]
    assert actions.count("anonymised") == 1


async def test_an_open_case_is_never_anonymised_however_old(desk: Desk, staff: Actor) -> None:
    ancient = await _case(desk.pool, desk.policy, staff, received=3000, closed=None, satisfaction=1)
    assert (await _apply(desk)).anonymised == 0
    row = await register_row(desk.pool, ancient)
    assert (row["customer_name"], row["anonymised_at"]) == ("Liu Yang", None)


async def test_a_batch_stops_at_its_limit_and_counts_what_it_did(
    own_pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    cases = [
        await _case(own_pool, policy, staff, received=700 - n, closed=600 - n, satisfaction=5)
        for n in range(3)
    ]
    activity = RetentionActivities(own_pool).anonymise_expired_cases
    req = AnonymiseExpired(closed_before=NOW - timedelta(days=365), keep_days=365, limit=2)
    env = ActivityEnvironment()
    first = await env.run(activity, req)
    second = await env.run(activity, req)
    third = await env.run(activity, req)
    assert first.case_nos == cases[:2]  # oldest first
    assert (second.case_nos, third.case_nos) == ([cases[2]], [])

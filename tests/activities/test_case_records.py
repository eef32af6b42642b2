"""The recording activity on real Postgres: retries write once, stale rows never win."""

from datetime import UTC, datetime

import asyncpg
from temporalio.testing import ActivityEnvironment

from activities.case_records import CaseRecorder
from domain.authority import Actor, Level
from domain.grades import Grade
from domain.lifecycle import Stage, WaitingOn
from domain.models import AuditEntry, CaseEvent, CaseEvents, Notification, RegisterSnapshot
from domain.policy import Policy
from tests.support import register_only, register_row


def _event(case_no: str, version: int, stage: Stage, event_id: str) -> CaseEvent:
    now = datetime.now(UTC)
    return CaseEvent(
        case_no=case_no,
        audit=AuditEntry(
            event_id=event_id,
            at=now,
            actor_id="handler.wang",
            actor_role="handler",
            action=f"moved_to_{stage.value}",
        ),
        register_row=RegisterSnapshot(
            version=version,
            stage=stage,
            grade=Grade.C,
            escalation_level=Level.HANDLER,
            handler="handler.wang",
            waiting_on=WaitingOn.DEPARTMENT_FINDINGS,
            waiting_on_who="handler.wang",
            next_deadline=None,
            next_deadline_at=None,
            overdue=False,
            reopen_count=0,
            closed_at=None,
        ),
        notifications=[
            Notification(
                notification_id=f"{event_id}-n", recipient="duty_manager", subject="s", body="b"
            )
        ],
    )


async def test_a_retried_record_writes_one_audit_entry_and_one_notification(
    pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    case_no = await register_only(pool, policy, staff)
    recorder = CaseRecorder(pool)
    event = _event(case_no, 1, Stage.INVESTIGATING, f"evt-{case_no}-1")

    env = ActivityEnvironment()
    await env.run(recorder.record_case_event, event)
    await env.run(recorder.record_case_event, event)

    audits = await pool.fetchval("SELECT count(*) FROM audit_events WHERE case_no = $1", case_no)
    notes = await pool.fetchval("SELECT count(*) FROM outbox WHERE case_no = $1", case_no)
    assert (audits, notes) == (1, 1)


async def test_an_older_snapshot_does_not_overwrite_a_newer_register_row(
    pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    case_no = await register_only(pool, policy, staff)
    recorder = CaseRecorder(pool)
    env = ActivityEnvironment()
    await env.run(
        recorder.record_case_event,
        _event(case_no, 2, Stage.LIABILITY_DECIDED, f"{case_no}-new"),
    )
    await env.run(
        recorder.record_case_event,
        _event(case_no, 1, Stage.INVESTIGATING, f"{case_no}-old"),
    )

    row = await register_row(pool, case_no)
    assert (row["stage"], row["state_version"]) == ("liability_decided", 2)


async def test_changes_recorded_together_are_written_in_order_once_even_when_retried(
    pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    """A case's registration records its changes together (issue 20): each as it would be
    alone, in order, and a retry of the whole batch writes none twice."""
    case_no = await register_only(pool, policy, staff)
    recorder = CaseRecorder(pool)
    batch = CaseEvents(
        case_no=case_no,
        events=[
            _event(case_no, 1, Stage.RECEIVED, f"{case_no}-a"),
            _event(case_no, 2, Stage.INVESTIGATING, f"{case_no}-b"),
        ],
    )
    env = ActivityEnvironment()
    await env.run(recorder.record_case_events, batch)
    await env.run(recorder.record_case_events, batch)

    audits = await pool.fetch(
        "SELECT event_id FROM audit_events WHERE case_no = $1 ORDER BY seq", case_no
    )
    assert [a["event_id"] for a in audits] == [f"{case_no}-a", f"{case_no}-b"]
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE case_no = $1", case_no) == 2
    row = await register_row(pool, case_no)
    assert (row["stage"], row["state_version"]) == ("investigating", 2)

"""Activities that write a case's changes to Postgres (DOMAIN section 8: the audit trail)."""

import asyncpg
import structlog
from temporalio import activity

from domain.models import CaseEvent, CaseEvents, HistoryEntry, ProcessEvent
from infra.audit import append_audit, queue_notification, store_agreement
from infra.processes import apply_process_snapshot
from infra.register import apply_snapshot
from infra.revisits import complete_revisit_tasks

log = structlog.get_logger(__name__)


class CaseRecorder:
    """Writes audit entry, register row, outbox and agreement of one change in one transaction."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn
    async def record_case_event(self, event: CaseEvent) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await _write_case_event(conn, event)
        # case_no, workflow_id and attempt come from the worker's ActivityLogContext.
        log.info("case_event_recorded", action=event.audit.action)

    @activity.defn
    async def record_case_events(self, batch: CaseEvents) -> None:
        """Several changes in order, together: all written or, on a retry, all again (each
        write is idempotent, keyed by its audit event)."""
        async with self._pool.acquire() as conn, conn.transaction():
            for event in batch.events:
                await _write_case_event(conn, event)
        log.info("case_events_recorded", actions=[e.audit.action for e in batch.events])

    @activity.defn
    async def record_process_event(self, event: ProcessEvent) -> None:
        """The same for a sub-process: its audit entries are filed with the case."""
        async with self._pool.acquire() as conn, conn.transaction():
            await append_audit(conn, event.case_no, event.audit, process=event.kind.value)
            await apply_process_snapshot(conn, event.case_no, event.summary, event.record)
            for note in event.notifications:
                await queue_notification(conn, event.case_no, note)
            if event.agreement is not None:
                await store_agreement(conn, event.case_no, event.agreement)
        log.info("process_event_recorded", process=event.kind.value, action=event.audit.action)


async def _write_case_event(conn: asyncpg.Connection, event: CaseEvent) -> None:
    """One change: its audit entry, the register row and snapshot, its notices and
    agreement, in the caller's transaction."""
    await append_audit(conn, event.case_no, event.audit)
    await apply_snapshot(
        conn,
        event.case_no,
        event.register_row,
        event.status,
        HistoryEntry.of(event.audit),
        event.history_length,
    )
    for note in event.notifications:
        await queue_notification(conn, event.case_no, note)
    if event.agreement is not None:
        await store_agreement(conn, event.case_no, event.agreement)
    if event.audit.action == "revisited" and event.audit.data.get("completed"):
        # The month's sample task of the case is done with it (issue 19 section 5).
        await complete_revisit_tasks(conn, event.case_no, event.audit.at)

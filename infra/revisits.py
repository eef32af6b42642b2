"""Re-visits in Postgres (issue 19 section 5, DOMAIN section 9): the monthly sample's tasks a
recorded re-visit completes, and the re-visits that are overdue.

A case's re-visit deadlines live in its snapshot (the case's state as its last change left
it, migrations/009), so the overdue list reads them there without asking a worker; the
sample's tasks are overdue `reports.revisit_within_days` after they were drawn.
"""

from datetime import datetime, timedelta

import asyncpg

from domain.policy import DeadlineName

REVISIT_DEADLINES = (DeadlineName.REVISIT.value, DeadlineName.REVISIT_AFTER_REMEDY.value)


async def complete_revisit_tasks(conn: asyncpg.Connection, case_no: str, at: datetime) -> None:
    """The case's open re-visit tasks are done: in the transaction of its `revisited` entry."""
    await conn.execute(
        "UPDATE follow_up_tasks SET done_at = $2"
        " WHERE case_no = $1 AND kind = 'revisit' AND done_at IS NULL",
        case_no,
        at,
    )


# Pending past due, or missed and not met since: both are still to be done.
_OVERDUE_DEADLINES = """
SELECT c.case_no, c.store, c.stage, c.handler, d ->> 'name' AS deadline,
       (d ->> 'due_at')::timestamptz AS due_at, d ->> 'state' AS state
FROM complaints c, jsonb_array_elements(c.snapshot -> 'deadlines') d
WHERE c.snapshot IS NOT NULL AND c.anonymised_at IS NULL
  AND d ->> 'name' = ANY($1::text[])
  AND (d ->> 'state' = 'missed'
       OR (d ->> 'state' = 'pending' AND (d ->> 'due_at')::timestamptz < $2))
ORDER BY due_at, c.case_no
"""

_OVERDUE_TASKS = """
SELECT t.task_id, t.period, t.case_no, c.store, t.created_at, t.created_at + $2 AS due_at
FROM follow_up_tasks t JOIN complaints c ON c.case_no = t.case_no
WHERE t.kind = 'revisit' AND t.done_at IS NULL AND t.created_at + $2 < $1
ORDER BY t.created_at, t.case_no
"""


async def overdue_deadlines(pool: asyncpg.Pool, now: datetime) -> list[asyncpg.Record]:
    return await pool.fetch(_OVERDUE_DEADLINES, list(REVISIT_DEADLINES), now)


async def overdue_sample_tasks(
    pool: asyncpg.Pool, now: datetime, within: timedelta
) -> list[asyncpg.Record]:
    return await pool.fetch(_OVERDUE_TASKS, now, within)


async def sample_completion(
    conn: asyncpg.Connection | asyncpg.Pool, period_key: str
) -> tuple[int, int]:
    """(done, drawn) of a month's sample."""
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE done_at IS NOT NULL) AS done, count(*) AS drawn"
        " FROM follow_up_tasks WHERE period = $1 AND kind = 'revisit'",
        period_key,
    )
    return row["done"], row["drawn"]

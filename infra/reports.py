"""Reports in Postgres: the facts of a period's cases, stored reports, re-visit tasks."""

from datetime import datetime

import asyncpg

from domain.models import Notification
from domain.reports import (
    CONTACT_ACTIONS,
    REPLY_ACTIONS,
    RESULT_ACTIONS,
    REVISIT_ASSIGNEE,
    CaseFacts,
    PeriodKind,
    Report,
)
from infra.audit import queue_notification


async def first_received_at(pool: asyncpg.Pool) -> datetime | None:
    """When the company's first case was received (the start of what reports cover)."""
    return await pool.fetchval("SELECT min(received_at) FROM complaints")


# One row per case received in [$1, $2); the audit trail folded into what the figures need.
# Overdue as infra.register defines it, but at the report's as-of time ($3), not now().
_CASE_FACTS = """
SELECT c.case_no, c.received_at, c.closed_at, c.channel, c.store, c.category, c.grade,
       c.stage, c.handler, c.escalation_level, c.reopen_count, c.department,
       (c.overdue OR COALESCE(c.closed_at IS NULL AND c.next_deadline_at < $3, false))
           AS overdue_now,
       COALESCE(bool_or(a.action = ANY($4::text[])), false) AS contacted,
       COALESCE(bool_or(a.action = ANY($5::text[])), false) AS replied,
       COALESCE(bool_or(a.action = ANY($6::text[])), false) AS result_told,
       (array_agg((a.data ->> 'satisfaction')::int ORDER BY a.seq DESC)
           FILTER (WHERE a.action = 'followed_up'))[1] AS satisfaction,
       COALESCE(array_agg(a.data ->> 'deadline' ORDER BY a.seq)
           FILTER (WHERE a.action = 'deadline_missed'), '{}') AS missed_deadlines,
       COALESCE(bool_or(a.action = 'settled_on_the_spot'), false) AS settled_on_the_spot,
       (array_agg(a.data ->> 'cause' ORDER BY a.seq DESC)
           FILTER (WHERE a.action = 'findings_recorded'))[1] AS cause,
       COALESCE(bool_or(a.action = 'corrective_action_set'), false) AS corrective_set,
       COALESCE(bool_or(a.action = 'corrective_action_done'), false) AS corrective_done,
       c.subject_key,
       COALESCE(bool_or(a.action = ANY($4::text[]) AND a.actor_id = c.handler), false)
           AS contacted_by_responsible,
       COALESCE(bool_or(a.action = ANY($5::text[]) AND a.actor_id = c.handler), false)
           AS replied_by_responsible,
       COALESCE(bool_or(a.action = ANY($6::text[]) AND a.actor_id = c.handler), false)
           AS result_by_responsible,
       -- Issue 16: paid to the customer, recovered from the supplier.
       COALESCE(sum((a.data ->> 'amount')::numeric)
           FILTER (WHERE a.action = 'payment_requested'), 0) AS paid_to_customer,
       EXISTS (SELECT 1 FROM case_processes p
               WHERE p.case_no = c.case_no AND p.kind = 'supplier_claim') AS supplier_claim,
       COALESCE((SELECT sum((s.data ->> 'amount')::numeric) FROM audit_events s
                 WHERE s.case_no = c.case_no AND s.process = 'supplier_claim'
                   AND s.action = 'supplier_compensation_received'), 0)
           AS recovered_from_supplier
FROM complaints c
-- Only the case's own entries: its sub-processes file theirs with a process name.
LEFT JOIN audit_events a ON a.case_no = c.case_no AND a.process IS NULL
WHERE c.received_at >= $1 AND c.received_at < $2
GROUP BY c.case_no
ORDER BY c.case_no
"""


async def fetch_case_facts(
    pool: asyncpg.Pool, starts_at: datetime, ends_at: datetime, as_of: datetime
) -> list[CaseFacts]:
    rows = await pool.fetch(
        _CASE_FACTS,
        starts_at,
        ends_at,
        as_of,
        list(CONTACT_ACTIONS),
        list(REPLY_ACTIONS),
        list(RESULT_ACTIONS),
    )
    return [CaseFacts.model_validate(dict(row)) for row in rows]


async def closed_case_nos(
    conn: asyncpg.Connection, starts_at: datetime, ends_at: datetime
) -> list[str]:
    """Cases closed in the period and still closed: the re-visit population."""
    rows = await conn.fetch(
        "SELECT case_no FROM complaints"
        " WHERE stage = 'closed' AND closed_at >= $1 AND closed_at < $2",
        starts_at,
        ends_at,
    )
    return [row["case_no"] for row in rows]


async def drawn_sample(conn: asyncpg.Connection, period_key: str) -> tuple[int, list[str]]:
    rows = await conn.fetch(
        "SELECT case_no, population FROM follow_up_tasks"
        " WHERE period = $1 AND kind = 'revisit' ORDER BY sample_rank",
        period_key,
    )
    population = rows[0]["population"] if rows else 0
    return population, [row["case_no"] for row in rows]


async def lock_period(conn: asyncpg.Connection, period_key: str) -> None:
    """Two runs for one month (the schedule's and a manager's) draw one after the other."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"revisit/{period_key}")


async def create_revisit_tasks(
    conn: asyncpg.Connection, period_key: str, population: int, case_nos: list[str]
) -> None:
    """A follow-up task per sampled case and a notification to customer service."""
    for rank, case_no in enumerate(case_nos, start=1):
        task_id = f"revisit-{period_key}-{case_no}"
        await conn.execute(
            """
            INSERT INTO follow_up_tasks
                (task_id, period, case_no, kind, assigned_to, sample_rank, population)
            VALUES ($1, $2, $3, 'revisit', $4, $5, $6)
            ON CONFLICT (task_id) DO NOTHING
            """,
            task_id,
            period_key,
            case_no,
            REVISIT_ASSIGNEE,
            rank,
            population,
        )
        await queue_notification(
            conn,
            case_no,
            Notification(
                notification_id=task_id,
                recipient=REVISIT_ASSIGNEE,
                subject=f"Case {case_no}: re-visit the customer",
                body=(
                    f"Case {case_no} is in the {period_key} re-visit sample "
                    f"({len(case_nos)} of {population} closed cases): call the customer "
                    "and record how the complaint was handled."
                ),
            ),
        )


async def store_report(pool: asyncpg.Pool, report: Report, workflow_id: str) -> None:
    """Upsert: a re-run of a period replaces its report, unless an older run arrives late."""
    await pool.execute(
        """
        INSERT INTO reports
            (kind, period, starts_at, ends_at, generated_at, complete, body, workflow_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        ON CONFLICT (kind, period) DO UPDATE SET
            starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
            generated_at = EXCLUDED.generated_at, complete = EXCLUDED.complete,
            body = EXCLUDED.body, workflow_id = EXCLUDED.workflow_id
        WHERE reports.generated_at <= EXCLUDED.generated_at
        """,
        report.kind.value,
        report.period,
        report.starts_at,
        report.ends_at,
        report.generated_at,
        report.complete,
        report.model_dump(mode="json"),
        workflow_id,
    )


async def find_report(pool: asyncpg.Pool, kind: PeriodKind, period_key: str) -> Report | None:
    body = await pool.fetchval(
        "SELECT body FROM reports WHERE kind = $1 AND period = $2", kind.value, period_key
    )
    return None if body is None else Report.model_validate(body)

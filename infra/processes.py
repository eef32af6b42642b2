"""The record of each sub-process (insurance, police, mediation), kept with its case."""

from typing import Any

import asyncpg

from domain.processes import ProcessSummary


async def apply_process_snapshot(
    conn: asyncpg.Connection, case_no: str, summary: ProcessSummary, record: dict[str, Any]
) -> None:
    # Only a newer version (or a newer start of a withdrawn process) wins, so a late
    # retry never puts an old state back.
    await conn.execute(
        """
        INSERT INTO case_processes AS p
            (workflow_id, case_no, kind, stage, waiting_on, waiting_on_who, is_open, outcome,
             record, started_at, ended_at, state_version, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
        ON CONFLICT (workflow_id) DO UPDATE SET
            stage = EXCLUDED.stage, waiting_on = EXCLUDED.waiting_on,
            waiting_on_who = EXCLUDED.waiting_on_who, is_open = EXCLUDED.is_open,
            outcome = EXCLUDED.outcome, record = EXCLUDED.record,
            started_at = EXCLUDED.started_at, ended_at = EXCLUDED.ended_at,
            state_version = EXCLUDED.state_version, updated_at = now()
        WHERE p.started_at < EXCLUDED.started_at
           OR (p.started_at = EXCLUDED.started_at AND p.state_version < EXCLUDED.state_version)
        """,
        summary.workflow_id,
        case_no,
        summary.kind.value,
        summary.stage,
        summary.waiting_on,
        summary.waiting_on_who,
        summary.open,
        summary.outcome,
        record,
        summary.started_at,
        summary.ended_at,
        summary.version,
    )


async def list_processes(pool: asyncpg.Pool, case_no: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT * FROM case_processes WHERE case_no = $1 ORDER BY started_at", case_no
    )

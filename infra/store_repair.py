"""Puts right the store names of cases registered before intake used the policy's names
(issue 12: "  shanghai   PUDONG " was kept as typed, and counted as a second store).

The list of stores is policy, not schema, so this is no SQL migration: the worker runs it
at its start (worker.py), after the migrations, with the policy it loaded. In one
transaction it renames each such case's register row (its `store` and the intake it
keeps), merges the store counts of the reports already produced, and lists the case in
`store_corrections`. Then it signals each listed workflow (`correct_store`), which sets
its `CaseStore` search attribute and writes a `store_corrected` audit entry (the audit
trail is append-only: its older entries keep the name as typed). A search attribute
of a running workflow can only be changed by the workflow itself; a closed one's stays
as it was. A crash between the two steps leaves the signal listed, and the next start
sends it. Running it again changes nothing.
"""

from typing import Any

import asyncpg
import structlog
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.case_numbers import workflow_id_for
from domain.stores import CorrectStore, canonical_store
from workflows.complaint import ComplaintWorkflow

log = structlog.get_logger(__name__)

REASON = "store name as the policy writes it (it was registered as typed)"


def merged_counts(value: Any, known: list[str]) -> Any:
    """A report body with each `by_store` count under the store's policy name."""
    if isinstance(value, list):
        return [merged_counts(item, known) for item in value]
    if not isinstance(value, dict):
        return value
    merged: dict[str, Any] = {}
    for key, item in value.items():
        if key == "by_store" and isinstance(item, dict):
            counts: dict[str, int] = {}
            for store, count in item.items():
                name = canonical_store(store, known) or store
                counts[name] = counts.get(name, 0) + count
            merged[key] = counts
        else:
            merged[key] = merged_counts(item, known)
    return merged


async def correct_register(pool: asyncpg.Pool, known: list[str]) -> list[str]:
    """Renames the register's rows and reports; returns the case numbers it corrected."""
    if not known:
        return []
    corrected: list[str] = []
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            "SELECT case_no, store FROM complaints WHERE NOT (store = ANY($1::text[])) FOR UPDATE",
            known,
        )
        for row in rows:
            store = canonical_store(row["store"], known)
            if store is None:
                continue  # a store the policy no longer lists: left as it is
            await conn.execute(
                "UPDATE complaints SET store = $2,"
                " intake = jsonb_set(intake, '{store}', to_jsonb($2::text))"
                " WHERE case_no = $1",
                row["case_no"],
                store,
            )
            await conn.execute(
                """
                INSERT INTO store_corrections (case_no, typed, store) VALUES ($1, $2, $3)
                ON CONFLICT (case_no) DO UPDATE
                    SET store = EXCLUDED.store, corrected_at = now(), signalled_at = NULL
                """,
                row["case_no"],
                row["store"],
                store,
            )
            corrected.append(row["case_no"])
        for report in await conn.fetch("SELECT kind, period, body FROM reports FOR UPDATE"):
            body = merged_counts(report["body"], known)
            if body != report["body"]:
                await conn.execute(
                    "UPDATE reports SET body = $3 WHERE kind = $1 AND period = $2",
                    report["kind"],
                    report["period"],
                    body,
                )
    return corrected


async def tell_workflows(pool: asyncpg.Pool, client: Client) -> int:
    """Signals each corrected case not yet told; returns how many it told."""
    told = 0
    pending = await pool.fetch(
        "SELECT case_no, store FROM store_corrections WHERE signalled_at IS NULL"
        " ORDER BY corrected_at, case_no"
    )
    for row in pending:
        handle = client.get_workflow_handle(workflow_id_for(row["case_no"]))
        try:
            await handle.signal(
                ComplaintWorkflow.correct_store, CorrectStore(store=row["store"], reason=REASON)
            )
            told += 1
        except RPCError as err:
            # Archived (or never started): nothing runs to set its search attribute.
            if err.status is not RPCStatusCode.NOT_FOUND:
                raise
        await pool.execute(
            "UPDATE store_corrections SET signalled_at = now() WHERE case_no = $1",
            row["case_no"],
        )
    return told


async def repair_store_names(pool: asyncpg.Pool, client: Client, known: list[str]) -> int:
    """Both steps; returns how many workflows it told."""
    corrected = await correct_register(pool, known)
    told = await tell_workflows(pool, client)
    if corrected or told:
        log.info("store_names_repaired", cases=len(corrected), workflows_told=told)
    return told

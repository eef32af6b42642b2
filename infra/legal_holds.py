"""The holds a lawsuit places on its case and lifts at its end (docs/legal-and-regulator.md):
the same `legal_holds` rows as the evidence API's (infra/evidence.py), written with the
workflow's hold ID and audit entry so that a retried activity adds nothing."""

import uuid

import asyncpg

from domain.evidence import HoldSource
from domain.legal import LiftHold, PlaceHold
from infra.audit import append_audit


async def place_process_hold(pool: asyncpg.Pool, hold: PlaceHold) -> bool:
    """False when the case is anonymised already: there is nothing left to hold."""
    async with pool.acquire() as conn, conn.transaction():
        # The case's row lock, as the evidence API's hold takes it (retention waits).
        case = await conn.fetchrow(
            "SELECT anonymised_at FROM complaints WHERE case_no = $1 FOR UPDATE", hold.case_no
        )
        if case is None or case["anonymised_at"] is not None:
            return False
        inserted = await conn.fetchval(
            """
            INSERT INTO legal_holds (hold_id, case_no, source, reference, reason, placed_by,
                                     placed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (hold_id) DO NOTHING
            RETURNING hold_id
            """,
            uuid.UUID(hold.hold_id),
            hold.case_no,
            HoldSource.LAWSUIT.value,
            hold.reference,
            hold.audit.reason,
            hold.audit.actor_id,
            hold.audit.at,
        )
        if inserted is not None:
            await append_audit(conn, hold.case_no, hold.audit)
    return True


async def lift_process_hold(pool: asyncpg.Pool, lift: LiftHold) -> None:
    """Lifting a hold lifted already (by senior management, or a retry) changes nothing."""
    async with pool.acquire() as conn, conn.transaction():
        lifted = await conn.fetchval(
            """
            UPDATE legal_holds SET lifted_by = $3, lifted_at = $4, lift_reason = $5
            WHERE case_no = $1 AND hold_id = $2 AND lifted_at IS NULL
            RETURNING hold_id
            """,
            lift.case_no,
            uuid.UUID(lift.hold_id),
            lift.audit.actor_id,
            lift.audit.at,
            lift.audit.reason,
        )
        if lifted is not None:
            await append_audit(conn, lift.case_no, lift.audit)

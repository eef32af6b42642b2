"""Evidence, witnesses and legal holds in Postgres, each write with its audit entry in the
same transaction (docs/evidence.md). The files are in infra/evidence_store.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from domain.authority import Actor
from domain.models import AuditEntry
from domain.retention import ANONYMISED
from infra.audit import append_audit
from infra.evidence_store import EvidenceFiles, Staged, object_name

EVIDENCE_COLUMNS = (
    "evidence_id, case_no, process, kind, caption, file_name, taken_at, taken_by, sha256,"
    " size, media_type, uploaded_by, uploaded_role, uploaded_at, purged_at"
)


@dataclass
class NewEvidence:
    """One uploaded file, staged and checked, waiting to be kept."""

    staged: Staged
    kind: str
    caption: str
    file_name: str
    taken_at: datetime | None
    taken_by: str
    process: str | None
    media_type: str
    evidence_id: uuid.UUID


def upload_event_id(evidence_id: uuid.UUID) -> str:
    """The upload's audit entry: the case's workflow records its history entry under it."""
    return f"evidence-uploaded-{evidence_id}"


def _entry(actor: Actor, action: str, data: dict[str, Any], reason: str = "") -> AuditEntry:
    return AuditEntry(
        event_id=str(uuid.uuid4()),
        at=datetime.now(UTC),
        actor_id=actor.user_id,
        actor_role=actor.role.value,
        action=action,
        reason=reason,
        data=data,
    )


async def keep_uploads(
    pool: asyncpg.Pool, files: EvidenceFiles, case_no: str, items: list[NewEvidence], actor: Actor
) -> list[asyncpg.Record]:
    """Stores each file (once per content) and records its row and its audit entry (hash,
    size, detected type, uploader), all rows in one transaction: every file of an upload
    is on record, or none is.

    A blob's row is locked while its object is checked and put, so retention's sweep
    (which deletes objects no live row needs, under the same lock) never deletes an object
    an upload is about to refer to."""
    now = datetime.now(UTC)
    rows = []
    async with pool.acquire() as conn, conn.transaction():
        for item in items:
            sha = item.staged.sha256
            assert sha is not None
            blob = await conn.fetchrow(
                "SELECT purged_at FROM evidence_blobs WHERE sha256 = $1 FOR UPDATE", sha
            )
            if blob is None or blob["purged_at"] is not None:
                await files.store.delete(object_name(sha))  # a purge half done: start clean
            await files.keep(item.staged, object_name(sha))
            await conn.execute(
                """
                INSERT INTO evidence_blobs (sha256, size, media_type, key_id)
                VALUES ($1, $2, $3, $4)
                ON CONFLICT (sha256) DO UPDATE SET purged_at = NULL
                """,
                sha,
                item.staged.size,
                item.media_type,
                item.staged.key_id,
            )
            row = await conn.fetchrow(
                f"""
                INSERT INTO evidence ({EVIDENCE_COLUMNS})
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL)
                RETURNING {EVIDENCE_COLUMNS}
                """,
                item.evidence_id,
                case_no,
                item.process,
                item.kind,
                item.caption,
                item.file_name,
                item.taken_at,
                item.taken_by,
                sha,
                item.staged.size,
                item.media_type,
                actor.user_id,
                actor.role.value,
                now,
            )
            rows.append(row)
            await append_audit(
                conn,
                case_no,
                AuditEntry(
                    event_id=upload_event_id(item.evidence_id),
                    at=now,
                    actor_id=actor.user_id,
                    actor_role=actor.role.value,
                    action="evidence_uploaded",
                    data={
                        "evidence_id": str(item.evidence_id),
                        "kind": item.kind,
                        "sha256": sha,
                        "size": item.staged.size,
                        "media_type": item.media_type,
                        "process": item.process,
                    },
                ),
            )
    return rows


async def list_evidence(pool: asyncpg.Pool, case_no: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        f"SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE case_no = $1"
        " ORDER BY uploaded_at, evidence_id",
        case_no,
    )


async def find_evidence(
    pool: asyncpg.Pool, case_no: str, evidence_ids: list[uuid.UUID]
) -> list[asyncpg.Record]:
    return await pool.fetch(
        f"SELECT {EVIDENCE_COLUMNS} FROM evidence WHERE case_no = $1"
        " AND evidence_id = ANY($2::uuid[])",
        case_no,
        evidence_ids,
    )


async def record_access(
    pool: asyncpg.Pool, case_no: str, row: asyncpg.Record, actor: Actor, *, thumbnail: bool
) -> None:
    """Who opened which file, when (DOMAIN 8): before a byte of it is sent."""
    data = {
        "evidence_id": str(row["evidence_id"]),
        "kind": row["kind"],
        "sha256": row["sha256"],
    }
    if thumbnail:
        entry = _entry(actor, action="evidence_viewed", data=data)
    else:
        entry = _entry(actor, action="evidence_downloaded", data=data)
    async with pool.acquire() as conn:
        await append_audit(conn, case_no, entry)


# --- witnesses -------------------------------------------------------------------------

WITNESS_COLUMNS = (
    "witness_id, case_no, name, phone, saw, statement_evidence_id, recorded_by, recorded_at"
)


async def add_witness(
    pool: asyncpg.Pool,
    case_no: str,
    *,
    name: str,
    phone: str,
    saw: str,
    statement_evidence_id: uuid.UUID | None,
    actor: Actor,
) -> asyncpg.Record:
    witness_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            f"""
            INSERT INTO witnesses ({WITNESS_COLUMNS})
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            RETURNING {WITNESS_COLUMNS}
            """,
            witness_id,
            case_no,
            name,
            phone,
            saw,
            statement_evidence_id,
            actor.user_id,
            datetime.now(UTC),
        )
        # Who recorded a witness and which statement: the name and phone stay out of the
        # trail (personal data lives in one place, anonymised there).
        await append_audit(
            conn,
            case_no,
            _entry(
                actor,
                action="witness_recorded",
                data={
                    "witness_id": str(witness_id),
                    "statement_evidence_id": statement_evidence_id and str(statement_evidence_id),
                },
            ),
        )
    return row


async def list_witnesses(pool: asyncpg.Pool, case_no: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        f"SELECT {WITNESS_COLUMNS} FROM witnesses WHERE case_no = $1"
        " ORDER BY recorded_at, witness_id",
        case_no,
    )


# --- legal holds -----------------------------------------------------------------------

HOLD_COLUMNS = (
    "hold_id, case_no, source, reference, reason, placed_by, placed_at, lifted_by, lifted_at,"
    " lift_reason"
)


async def place_hold(
    pool: asyncpg.Pool, case_no: str, *, source: str, reference: str, reason: str, actor: Actor
) -> asyncpg.Record | None:
    """None when the case is anonymised already: there is nothing left to hold."""
    hold_id = uuid.uuid4()
    async with pool.acquire() as conn, conn.transaction():
        # The case's row lock: a retention batch anonymising it either finished first (and
        # the hold is refused) or waits and then skips the held case.
        case = await conn.fetchrow(
            "SELECT anonymised_at FROM complaints WHERE case_no = $1 FOR UPDATE", case_no
        )
        if case is None or case["anonymised_at"] is not None:
            return None
        row = await conn.fetchrow(
            f"""
            INSERT INTO legal_holds (hold_id, case_no, source, reference, reason, placed_by,
                                     placed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            RETURNING {HOLD_COLUMNS}
            """,
            hold_id,
            case_no,
            source,
            reference,
            reason,
            actor.user_id,
            datetime.now(UTC),
        )
        await append_audit(
            conn,
            case_no,
            _entry(
                actor,
                action="legal_hold_placed",
                data={"hold_id": str(hold_id), "source": source, "reference": reference},
                reason=reason,
            ),
        )
    return row


async def lift_hold(
    pool: asyncpg.Pool, case_no: str, hold_id: uuid.UUID, *, reason: str, actor: Actor
) -> asyncpg.Record | None:
    """The lifted hold; None when the case has no such hold. Lifting twice changes nothing."""
    async with pool.acquire() as conn, conn.transaction():
        row = await conn.fetchrow(
            f"SELECT {HOLD_COLUMNS} FROM legal_holds WHERE case_no = $1 AND hold_id = $2"
            " FOR UPDATE",
            case_no,
            hold_id,
        )
        if row is None or row["lifted_at"] is not None:
            return row
        row = await conn.fetchrow(
            f"""
            UPDATE legal_holds SET lifted_by = $3, lifted_at = $4, lift_reason = $5
            WHERE case_no = $1 AND hold_id = $2
            RETURNING {HOLD_COLUMNS}
            """,
            case_no,
            hold_id,
            actor.user_id,
            datetime.now(UTC),
            reason,
        )
        await append_audit(
            conn,
            case_no,
            _entry(
                actor, action="legal_hold_lifted", data={"hold_id": str(hold_id)}, reason=reason
            ),
        )
    return row


async def list_holds(pool: asyncpg.Pool, case_no: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        f"SELECT {HOLD_COLUMNS} FROM legal_holds WHERE case_no = $1 ORDER BY placed_at",
        case_no,
    )


# --- retention -------------------------------------------------------------------------


async def forget_evidence_of(conn: asyncpg.Connection, case_nos: list[str], now: datetime) -> dict:
    """Inside retention's batch transaction: the cases' evidence rows are marked purged
    (their captions and file names anonymised) and their witnesses anonymised. The files
    go in `purge_unneeded_files`, after the batch commits. {case_no: [evidence ids]}."""
    rows = await conn.fetch(
        """
        UPDATE evidence SET purged_at = $2, caption = $3, file_name = $3, taken_by = $3
        WHERE case_no = ANY($1::text[]) AND purged_at IS NULL
        RETURNING case_no, evidence_id
        """,
        case_nos,
        now,
        ANONYMISED,
    )
    await conn.execute(
        "UPDATE witnesses SET name = $2, phone = $2, saw = $2 WHERE case_no = ANY($1::text[])",
        case_nos,
        ANONYMISED,
    )
    deleted: dict[str, list[str]] = {}
    for row in rows:
        deleted.setdefault(row["case_no"], []).append(str(row["evidence_id"]))
    return deleted


async def purge_unneeded_files(pool: asyncpg.Pool, files: EvidenceFiles, limit: int = 500) -> int:
    """Deletes every stored file (and its thumbnail) that no live evidence row needs:
    those retention marked purged, whatever a crash left half done. Idempotent: a file
    deleted before is deleted again as nothing."""
    purged = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            shas = await conn.fetch(
                """
                SELECT sha256 FROM evidence_blobs b
                WHERE purged_at IS NULL AND NOT EXISTS (
                    SELECT 1 FROM evidence e WHERE e.sha256 = b.sha256 AND e.purged_at IS NULL)
                LIMIT $1
                FOR UPDATE SKIP LOCKED
                """,
                limit,
            )
            for row in shas:
                await files.delete(row["sha256"].strip())
            await conn.execute(
                "UPDATE evidence_blobs SET purged_at = now() WHERE sha256 = ANY($1::text[])",
                [row["sha256"] for row in shas],
            )
        purged += len(shas)
        if len(shas) < limit:
            return purged

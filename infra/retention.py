"""Anonymising expired cases in Postgres (DOMAIN section 8; what and why: domain/retention.py).

One transaction per batch: the register row first (its `anonymised_at` is what lets the
audit trail's append-only trigger accept the blanked text, migrations/006), then the
audit entries' free text, the notifications, the evidence rows and witnesses, and an
`anonymised` entry (and `evidence_deleted`, naming the files) appended per case. A case
under a legal hold is not selected.
"""

from datetime import UTC, datetime

import asyncpg

from domain.models import AuditEntry
from domain.retention import ANONYMISED, FREE_TEXT_KEYS, anonymise_intake
from infra.audit import append_audit
from infra.evidence import forget_evidence_of

# Closed and still closed, closed before the cut-off, not done yet; oldest first. A row
# another run holds is skipped, so two runs never anonymise one case twice.
_EXPIRED = """
SELECT case_no, closed_at, intake FROM complaints
WHERE stage = 'closed' AND closed_at < $1 AND anonymised_at IS NULL
  -- A legal hold keeps the case whatever its age (DOMAIN 8, docs/evidence.md).
  AND NOT EXISTS (SELECT 1 FROM legal_holds h
                  WHERE h.case_no = complaints.case_no AND h.lifted_at IS NULL)
ORDER BY closed_at, case_no
LIMIT $2
FOR UPDATE SKIP LOCKED
"""

_ANONYMISE_CASE = """
UPDATE complaints SET
    customer_name = $2, customer_contact = $2, description = $2, customer_key = NULL,
    intake = $3, anonymised_at = $4, snapshot = NULL, snapshot_history = NULL
WHERE case_no = $1
"""

# Text values under the free-text keys become the marker; numbers, flags and other keys stay.
_BLANK_AUDIT_TEXT = """
UPDATE audit_events SET
    reason = CASE WHEN reason = '' THEN '' ELSE $2 END,
    data = (
        SELECT COALESCE(jsonb_object_agg(key, CASE
            WHEN key = ANY($3::text[]) AND jsonb_typeof(value) = 'string' THEN to_jsonb($2::text)
            ELSE value END), '{}'::jsonb)
        FROM jsonb_each(data)
    )
WHERE case_no = ANY($1::text[]) AND (reason <> '' OR data ?| $3::text[])
"""

_BLANK_NOTIFICATIONS = "UPDATE outbox SET body = $2 WHERE case_no = ANY($1::text[])"


async def anonymise_closed_before(
    conn: asyncpg.Connection, *, closed_before: datetime, keep_days: int, limit: int
) -> list[str]:
    """Anonymises up to `limit` cases closed before `closed_before`; their case numbers.

    Run inside a transaction. A case already anonymised is not selected again, and its
    `anonymised` entry has a fixed id, so a retried batch adds nothing.
    """
    rows = await conn.fetch(_EXPIRED, closed_before, limit)
    if not rows:
        return []
    now = datetime.now(UTC)
    case_nos = [row["case_no"] for row in rows]
    for row in rows:
        intake = anonymise_intake(row["intake"])
        await conn.execute(_ANONYMISE_CASE, row["case_no"], ANONYMISED, intake, now)
    await conn.execute(_BLANK_AUDIT_TEXT, case_nos, ANONYMISED, list(FREE_TEXT_KEYS))
    await conn.execute(_BLANK_NOTIFICATIONS, case_nos, ANONYMISED)
    # Their evidence rows are marked deleted here, in the batch; the files themselves are
    # deleted once it commits (activities/retention.py), and again by any later run.
    deleted = await forget_evidence_of(conn, case_nos, now)
    for row in rows:
        closed_on = row["closed_at"].date().isoformat()
        await append_audit(
            conn,
            row["case_no"],
            AuditEntry(
                event_id=f"anonymised-{row['case_no']}",
                at=now,
                actor_id="system",
                actor_role="system",
                action="anonymised",
                reason=f"personal data anonymised: closed {closed_on}, kept {keep_days} days",
                data={"closed_at": row["closed_at"].isoformat(), "keep_days": keep_days},
            ),
        )
        if row["case_no"] in deleted:
            await append_audit(
                conn,
                row["case_no"],
                AuditEntry(
                    event_id=f"evidence-deleted-{row['case_no']}",
                    at=now,
                    actor_id="system",
                    actor_role="system",
                    action="evidence_deleted",
                    data={"evidence_ids": deleted[row["case_no"]]},
                ),
            )
    return case_nos

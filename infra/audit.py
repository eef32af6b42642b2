"""The audit trail, the notification outbox and signed agreements (DOMAIN sections 7, 8)."""

import uuid
from datetime import UTC, datetime

import asyncpg

from domain.authority import Actor
from domain.models import AuditEntry, Notification, SignedAgreement


async def append_audit(
    conn: asyncpg.Connection,
    case_no: str | None,
    entry: AuditEntry,
    *,
    process: str | None = None,
    order_no: int | None = None,
) -> None:
    """An entry of a case, or (case_no None) of a stop-sale order (docs/stop-sale-orders.md)."""
    # The event id comes from the workflow, so a retried write adds nothing.
    await conn.execute(
        """
        INSERT INTO audit_events
            (event_id, case_no, at, actor_id, actor_role, action, reason, data, process,
             order_no)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (event_id) DO NOTHING
        """,
        entry.event_id,
        case_no,
        entry.at,
        entry.actor_id,
        entry.actor_role,
        entry.action,
        entry.reason,
        entry.data,
        process,
        order_no,
    )


async def queue_notification(
    conn: asyncpg.Connection,
    case_no: str | None,
    note: Notification,
    *,
    order_no: int | None = None,
    store: str | None = None,
) -> None:
    """A notice of a case, or (case_no None) of a stop-sale order to a role at `store`."""
    await conn.execute(
        """
        INSERT INTO outbox (notification_id, case_no, recipient, subject, body, order_no, store)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (notification_id) DO NOTHING
        """,
        note.notification_id,
        case_no,
        note.recipient,
        note.subject,
        note.body,
        order_no,
        store,
    )


async def store_agreement(
    conn: asyncpg.Connection, case_no: str, agreement: SignedAgreement
) -> None:
    await conn.execute(
        """
        INSERT INTO agreements
            (agreement_ref, case_no, remedy_kind, amount, recorded_by, recorded_at, terms)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (agreement_ref) DO NOTHING
        """,
        agreement.agreement_ref,
        case_no,
        agreement.remedy_kind.value,
        agreement.amount,
        agreement.recorded_by,
        agreement.recorded_at,
        agreement.terms,
    )


async def list_events(pool: asyncpg.Pool, case_no: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT at, actor_id, actor_role, action, reason, data, process FROM audit_events"
        " WHERE case_no = $1 ORDER BY seq",
        case_no,
    )


async def resend_notification(
    pool: asyncpg.Pool, case_no: str, notification_id: str, *, actor: Actor, reason: str
) -> Notification | None:
    """Queues a copy of a case's notification under a new id, with an audit entry."""
    async with pool.acquire() as conn, conn.transaction():
        original = await conn.fetchrow(
            "SELECT recipient, subject, body FROM outbox"
            " WHERE case_no = $1 AND notification_id = $2",
            case_no,
            notification_id,
        )
        if original is None:
            return None
        copy = Notification(notification_id=str(uuid.uuid4()), **dict(original))
        await queue_notification(conn, case_no, copy)
        # Where the original was dead-lettered, the copy goes there only (those that got
        # it are not told twice); with none dead, everywhere again. The stuck list stops
        # showing the original's dead letters (infra/relay.py, docs/notifications.md).
        dead = await conn.fetch(
            "SELECT channel || ':' || destination AS key FROM deliveries"
            " WHERE notification_id = $1 AND state = 'dead'",
            notification_id,
        )
        await conn.execute(
            "UPDATE outbox SET only_destinations = $2 WHERE notification_id = $1",
            copy.notification_id,
            [row["key"] for row in dead] or None,
        )
        await conn.execute(
            "UPDATE outbox SET resent_as = $2 WHERE notification_id = $1",
            notification_id,
            copy.notification_id,
        )
        await append_audit(
            conn,
            case_no,
            AuditEntry(
                event_id=str(uuid.uuid4()),
                at=datetime.now(UTC),
                actor_id=actor.user_id,
                actor_role=actor.role.value,
                action="notification_resent",
                reason=reason,
                data={"original": notification_id, "copy": copy.notification_id},
            ),
        )
    return copy

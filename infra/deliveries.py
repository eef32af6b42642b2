"""Reading what the relay did (infra/relay.py): a case's delivery state, the dead letters
for the stuck list, a person's in-app inbox, and the figures for /metrics."""

from dataclasses import dataclass
from datetime import datetime

import asyncpg

INBOX_LIMIT = 200


async def deliveries_of(pool: asyncpg.Pool, case_no: str) -> list[asyncpg.Record]:
    """Each notification of the case with its deliveries, oldest first."""
    return await pool.fetch(
        """
        SELECT o.notification_id, o.recipient, o.subject, o.created_at, o.sent_at,
               o.expanded_at, o.resent_as,
               d.delivery_id, d.channel, d.destination, d.state, d.attempts,
               d.last_error, d.next_attempt_at, d.sent_at AS delivered_at
        FROM outbox o LEFT JOIN deliveries d USING (notification_id)
        WHERE o.case_no = $1
        ORDER BY o.seq, d.delivery_id
        """,
        case_no,
    )


async def dead_letters(pool: asyncpg.Pool, limit: int = 500) -> list[asyncpg.Record]:
    """Dead deliveries whose notification has not been resent, oldest first."""
    return await pool.fetch(
        """
        SELECT d.case_no, d.notification_id, d.channel, d.destination, d.attempts,
               d.last_error, o.created_at, o.recipient, o.subject
        FROM deliveries d JOIN outbox o USING (notification_id)
        WHERE d.state = 'dead' AND o.resent_as IS NULL
        ORDER BY o.seq
        LIMIT $1
        """,
        limit,
    )


async def inbox_of(
    pool: asyncpg.Pool, user_id: str, limit: int
) -> tuple[int, list[asyncpg.Record]]:
    """(unread count, entries: unread first, newest first within each)."""
    async with pool.acquire() as conn:
        unread = await conn.fetchval(
            "SELECT count(*) FROM inbox WHERE user_id = $1 AND read_at IS NULL", user_id
        )
        rows = await conn.fetch(
            """
            SELECT entry_id, notification_id, case_no, subject, body, created_at, read_at
            FROM inbox WHERE user_id = $1
            ORDER BY (read_at IS NULL) DESC, created_at DESC, entry_id DESC
            LIMIT $2
            """,
            user_id,
            limit,
        )
    return unread, rows


async def mark_read(pool: asyncpg.Pool, user_id: str, entry_id: int) -> asyncpg.Record | None:
    """Marks the user's own entry read (once: the first time stays); None if not theirs."""
    return await pool.fetchrow(
        """
        UPDATE inbox SET read_at = COALESCE(read_at, now())
        WHERE entry_id = $1 AND user_id = $2
        RETURNING entry_id, notification_id, case_no, subject, body, created_at, read_at
        """,
        entry_id,
        user_id,
    )


@dataclass
class DeliveryFigures:
    by_state: dict[str, int]
    failed_attempts: int
    oldest_unsent_seconds: float


async def delivery_figures(pool: asyncpg.Pool, now: datetime) -> DeliveryFigures:
    async with pool.acquire() as conn:
        states = await conn.fetch("SELECT state, count(*) AS n FROM deliveries GROUP BY state")
        failed = await conn.fetchval("SELECT count(*) FROM delivery_attempts WHERE NOT ok")
        # The backlog: rows neither sent, nor dead-lettered somewhere, nor resent.
        oldest = await conn.fetchval(
            """
            SELECT min(o.created_at) FROM outbox o
            WHERE o.sent_at IS NULL AND o.resent_as IS NULL
              AND NOT EXISTS (SELECT 1 FROM deliveries d
                              WHERE d.notification_id = o.notification_id AND d.state = 'dead')
            """
        )
    return DeliveryFigures(
        by_state={row["state"]: row["n"] for row in states},
        failed_attempts=failed,
        oldest_unsent_seconds=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
    )

"""Rate limits of the public page (docs/customer-page.md), counted in Postgres.

A sliding log: one row per request under its key, and a request is refused while the key
has `requests` rows within the last `per_seconds`. Counted in the database so every API
process of a deployment sees the same count (an in-process token bucket would let each
of N processes take the whole limit, and forgets at every restart); exact, so the 31st
complaint within a minute is refused whenever the minute began. Each key's check runs
under a transaction-scoped advisory lock on the key: two processes never both take the
last place. A key is a SHA-256 of what is limited (an address, a contact, a store): the
table holds no personal data. A refused request is not logged, so a flood does not
lengthen its own wait.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from domain.customer_page import RateLimit


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    hits: int
    retry_after: int  # whole seconds until a place frees (refused), else 0


def limit_key(kind: str, value: str) -> str:
    return f"{kind}:" + hashlib.sha256(f"{kind}\x00{value}".encode()).hexdigest()


async def hit(
    pool: asyncpg.Pool, key: str, limit: RateLimit, now: datetime | None = None
) -> Verdict:
    """Logs one request under `key`, or refuses it when the window is full."""
    now = now or datetime.now(UTC)
    since = now - timedelta(seconds=limit.per_seconds)
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 17))", key)
        await conn.execute("DELETE FROM rate_hits WHERE key = $1 AND at <= $2", key, since)
        row = await conn.fetchrow(
            "SELECT count(*) AS hits, min(at) AS oldest FROM rate_hits WHERE key = $1", key
        )
        if row["hits"] >= limit.requests:
            frees = row["oldest"] + timedelta(seconds=limit.per_seconds) - now
            return Verdict(False, row["hits"], max(1, int(frees.total_seconds() + 0.999)))
        await conn.execute("INSERT INTO rate_hits (key, at) VALUES ($1, $2)", key, now)
        return Verdict(True, row["hits"] + 1, 0)


async def count(pool: asyncpg.Pool, key: str, per_seconds: int, now: datetime | None = None) -> int:
    """Requests under `key` within the last `per_seconds` (a store's page: is it flooded?)."""
    now = now or datetime.now(UTC)
    return await pool.fetchval(
        "SELECT count(*) FROM rate_hits WHERE key = $1 AND at > $2",
        key,
        now - timedelta(seconds=per_seconds),
    )

"""IDENTITY=jwt: the people the API has seen, as their tokens' claims describe them, so
the relay (which sees no token) can reach them by address and find who holds a role at a
store (docs/notifications.md). A person unseen since a change of their claims is told as
they were last seen; one never seen gets their notices in the in-app inbox only."""

import asyncio
import contextlib
from collections.abc import Callable

import asyncpg
import structlog

log = structlog.get_logger(__name__)

FLUSH_SECONDS = 5.0


async def record_people(pool: asyncpg.Pool, people: list) -> None:  # api.identity.Person
    if not people:
        return
    await pool.executemany(
        """
        INSERT INTO people (user_id, person, seen_at) VALUES ($1, $2, now())
        ON CONFLICT (user_id) DO UPDATE SET person = EXCLUDED.person, seen_at = now()
        WHERE people.person IS DISTINCT FROM EXCLUDED.person
        """,
        [(p.user_id, p.model_dump(mode="json")) for p in people],
    )


async def load_people(conn: asyncpg.Connection) -> list[dict]:
    return [row["person"] for row in await conn.fetch("SELECT person FROM people")]


async def keep_recording(pool: asyncpg.Pool, take: Callable[[], list]) -> None:
    """Runs until cancelled: writes who signed in every FLUSH_SECONDS."""
    while True:
        await asyncio.sleep(FLUSH_SECONDS)
        seen = take()
        with contextlib.suppress(Exception):
            await record_people(pool, seen)
            continue
        log.warning("people_not_recorded", count=len(seen))

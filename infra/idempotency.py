"""Idempotency keys (migrations/008): each belongs to its user and to the one request it
first came with. The same request again is a retry and gets the first answer; another
request under the key is refused (the IETF Idempotency-Key draft's 422, as Stripe does)."""

import hashlib
import json
from typing import Any

import asyncpg


class IdempotencyKeyReused(Exception):
    def __init__(self, key: str) -> None:
        super().__init__(
            f"Idempotency-Key {key!r} was used for another request; use a new key for a new"
            " request, or send the first request again to get its answer"
        )


def request_hash(method: str, path: str, user_id: str, body: Any) -> str:
    """What makes two requests the same: method, path, user and body (a JSON value, keys
    in any order, so a client that orders its fields differently still retries)."""
    text = json.dumps(
        [method, path, user_id, body], sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


async def earlier_use(
    conn: asyncpg.Connection | asyncpg.Pool, user_id: str, key: str, digest: str
) -> asyncpg.Record | None:
    """The key's record if the user used it before for this very request; raises
    IdempotencyKeyReused if for another one. Reads only: `claim_key` decides."""
    row = await conn.fetchrow(
        "SELECT request_hash, case_no, order_no FROM idempotency_keys"
        " WHERE user_id = $1 AND key = $2",
        user_id,
        key,
    )
    if row is not None and row["request_hash"] not in (None, digest):
        raise IdempotencyKeyReused(key)
    return row


async def claim_key(
    conn: asyncpg.Connection, user_id: str, key: str, digest: str
) -> asyncpg.Record | None:
    """Records the key with its request. None: the first use, now on record (with the
    caller's transaction, if any). A record: the same request came before (a retry).
    Raises IdempotencyKeyReused if the key came with another request.

    Race-safe: a concurrent first use of the key makes this INSERT wait for its
    transaction, then find its row."""
    inserted = await conn.fetchval(
        """
        INSERT INTO idempotency_keys (user_id, key, request_hash) VALUES ($1, $2, $3)
        ON CONFLICT (user_id, key) DO NOTHING
        RETURNING true
        """,
        user_id,
        key,
        digest,
    )
    if inserted:
        return None
    row = await earlier_use(conn, user_id, key, digest)
    if row is not None and row["request_hash"] is None:
        # A key from before requests were remembered: the first retry sets its request.
        await conn.execute(
            "UPDATE idempotency_keys SET request_hash = $3"
            " WHERE user_id = $1 AND key = $2 AND request_hash IS NULL",
            user_id,
            key,
            digest,
        )
    return row


async def record_case(conn: asyncpg.Connection, user_id: str, key: str, case_no: str) -> None:
    """The case an intake under the key opened: what a retry answers with."""
    await conn.execute(
        "UPDATE idempotency_keys SET case_no = $3 WHERE user_id = $1 AND key = $2",
        user_id,
        key,
        case_no,
    )

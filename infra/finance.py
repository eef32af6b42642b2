"""Payment requests in Postgres, the embedded default's finance (migrations/007)."""

import asyncpg

from domain.payments import PaymentReceipt, PaymentRequest

_INSERT = """
INSERT INTO payment_requests
    (idempotency_key, case_no, proposal, remedy_kind, amount, insurer_covers,
     agreement_ref, requested_by, requested_at, urgent)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (idempotency_key) DO NOTHING
"""


async def insert_payment_request(pool: asyncpg.Pool, request: PaymentRequest) -> PaymentReceipt:
    """Inserts the request unless its key is there, and answers with the stored one."""
    async with pool.acquire() as conn:
        await conn.execute(
            _INSERT,
            request.idempotency_key,
            request.case_no,
            request.proposal,
            request.remedy_kind.value,
            request.amount,
            request.insurer_covers,
            request.agreement_ref,
            request.requested_by,
            request.requested_at,
            request.urgent,
        )
        row = await conn.fetchrow(
            "SELECT idempotency_key, received_at, status FROM payment_requests"
            " WHERE idempotency_key = $1",
            request.idempotency_key,
        )
    return PaymentReceipt(**dict(row))


async def payment_requests_of(pool: asyncpg.Pool, case_no: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT * FROM payment_requests WHERE case_no = $1 ORDER BY proposal", case_no
    )

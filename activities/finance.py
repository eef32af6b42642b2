"""The case's one outside effect with money: asking finance to pay (DOMAIN section 7)."""

import asyncio
from collections.abc import Awaitable
from datetime import timedelta
from typing import TypeVar

import asyncpg
import structlog
from temporalio import activity

from domain.payments import PaymentReceipt, PaymentRequest
from infra.finance import insert_payment_request

log = structlog.get_logger(__name__)

T = TypeVar("T")

# Well inside the heartbeat timeout the workflow sets (workflows/payments.py), so a live
# worker waiting on a slow finance never looks dead.
HEARTBEAT_EVERY = timedelta(seconds=1)


class FinanceDesk:
    """DOMAIN section 7: an accepted compensation is a one-off payment, filed with finance.
    In the embedded default finance is the `payment_requests` table, which a deployment's
    finance integration reads (docs/deployment.md)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn
    async def request_payment(self, request: PaymentRequest) -> PaymentReceipt:
        """Once per idempotency key, however often it runs: a retry after a dead worker, or
        a second attempt whose first did reach finance, finds the request and adds none."""
        receipt = await _heartbeating(insert_payment_request(self._pool, request))
        log.info(
            "payment_requested",
            idempotency_key=request.idempotency_key,
            remedy_kind=request.remedy_kind.value,
            amount=str(request.amount),
        )
        return receipt


async def _heartbeating(work: Awaitable[T]) -> T:
    """Heartbeats while `work` runs, so a worker that dies is noticed within the heartbeat
    timeout, and one that is only waiting (on a lock, on finance) is left alone. A local
    attempt does not heartbeat (Temporal has none for it): its own short timeout bounds it."""
    if activity.info().is_local:
        return await work
    task = asyncio.ensure_future(work)
    try:
        while True:
            done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_EVERY.total_seconds())
            if done:
                return task.result()
            activity.heartbeat()
    finally:
        task.cancel()

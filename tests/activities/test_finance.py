"""The payment request on real Postgres: one row per idempotency key, however often sent."""

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
from temporalio.testing import ActivityEnvironment

from activities.finance import FinanceDesk
from domain.authority import Actor, Role
from domain.models import RemedyKind
from domain.payments import PaymentRequest, payment_key
from domain.policy import Policy
from infra.finance import payment_requests_of
from tests.support import register_only

DESK = Actor(user_id="staff.li", role=Role.STAFF)


def _request(case_no: str) -> PaymentRequest:
    return PaymentRequest(
        idempotency_key=payment_key(case_no, 1),
        case_no=case_no,
        proposal=1,
        remedy_kind=RemedyKind.REFUND,
        amount=Decimal("1800.00"),
        agreement_ref=f"AG-{case_no}",
        requested_by="handler.wang",
        requested_at=datetime.now(UTC),
    )


async def test_a_retried_payment_request_reaches_finance_once(
    pool: asyncpg.Pool, policy: Policy
) -> None:
    case_no = await register_only(pool, policy, DESK)
    finance = FinanceDesk(pool)
    env = ActivityEnvironment()

    # A retry after a worker died, and two attempts racing: one request, the same receipt.
    first = await env.run(finance.request_payment, _request(case_no))
    racing = await asyncio.gather(
        env.run(finance.request_payment, _request(case_no)),
        env.run(finance.request_payment, _request(case_no)),
    )

    assert {r.model_dump_json() for r in racing} == {first.model_dump_json()}
    assert first.idempotency_key == f"{case_no}:payment:1"
    rows = await payment_requests_of(pool, case_no)
    assert [(r["amount"], r["status"], r["remedy_kind"]) for r in rows] == [
        (Decimal("1800.00"), "requested", "refund")
    ]


async def test_a_payment_request_waiting_on_a_lock_keeps_heartbeating(
    pool: asyncpg.Pool, policy: Policy
) -> None:
    case_no = await register_only(pool, policy, DESK)
    env = ActivityEnvironment()
    beats: list[object] = []
    env.on_heartbeat = lambda *details: beats.append(details)

    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("LOCK TABLE payment_requests IN SHARE MODE")
        request = asyncio.create_task(env.run(FinanceDesk(pool).request_payment, _request(case_no)))
        await asyncio.sleep(2.5)
        assert not request.done()
    await request

    assert len(beats) >= 2
    assert len(await payment_requests_of(pool, case_no)) == 1

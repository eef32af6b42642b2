"""A stop-sale order's notices through the real relay, a local SMTP server and Postgres:
each store in scope is told at its own inbox, purchasing at the company's; a role nobody
can be told as is dead-lettered on the order's own trail, not a case's."""

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import asyncpg
import pytest

from devstack.mailbox import LocalMailServer
from devstack.ports import free_port
from domain.notifications import Inbox, NotificationsPolicy, RetryPolicy
from domain.policy import Policy
from domain.products import ProductRef
from domain.stop_sale import (
    IssuerKind,
    OrderAudit,
    OrderEvent,
    OrderForm,
    OrderNotification,
    StopSaleOrderRecord,
    order_key,
)
from infra.channels import Channels
from infra.relay import Relay, directory_from_settings
from infra.settings import Settings
from infra.stop_sale import apply_order_event, claim_order_no
from tests.notify_support import fresh_database


@pytest.fixture
async def own(postgres):
    async with fresh_database(postgres) as found:
        yield found


@pytest.fixture
def mail(tmp_path: Path):
    server = LocalMailServer(tmp_path / "mail", free_port())
    server.start()
    yield server
    server.stop()


def _notice(recipient: str, store: str | None) -> OrderNotification:
    return OrderNotification(
        notification_id=str(uuid.uuid4()),
        recipient=recipient,
        store=store,
        subject="停售令: stop selling",
        body="Pull WD-1800 batch B1 from sale at once.",
    )


async def test_each_store_in_scope_and_purchasing_are_told_and_a_dead_letter_is_the_orders(
    own: tuple[str, asyncpg.Pool], policy: Policy, mail: LocalMailServer
) -> None:
    _, pool = own
    order_no, _ = await claim_order_no(pool, "desk-1", None, None)
    now = datetime.now(UTC)
    record = StopSaleOrderRecord(
        order_no=order_no,
        workflow_id=order_key(order_no),
        issuer="浦东新区市场监督管理局",
        issuer_kind=IssuerKind.MARKET_REGULATOR,
        form=OrderForm.ORAL,
        ordered_on=date(2026, 12, 2),
        product=ProductRef(sku="WD-1800", batch="B1"),
        stores=["Shanghai Pudong", "Urumqi Tianshan"],
        recorded_by="staff.li",
        recorded_at=now,
        policy_version=policy.version,
        version=1,
    )
    event = OrderEvent(
        order_no=order_no,
        audit=OrderAudit(
            event_id=str(uuid.uuid4()),
            at=now,
            actor_id="staff.li",
            actor_role="staff",
            action="stop_sale_order_recorded",
        ),
        record=record,
        notifications=[
            _notice("purchasing", None),
            _notice("store_manager", "Shanghai Pudong"),
            _notice("store_manager", "Urumqi Tianshan"),
            _notice("quality_control", None),
        ],
    )
    async with pool.acquire() as conn, conn.transaction():
        await apply_order_event(conn, event)
        await apply_order_event(conn, event)  # a retried activity writes nothing twice

    notifications = NotificationsPolicy(
        retry=RetryPolicy(max_attempts=2, first_delay_seconds=1),
        role_inboxes={
            "purchasing": Inbox(email="purchasing@desk.test"),
            "store_manager": Inbox(email="store-managers@desk.test"),
        },
        stores={"Urumqi Tianshan": {"store_manager": Inbox(email="sm.urumqi@desk.test")}},
    )
    settings = Settings(smtp_host="127.0.0.1", smtp_port=mail.port, smtp_starttls=False)
    relay = Relay(
        pool,
        Channels(settings),
        lambda: policy.model_copy(update={"notifications": notifications}),
        directory_from_settings(settings),
        jitter=lambda: 0.5,
    )
    assert await relay.run_once() == 3

    key = order_key(order_no)
    mails = [m for m in mail.messages() if m["X-Complaint-Desk-Case"] == key]
    assert sorted(m["To"] for m in mails) == [
        "purchasing@desk.test",
        "sm.urumqi@desk.test",
        "store-managers@desk.test",
    ]
    assert f"停售令：{key}" in mails[0].get_content()
    dead = await pool.fetchrow(
        "SELECT case_no, order_no, reason FROM audit_events"
        " WHERE order_no = $1 AND action = 'notification_dead_lettered'",
        order_no,
    )
    assert dead["case_no"] is None and "quality_control" in dead["reason"]
    assert (
        await pool.fetchval("SELECT count(*) FROM audit_events WHERE order_no = $1", order_no) == 2
    )

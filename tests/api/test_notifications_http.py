"""Notices over HTTP: a case's delivery state, dead letters on the stuck list and their
resend, the in-app inbox, the relay's metrics and make run's local mailbox. The API,
worker and relay run for real on a database of the test's own (the relay delivers every
row it finds), with local HTTP and SMTP servers as receivers."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from temporalio.client import Client

from devstack.mailbox import LocalMailServer
from devstack.ports import free_port
from devstack.temporal import TemporalDevServer
from domain.models import Notification
from domain.notifications import Inbox, NotificationsPolicy, RetryPolicy
from domain.policy import Policy
from infra.audit import queue_notification
from infra.channels import Channels
from infra.relay import Relay, directory_from_settings
from infra.settings import Settings
from tests.api.conftest import auth, serving
from tests.api.test_http_api import INTAKE
from tests.notify_support import Receiver, fresh_database

DUTY_HOOK = "duty-hook"


@pytest.fixture
async def own(postgres) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    async with fresh_database(postgres) as found:
        yield found


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def mail(tmp_path: Path):
    server = LocalMailServer(tmp_path / "mail", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def desk_settings(own, settings_for, dev_server: TemporalDevServer, receiver, mail) -> Settings:
    url, _ = own
    return settings_for(dev_server.address).model_copy(
        update={
            "database_url": url,
            "smtp_host": "127.0.0.1",
            "smtp_port": mail.port,
            "smtp_starttls": False,
            "notify_webhooks": Settings(
                notify_webhooks={DUTY_HOOK: {"kind": "webhook", "url": receiver.url}}
            ).notify_webhooks,
            "local_mailbox_dir": mail.folder,
        }
    )


@pytest.fixture
async def api(desk_settings, dev_client: Client, own) -> AsyncIterator[httpx.AsyncClient]:
    _, pool = own
    async with serving(desk_settings, dev_client, pool) as http:
        yield http


def _relay(pool: asyncpg.Pool, settings: Settings, policy: Policy) -> Relay:
    notifications = NotificationsPolicy(
        retry=RetryPolicy(max_attempts=5, first_delay_seconds=60, max_delay_seconds=3600),
        role_inboxes={"duty_manager": Inbox(webhooks=[DUTY_HOOK])},
    )
    with_inboxes = policy.model_copy(update={"notifications": notifications})
    return Relay(
        pool,
        Channels(settings),
        lambda: with_inboxes,
        directory_from_settings(settings),
        jitter=lambda: 0.5,
    )


async def _case_with_notice(api: httpx.AsyncClient, pool: asyncpg.Pool) -> tuple[str, str]:
    created = await api.post("/complaints", json=INTAKE, headers=auth("staff"))
    assert created.status_code == 201, created.text
    case_no = created.json()["case_no"]
    # The case's first change is recorded (its snapshot is what GET /complaints/{id} reads).
    for _ in range(600):
        if await pool.fetchval(
            "SELECT snapshot IS NOT NULL FROM complaints WHERE case_no = $1", case_no
        ):
            break
        await asyncio.sleep(0.1)
    note = Notification(
        notification_id=str(uuid.uuid4()),
        recipient="duty_manager",
        subject=f"Case {case_no} escalated to you",
        body="first contact was due 2026-12-03 10:00 CST (was with handler)",
    )
    async with pool.acquire() as conn:
        await queue_notification(conn, case_no, note)
    return case_no, note.notification_id


async def test_a_receiver_failing_five_times_backs_off_is_dead_lettered_listed_resent_delivered(
    api: httpx.AsyncClient, own, desk_settings: Settings, policy: Policy, receiver: Receiver
) -> None:
    _, pool = own
    case_no, notification_id = await _case_with_notice(api, pool)
    relay = _relay(pool, desk_settings, policy)
    receiver.fail_next = 5
    for _ in range(5):
        await relay.run_once()
        # Skip the wait the backoff set (the attempts keep what it was).
        await pool.execute(
            "UPDATE deliveries SET next_attempt_at = now() WHERE notification_id = $1",
            notification_id,
        )
    attempts = await pool.fetch(
        "SELECT a.* FROM delivery_attempts a JOIN deliveries d USING (delivery_id)"
        " WHERE d.notification_id = $1 ORDER BY attempt",
        notification_id,
    )
    assert [a["ok"] for a in attempts] == [False] * 5
    waits = [(a["retry_at"] - a["at"]).total_seconds() for a in attempts[:4]]
    # Each wait between half and all of 60 s * 2^(n-1): exponential, jittered, growing.
    for n, wait in enumerate(waits):
        assert 30 * 2**n <= wait <= 60 * 2**n
    assert waits == sorted(waits) and attempts[4]["retry_at"] is None

    read = await api.get(f"/complaints/{case_no}", headers=auth("handler"))
    assert read.status_code == 200, read.text
    handler_view = read.json()
    notice = next(
        n for n in handler_view["notifications"] if n["notification_id"] == notification_id
    )
    assert notice["state"] == "dead"
    (delivery,) = notice["deliveries"]
    assert (delivery["channel"], delivery["destination"], delivery["attempts"]) == (
        "webhook",
        DUTY_HOOK,
        5,
    )
    assert "answered HTTP 500" in delivery["last_error"]
    staff_view = (await api.get(f"/complaints/{case_no}", headers=auth("staff"))).json()
    assert staff_view["notifications"] is None

    stuck = (await api.get("/complaints/stuck", headers=auth("engineer"))).json()
    (listed,) = [c for c in stuck if c["case_no"] == case_no]
    (letter,) = [d for d in listed["dead_letters"] if d["notification_id"] == notification_id]
    assert letter["attempts"] == 5 and "HTTP 500" in letter["last_error"]
    assert any("not delivered" in reason for reason in listed["reasons"])

    resent = await api.post(
        f"/complaints/{case_no}/repair/resend-notification",
        json={"notification_id": notification_id, "reason": "the duty bot is back"},
        headers=auth("engineer"),
    )
    assert resent.status_code == 200, resent.text
    resent_as = resent.json()["done"].removeprefix("queued again as ")
    await relay.run_once()

    delivered = [r.json() for r in receiver.requests]
    assert len(delivered) == 6 and delivered[-1]["subject"] == f"Case {case_no} escalated to you"
    stuck = (await api.get("/complaints/stuck", headers=auth("engineer"))).json()
    assert not [d for c in stuck if c["case_no"] == case_no for d in c["dead_letters"]]
    view = (await api.get(f"/complaints/{case_no}", headers=auth("manager"))).json()
    states = {n["notification_id"]: n["state"] for n in view["notifications"]}
    (copy,) = [n for n in view["notifications"] if n["notification_id"] == resent_as]
    assert states[notification_id] == "resent" and copy["state"] == "sent"

    metrics = (await api.get("/metrics")).text
    assert 'complaint_desk_notification_deliveries{state="dead"} 1.0' in metrics
    assert "complaint_desk_notification_failed_attempts 5.0" in metrics
    assert "complaint_desk_notification_oldest_unsent_seconds" in metrics


async def test_the_inbox_lists_unread_first_and_marks_ones_own_read(
    api: httpx.AsyncClient, own, desk_settings: Settings, policy: Policy
) -> None:
    _, pool = own
    _, first = await _case_with_notice(api, pool)
    _, second = await _case_with_notice(api, pool)
    await _relay(pool, desk_settings, policy).run_once()
    duty = {"Authorization": "Bearer demo-duty-manager"}

    inbox = (await api.get("/me/notifications", headers=duty)).json()
    mine = {e["notification_id"]: e for e in inbox["entries"]}
    assert {first, second} <= mine.keys()
    assert inbox["unread"] == len(inbox["entries"]) and all(e["unread"] for e in inbox["entries"])

    read = await api.post(f"/me/notifications/{mine[second]['entry_id']}/read", headers=duty)
    assert read.status_code == 200 and read.json()["unread"] is False
    after = (await api.get("/me/notifications", headers=duty)).json()
    assert after["unread"] == inbox["unread"] - 1
    assert after["entries"][-1]["notification_id"] == second  # read ones after the unread
    assert all(e["unread"] for e in after["entries"][:-1])

    # Someone else's entry is not theirs to read, nor to know of.
    other = await api.post(
        f"/me/notifications/{mine[first]['entry_id']}/read", headers=auth("handler")
    )
    assert other.status_code == 404 and other.json()["type"].endswith("InboxEntryNotFound")
    theirs = (await api.get("/me/notifications", headers=auth("handler"))).json()["entries"]
    assert not {first, second} & {e["notification_id"] for e in theirs}


async def test_the_local_mailbox_shows_demo_users_the_mail_the_relay_sent(
    api: httpx.AsyncClient, own, desk_settings: Settings, policy: Policy
) -> None:
    _, pool = own
    created = await api.post("/complaints", json=INTAKE, headers=auth("staff"))
    case_no = created.json()["case_no"]
    note = Notification(
        notification_id=str(uuid.uuid4()),
        recipient="user:senior.chen",
        subject=f"Case {case_no}: major case",
        body="claimed CNY 50,000",
    )
    async with pool.acquire() as conn:
        await queue_notification(conn, case_no, note)
    await _relay(pool, desk_settings, policy).run_once()

    listed = (await api.get("/local-mailbox?to=chen.jie", headers=auth("senior"))).json()
    (summary,) = [m for m in listed if m["subject"] == f"Case {case_no}: major case"]
    assert summary["to"] == ["chen.jie@desk.local"]
    mail = await api.get(f"/local-mailbox/{summary['message_id']}", headers=auth("senior"))
    assert mail.status_code == 200 and "claimed CNY 50,000" in mail.json()["text"]
    missing = await api.get("/local-mailbox/0000-none.eml", headers=auth("senior"))
    assert missing.status_code == 404 and missing.json()["type"].endswith("MailNotFound")

"""The notification relay against real servers: a local SMTP server (aiosmtpd), local
HTTP servers as webhook receivers, bot endpoints and SMS gateway, Postgres and Temporal."""

import asyncio
import base64
import datetime as dt
import hashlib
import hmac
import ipaddress
import os
import signal
import ssl
import subprocess
import sys
import urllib.parse
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment

from devstack.mailbox import LocalMailServer
from devstack.ports import free_port
from domain.authority import Actor
from domain.models import Category, Notification
from domain.notifications import Inbox, NotificationsPolicy, RetryPolicy
from domain.policy import Policy
from domain.retention import ANONYMISED
from infra.audit import queue_notification
from infra.channels import Channels
from infra.deliveries import inbox_of
from infra.relay import Relay, directory_from_settings
from infra.retention import anonymise_closed_before
from infra.settings import ROOT, Settings
from tests.notify_support import Receiver, deliveries, fresh_database, set_customer
from tests.support import Desk, audit_actions, case_no_of, intake, register_only
from worker import build_worker

SECRET = "receiver-shared-secret"
DUTY_MAIL = "duty@desk.test"


def _policy(policy: Policy, **retry: float) -> Policy:
    return policy.model_copy(
        update={
            "notifications": NotificationsPolicy(
                retry=RetryPolicy(**({"max_attempts": 5, "first_delay_seconds": 1} | retry)),
                role_inboxes={
                    "duty_manager": Inbox(email=DUTY_MAIL, webhooks=["duty-hook"]),
                    "senior_management": Inbox(email="gm@desk.test"),
                },
            )
        }
    )


def _settings(mail: LocalMailServer | None, hooks: dict | None = None, **more) -> Settings:
    fields = {
        "smtp_host": "127.0.0.1" if mail else "",
        "smtp_port": mail.port if mail else 587,
        "smtp_starttls": False,
        "notify_webhooks": hooks or {},
    }
    return Settings(**(fields | more))


def _relay(pool: asyncpg.Pool, settings: Settings, policy: Policy) -> Relay:
    return Relay(
        pool,
        Channels(settings),
        lambda: policy,
        directory_from_settings(settings),
        jitter=lambda: 0.5,
    )


def _signature_verifies(request, secret: str = SECRET) -> bool:
    """What a receiver does (docs/notifications.md), written here on its own."""
    timestamp = request.headers["x-complaint-desk-timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256)
    return hmac.compare_digest(
        request.headers["x-complaint-desk-signature"], f"sha256={expected.hexdigest()}"
    )


@pytest.fixture
async def own(postgres) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    async with fresh_database(postgres) as found:
        yield found


@pytest.fixture
def mail(tmp_path: Path):
    server = LocalMailServer(tmp_path / "mail", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


async def _notice(pool: asyncpg.Pool, case_no: str, recipient: str, subject: str) -> str:
    note = Notification(
        notification_id=str(uuid.uuid4()), recipient=recipient, subject=subject, body="body"
    )
    async with pool.acquire() as conn:
        await queue_notification(conn, case_no, note)
    return note.notification_id


async def test_a_missed_first_contact_reaches_the_duty_manager_by_mail_webhook_and_inbox(
    own,
    time_skipping: WorkflowEnvironment,
    task_queue: str,
    policy: Policy,
    staff: Actor,
    mail: LocalMailServer,
    receiver: Receiver,
) -> None:
    _, pool = own
    hooks = {"duty-hook": {"kind": "webhook", "url": receiver.url, "secret": SECRET}}
    settings = _settings(mail, hooks)
    async with build_worker(time_skipping.client, pool, task_queue):
        desk = Desk(pool, time_skipping.client, task_queue, policy)
        case = await desk.open(staff, intake(category=Category.SERVICE_QUALITY))
        case_no = case_no_of(case)
        # Service complaints get their first contact within 24 hours; let 25 pass.
        await time_skipping.sleep(timedelta(hours=25))
        missed = await pool.fetchval(
            "SELECT reason FROM audit_events WHERE case_no = $1 AND action = 'deadline_missed'",
            case_no,
        )
        assert missed and "was due" in missed

        assert await _relay(pool, settings, _policy(policy)).run_once() >= 2

    mails = [m for m in mail.messages() if m["X-Complaint-Desk-Case"] == case_no]
    escalation = next(m for m in mails if "escalated to you" in m["Subject"])
    assert escalation["To"] == DUTY_MAIL
    assert case_no in escalation["Subject"]
    text = escalation.get_content()
    assert missed in text  # the deadline that passed, with when it was due
    assert f"投诉编号：{case_no}" in text

    hook = next(r for r in receiver.requests if "escalated to you" in r.json()["subject"])
    assert _signature_verifies(hook)
    assert hook.json()["case_no"] == case_no and missed in hook.json()["body"]

    unread, entries = await inbox_of(pool, "duty.sun", 50)
    mine = [e for e in entries if e["case_no"] == case_no]
    assert unread >= 1 and mine and all(e["read_at"] is None for e in mine)
    assert any("escalated to you" in e["subject"] for e in mine)
    # The duty manager's escalation went by mail and signed webhook (the case's other
    # notices, such as the routing's word to customer service, which this test's policy
    # gives no inbox, are dead-lettered as nobody to tell).
    states = {
        (d["channel"], d["state"])
        for d in await deliveries(pool, case_no)
        if d["recipient"] == "duty_manager"
    }
    assert states == {("email", "sent"), ("webhook", "sent")}
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM outbox WHERE case_no = $1 AND recipient = 'duty_manager'"
            " AND sent_at IS NULL",
            case_no,
        )
        == 0
    )


def _relay_process(url: str, receiver: Receiver, tmp_path: Path) -> subprocess.Popen:
    users = tmp_path / "users.yaml"
    users.write_text(
        yaml.safe_dump(
            {
                "users": [
                    {
                        "token": "token-of-kim",
                        "user_id": "kim",
                        "role": "handler",
                        "level": "handler",
                        "stores": ["Shanghai Pudong"],
                        "webhooks": ["ops"],
                    }
                ]
            }
        )
    )
    env = dict(os.environ) | {
        "DATABASE_URL": url,
        "USERS_FILE": str(users),
        "IDENTITY": "demo",
        "NOTIFY_WEBHOOKS": f'{{"ops": {{"kind": "webhook", "url": "{receiver.url}",'
        f' "secret": "{SECRET}"}}}}',
        "RELAY_POLL_SECONDS": "0.2",
        "RELAY_CONCURRENCY": "1",
        "SMTP_HOST": "",
    }
    return subprocess.Popen([sys.executable, "-m", "infra.relay"], cwd=ROOT, env=env)


async def _until(check, what: str, tries: int = 600) -> None:
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never: {what}")


async def test_a_relay_killed_mid_send_sends_again_after_restart_and_loses_nothing(
    own, policy: Policy, staff: Actor, receiver: Receiver, tmp_path: Path
) -> None:
    url, pool = own
    case_no = await register_only(pool, policy, staff)
    first = await _notice(pool, case_no, "user:kim", "first")
    second = await _notice(pool, case_no, "user:kim", "second")
    receiver.hold = True
    receiver.release.clear()
    relay = _relay_process(url, receiver, tmp_path)
    try:
        # The relay picked the first row and is sending it: the receiver holds the request.
        assert await asyncio.to_thread(receiver.arrived.wait, 60)
        picked = await pool.fetchrow(
            "SELECT state, attempts FROM deliveries WHERE notification_id = $1", first
        )
        assert tuple(picked) == ("queued", 0)
        relay.send_signal(signal.SIGKILL)
        relay.wait(30)
    finally:
        if relay.poll() is None:
            relay.kill()
    receiver.hold = False
    receiver.release.set()

    relay = _relay_process(url, receiver, tmp_path)
    try:

        async def both_sent() -> bool:
            sent = await pool.fetchval(
                "SELECT count(*) FROM outbox WHERE case_no = $1 AND sent_at IS NOT NULL", case_no
            )
            return sent == 2

        await _until(both_sent, "both rows sent after the restart")
    finally:
        relay.send_signal(signal.SIGTERM)
        relay.wait(30)
    subjects = [r.json()["subject"] for r in receiver.requests]
    # The first went out twice at most (the killed try and the one after), in order.
    assert subjects == ["first", "first", "second"]
    ids = [r.headers["x-complaint-desk-delivery"] for r in receiver.requests]
    assert ids[0] == ids[1] != ids[2]  # a receiver can tell the resend by its delivery id
    rows = await deliveries(pool, case_no)
    assert [(r["notification_id"], r["state"], r["attempts"]) for r in rows] == [
        (first, "sent", 1),
        (second, "sent", 1),
    ]


async def test_two_relays_never_send_one_delivery_twice_and_keep_each_cases_order(
    own, policy: Policy, staff: Actor, receiver: Receiver
) -> None:
    _, pool = own
    cases = [await register_only(pool, policy, staff) for _ in range(3)]
    for n in range(8):
        for case_no in cases:
            await _notice(pool, case_no, "duty_manager", f"{case_no} #{n}")
    hooks = {"duty-hook": {"kind": "webhook", "url": receiver.url, "secret": SECRET}}
    settings = _settings(None, hooks)
    test_policy = _policy(policy).model_copy(deep=True)
    test_policy.notifications.role_inboxes["duty_manager"] = Inbox(webhooks=["duty-hook"])
    relays = [_relay(pool, settings, test_policy) for _ in range(2)]
    stop = asyncio.Event()
    running = [asyncio.create_task(r.run(stop, poll_seconds=0.05, concurrency=3)) for r in relays]

    async def all_sent() -> bool:
        return await pool.fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0

    await _until(all_sent, "every row sent")
    stop.set()
    await asyncio.gather(*running)
    ids = [r.headers["x-complaint-desk-delivery"] for r in receiver.requests]
    assert len(ids) == len(set(ids)) == 24
    for case_no in cases:
        got = [r.json()["subject"] for r in receiver.requests if r.json()["case_no"] == case_no]
        assert got == [f"{case_no} #{n}" for n in range(8)]


async def test_a_customer_with_consent_is_told_by_sms_or_email_and_one_without_is_not(
    own, policy: Policy, staff: Actor, mail: LocalMailServer, receiver: Receiver
) -> None:
    _, pool = own
    by_sms, by_email, no_consent = [await register_only(pool, policy, staff) for _ in range(3)]
    await set_customer(
        pool, by_sms, phone="13800000000", contact_consent=True, contact_channel="sms"
    )
    await set_customer(
        pool,
        by_email,
        email="liu.yang@example.com",
        language="en",
        contact_consent=True,
        contact_channel="email",
    )
    await set_customer(pool, no_consent, email="x@example.com", contact_channel="email")
    for case_no in (by_sms, by_email, no_consent):
        await _notice(pool, case_no, "customer", f"您的投诉 {case_no} 已受理")
    settings = _settings(mail, sms_gateway_url=receiver.url, sms_gateway_secret="sms-secret")
    await _relay(pool, settings, _policy(policy)).run_once()

    (sms,) = receiver.requests
    assert _signature_verifies(sms, "sms-secret")
    assert sms.json()["to"] == "13800000000" and sms.json()["text"] == "body"
    (email,) = [m for m in mail.messages() if m["X-Complaint-Desk-Case"] == by_email]
    assert email["To"] == "liu.yang@example.com"
    assert email.get_content().strip() == "body"  # the template's text alone, no staff footer
    assert [(d["channel"], d["state"]) for d in await deliveries(pool, by_sms)] == [("sms", "sent")]
    (skipped,) = await deliveries(pool, no_consent)
    assert (skipped["state"], skipped["last_error"]) == ("skipped", "the customer gave no consent")
    assert skipped["attempts"] == 0
    # Told or not, the trail says so; customers' messages never reach a staff inbox.
    assert ("customer_message_delivered", "system:relay") in await audit_actions(pool, by_sms)
    assert ("customer_message_not_sent", "system:relay") in await audit_actions(pool, no_consent)
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 0
    # The delivery keeps no copy of the customer's address.
    assert (
        await pool.fetchval("SELECT count(*) FROM deliveries WHERE destination <> 'customer'") == 0
    )


def _self_signed(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file


async def test_email_goes_over_starttls_with_a_login(
    own, policy: Policy, staff: Actor, tmp_path: Path
) -> None:
    _, pool = own
    context, cert_file = _self_signed(tmp_path)
    server = LocalMailServer(
        tmp_path / "tls-mail", free_port(), tls_context=context, login=("relay", "s3cret")
    )
    server.start()
    try:
        case_no = await register_only(pool, policy, staff)
        await _notice(pool, case_no, "senior_management", "major case")
        wrong = _settings(
            server,
            smtp_starttls=True,
            smtp_username="relay",
            smtp_password="wrong",
            smtp_ca_file=cert_file,
        )
        await _relay(pool, wrong, _policy(policy)).run_once()
        (failed,) = await deliveries(pool, case_no)
        assert failed["state"] == "retrying" and "535" in failed["last_error"]
        await pool.execute("UPDATE deliveries SET next_attempt_at = now()")
        right = wrong.model_copy(update={"smtp_password": SecretStr("s3cret")})
        await _relay(pool, right, _policy(policy)).run_once()
        (sent,) = await deliveries(pool, case_no)
        assert (sent["state"], sent["attempts"]) == ("sent", 2)
        (message,) = server.messages()
        assert message["To"] == "gm@desk.test" and message["Subject"] == "major case"
    finally:
        server.stop()


async def test_group_bots_get_their_documented_messages_and_signatures(
    own, policy: Policy, staff: Actor
) -> None:
    _, pool = own
    wecom, dingtalk = Receiver(), Receiver()
    feishu = Receiver(answer={"code": 0, "msg": "success", "data": {}})
    try:
        hooks = {
            "wecom": {"kind": "wecom", "url": wecom.url + "?key=k"},
            "dingtalk": {
                "kind": "dingtalk",
                "url": dingtalk.url + "?access_token=t",
                "secret": "SECd",
            },
            "feishu": {"kind": "feishu", "url": feishu.url, "secret": "fs"},
        }
        test_policy = _policy(policy).model_copy(deep=True)
        test_policy.notifications.role_inboxes["incident_team"] = Inbox(
            webhooks=["wecom", "dingtalk", "feishu"]
        )
        case_no = await register_only(pool, policy, staff)
        await _notice(pool, case_no, "incident_team", "crisis declared")
        await _relay(pool, _settings(None, hooks), test_policy).run_once()

        (w,) = wecom.requests
        assert w.path == "/hook?key=k" and w.json()["msgtype"] == "text"
        assert "crisis declared" in w.json()["text"]["content"]

        (d,) = dingtalk.requests
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(d.path).query)
        timestamp, sign = query["timestamp"][0], query["sign"][0]
        expected = base64.b64encode(
            hmac.new(b"SECd", f"{timestamp}\nSECd".encode(), hashlib.sha256).digest()
        ).decode()
        assert query["access_token"] == ["t"] and sign == expected
        assert d.json()["msgtype"] == "text" and case_no in d.json()["text"]["content"]

        (f,) = feishu.requests
        body = f.json()
        key = f"{body['timestamp']}\nfs".encode()
        assert (
            body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        )
        assert body["msg_type"] == "text" and "crisis declared" in body["content"]["text"]
        states = {(r["channel"], r["state"]) for r in await deliveries(pool, case_no)}
        assert states == {("wecom", "sent"), ("dingtalk", "sent"), ("feishu", "sent")}

        # A bot answers HTTP 200 with its error in the body: that is a failure.
        dingtalk.answer = {"errcode": 310000, "errmsg": "sign not match"}
        await _notice(pool, case_no, "incident_team", "second")
        await _relay(pool, _settings(None, hooks), test_policy).run_once()
        failed = [r for r in await deliveries(pool, case_no) if r["state"] == "retrying"]
        assert [(r["channel"], r["last_error"]) for r in failed] == [
            ("dingtalk", "dingtalk errcode 310000: sign not match")
        ]
    finally:
        for server in (wecom, dingtalk, feishu):
            server.stop()


async def test_a_role_nobody_can_be_told_as_is_dead_lettered_at_once(
    own, policy: Policy, staff: Actor
) -> None:
    _, pool = own
    case_no = await register_only(pool, policy, staff)
    await _notice(pool, case_no, "quality_control", "inspect the sofa")
    await _relay(pool, _settings(None), _policy(policy)).run_once()
    (dead,) = await deliveries(pool, case_no)
    assert (dead["channel"], dead["state"]) == ("none", "dead")
    assert "no inbox for quality_control" in dead["last_error"]
    assert ("notification_dead_lettered", "system:relay") in await audit_actions(pool, case_no)


async def test_anonymising_a_case_blanks_its_inbox_copies_and_stops_its_customer_messages(
    own, policy: Policy, staff: Actor
) -> None:
    _, pool = own
    case_no = await register_only(pool, policy, staff)
    await set_customer(
        pool, case_no, phone="13900000000", contact_consent=True, contact_channel="sms"
    )
    await _notice(pool, case_no, "user:handler.wang", "Case closed")
    await _notice(pool, case_no, "customer", "请评价")
    relay = _relay(pool, _settings(None), _policy(policy))
    while await relay.expand_pending():
        pass
    await pool.execute(
        "UPDATE complaints SET stage = 'closed', closed_at = now() - interval '400 days'"
        " WHERE case_no = $1",
        case_no,
    )
    async with pool.acquire() as conn, conn.transaction():
        assert await anonymise_closed_before(
            conn, closed_before=dt.datetime.now(dt.UTC), keep_days=365, limit=10
        ) == [case_no]
    await relay.run_once()

    (entry,) = (await inbox_of(pool, "handler.wang", 10))[1]
    assert entry["body"] == ANONYMISED
    customer = next(d for d in await deliveries(pool, case_no) if d["recipient"] == "customer")
    assert customer["state"] == "skipped" and "gone" in customer["last_error"]


async def test_the_worker_runs_the_relay_beside_it_until_told_to_stop(
    own, policy: Policy, staff: Actor, mail: LocalMailServer
) -> None:
    from worker import start_relay

    url, pool = own
    case_no = await register_only(pool, policy, staff)
    await _notice(pool, case_no, "user:senior.chen", "major case")
    settings = _settings(mail, database_url=url, relay_poll_seconds=0.1)
    stop = asyncio.Event()
    relay = await start_relay(settings, pool, stop)

    async def sent() -> bool:
        return await pool.fetchval(
            "SELECT sent_at IS NOT NULL FROM outbox WHERE case_no = $1", case_no
        )

    await _until(sent, "the worker's relay delivered the notice")
    stop.set()
    await asyncio.wait_for(relay, 30)
    (message,) = [m for m in mail.messages() if m["X-Complaint-Desk-Case"] == case_no]
    assert message["To"] == "chen.jie@desk.local"

"""The notification relay (docs/notifications.md): delivers every outbox row, at least
once, in order per case and destination, with exponential backoff and a dead letter.

Runs as a task of every worker (worker.py) or alone (`python -m infra.relay`). Two steps,
each in its own transactions, so a relay killed anywhere loses nothing:

1. expand: an outbox row not yet resolved becomes one `deliveries` row per channel of its
   recipient (the users file, the policy's role and store inboxes, the customer's consent
   and channel) and one `inbox` row per person it is for; in one transaction.
2. send: a due delivery is locked (`FOR UPDATE SKIP LOCKED`), sent, and marked in the same
   transaction: a relay killed mid-send leaves it unmarked and unlocked, so the next relay
   sends it again (once more at most); two relays never hold the same delivery.
"""

import asyncio
import contextlib
import random
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import asyncpg
import structlog
import yaml

from domain.models import AuditEntry
from domain.notifications import (
    CUSTOMER,
    DEFAULT_RETRY,
    USER_PREFIX,
    Channel,
    CustomerContact,
    Destination,
    Person,
    customer_destination,
    inbox_destinations,
    person_destinations,
)
from domain.policy import Policy
from domain.stop_sale import WORKFLOW_PREFIX as ORDER_PREFIX
from infra.audit import append_audit
from infra.channels import Channels, DeliveryFailed, Message
from infra.people import load_people
from infra.settings import Settings

log = structlog.get_logger(__name__)

RELAY_ACTOR = "system:relay"
EXPAND_BATCH = 50


class Directory(Protocol):
    """The people notices reach: by user id, and those who hold a role at a store."""

    async def refresh(self, conn: asyncpg.Connection) -> None: ...

    def person(self, user_id: str) -> Person | None: ...

    def holders(self, role: str, store: str) -> list[str]: ...


class NoDirectory:
    """Nobody known: `user:` notices go to the inbox only, roles to their policy inboxes."""

    async def refresh(self, conn: asyncpg.Connection) -> None:
        pass

    def person(self, user_id: str) -> Person | None:
        return None

    def holders(self, role: str, store: str) -> list[str]:
        return []


class UsersFileDirectory:
    """IDENTITY=demo: the users file (config/users.yaml)."""

    def __init__(self, people: list) -> None:  # api.identity.Person (User)
        self._people = {p.user_id: p for p in people}

    async def refresh(self, conn: asyncpg.Connection) -> None:
        pass

    def person(self, user_id: str) -> Person | None:
        user = self._people.get(user_id)
        if user is None:
            return None
        return Person(
            user_id=user.user_id, email=user.email, language=user.language, webhooks=user.webhooks
        )

    def holders(self, role: str, store: str) -> list[str]:
        return sorted(uid for uid, user in self._people.items() if user.holds(role, store))


class PeopleDirectory(UsersFileDirectory):
    """IDENTITY=jwt: the people the API has seen, with their claims (infra/people.py),
    read afresh before each batch is resolved."""

    def __init__(self) -> None:
        super().__init__([])

    async def refresh(self, conn: asyncpg.Connection) -> None:
        from api.identity import Person as Claims

        people = []
        for raw in await load_people(conn):
            with contextlib.suppress(ValueError):
                people.append(Claims.model_validate(raw))
        self._people = {p.user_id: p for p in people}


def directory_from_settings(settings: Settings) -> Directory:
    if settings.identity != "demo":
        return PeopleDirectory()
    # The users file's model is the API's (api/identity.py): the same file, read alike.
    from api.identity import UsersFile

    raw = yaml.safe_load(settings.users_file.read_text(encoding="utf-8"))
    return UsersFileDirectory(UsersFile.model_validate(raw).users)


@dataclass
class Resolved:
    destinations: list[Destination]
    inbox: list[str]


def resolve(
    recipient: str, store: str, customer: dict | None, policy: Policy, directory: Directory
) -> Resolved:
    """Where a notice to `recipient` of a case at `store` goes."""
    if recipient == CUSTOMER:
        contact = CustomerContact.model_validate(customer) if customer else None
        return Resolved([customer_destination(contact)], [])  # never an inbox
    if recipient.startswith(USER_PREFIX):
        user_id = recipient.removeprefix(USER_PREFIX)
        person = directory.person(user_id)
        return Resolved(person_destinations(person) if person else [], [user_id])
    notifications = policy.notifications
    inbox = notifications.inbox_for(recipient, store) if notifications else None
    destinations = inbox_destinations(inbox) if inbox else []
    holders = directory.holders(recipient, store)
    if not destinations and not holders:
        destinations = [
            Destination(
                channel=Channel.NONE,
                destination=recipient,
                dead=f"nobody to tell: no inbox for {recipient} in the policy's notifications"
                f" and nobody holds it at {store}",
            )
        ]
    return Resolved(destinations, holders)


_PICK = """
SELECT d.delivery_id, d.notification_id, d.case_no, d.channel, d.destination, d.language,
       d.attempts, o.recipient, o.subject, o.body
FROM deliveries d JOIN outbox o USING (notification_id)
WHERE d.state IN ('queued', 'retrying') AND d.next_attempt_at <= now()
  AND NOT EXISTS (
      SELECT 1 FROM deliveries e
      WHERE e.case_no = d.case_no AND e.channel = d.channel AND e.destination = d.destination
        AND e.seq < d.seq AND e.state IN ('queued', 'retrying'))
  AND NOT EXISTS (
      SELECT 1 FROM outbox u
      WHERE COALESCE(u.case_no, 'stop-sale-' || u.order_no) = d.case_no AND u.seq < d.seq
        AND u.expanded_at IS NULL)
ORDER BY d.next_attempt_at, d.seq
LIMIT 1
FOR UPDATE OF d SKIP LOCKED
"""


class Relay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        channels: Channels,
        policy: Callable[[], Policy],
        directory: Directory,
        *,
        jitter: Callable[[], float] = random.random,
        send_timeout: float = 60.0,
    ) -> None:
        self._pool = pool
        self._channels = channels
        self._policy = policy
        self._directory = directory
        self._jitter = jitter
        self._send_timeout = send_timeout

    # --- expand ----------------------------------------------------------------------

    async def expand_pending(self) -> int:
        """Resolves up to EXPAND_BATCH outbox rows into deliveries and inbox entries."""
        policy = self._policy()
        async with self._pool.acquire() as conn, conn.transaction():
            await self._directory.refresh(conn)
            rows = await conn.fetch(
                """
                SELECT o.notification_id,
                       COALESCE(o.case_no, $2 || o.order_no) AS case_no, o.seq, o.recipient,
                       o.subject, o.body, o.only_destinations,
                       COALESCE(o.store, c.store, '') AS store,
                       c.intake -> 'customer' AS customer
                FROM outbox o LEFT JOIN complaints c USING (case_no)
                WHERE o.expanded_at IS NULL
                ORDER BY o.seq
                LIMIT $1
                FOR UPDATE OF o SKIP LOCKED
                """,
                EXPAND_BATCH,
                # A stop-sale order's notices: its deliveries and inbox entries under its
                # key (`stop-sale-<n>`) in place of a case number, in order per order.
                ORDER_PREFIX,
            )
            for row in rows:
                await self._expand(conn, row, policy)
        return len(rows)

    async def _expand(self, conn: asyncpg.Connection, row: asyncpg.Record, policy: Policy) -> None:
        try:
            resolved = resolve(
                row["recipient"], row["store"], row["customer"], policy, self._directory
            )
        except ValueError as err:  # pydantic's too: one unreadable row must not block others
            log.exception("notification_unresolvable", notification_id=row["notification_id"])
            resolved = Resolved(
                [
                    Destination(
                        channel=Channel.NONE,
                        destination=row["recipient"],
                        dead=f"could not resolve {row['recipient']}: {err}"[:2000],
                    )
                ],
                [],
            )
        destinations = [self._with_kind(d) for d in resolved.destinations]
        only = row["only_destinations"]
        if only is not None:
            destinations = [d for d in destinations if key_of(d) in only]
        for dest in destinations:
            state, error = "queued", None
            if dest.skipped:
                state, error = "skipped", dest.skipped
            elif dest.dead:
                state, error = "dead", dest.dead
            await conn.execute(
                """
                INSERT INTO deliveries (notification_id, case_no, seq, channel, destination,
                                        language, state, last_error)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                ON CONFLICT (notification_id, channel, destination) DO NOTHING
                """,
                row["notification_id"],
                row["case_no"],
                row["seq"],
                dest.channel.value,
                dest.destination,
                dest.language,
                state,
                error,
            )
            if state == "dead":
                await self._record_dead(conn, row["case_no"], row["notification_id"], dest, error)
        if only is None:  # a resend's copy reaches no inbox twice
            for user_id in resolved.inbox:
                await conn.execute(
                    """
                    INSERT INTO inbox (user_id, notification_id, case_no, subject, body)
                    VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (user_id, notification_id) DO NOTHING
                    """,
                    user_id,
                    row["notification_id"],
                    row["case_no"],
                    row["subject"],
                    row["body"],
                )
        await conn.execute(
            "UPDATE outbox SET expanded_at = now() WHERE notification_id = $1",
            row["notification_id"],
        )
        await _complete_if_done(conn, row["notification_id"])
        if row["recipient"] == CUSTOMER:
            for dest in destinations:
                if dest.skipped:
                    await _audit_customer(conn, row, dest, sent=False, why=dest.skipped)

    def _with_kind(self, dest: Destination) -> Destination:
        """A named webhook goes out in its own kind's format (WeCom, DingTalk, Feishu)."""
        if dest.channel is Channel.WEBHOOK:
            hook = self._channels.webhook(dest.destination)
            if hook is not None:
                return dest.model_copy(update={"channel": Channel(hook.kind)})
        return dest

    # --- send ------------------------------------------------------------------------

    async def send_one(self) -> bool:
        """Sends one due delivery; False when none is due."""
        notifications = self._policy().notifications
        retry = notifications.retry if notifications else DEFAULT_RETRY
        async with self._pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(_PICK)
            if row is None:
                return False
            error = await self._attempt(conn, row)
            failures = row["attempts"] + 1
            now = datetime.now(UTC)
            if isinstance(error, _Skip):
                # Not a failure: there is nothing to send it to any more; never retried.
                state, retry_at, error = "skipped", None, error.reason
            elif error is None:
                state, retry_at = "sent", None
            elif retry.gives_up_after(failures):
                state, retry_at = "dead", None
            else:
                state = "retrying"
                retry_at = now + timedelta(seconds=retry.delay_after(failures, self._jitter()))
            await conn.execute(
                """
                UPDATE deliveries SET state = $2::text, attempts = $3, last_error = $4,
                    next_attempt_at = COALESCE($5::timestamptz, next_attempt_at),
                    sent_at = CASE WHEN $2::text = 'sent' THEN $6::timestamptz ELSE NULL END
                WHERE delivery_id = $1
                """,
                row["delivery_id"],
                state,
                failures,
                error,
                retry_at,
                now,
            )
            await conn.execute(
                "INSERT INTO delivery_attempts (delivery_id, attempt, at, ok, error, retry_at)"
                " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                row["delivery_id"],
                failures,
                now,
                error is None,
                error,
                retry_at,
            )
            log.info(
                "notification_delivery",
                case_no=row["case_no"],
                delivery_id=row["delivery_id"],
                channel=row["channel"],
                state=state,
                attempts=failures,
                error=error,
            )
            if state in ("sent", "skipped"):
                await _complete_if_done(conn, row["notification_id"])
                if row["recipient"] == CUSTOMER:
                    await _audit_customer(
                        conn,
                        row,
                        Destination(channel=Channel(row["channel"]), destination=CUSTOMER),
                        sent=state == "sent",
                        why=error or "",
                    )
            elif state == "dead":
                await self._record_dead(
                    conn,
                    row["case_no"],
                    row["notification_id"],
                    Destination(channel=Channel(row["channel"]), destination=row["destination"]),
                    f"after {failures} attempts: {error}",
                )
        return True

    async def _attempt(self, conn: asyncpg.Connection, row: asyncpg.Record) -> "str | _Skip | None":
        """None when the channel took it, else why not."""
        channel = Channel(row["channel"])
        address = row["destination"]
        for_customer = row["recipient"] == CUSTOMER
        if for_customer:
            customer = await conn.fetchval(
                "SELECT intake -> 'customer' FROM complaints WHERE case_no = $1", row["case_no"]
            )
            try:
                contact = CustomerContact.model_validate(customer or {})
            except ValueError:
                contact = CustomerContact()
            address = contact.email if channel is Channel.EMAIL else contact.phone
            if not address or not contact.contact_consent:
                return _Skip("the customer's address or consent is gone (anonymised?)")
        message = Message(
            delivery_id=row["delivery_id"],
            notification_id=row["notification_id"],
            case_no=row["case_no"],
            recipient=row["recipient"],
            subject=row["subject"],
            body=row["body"],
            language=row["language"],
            for_customer=for_customer,
        )
        try:
            await asyncio.wait_for(
                self._channels.send(channel, address, message), self._send_timeout
            )
        except DeliveryFailed as err:
            # A server's refusal may quote the address: a customer's is personal data
            # (DOMAIN 8), and the delivery state is shown to engineers too.
            reason = str(err).replace(address, CUSTOMER) if for_customer else str(err)
            return reason[:2000]
        except TimeoutError:
            return f"no answer within {self._send_timeout:.0f} s"
        except Exception as err:  # a bug in a channel must not stop the relay
            log.exception("notification_channel_error", delivery_id=row["delivery_id"])
            return f"{type(err).__name__}: {err}"[:2000]
        return None

    async def _record_dead(
        self,
        conn: asyncpg.Connection,
        case_no: str,
        notification_id: str,
        dest: Destination,
        why: str | None,
    ) -> None:
        order_no = order_of(case_no)
        await append_audit(
            conn,
            None if order_no is not None else case_no,
            order_no=order_no,
            entry=AuditEntry(
                event_id=f"dead-{notification_id}-{dest.channel.value}-{dest.destination}",
                at=datetime.now(UTC),
                actor_id=RELAY_ACTOR,
                actor_role="system",
                action="notification_dead_lettered",
                reason=why or "",
                data={
                    "notification_id": notification_id,
                    "channel": dest.channel.value,
                    "destination": dest.destination,
                },
            ),
        )

    # --- run -------------------------------------------------------------------------

    async def run_once(self) -> int:
        """Expands what is new and sends what is due until nothing is; how many sent."""
        while await self.expand_pending():
            pass
        sent = 0
        while await self.send_one():
            sent += 1
        return sent

    async def run(self, stop: asyncio.Event, *, poll_seconds: float, concurrency: int) -> None:
        async def sender() -> None:
            while not stop.is_set():
                try:
                    while await self.expand_pending():
                        pass
                    while not stop.is_set() and await self.send_one():
                        pass
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as err:
                    log.warning("relay_database_unavailable", error=str(err))
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), poll_seconds)

        log.info("relay_started", concurrency=concurrency)
        await asyncio.gather(*(sender() for _ in range(concurrency)))
        log.info("relay_stopped")


def order_of(key: str) -> int | None:
    """The stop-sale order whose deliveries carry `key`, None for a case's."""
    if key.startswith(ORDER_PREFIX) and key.removeprefix(ORDER_PREFIX).isdigit():
        return int(key.removeprefix(ORDER_PREFIX))
    return None


@dataclass
class _Skip:
    reason: str


def key_of(dest: Destination) -> str:
    return f"{dest.channel.value}:{dest.destination}"


async def _complete_if_done(conn: asyncpg.Connection, notification_id: str) -> None:
    """The outbox row is sent once every delivery is sent or skipped."""
    await conn.execute(
        """
        UPDATE outbox SET sent_at = now()
        WHERE notification_id = $1 AND sent_at IS NULL AND expanded_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM deliveries WHERE notification_id = $1
                          AND state NOT IN ('sent', 'skipped'))
        """,
        notification_id,
    )


async def _audit_customer(
    conn: asyncpg.Connection, row: asyncpg.Record, dest: Destination, *, sent: bool, why: str
) -> None:
    """The trail says the customer was told, or why not; never the message's text."""
    common = {
        "event_id": f"customer-{row['notification_id']}-{dest.channel.value}",
        "at": datetime.now(UTC),
        "actor_id": RELAY_ACTOR,
        "actor_role": "system",
        "reason": why,
        "data": {"notification_id": row["notification_id"], "channel": dest.channel.value},
    }
    if sent:
        entry = AuditEntry(action="customer_message_delivered", **common)
    else:
        entry = AuditEntry(action="customer_message_not_sent", **common)
    await append_audit(conn, row["case_no"], entry)


async def main(settings: Settings) -> None:
    """`python -m infra.relay`: a relay on its own (any number may run beside workers)."""
    from infra.db import create_pool
    from infra.policy_file import read_policy_file
    from infra.policy_versions import ActivePolicy

    pool = await create_pool(settings.database_url)
    channels = Channels(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        active = await ActivePolicy.start(pool, read_policy_file(settings.policy_file))
        relay = Relay(pool, channels, lambda: active.policy, directory_from_settings(settings))
        await relay.run(
            stop, poll_seconds=settings.relay_poll_seconds, concurrency=settings.relay_concurrency
        )
    finally:
        await channels.aclose()
        await pool.close()


if __name__ == "__main__":
    from infra.logging import configure_logging
    from infra.settings import get_settings

    _settings = get_settings()
    configure_logging(_settings.log_level, json=_settings.log_json)
    asyncio.run(main(_settings))

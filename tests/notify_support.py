"""Real servers for the notification tests: a local HTTP server as webhook receiver, bot
endpoint or SMS gateway; a fresh database each (the relay delivers every row it finds)."""

import json
import random
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import asyncpg

from devstack.migrate import migrate
from devstack.postgres import EmbeddedPostgres
from infra.db import create_pool


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST. `fail_next` answers that many
    with HTTP 500; `hold` keeps a request unanswered until released (the sender is then
    mid-send); `answer` is the JSON body of a success (a bot's `{"errcode": 0}`)."""

    answer: dict = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    fail_next: int = 0
    requests: list[Received] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    hold: bool = False

    def __post_init__(self) -> None:
        self.release.set()
        receiver = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    failing = receiver.fail_next > 0
                    receiver.fail_next -= 1 if failing else 0
                    holding = receiver.hold
                receiver.arrived.set()
                if holding:
                    receiver.release.wait(60)
                status, answer = (500, {"error": "down"}) if failing else (200, receiver.answer)
                raw = json.dumps(answer).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(raw)))
                    self.end_headers()
                    self.wfile.write(raw)
                except OSError:
                    pass  # the sender is gone (killed mid-send)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()


@asynccontextmanager
async def fresh_database(postgres: EmbeddedPostgres) -> AsyncIterator[tuple[str, asyncpg.Pool]]:
    """A migrated database of the test's own: other tests' outbox rows are not in it."""
    url = postgres.url(f"notify_{uuid.uuid4().hex[:8]}")
    await migrate(url)
    pool = await create_pool(url)
    # Case numbers are workflow IDs on the shared Temporal server: a new database must not
    # number its cases from 0001 again, or its intake would find another test's workflow.
    now = datetime.now(UTC)
    months = {f"{now.astimezone(ZoneInfo(zone)):%Y%m}" for zone in ("UTC", "Asia/Shanghai")}
    offset = random.randrange(10_000, 10_000_000) * 10
    await pool.executemany(
        "INSERT INTO case_counters (month, last_serial) VALUES ($1, $2)",
        [(month, offset) for month in months],
    )
    try:
        yield url, pool
    finally:
        await pool.close()


async def set_customer(pool: asyncpg.Pool, case_no: str, **keys: object) -> None:
    """The intake's customer keys the customer helper's model adds (email, phone,
    language, contact_consent, contact_channel), written as intake stores them."""
    await pool.execute(
        "UPDATE complaints SET intake = jsonb_set(intake, '{customer}',"
        " (intake -> 'customer') || $2::jsonb) WHERE case_no = $1",
        case_no,
        keys,
    )


async def deliveries(pool: asyncpg.Pool, case_no: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT d.*, o.recipient FROM deliveries d JOIN outbox o USING (notification_id)"
        " WHERE d.case_no = $1 ORDER BY d.seq, d.delivery_id",
        case_no,
    )

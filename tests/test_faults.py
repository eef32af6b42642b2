"""Faults with the real processes (worker.py and the API as subprocesses, the dev server,
PostgreSQL): a worker killed while it asks finance to pay, the Temporal server restarted
under a case's 30-day clock, the database gone for a while. Nothing is lost, nothing done
twice (issue 6)."""

import asyncio
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import asyncpg
import httpx
import pytest
from temporalio.api.enums.v1 import EventType, PendingActivityState, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflow.v1 import PendingActivityInfo
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowHandle

from devstack.migrate import migrate
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.run import api_command, worker_command
from devstack.temporal import TemporalDevServer
from domain.case_numbers import workflow_id_for
from infra.settings import ROOT, Settings
from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE
from tests.conftest import TEST_CONVERTER
from tests.test_processes_e2e import Processes, _until_healthy

T = TypeVar("T")


class LoggedProcesses(Processes):
    """Processes whose output goes to files, so a failing fault test shows why."""

    def __init__(self, *args: str, log_dir: Path) -> None:
        super().__init__(*args)
        self.log_dir = log_dir
        self.starts = 0

    def start(self, name: str) -> None:
        # The commands `make run` uses, as Processes.start has them.
        command = {
            "worker": worker_command(),
            "api": api_command("127.0.0.1", self.api_port),
        }[name]
        self.starts += 1
        with (self.log_dir / f"{name}-{self.starts}.log").open("wb") as log:
            self.running[name] = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )


@pytest.fixture
def processes(
    tmp_path: Path, dev_server: TemporalDevServer, database_url: str, task_queue: str
) -> Iterator[LoggedProcesses]:
    running = LoggedProcesses(database_url, dev_server.address, task_queue, log_dir=tmp_path)
    yield running
    running.stop_all()


async def _until(probe: Callable[[], Awaitable[T | None]], what: str, timeout: float = 60) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := await probe()) is not None:
            return found
        await asyncio.sleep(0.2)
    raise AssertionError(f"not within {timeout:.0f}s: {what}")


async def _pending_activity(handle: WorkflowHandle, name: str) -> PendingActivityInfo | None:
    described = await handle.describe()
    return next(
        (a for a in described.raw_description.pending_activities if a.activity_type.name == name),
        None,
    )


async def _started(handle: WorkflowHandle, name: str) -> PendingActivityInfo:
    """Waits until a worker runs the activity (it is in the case's pending activities)."""

    async def probe() -> PendingActivityInfo | None:
        pending = await _pending_activity(handle, name)
        started = PendingActivityState.PENDING_ACTIVITY_STATE_STARTED
        return pending if pending is not None and pending.state == started else None

    return await _until(probe, f"{name} started")


async def _post(http: httpx.AsyncClient, case_no: str, path: str, role: str, body: dict) -> dict:
    response = await http.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(role))
    assert response.status_code == 200, response.text
    return response.json()


async def _register(http: httpx.AsyncClient, key: str) -> str:
    response = await http.post(
        "/complaints", json=INTAKE, headers=auth("staff") | {"Idempotency-Key": key}
    )
    assert response.status_code == 201, response.text
    return response.json()["case_no"]


async def _actions(http: httpx.AsyncClient, case_no: str) -> list[str]:
    events = await http.get(f"/complaints/{case_no}/events", headers=auth("manager"))
    assert events.status_code == 200, events.text
    return [e["action"] for e in events.json()]


# --- a worker killed while it asks finance to pay ---------------------------------------


async def test_a_worker_killed_while_asking_finance_to_pay_leaves_one_payment_request(
    processes: LoggedProcesses, dev_client: Client, database_url: str
) -> None:
    async with processes.serving() as http:
        case_no = await _register(http, f"faults-pay-{time.time_ns()}")
        await _post(http, case_no, "acknowledge", "handler", {})
        await _post(
            http,
            case_no,
            "findings",
            "handler",
            {"valid": True, "liability": "company", "summary": "Delivered late, door scratched"},
        )
        await _post(
            http,
            case_no,
            "proposal",
            "handler",
            {"kind": "refund", "amount": "500", "details": "x"},
        )
        await _post(http, case_no, "approval", "manager", {"approve": True, "comment": "ok"})
        handle = dev_client.get_workflow_handle(workflow_id_for(case_no))
        accept = {"accepted": True, "agreement_ref": f"AG-{case_no}"}
        key = {"Idempotency-Key": f"accept-{case_no}"}

        finance = await asyncpg.connect(database_url)
        try:
            async with finance.transaction():
                # Finance is busy: the request's insert waits on this lock until released.
                await finance.execute("LOCK TABLE payment_requests IN SHARE MODE")
                accepted = asyncio.create_task(
                    http.post(
                        f"/complaints/{case_no}/customer-response",
                        json=accept,
                        headers=auth("handler") | key,
                    )
                )
                first = await _started(handle, "request_payment")
                processes.kill("worker")
                killed_at = time.monotonic()
            # The lock is gone: the dead worker's insert, still queued in its backend, may
            # now land too. Either way the key lets only one row in.
        finally:
            await finance.close()
        processes.start("worker")
        response = await accepted
        recovered_after = time.monotonic() - killed_at

        assert response.status_code == 200, response.text
        assert first.attempt == 1
        # Heartbeat timeout 5 s, a 1 s backoff and a new worker's start: seconds, not the
        # two-minute start-to-close.
        assert recovered_after < 45, recovered_after
        # The handler's retry of the same answer (its request timed out, say) asks nothing.
        again = await http.post(
            f"/complaints/{case_no}/customer-response", json=accept, headers=auth("handler") | key
        )
        assert again.status_code == 200, again.text

        await _post(http, case_no, "resolution", "handler", {"summary": "Refund paid"})
        closed = await _post(http, case_no, "follow-up", "staff", {"satisfaction": 5})
        assert closed["status"]["stage"] == "closed"

        rows = await _payment_requests(database_url, case_no)
        assert [(r["idempotency_key"], str(r["amount"])) for r in rows] == [
            (f"{case_no}:payment:1", "500.00")
        ]
        actions = await _actions(http, case_no)
        assert actions.count("payment_requested") == 1
        assert actions[-5:] == [
            "customer_accepted",
            "payment_requested",
            "remedy_carried_out",
            "followed_up",
            "closed",
        ]
        case = (await http.get(f"/complaints/{case_no}", headers=auth("handler"))).json()
        assert case["status"]["proposals"][-1]["payment_request"] == f"{case_no}:payment:1"
        # Temporal ran it again: the attempt that finished is not the one that died.
        assert await _attempts(handle, "request_payment") >= 2


# --- a worker killed and back at once: a command waits the sticky timeout, not 10 s ---------


async def _polls(client: Client, task_queue: str, pid: int) -> bool | None:
    """Whether the worker of that process polls (the SDK's identity is "pid@host")."""
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return True if any(p.identity.startswith(f"{pid}@") for p in response.pollers) else None


async def test_after_a_worker_is_killed_a_command_waits_the_chosen_sticky_timeout_only(
    processes: LoggedProcesses, dev_client: Client, task_queue: str
) -> None:
    async with processes.serving() as http:
        case_no = await _register(http, f"faults-sticky-{time.time_ns()}")
        await _post(http, case_no, "acknowledge", "handler", {})  # cached on that worker
        processes.kill("worker")
        processes.start("worker")
        pid = processes.running["worker"].pid
        await _until(lambda: _polls(dev_client, task_queue, pid), "the new worker polls")

        started = time.monotonic()
        await _post(http, case_no, "notes", "handler", {"text": "After the worker restart"})
        waited = time.monotonic() - started
        # The case's task waits for the dead worker's sticky queue that long, then any
        # worker replays it: 3 s (WORKER_STICKY_SCHEDULE_TO_START_SECONDS), not the SDK's 10.
        assert waited < Settings().worker_sticky_schedule_to_start_seconds + 4, waited


async def _attempts(handle: WorkflowHandle, name: str) -> int:
    """The attempt of the activity's run that finished (history keeps only that one)."""
    scheduled: dict[int, str] = {}
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            attributes = event.activity_task_scheduled_event_attributes
            scheduled[event.event_id] = attributes.activity_type.name
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED:
            attributes = event.activity_task_started_event_attributes
            if scheduled.get(attributes.scheduled_event_id) == name:
                return attributes.attempt
    raise AssertionError(f"no {name} in the history")


async def _payment_requests(database_url: str, case_no: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetch("SELECT * FROM payment_requests WHERE case_no = $1", case_no)
    finally:
        await conn.close()


# --- the Temporal server restarted under a case's clocks --------------------------------


async def _pending_timers(handle: WorkflowHandle) -> dict[str, tuple[int, timedelta]]:
    """Timers started and neither fired nor cancelled: summary (the Web UI's name of the
    timer, "repair finished due ...") -> the event that started it and its duration."""
    started: dict[int, tuple[str, timedelta]] = {}
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            [summary] = await TEST_CONVERTER.decode([event.user_metadata.summary])
            duration = event.timer_started_event_attributes.start_to_fire_timeout
            started[event.event_id] = (summary, duration.ToTimedelta())
        elif event.event_type == EventType.EVENT_TYPE_TIMER_FIRED:
            started.pop(event.timer_fired_event_attributes.started_event_id, None)
        elif event.event_type == EventType.EVENT_TYPE_TIMER_CANCELED:
            started.pop(event.timer_canceled_event_attributes.started_event_id, None)
    return {summary: (event_id, duration) for event_id, (summary, duration) in started.items()}


async def _deadlines(http: httpx.AsyncClient, case_no: str) -> dict[str, dict]:
    case = await http.get(f"/complaints/{case_no}", headers=auth("handler"))
    assert case.status_code == 200, case.text
    return {d["name"]: d for d in case.json()["status"]["deadlines"]}


async def test_a_temporal_restart_keeps_a_30_day_clock_and_fires_a_clock_due_meanwhile(
    tmp_path: Path, database_url: str, task_queue: str
) -> None:
    server = TemporalDevServer(port=free_port(), ui_port=None, db_filename=tmp_path / "t.db")
    await server.start_async()
    processes = LoggedProcesses(database_url, server.address, task_queue, log_dir=tmp_path)
    try:
        async with processes.serving() as http:
            case_no = await _register(http, f"faults-timer-{time.time_ns()}")
            await _post(http, case_no, "acknowledge", "handler", {})
            # The repair clock: 30 days from now. The return window (7 days) began long
            # enough ago to end 25 s from now, while the server is down or just back.
            await _post(http, case_no, "clocks/statutory", "staff", {"clock": "repair"})
            began = datetime.now(UTC) - timedelta(days=7) + timedelta(seconds=25)
            await _post(
                http,
                case_no,
                "clocks/statutory",
                "staff",
                {"clock": "return_window", "started_at": began.isoformat()},
            )
            before = await _deadlines(http, case_no)
            client = await Client.connect(server.address, data_converter=TEST_CONVERTER)
            handle = client.get_workflow_handle(workflow_id_for(case_no))
            timers = await _pending_timers(handle)
            [repair] = [name for name in timers if name.startswith("repair finished due")]
            assert timers[repair][1] == timedelta(days=30)
            assert "statutory_clock_expired" not in await _actions(http, case_no)

            stopped_at = time.monotonic()
            server.stop()
            await server.start_async()
            await _until_healthy(http)
            restart_seconds = time.monotonic() - stopped_at

            client = await Client.connect(server.address, data_converter=TEST_CONVERTER)
            handle = client.get_workflow_handle(workflow_id_for(case_no))
            after = await _deadlines(http, case_no)
            assert after["repair"]["due_at"] == before["repair"]["due_at"]
            assert after["repair"]["state"] == "pending"
            # The same timer, started before the restart, still waiting.
            assert (await _pending_timers(handle)).get(repair) == timers[repair]

            async def expired() -> bool | None:
                return "statutory_clock_expired" in await _actions(http, case_no) or None

            await _until(expired, "the return window's expiry on the audit trail", timeout=90)
            settled = await _deadlines(http, case_no)
            assert settled["return_window"]["state"] == "missed"
            assert settled["repair"]["state"] == "pending"
            assert restart_seconds < 30, restart_seconds
    finally:
        processes.stop_all()
        server.stop()


# --- PostgreSQL unavailable for a while -------------------------------------------------


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[EmbeddedPostgres]:
    """A server of this test alone: stopping it must not break the session's database."""
    server = EmbeddedPostgres(tmp_path / "pg", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def own_temporal() -> AsyncIterator[TemporalDevServer]:
    """Its own dev server too: a fresh database numbers cases from 0001 again, and the
    session's server still runs other tests' cases under those workflow IDs."""
    server = TemporalDevServer(port=free_port(), ui_port=None)
    await server.start_async()
    yield server
    server.stop()


def _serial(case_no: str) -> int:
    return int(case_no.split("-")[1])


async def test_a_database_outage_answers_503_loses_nothing_and_does_nothing_twice(
    tmp_path: Path,
    own_postgres: EmbeddedPostgres,
    own_temporal: TemporalDevServer,
    task_queue: str,
) -> None:
    database_url = own_postgres.url("complaints_outage")
    await migrate(database_url)
    dev_client = await Client.connect(own_temporal.address, data_converter=TEST_CONVERTER)
    processes = LoggedProcesses(database_url, own_temporal.address, task_queue, log_dir=tmp_path)
    try:
        async with processes.serving() as http:
            first = await _register(http, "outage-1")
            await _post(http, first, "acknowledge", "handler", {})
            handle = dev_client.get_workflow_handle(workflow_id_for(first))

            # A command the API accepts just before the database goes: its recording is
            # held on a lock (the local attempt until its timeout, then the regular
            # activity) until the server stops under it.
            blocker = await asyncpg.connect(database_url)
            await blocker.execute("BEGIN; LOCK TABLE audit_events IN SHARE MODE")
            findings = asyncio.create_task(
                http.post(
                    f"/complaints/{first}/findings",
                    json={"valid": True, "liability": "company", "summary": "Late, scratched"},
                    headers=auth("handler") | {"Idempotency-Key": "outage-findings"},
                )
            )
            await _started(handle, "record_case_events")  # a command records together
            own_postgres.stop()
            down_at = time.monotonic()
            blocker.terminate()

            # Reads that need the database, intake and commands: 503, said plainly.
            note = {"text": "Called while the database was down"}
            answers = {
                "list": await http.get("/complaints", headers=auth("manager")),
                "case": await http.get(f"/complaints/{first}", headers=auth("handler")),
                "intake": await http.post(
                    "/complaints",
                    json=INTAKE,
                    headers=auth("staff") | {"Idempotency-Key": "outage-2"},
                ),
                "note": await http.post(
                    f"/complaints/{first}/notes",
                    json=note,
                    headers=auth("handler") | {"Idempotency-Key": "outage-note"},
                ),
            }
            for what, answer in answers.items():
                assert answer.status_code == 503, (what, answer.text)
                assert answer.json()["type"] == "DatabaseUnavailable", (what, answer.text)
                assert answer.headers["Retry-After"] == "5"
            assert (await http.get("/health")).status_code == 503

            # The recording activity retries with its backoff (1 s, 2 s, 4 s ...); `attempt`
            # is the next one's number, so 4 means three attempts failed, over 3 s or more.
            async def retried() -> PendingActivityInfo | None:
                pending = await _pending_activity(handle, "record_case_events")
                return pending if pending is not None and pending.attempt >= 4 else None

            pending = await _until(retried, "the recording activity retried")
            assert not findings.done()
            # A stuck case shows why: the connection error, within Temporal's size limit
            # (an untrimmed encrypted traceback read "Failure exceeds size limit.").
            failure = await TEST_CONVERTER.decode_failure(pending.last_failure)
            assert pending.last_failure.ByteSize() < 2048, pending.last_failure.ByteSize()
            assert failure.message and "size limit" not in failure.message, failure.message
            assert "Encoded failure" not in failure.message

            own_postgres.start()
            up_at = time.monotonic()
            accepted = await findings
            assert accepted.status_code == 200, accepted.text
            recovery_seconds = time.monotonic() - up_at
            assert recovery_seconds < 30, recovery_seconds
            assert up_at - down_at >= 3

            # The intake that failed consumed no number and started nothing; its retry
            # with the same key makes the case, and another retry finds it.
            created = await http.post(
                "/complaints", json=INTAKE, headers=auth("staff") | {"Idempotency-Key": "outage-2"}
            )
            assert created.status_code == 201, created.text
            second = created.json()["case_no"]
            assert _serial(second) == _serial(first) + 1
            again = await http.post(
                "/complaints", json=INTAKE, headers=auth("staff") | {"Idempotency-Key": "outage-2"}
            )
            assert (again.status_code, again.json()["case_no"]) == (200, second)
            noted = await http.post(
                f"/complaints/{first}/notes",
                json=note,
                headers=auth("handler") | {"Idempotency-Key": "outage-note"},
            )
            assert noted.status_code == 200, noted.text

            assert await _actions(http, first) == [
                "registered",
                "on_site_assigned",
                "acknowledged",
                "findings_recorded",
                "note_added",
            ]

            async def second_recorded() -> list[str] | None:
                actions = await _actions(http, second)
                return actions if len(actions) >= 2 else None

            assert await _until(second_recorded, "the second case on record") == [
                "registered",
                "on_site_assigned",
            ]
            listed = await http.get("/complaints", headers=auth("manager"))
            register = {row["case_no"]: row["stage"] for row in listed.json()}
            assert register == {first: "liability_decided", second: "received"}
            started = [
                w.id
                async for w in dev_client.list_workflows(
                    f"WorkflowType = 'ComplaintWorkflow' AND TaskQueue = '{task_queue}'"
                )
            ]
            assert sorted(started) == sorted(map(workflow_id_for, (first, second)))
    finally:
        processes.stop_all()

"""The real entry points as separate processes (worker.py, uvicorn api.app) on the dev
server and Postgres, killed and restarted mid-case: nothing is lost or applied twice."""

import asyncio
import os
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import httpx
import pytest

from devstack.ports import free_port
from devstack.run import api_command, worker_command
from devstack.temporal import TemporalDevServer
from infra.settings import ROOT
from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE
from tests.conftest import TEST_CODEC_KEYS


class Processes:
    """The worker and the API as child processes, on one database and Temporal server."""

    def __init__(self, database_url: str, temporal_address: str, task_queue: str) -> None:
        self.env = os.environ | {
            "DATABASE_URL": database_url,
            "TEMPORAL_ADDRESS": temporal_address,
            "TEMPORAL_TASK_QUEUE": task_queue,
            "CODEC_KEYS": TEST_CODEC_KEYS,
            "CODEC_KEY_FILE": "",
        }
        self.api_port = free_port()
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str) -> None:
        # The commands `make run` uses, so the launcher's entry points are the ones tested.
        command = {
            "worker": worker_command(),
            "api": api_command("127.0.0.1", self.api_port),
        }[name]
        self.running[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )

    def kill(self, name: str) -> None:
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for name in list(self.running):
            self.kill(name)

    @asynccontextmanager
    async def serving(self) -> AsyncIterator[httpx.AsyncClient]:
        """Starts worker and API, and yields a client once the API reports healthy."""
        self.start("worker")
        self.start("api")
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{self.api_port}", timeout=60
        ) as http:
            await _until_healthy(http)
            yield http


@pytest.fixture
def processes(
    dev_server: TemporalDevServer, database_url: str, task_queue: str
) -> Iterator[Processes]:
    running = Processes(database_url, dev_server.address, task_queue)
    yield running
    running.stop_all()


async def _until_healthy(http: httpx.AsyncClient) -> None:
    for _ in range(200):
        try:
            if (await http.get("/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("the API did not become healthy")


async def test_killed_worker_and_api_lose_no_case_and_apply_nothing_twice(
    processes: Processes,
) -> None:
    async with processes.serving() as http:
        key = {"Idempotency-Key": "e2e-crash-1"}
        case_no = (await http.post("/complaints", json=INTAKE, headers=auth("staff") | key)).json()[
            "case_no"
        ]
        ack = await http.post(
            f"/complaints/{case_no}/acknowledge", json={}, headers=auth("handler")
        )
        assert ack.status_code == 200

        # The worker dies; the command waits in Temporal until a new worker takes it.
        processes.kill("worker")
        findings = asyncio.create_task(
            http.post(
                f"/complaints/{case_no}/findings",
                json={"valid": True, "liability": "company", "summary": "Late delivery"},
                headers=auth("handler") | {"Idempotency-Key": "e2e-findings-1"},
            )
        )
        await asyncio.sleep(1)
        processes.start("worker")
        assert (await findings).status_code == 200

        # The API dies; a retried intake and a retried command find what was done.
        processes.kill("api")
        processes.start("api")
        await _until_healthy(http)
        again = await http.post("/complaints", json=INTAKE, headers=auth("staff") | key)
        assert (again.status_code, again.json()["case_no"]) == (200, case_no)
        retried = await http.post(
            f"/complaints/{case_no}/findings",
            json={"valid": True, "liability": "company", "summary": "Late delivery"},
            headers=auth("handler") | {"Idempotency-Key": "e2e-findings-1"},
        )
        assert retried.status_code == 200

        events = (await http.get(f"/complaints/{case_no}/events", headers=auth("staff"))).json()
        assert [e["action"] for e in events] == [
            "registered",
            "on_site_assigned",
            "acknowledged",
            "findings_recorded",
        ]
        case = (await http.get(f"/complaints/{case_no}", headers=auth("staff"))).json()
        assert case["summary"]["stage"] == "liability_decided"
        assert case["status"]["waiting"]["on"] == "remedy-proposal"


async def test_temporal_server_restart_loses_no_case(
    tmp_path, database_url: str, task_queue: str
) -> None:
    server = TemporalDevServer(port=free_port(), ui_port=None, db_filename=tmp_path / "t.db")
    await server.start_async()
    processes = Processes(database_url, server.address, task_queue)
    try:
        async with processes.serving() as http:
            created = await http.post("/complaints", json=INTAKE, headers=auth("staff"))
            case_no = created.json()["case_no"]

            server.stop()
            await server.start_async()
            await _until_healthy(http)

            ack = await http.post(
                f"/complaints/{case_no}/acknowledge", json={}, headers=auth("handler")
            )
            assert ack.status_code == 200, ack.text
            events = (await http.get(f"/complaints/{case_no}/events", headers=auth("staff"))).json()
            assert [e["action"] for e in events] == [
                "registered",
                "on_site_assigned",
                "acknowledged",
            ]
    finally:
        processes.stop_all()
        server.stop()

"""The worker's Temporal SDK metrics on its Prometheus endpoint (infra/metrics.py)."""

import asyncio
import socket

import asyncpg
import httpx
from temporalio.client import Client

from devstack.ports import free_port
from devstack.temporal import TemporalDevServer
from domain.authority import Actor
from domain.policy import Policy
from infra.metrics import temporal_runtime
from infra.settings import Settings
from tests.conftest import TEST_CONVERTER
from tests.support import Desk
from worker import build_worker

# A change is recorded by a local attempt first (workflows/common.py record_with).
WANTED = ("temporal_local_activity_execution_latency", "temporal_workflow_task_execution_latency")


async def test_a_working_worker_serves_temporal_sdk_metrics(
    dev_server: TemporalDevServer, pool: asyncpg.Pool, task_queue: str, policy: Policy, staff: Actor
) -> None:
    port = free_port()
    runtime = temporal_runtime("127.0.0.1", port)
    assert runtime is not None
    client = await Client.connect(
        dev_server.address, data_converter=TEST_CONVERTER, runtime=runtime
    )
    desk = Desk(pool, client, task_queue, policy)
    text = ""
    async with build_worker(client, pool, task_queue), httpx.AsyncClient() as http:
        await desk.open(staff)  # a workflow task and the registration's local activity
        for _ in range(100):
            text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
            # The local activity runs inside the workflow task, so its metric comes first.
            if all(name in text for name in WANTED):
                break
            await asyncio.sleep(0.1)

    for name in WANTED:
        assert name in text
    assert f'task_queue="{task_queue}"' in text


def test_port_zero_turns_worker_metrics_off() -> None:
    assert temporal_runtime("127.0.0.1", 0) is None


def test_a_taken_port_leaves_the_worker_running_without_metrics() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        assert temporal_runtime("127.0.0.1", taken.getsockname()[1]) is None


def test_worker_metrics_port_setting_empty_means_off(monkeypatch) -> None:
    monkeypatch.setenv("WORKER_METRICS_PORT", "")
    assert Settings().worker_metrics_port == 0
    monkeypatch.setenv("WORKER_METRICS_PORT", "9999")
    assert Settings().worker_metrics_port == 9999
    monkeypatch.delenv("WORKER_METRICS_PORT")
    assert Settings().worker_metrics_port == 9464

"""The worker binds each activity's case and workflow to its log lines (ActivityLogContext)."""

import asyncio
import json
import logging
from datetime import timedelta

import asyncpg
import pytest
import structlog
from structlog.testing import capture_logs
from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from domain.authority import Actor
from domain.policy import Policy
from infra.logging import ActivityLogContext, configure_logging
from tests.support import Desk, case_no_of
from worker import build_worker


async def test_a_recorded_case_event_is_logged_with_its_case_and_workflow(
    dev_client: Client, pool: asyncpg.Pool, task_queue: str, policy: Policy, staff: Actor
) -> None:
    desk = Desk(pool, dev_client, task_queue, policy)
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as lines:
        async with build_worker(dev_client, pool, task_queue):
            handle = await desk.open(staff)
            for _ in range(100):
                # The registration's changes are recorded together (issue 20).
                recorded = [line for line in lines if line["event"] == "case_events_recorded"]
                if recorded:
                    break
                await asyncio.sleep(0.1)

    assert recorded, "the registration was not recorded"
    line = recorded[0]
    assert line["case_no"] == case_no_of(handle)
    assert line["workflow_id"] == handle.id
    assert line["activity"] == "record_case_events"
    assert line["attempt"] == 1
    assert line["actions"][0] == "registered"


# --- a task an activity started logs in nobody's name once the activity is over -------

_later: list[asyncio.Task[None]] = []
_log = structlog.get_logger("tests.reconnect")
_stdlib_log = logging.getLogger("tests.reconnect")


@activity.defn(name="start_background_reconnect")
async def start_background_reconnect(case_no: str) -> None:
    """Like asyncpg's pool reconnecting: a task started by one activity, logging later."""
    _log.info("activity_line")

    async def reconnect() -> None:
        await asyncio.sleep(0.3)
        _log.info("pool_reconnected")
        _stdlib_log.warning("pool_reconnected_stdlib")

    _later.append(asyncio.create_task(reconnect()))


@workflow.defn(name="BackgroundReconnectWorkflow")
class BackgroundReconnectWorkflow:
    @workflow.run
    async def run(self, case_no: str) -> None:
        await workflow.execute_activity(
            start_background_reconnect, case_no, start_to_close_timeout=timedelta(seconds=10)
        )


async def test_a_task_an_activity_started_does_not_log_in_its_case_name(
    dev_client: Client, task_queue: str, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("INFO", json=True)  # to capsys's stderr
    try:
        async with Worker(
            dev_client,
            task_queue=task_queue,
            workflows=[BackgroundReconnectWorkflow],
            activities=[start_background_reconnect],
            interceptors=[ActivityLogContext()],
            workflow_runner=UnsandboxedWorkflowRunner(),
        ):
            await dev_client.execute_workflow(
                BackgroundReconnectWorkflow.run,
                "202611-0042",
                id="complaint-202611-0042",
                task_queue=task_queue,
            )
            await asyncio.gather(*_later)
        lines = [
            json.loads(line)
            for line in capsys.readouterr().err.splitlines()
            if line.startswith("{")
        ]
    finally:
        with capsys.disabled():  # back to the real stderr
            configure_logging("INFO", json=True)
    by_event = {line["event"]: line for line in lines}
    assert by_event["activity_line"]["case_no"] == "202611-0042"
    assert by_event["activity_line"]["activity"] == "start_background_reconnect"
    for event in ("pool_reconnected", "pool_reconnected_stdlib"):
        assert "case_no" not in by_event[event], by_event[event]
        assert "workflow_id" not in by_event[event], by_event[event]
        assert "_activity_owner" not in by_event[event]

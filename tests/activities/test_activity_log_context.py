"""The worker binds each activity's case and workflow to its log lines (ActivityLogContext)."""

import asyncio

import asyncpg
import structlog
from structlog.testing import capture_logs
from temporalio.client import Client

from domain.authority import Actor
from domain.policy import Policy
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
                recorded = [line for line in lines if line["event"] == "case_event_recorded"]
                if recorded:
                    break
                await asyncio.sleep(0.1)

    assert recorded, "the registration was not recorded"
    line = recorded[0]
    assert line["case_no"] == case_no_of(handle)
    assert line["workflow_id"] == handle.id
    assert line["activity"] == "record_case_event"
    assert line["attempt"] == 1
    assert line["action"] == "registered"

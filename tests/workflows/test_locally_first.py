"""A local attempt that fails falls back to the regular activity, and the run replays.

The SDK tells a local attempt's failure apart by when it is seen: one that timed out is an
ActivityError when it happens and a TimeoutError when replayed, and one that raised is an
ApplicationError both times. `locally_first` (workflows/common.py) must take the same path
either way, or a case whose recording or payment once fell back fails its next replay
(after a worker restart, or an eviction from the worker's cache) as nondeterministic.
"""

import asyncio
import uuid
from datetime import timedelta

import pytest
from temporalio import activity, workflow
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from tests.conftest import TEST_CONVERTER

with workflow.unsafe.imports_passed_through():
    from workflows import patches
    from workflows.common import locally_first

# Which way the local attempt fails, by the argument; the regular activity always succeeds.
HANGS = "hangs"
RAISES = "raises"


@activity.defn
async def write(how: str) -> str:
    if activity.info().is_local:
        if how == HANGS:
            await asyncio.sleep(60)  # past the local attempt's 5 s
        else:
            raise RuntimeError("database refused the connection")
    return f"written by attempt {activity.info().attempt} of the regular activity"


@workflow.defn(sandboxed=False)
class LocallyFirst(patches.Folds):
    def __init__(self) -> None:
        self.fold_patches()
        self.written: str | None = None

    @workflow.run
    async def run(self) -> str:
        await workflow.wait_condition(lambda: self.written is not None)
        assert self.written is not None
        return self.written

    @workflow.update
    async def command(self, how: str) -> str:
        self.written = await locally_first(
            write,
            how,
            patch=patches.RECORD_LOCALLY,
            summary="write",
            start_to_close_timeout=timedelta(seconds=30),
        )
        return self.written


@pytest.mark.parametrize("how", [HANGS, RAISES])
async def test_a_failed_local_attempt_falls_back_and_the_run_replays(
    time_skipping: WorkflowEnvironment, how: str
) -> None:
    client = time_skipping.client
    queue = f"locally-first-{uuid.uuid4()}"
    async with Worker(client, task_queue=queue, workflows=[LocallyFirst], activities=[write]):
        handle = await client.start_workflow(
            LocallyFirst.run, id=f"locally-first-{uuid.uuid4()}", task_queue=queue
        )
        answer = await handle.execute_update(LocallyFirst.command, how)
        assert await handle.result() == answer
    assert answer == "written by attempt 1 of the regular activity"
    history = await handle.fetch_history()
    await Replayer(workflows=[LocallyFirst], data_converter=TEST_CONVERTER).replay_workflow(history)

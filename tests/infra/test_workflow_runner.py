"""The worker's sandbox (infra/workflow_runner.py) guards what the SDK's guards, and tells
the codec the same serialization context for every payload."""

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from temporalio import workflow
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import PayloadCodec, SerializationContext, WithSerializationContext
from temporalio.worker import Replayer, Worker, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

# The sandbox re-imports this module for TriesTheForbidden; what the tests need is not its.
with workflow.unsafe.imports_passed_through():
    import pytest

    from infra.workflow_runner import CompiledOnceSandboxRunner, sdk_supports_it, workflow_runner
    from tests.conftest import TEST_CONVERTER
    from worker import PASSED_THROUGH, WORKFLOW_RUNNER, WORKFLOWS

HISTORIES = Path(__file__).parents[1] / "workflows" / "histories"
RESTRICTIONS = SandboxRestrictions.default.with_passthrough_modules(*PASSED_THROUGH)
RUNNERS = {
    "sdk": SandboxedWorkflowRunner(restrictions=RESTRICTIONS),
    "compiled-once": workflow_runner(RESTRICTIONS),
}


def test_the_worker_runs_the_compiled_once_sandbox() -> None:
    """Fails on a temporalio release whose sandbox internals changed: the worker would run
    the SDK's slower runner (still correct); look at infra/workflow_runner.py again."""
    assert sdk_supports_it()
    assert isinstance(WORKFLOW_RUNNER, CompiledOnceSandboxRunner)


@workflow.defn
class TriesTheForbidden:
    """Reads the clock and opens a file, as no workflow may; says what the sandbox did."""

    @workflow.run
    async def run(self) -> list[str]:
        refused = []
        for name, attempt in (("clock", datetime.now), ("file", lambda: open(__file__))):
            try:
                attempt()
            except Exception as err:
                refused.append(f"{name}: {type(err).__name__}")
        return refused


@pytest.mark.parametrize("name", RUNNERS)
async def test_the_sandbox_still_refuses_the_clock_and_files(dev_client: Client, name: str) -> None:
    queue = f"runner-{uuid.uuid4()}"
    async with Worker(
        dev_client, task_queue=queue, workflows=[TriesTheForbidden], workflow_runner=RUNNERS[name]
    ):
        refused = await dev_client.execute_workflow(
            TriesTheForbidden.run, id=f"runner-{uuid.uuid4()}", task_queue=queue
        )
    assert refused == [
        "clock: RestrictedWorkflowAccessError",
        "file: RestrictedWorkflowAccessError",
    ]


@dataclasses.dataclass
class ContextsSeen(PayloadCodec, WithSerializationContext):
    """The suite's codec, noting the context it was given for each payload it coded."""

    inner: PayloadCodec
    seen: list[tuple[str, SerializationContext | None, int]]
    context: SerializationContext | None = None

    def with_context(self, context: SerializationContext) -> "ContextsSeen":
        return dataclasses.replace(self, context=context)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.seen.append(("encode", self.context, len(payloads)))
        return await self.inner.encode(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        self.seen.append(("decode", self.context, len(payloads)))
        return await self.inner.decode(payloads)


async def _contexts(runner: WorkflowRunner, history: WorkflowHistory) -> list[Any]:
    assert TEST_CONVERTER.payload_codec is not None
    seen: list[tuple[str, SerializationContext | None, int]] = []
    converter = dataclasses.replace(
        TEST_CONVERTER, payload_codec=ContextsSeen(TEST_CONVERTER.payload_codec, seen)
    )
    replayer = Replayer(workflows=WORKFLOWS, data_converter=converter, workflow_runner=runner)
    await replayer.replay_workflow(history)
    return seen


@pytest.mark.parametrize(
    "path",
    sorted(HISTORIES.glob("v11-*.json")),
    ids=lambda path: path.stem,
)
async def test_every_payload_has_the_context_the_sdk_runner_gives_it(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    expected = await _contexts(RUNNERS["sdk"], history)
    assert any(context is not None for _, context, _ in expected), "no context was given"
    assert await _contexts(RUNNERS["compiled-once"], history) == expected

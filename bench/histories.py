"""What the Temporal server says about workflows: history length, state transitions,
history size, and whether a workflow has finished its work for now."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import Client

from bench.measure import bounded_map
from bench.stack import BenchError


@dataclass(frozen=True)
class Described:
    workflow_id: str
    status: str
    history_length: int
    state_transitions: int
    history_bytes: int
    settled: bool  # no workflow task and no activity pending: parked on timers or signals


async def describe(client: Client, workflow_id: str) -> Described:
    raw = (await client.get_workflow_handle(workflow_id).describe()).raw_description
    info = raw.workflow_execution_info
    return Described(
        workflow_id=workflow_id,
        status=WorkflowExecutionStatus.Name(info.status).removeprefix("WORKFLOW_EXECUTION_STATUS_"),
        history_length=info.history_length,
        state_transitions=info.state_transition_count,
        history_bytes=info.history_size_bytes,
        settled=not raw.HasField("pending_workflow_task") and not raw.pending_activities,
    )


async def start_input_bytes(client: Client, workflow_id: str) -> int:
    """The size of a workflow's start input as the server keeps it (after the codec)."""
    async for event in client.get_workflow_handle(workflow_id).fetch_history_events():
        return event.workflow_execution_started_event_attributes.input.ByteSize()
    raise BenchError(f"{workflow_id} has no history")


async def describe_all(
    client: Client, workflow_ids: Sequence[str], concurrency: int = 16
) -> list[Described]:
    found: dict[str, Described] = {}

    async def one(workflow_id: str) -> None:
        found[workflow_id] = await describe(client, workflow_id)

    await bounded_map(workflow_ids, one, concurrency)
    return [found[workflow_id] for workflow_id in workflow_ids]


async def wait_settled(
    client: Client,
    workflow_ids: Sequence[str],
    *,
    timeout: float,
    on_settled: Callable[[int], None] | None = None,
    concurrency: int = 16,
) -> list[Described]:
    """Describe until every workflow has no task pending; raise after timeout seconds."""
    deadline = time.monotonic() + timeout
    pending = list(workflow_ids)
    done: dict[str, Described] = {}
    while pending:
        for described in await describe_all(client, pending, concurrency):
            if described.settled:
                done[described.workflow_id] = described
                if on_settled is not None:
                    on_settled(1)
        pending = [workflow_id for workflow_id in pending if workflow_id not in done]
        if pending:
            if time.monotonic() > deadline:
                raise BenchError(f"{len(pending)} workflows still busy after {timeout:.0f}s")
            await asyncio.sleep(0.2)
    return [done[workflow_id] for workflow_id in workflow_ids]

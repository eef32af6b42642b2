"""Replay: the workflow code must reproduce every recorded history of a running case."""

from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer
from temporalio.workflow import NondeterminismError

from domain.models import CaseStatus, ComplaintStart
from domain.policy import Policy
from tests.conftest import TEST_CONVERTER
from tests.workflows.scenarios import SCENARIOS, WORKFLOWS, run_scenario
from workflows.complaint import ComplaintWorkflow

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def _replayer() -> Replayer:
    # The suite's converter: the codec passes the older, unencrypted histories through.
    return Replayer(workflows=WORKFLOWS, data_converter=TEST_CONVERTER)


def test_recorded_histories_exist() -> None:
    assert {path.stem.split("-", 1)[1].split("--")[0] for path in HISTORIES} >= set(SCENARIOS)


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_recorded_history_replays_on_current_code(path: Path) -> None:
    history = WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text())
    await _replayer().replay_workflow(history)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
async def test_a_fresh_run_replays_deterministically(
    time_skipping: WorkflowEnvironment, policy: Policy, scenario: str
) -> None:
    async with run_scenario(time_skipping, policy, scenario) as (handle, _):
        history = await handle.fetch_history()
    await _replayer().replay_workflow(history)


@workflow.defn(name="ComplaintWorkflow", sandboxed=False)
class _ChangedComplaint(ComplaintWorkflow):
    """The case with a change made without `workflow.patched`: a pause before registering."""

    @workflow.run
    async def run(self, start: ComplaintStart) -> CaseStatus:
        return await super().run(start)

    async def _register(self, start: ComplaintStart) -> None:
        await workflow.sleep(timedelta(seconds=1))
        await super()._register(start)


async def test_a_workflow_changed_without_a_patch_fails_replay() -> None:
    """The harness catches what it is there for: the same history, a changed workflow."""
    path = next(p for p in HISTORIES if p.stem == "v5-negotiated_and_closed")
    history = WorkflowHistory.from_json("changed", path.read_text())
    changed = Replayer(workflows=[_ChangedComplaint, *WORKFLOWS[1:]], data_converter=TEST_CONVERTER)
    with pytest.raises(NondeterminismError):
        await changed.replay_workflow(history)

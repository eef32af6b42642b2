"""Replay: the workflow code must reproduce every recorded history of a running case."""

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.policy import Policy
from tests.conftest import TEST_CONVERTER
from tests.workflows.scenarios import SCENARIOS, WORKFLOWS, run_scenario

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

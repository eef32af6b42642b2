"""Records the scenario histories the replay tests keep: run once per workflow change
that running cases must survive, and commit the new files.

    .venv/bin/python -m tests.workflows.record_histories v2
    .venv/bin/python -m tests.workflows.record_histories v10 quality_lab_and_supplier_claim

Scenario names after the label record only those (a new scenario, the others unchanged).
"""

import asyncio
import sys
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from domain.models import StatusQuery
from infra.policy_file import load_policy
from infra.search_attributes import ensure_search_attributes
from infra.settings import ROOT
from tests.conftest import TEST_CONVERTER, TEST_SERVER, TEST_SERVER_STARTUP
from tests.workflows.scenarios import SCENARIOS, run_scenario
from workflows.complaint import ComplaintWorkflow

HISTORIES = Path(__file__).parent / "histories"


async def record(label: str, names: list[str] | None = None) -> None:
    """`names`: only these scenarios (a new one, recorded without re-recording the rest)."""
    policy = load_policy(ROOT / "policy" / "default.yaml")
    for name in names or SCENARIOS:
        # A fresh server per scenario: skipping time would wake the previous scenario's
        # case, whose worker is gone, and stall.
        env = await WorkflowEnvironment.start_time_skipping(
            data_converter=TEST_CONVERTER,
            test_server_existing_path=str(TEST_SERVER),
            test_server_startup_timeout=TEST_SERVER_STARTUP,
        )
        try:
            await ensure_search_attributes(env.client)
            async with run_scenario(env, policy, name) as (handle, _):
                histories = {name: await handle.fetch_history()}
                status = await handle.query(ComplaintWorkflow.get_status, StatusQuery())
                for process in status.processes:
                    child = env.client.get_workflow_handle(process.workflow_id)
                    histories[f"{name}--{process.kind.value}"] = await child.fetch_history()
        finally:
            await env.shutdown()
        for stem, history in histories.items():
            (HISTORIES / f"{label}-{stem}.json").write_text(history.to_json())


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1] if len(sys.argv) > 1 else "v1", sys.argv[2:] or None))

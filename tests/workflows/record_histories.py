"""Records the scenario histories the replay tests keep: run once per workflow change
that running cases must survive, and commit the new files.

    .venv/bin/python -m tests.workflows.record_histories v1
"""

import asyncio
import sys
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from infra.policy_file import load_policy
from infra.settings import ROOT
from tests.conftest import TEST_SERVER
from tests.workflows.scenarios import SCENARIOS, run_scenario

HISTORIES = Path(__file__).parent / "histories"


async def record(label: str) -> None:
    policy = load_policy(ROOT / "policy" / "default.yaml")
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=pydantic_data_converter, test_server_existing_path=str(TEST_SERVER)
    )
    try:
        for name in SCENARIOS:
            async with run_scenario(env, policy, name) as (handle, _):
                history = await handle.fetch_history()
            (HISTORIES / f"{label}-{name}.json").write_text(history.to_json())
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1] if len(sys.argv) > 1 else "v1"))

"""The desk most workflow tests open cases at: the real worker on the time-skipping
server, with the shared test database."""

from collections.abc import AsyncIterator

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.policy import Policy
from tests.support import Desk
from worker import build_worker


@pytest.fixture
async def desk(
    time_skipping: WorkflowEnvironment, pool: asyncpg.Pool, task_queue: str, policy: Policy
) -> AsyncIterator[Desk]:
    async with build_worker(time_skipping.client, pool, task_queue):
        yield Desk(pool, time_skipping.client, task_queue, policy)

"""The desk most workflow tests open cases at: the real worker on the time-skipping
server, with the shared test database or, for tests that count a month's cases, a
database of their own."""

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from devstack.migrate import migrate
from domain.policy import Policy
from infra.db import create_pool
from tests.support import Desk
from worker import build_worker


@pytest.fixture
async def desk(
    time_skipping: WorkflowEnvironment, pool: asyncpg.Pool, task_queue: str, policy: Policy
) -> AsyncIterator[Desk]:
    async with build_worker(time_skipping.client, pool, task_queue):
        yield Desk(pool, time_skipping.client, task_queue, policy)


@pytest.fixture
async def own_pool(postgres) -> AsyncIterator[asyncpg.Pool]:
    """A freshly migrated database: other tests' cases of this month are not in it."""
    url = postgres.url(f"own_{uuid.uuid4().hex[:8]}")
    await migrate(url)
    pool = await create_pool(url)
    yield pool
    await pool.close()


@pytest.fixture
async def own_desk(
    time_skipping: WorkflowEnvironment, own_pool: asyncpg.Pool, task_queue: str, policy: Policy
) -> AsyncIterator[Desk]:
    async with build_worker(time_skipping.client, own_pool, task_queue):
        yield Desk(own_pool, time_skipping.client, task_queue, policy)

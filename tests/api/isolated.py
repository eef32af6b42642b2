"""The API and a worker with a database and a Temporal dev server of their own, for the
tests that attack the API (test_schema_fuzz.py, test_lifecycle_state_machine.py).

What they register or post (a policy included) stays out of what the rest of the suite
reads. Both halves are needed: case numbers start again in a new database, and on the
suite's dev server `complaint-202611-0001` may already be another test's workflow, which
intake (idempotent on the workflow ID) would join instead of starting its own.

Their drivers (schemathesis, hypothesis) are synchronous: a test runs them with
`asyncio.to_thread`, so the suite's event loop keeps serving the API meanwhile.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from temporalio.client import Client

from devstack.migrate import migrate
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.temporal import TemporalDevServer
from infra.db import create_pool
from infra.settings import Settings
from tests.api.conftest import serving
from tests.conftest import TEST_CODEC_KEYS, TEST_CONVERTER


@asynccontextmanager
async def isolated_api(
    postgres: EmbeddedPostgres, directory: Path, database: str
) -> AsyncIterator[httpx.AsyncClient]:
    """uvicorn and a worker over the database `database` of the suite's Postgres (created
    and migrated here) and a dev server keeping its history in `directory`."""
    url = postgres.url(database)
    await migrate(url)
    temporal = TemporalDevServer(port=free_port(), ui_port=None, db_filename=directory / "t.db")
    await temporal.start_async()
    pool = await create_pool(url)
    try:
        client = await Client.connect(temporal.address, data_converter=TEST_CONVERTER)
        settings = Settings(
            database_url=url,
            temporal_address=temporal.address,
            temporal_task_queue=f"complaints-attack-{uuid.uuid4().hex[:8]}",
            log_json=True,
            codec_keys=TEST_CODEC_KEYS,
            codec_key_file=None,
        )
        async with serving(settings, client, pool) as http:
            yield http
    finally:
        await pool.close()
        temporal.stop()

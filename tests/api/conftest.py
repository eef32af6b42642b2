"""The API served by uvicorn over real HTTP, with a worker, the dev server and Postgres."""

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
import uvicorn
from temporalio.client import Client

from api.app import create_app
from devstack.ports import free_port
from devstack.temporal import TemporalDevServer
from worker import build_worker

TOKENS = {role: f"demo-{role}" for role in ("staff", "handler", "manager", "senior", "engineer")}


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
async def api(
    dev_server: TemporalDevServer,
    dev_client: Client,
    pool: asyncpg.Pool,
    task_queue: str,
    settings_for,
) -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    app = create_app(settings_for(dev_server.address))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    async with build_worker(dev_client, pool, task_queue):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            yield http
    server.should_exit = True
    await serving

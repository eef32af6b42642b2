"""The API served by uvicorn over real HTTP, with a worker, a Temporal server and Postgres."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from temporalio.client import Client

from api.app import create_app
from devstack.ports import free_port
from devstack.temporal import TemporalDevServer
from infra.evidence_store import evidence_files
from infra.settings import Settings
from worker import build_worker

TOKENS = {role: f"demo-{role}" for role in ("staff", "handler", "manager", "senior", "engineer")}


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@asynccontextmanager
async def serving(
    settings: Settings, client: Client, pool: asyncpg.Pool, app: FastAPI | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """uvicorn on a free port (serving `app`, or a new one) plus a worker on the settings'
    task queue."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app or create_app(settings), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    serve = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        worker = build_worker(
            client, pool, settings.temporal_task_queue, evidence=evidence_files(settings)
        )
        async with worker:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
                # Ready as /health says it: the worker polls (its first poll is under way).
                for _ in range(200):
                    if (await http.get("/health")).status_code == 200:
                        break
                    await asyncio.sleep(0.05)
                yield http
    finally:
        server.should_exit = True
        await serve


@pytest.fixture
async def api(
    dev_server: TemporalDevServer, dev_client: Client, pool: asyncpg.Pool, settings_for
) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(settings_for(dev_server.address), dev_client, pool) as http:
        yield http

"""/health is ready only when a worker polls the case task queue: without one, a case
registers and nothing runs it (issue 18)."""

import asyncio

import asyncpg
import httpx
import uvicorn
from temporalio.client import Client

from api.app import create_app
from devstack.ports import free_port
from devstack.temporal import TemporalDevServer
from worker import build_worker


async def test_health_says_whether_a_worker_polls_the_task_queue(
    dev_server: TemporalDevServer, dev_client: Client, pool: asyncpg.Pool, settings_for
) -> None:
    settings = settings_for(dev_server.address)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    serve = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            alone = await http.get("/health")
            assert alone.status_code == 503, alone.text
            assert alone.json() == {
                "database": "ok",
                "temporal": "ok",
                "worker": f"no worker polls the task queue {settings.temporal_task_queue!r}",
            }

            async with build_worker(dev_client, pool, settings.temporal_task_queue):
                for _ in range(100):
                    ready = await http.get("/health")
                    if ready.status_code == 200:
                        break
                    await asyncio.sleep(0.1)
            assert ready.json() == {"database": "ok", "temporal": "ok", "worker": "ok"}
    finally:
        server.should_exit = True
        await serve

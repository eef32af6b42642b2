"""The bare engine every figure is divided by: the least a Temporal workflow and a
FastAPI endpoint can do on the same servers, with none of Complaint Desk's rules.

- `BareWorkflow`: one no-op activity, then waits for one signal (`release`); `touch` is
  an update that changes a counter, nothing else.
- `ParkedWorkflow`: sleeps on one long timer, the bare form of a case waiting on a deadline.
- `create_bare_app()`: `POST /intake` does one asyncpg insert and one plain workflow start.

`python -m bench.baseline` runs the bare worker, a process of its own like worker.py,
configured from the same environment (TEMPORAL_ADDRESS, TEMPORAL_TASK_QUEUE).
"""

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.worker import Worker

# The sandbox re-imports this module for each workflow run; what the app and the worker
# main need is not used by the workflows, so it is passed through, not re-imported.
with workflow.unsafe.imports_passed_through():
    from fastapi import FastAPI
    from pydantic import BaseModel

    from infra.db import create_pool
    from infra.settings import Settings
    from infra.temporal import connect

BARE_TABLE = "bench_bare_intake"
CREATE_BARE_TABLE = f"""
CREATE TABLE IF NOT EXISTS {BARE_TABLE} (
    id          bigserial PRIMARY KEY,
    received_at timestamptz NOT NULL DEFAULT now(),
    payload     jsonb NOT NULL
)
"""
PARK_FOR = timedelta(days=30)


class BareJob(BaseModel):
    wait_for_release: bool = True


class Touch(BaseModel):
    note: str = ""


@activity.defn
async def do_nothing() -> None:
    """The no-op activity: one round trip through the activity task queue."""


@workflow.defn
class BareWorkflow:
    """One no-op activity and one signal: a case reduced to the engine's own work."""

    def __init__(self) -> None:
        self._released = False
        self._touches = 0

    @workflow.run
    async def run(self, job: BareJob) -> int:
        await workflow.execute_activity(do_nothing, start_to_close_timeout=timedelta(seconds=30))
        if job.wait_for_release:
            await workflow.wait_condition(lambda: self._released)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._touches

    @workflow.signal
    def release(self) -> None:
        self._released = True

    @workflow.update
    def touch(self, touch: Touch) -> int:
        self._touches += 1
        return self._touches


@workflow.defn
class ParkedWorkflow:
    """Waits on one long timer, as an open case waits on its deadlines."""

    @workflow.run
    async def run(self) -> None:
        await workflow.sleep(PARK_FOR)


async def run_worker(settings: Settings) -> None:
    client = await connect(settings)
    # Default cache size and pollers, as worker.py has: the same engine, minus the rules.
    worker = Worker(
        client,
        task_queue=settings.temporal_task_queue,
        workflows=[BareWorkflow, ParkedWorkflow],
        activities=[do_nothing],
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: asyncio.ensure_future(worker.shutdown()))
    await worker.run()


def create_bare_app() -> FastAPI:
    """The bare intake endpoint, served by uvicorn (`--factory`) like api.app."""
    settings = Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(settings.database_url)
        try:
            await pool.execute(CREATE_BARE_TABLE)
            app.state.pool = pool
            app.state.temporal = await connect(settings)
            yield
        finally:
            await pool.close()

    app = FastAPI(title="bare intake", lifespan=lifespan)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/intake", status_code=201)
    async def intake(body: dict[str, Any]) -> dict[str, Any]:
        row_id = await app.state.pool.fetchval(
            f"INSERT INTO {BARE_TABLE} (payload) VALUES ($1) RETURNING id", body
        )
        workflow_id = f"bare-intake-{row_id}"
        await app.state.temporal.start_workflow(
            BareWorkflow.run,
            BareJob(wait_for_release=False),
            id=workflow_id,
            task_queue=settings.temporal_task_queue,
        )
        return {"id": row_id, "workflow_id": workflow_id}

    @app.get("/intake/{row_id}")
    async def read(row_id: int) -> dict[str, Any]:
        """The bare read: one row from Postgres, as a case read from its snapshot would be."""
        payload = await app.state.pool.fetchval(
            f"SELECT payload FROM {BARE_TABLE} WHERE id = $1", row_id
        )
        return {"id": row_id, "payload": payload}

    return app


if __name__ == "__main__":
    asyncio.run(run_worker(Settings()))

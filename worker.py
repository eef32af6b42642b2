"""The Temporal worker: runs complaint workflows and the activities that write Postgres."""

import asyncio

import asyncpg
import structlog
from temporalio.client import Client
from temporalio.worker import Worker

from activities.case_records import CaseRecorder
from infra.db import create_pool
from infra.logging import configure_logging
from infra.settings import Settings, get_settings
from infra.temporal import connect
from workflows.complaint import ComplaintWorkflow

log = structlog.get_logger(__name__)

WORKFLOWS = [ComplaintWorkflow]


def build_worker(client: Client, pool: asyncpg.Pool, task_queue: str) -> Worker:
    recorder = CaseRecorder(pool)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[recorder.record_case_event],
    )


async def main(settings: Settings) -> None:
    client = await connect(settings)
    pool = await create_pool(settings.database_url)
    try:
        worker = build_worker(client, pool, settings.temporal_task_queue)
        log.info("worker_started", task_queue=settings.temporal_task_queue)
        await worker.run()
    finally:
        await pool.close()


if __name__ == "__main__":
    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    try:
        asyncio.run(main(settings))
    except KeyboardInterrupt:
        pass

"""Docker healthcheck of the worker container (docker-compose.yml, service `worker`).

Exit 0 while a worker in *this* container polls the workflow task queue, 1 otherwise. It
asks Temporal (DescribeTaskQueue) for the queue's recent pollers and looks for one whose
identity ends in "@<this hostname>", the Python SDK's default identity "<pid>@<hostname>".
Temporal forgets a poller a few minutes after its last poll, so a hung or dead worker turns
unhealthy with that delay. Reads the same settings (environment) as the worker itself.
"""

from __future__ import annotations

import asyncio
import socket
import sys

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from infra.settings import Settings


async def polling_here(settings: Settings, hostname: str) -> bool:
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=settings.temporal_namespace,
            task_queue=TaskQueue(name=settings.temporal_task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        )
    )
    return any(poller.identity.endswith(f"@{hostname}") for poller in response.pollers)


def main() -> int:
    settings = Settings()
    hostname = socket.gethostname()
    try:
        ok = asyncio.run(asyncio.wait_for(polling_here(settings, hostname), timeout=8))
    except Exception as err:  # any failure to ask is "unhealthy", with the reason in the log
        sys.stderr.write(f"worker healthcheck: cannot ask Temporal: {err!r}\n")
        return 1
    if not ok:
        sys.stderr.write(
            f"worker healthcheck: no poller from {hostname} on task queue "
            f"{settings.temporal_task_queue!r} in namespace {settings.temporal_namespace!r}\n"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

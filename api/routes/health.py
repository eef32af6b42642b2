"""/health: is the database reachable, is Temporal reachable, and does a worker poll the
case task queue (Temporal's own list of the queue's pollers). Ready means all three:
without a worker a case registers but nothing runs it. Open, for load balancers."""

from datetime import timedelta

from fastapi import APIRouter, Response
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from api.deps import ResourcesDep
from api.schemas import HealthPublic

router = APIRouter(tags=["health"])

OK = "ok"
_ASK_TIMEOUT = timedelta(seconds=5)  # a health check answers promptly or says why not


async def worker_polls(client: Client, task_queue: str) -> str:
    """ "ok" when Temporal lists a poller of the workflow task queue, else why not.

    Temporal forgets a poller a few minutes after its last poll, so a worker that died
    shows here that much later; one that starts shows at its first poll."""
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        ),
        timeout=_ASK_TIMEOUT,
    )
    if response.pollers:
        return OK
    return f"no worker polls the task queue {task_queue!r}"


@router.get(
    "/health",
    response_model=HealthPublic,
    responses={
        503: {
            "model": HealthPublic,
            "description": "The database or Temporal is down, or no worker polls",
        }
    },
)
async def health(resources: ResourcesDep, response: Response) -> HealthPublic:
    database = temporal = worker = OK
    try:
        await resources.pool.fetchval("SELECT 1")
    except Exception as err:  # any failure means "not healthy", reported, not raised
        database = f"unavailable: {err}"
    try:
        await resources.temporal.service_client.check_health()
    except Exception as err:
        temporal = f"unavailable: {err}"
    if temporal == OK:
        try:
            worker = await worker_polls(resources.temporal, resources.settings.temporal_task_queue)
        except Exception as err:
            worker = f"unknown: {err}"
    else:
        worker = "unknown: Temporal is unavailable"
    if OK != database or OK != temporal or OK != worker:
        response.status_code = 503
    return HealthPublic(database=database, temporal=temporal, worker=worker)

"""Reading a case never waits on the worker (issue 20): GET /complaints/{case_no} reads the
state the last recorded change left in the register, the same state the workflow's query
gives, and asks the workflow only for a case the register holds no snapshot of."""

import uuid
from datetime import UTC, datetime

import asyncpg
import httpx
from temporalio.client import Client

from domain.authority import Actor
from domain.grades import Grade
from domain.models import ComplaintStart, StatusQuery
from domain.policy import Policy
from infra.register import case_snapshot
from tests.api.conftest import auth
from tests.support import intake, register_only
from worker import build_worker
from workflows.complaint import ComplaintWorkflow

COMMANDS = (
    ("acknowledge", "handler", {"note": "called back"}),
    ("findings", "handler", {"valid": True, "liability": "company", "summary": "frame defect"}),
    ("notes", "staff", {"text": "customer rang again"}),
    ("proposal", "handler", {"kind": "refund", "amount": "800", "details": "full refund"}),
)


def _settled(status: dict) -> dict:
    """The state without what a clock counted: `used` and `left` are as of the workflow's
    last task, which may come a moment after the change the register recorded."""
    deadlines = [
        {key: value for key, value in deadline.items() if key not in ("used", "left")}
        for deadline in status["deadlines"]
    ]
    return status | {"deadlines": deadlines}


async def _case_on_its_own_worker(
    api: httpx.AsyncClient, client: Client, pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> tuple[str, dict]:
    """A case taken to its proposal by its own worker, which is gone afterwards; what the
    workflow's query answered just before the worker stopped."""
    case_no = await register_only(pool, policy, staff, month="209906")
    task_queue = f"reads-{uuid.uuid4().hex[:8]}"
    async with build_worker(client, pool, task_queue):
        handle = await client.start_workflow(
            ComplaintWorkflow.run,
            ComplaintStart(
                case_no=case_no,
                intake=intake(),
                grade=Grade.C,
                grade_reasons=["general complaint"],
                registered_at=datetime.now(UTC),
                registered_by=staff,
                policy=policy,
            ),
            id=f"complaint-{case_no}",
            task_queue=task_queue,
        )
        for path, role, body in COMMANDS:
            answer = await api.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(role))
            assert answer.status_code == 200, answer.text
        live = await handle.query(ComplaintWorkflow.get_status, StatusQuery())
    return case_no, live.model_dump(mode="json")


async def test_a_case_reads_the_same_from_the_register_as_from_its_workflow_with_no_worker_up(
    api: httpx.AsyncClient, dev_client: Client, pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    case_no, live = await _case_on_its_own_worker(api, dev_client, pool, policy, staff)

    # No worker polls the case's task queue now: a query would wait, the read does not.
    read = await api.get(f"/complaints/{case_no}", headers=auth("handler"), timeout=5)
    assert read.status_code == 200, read.text
    status = read.json()["status"]
    assert _settled(status) == _settled(live)
    assert status["stage"] == "remedy_proposed"
    assert [entry["action"] for entry in status["history"]] == [
        entry["action"] for entry in live["history"]
    ]
    assert status["history"][-1]["action"] == "remedy_proposed"
    assert any(entry["detail"] == "customer rang again" for entry in status["history"])


async def test_a_case_whose_history_the_register_missed_is_read_from_its_workflow(
    api: httpx.AsyncClient, dev_client: Client, pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    """A case begun before snapshots: the register's history lacks its first entries, so
    the next change gives that history up (NULL) and the case is asked live."""
    case_no, _ = await _case_on_its_own_worker(api, dev_client, pool, policy, staff)
    await pool.execute("UPDATE complaints SET snapshot_history = '[]' WHERE case_no = $1", case_no)
    handle = dev_client.get_workflow_handle(f"complaint-{case_no}")
    async with build_worker(dev_client, pool, (await handle.describe()).task_queue):
        noted = await api.post(
            f"/complaints/{case_no}/notes", json={"text": "one more"}, headers=auth("staff")
        )
        assert noted.status_code == 200, noted.text
        kept = await pool.fetchval(
            "SELECT snapshot_history FROM complaints WHERE case_no = $1", case_no
        )
        assert kept is None
        read = await api.get(f"/complaints/{case_no}", headers=auth("handler"))
        live = await handle.query(ComplaintWorkflow.get_status, StatusQuery())
    assert read.status_code == 200, read.text
    assert _settled(read.json()["status"]) == _settled(live.model_dump(mode="json"))
    assert read.json()["status"]["history"][-1]["detail"] == "one more"


async def test_a_snapshot_behind_a_sub_process_that_moved_on_is_not_read(
    api: httpx.AsyncClient, dev_client: Client, pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    """A sub-process tells its case of a change by a signal the case does not record, so
    the register's state of the case is behind until the case's next change: read live."""
    case_no, _ = await _case_on_its_own_worker(api, dev_client, pool, policy, staff)
    assert await case_snapshot(pool, case_no) is not None
    await pool.execute(
        """
        INSERT INTO case_processes (workflow_id, case_no, kind, stage, waiting_on, is_open,
                                    record, started_at, state_version)
        VALUES ($1, $2, 'police', 'reported', 'police', true, '{}', now(), 2)
        """,
        f"complaint-{case_no}-police",
        case_no,
    )
    assert await case_snapshot(pool, case_no) is None

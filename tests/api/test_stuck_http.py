"""Stuck cases over HTTP against the dev server: found by their search attributes,
listed with the reason, and repaired."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner

from api.cli import render
from domain.authority import Actor
from domain.grades import Grade
from domain.models import ComplaintStart
from domain.policy import Policy
from tests.api.conftest import auth
from tests.support import intake, register_only
from worker import build_worker
from workflows.complaint import ComplaintWorkflow


async def _start(client: Client, case_no: str, task_queue: str, policy: Policy, staff: Actor):
    """A case registered three days ago: its first-contact and closing deadlines are past."""
    start = ComplaintStart(
        case_no=case_no,
        intake=intake(),
        grade=Grade.C,
        grade_reasons=["general complaint"],
        registered_at=datetime.now(UTC) - timedelta(days=3),
        registered_by=staff,
        policy=policy,
    )
    return await client.start_workflow(
        ComplaintWorkflow.run, start, id=f"complaint-{case_no}", task_queue=task_queue
    )


async def _eventually(check, what: str, attempts: int = 150):
    for _ in range(attempts):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"never: {what}")


async def _stuck(api: httpx.AsyncClient, case_no: str) -> dict | None:
    response = await api.get("/complaints/stuck", headers=auth("engineer"))
    assert response.status_code == 200, response.text
    return next((c for c in response.json() if c["case_no"] == case_no), None)


async def test_case_waiting_on_a_manager_past_its_deadline_is_found_and_listed(
    api: httpx.AsyncClient,
    dev_client: Client,
    pool: asyncpg.Pool,
    policy: Policy,
    staff: Actor,
    settings_for,
    dev_server,
) -> None:
    case_no = await register_only(pool, policy, staff, month="209902")
    task_queue = settings_for(dev_server.address).temporal_task_queue
    await _start(dev_client, case_no, task_queue, policy, staff)
    for path, role, body in (
        ("acknowledge", "handler", {}),
        ("findings", "handler", {"valid": True, "liability": "company", "summary": "ours"}),
        ("proposal", "handler", {"kind": "refund", "amount": "800", "details": "refund"}),
    ):
        response = await api.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(role))
        assert response.status_code == 200, response.text

    query = (
        f'CaseNo = "{case_no}" AND CaseOverdue = true'
        ' AND CaseWaitingOn = "manager-approval" AND ExecutionStatus = "Running"'
    )

    async def visible():
        return [w.id async for w in dev_client.list_workflows(query)]

    assert await _eventually(visible, "the case in the visibility query") == [
        f"complaint-{case_no}"
    ]
    listed = await _eventually(lambda: _stuck(api, case_no), "the case in /complaints/stuck")
    # Which deadline passed, and since when, as the register has it.
    row = await pool.fetchrow(
        "SELECT next_deadline, next_deadline_at FROM complaints WHERE case_no = $1", case_no
    )
    label = policy.deadlines[row["next_deadline"]].label
    due = policy.calendar.local(row["next_deadline_at"]).strftime("%Y-%m-%d %H:%M %Z")
    assert listed["reasons"][0].startswith(f"overdue: {label} was due {due}, "), listed
    assert listed["reasons"][0].endswith(" ago")
    assert "manager-approval" in listed["waiting_on"]
    assert listed["stage"] == "remedy_proposed"
    assert listed["web_ui"].endswith(f"/namespaces/default/workflows/complaint-{case_no}")
    details = (await api.get(f"/complaints/{case_no}", headers=auth("engineer"))).json()
    assert details["status"]["waiting"]["on"] == "manager-approval"

    assert (await api.get("/complaints/stuck", headers=auth("handler"))).status_code == 403
    printed = render([listed])
    assert case_no in printed and f"overdue: {label} was due" in printed


async def test_case_whose_workflow_task_fails_is_listed_with_its_error_and_continues_once_fixed(
    api: httpx.AsyncClient,
    dev_client: Client,
    pool: asyncpg.Pool,
    policy: Policy,
    staff: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case_no = await register_only(pool, policy, staff, month="209903")
    task_queue = f"buggy-{uuid.uuid4().hex[:8]}"

    def bug(self, row) -> None:
        raise RuntimeError("test-only bug in _publish")

    with monkeypatch.context() as patch:
        patch.setattr(ComplaintWorkflow, "_publish", bug)
        # Unsandboxed, so the worker runs the patched class.
        buggy = build_worker(
            dev_client, pool, task_queue, workflow_runner=UnsandboxedWorkflowRunner()
        )
        async with buggy:
            await _start(dev_client, case_no, task_queue, policy, staff)
            listed = await _eventually(lambda: _stuck(api, case_no), "the failing case listed")
    assert "test-only bug in _publish" in listed["failure"]
    assert any(reason.startswith("workflow task failing") for reason in listed["reasons"])

    async with build_worker(dev_client, pool, task_queue):

        async def carried_on():
            actions = await pool.fetch(
                "SELECT action FROM audit_events WHERE case_no = $1", case_no
            )
            return {"registered", "deadline_missed"} <= {row["action"] for row in actions}

        await _eventually(carried_on, "the fixed worker carrying the case on", attempts=300)


async def test_engineer_restarts_a_lost_workflow_reassigns_the_case_and_resends_a_notice(
    api: httpx.AsyncClient, pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    # Intake wrote the register row and died before starting the workflow.
    case_no = await register_only(pool, policy, staff, month="209904")
    reason = {"reason": "intake crashed before the start"}

    restarted = await api.post(
        f"/complaints/{case_no}/repair/restart", json=reason, headers=auth("engineer")
    )
    assert restarted.status_code == 200, restarted.text
    again = await api.post(
        f"/complaints/{case_no}/repair/restart", json=reason, headers=auth("engineer")
    )
    assert again.status_code == 409

    by_staff = await api.post(
        f"/complaints/{case_no}/reassign",
        json={"handler": "handler.li", "reason": "x"},
        headers=auth("staff"),
    )
    assert by_staff.status_code == 403
    moved = await api.post(
        f"/complaints/{case_no}/reassign",
        json={"handler": "handler.li", "reason": "handler.wang is on leave"},
        headers=auth("engineer"),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"]["handler"] == "handler.li"

    notice = await pool.fetchrow(
        "SELECT notification_id FROM outbox WHERE case_no = $1 AND recipient = 'user:handler.li'",
        case_no,
    )
    resent = await api.post(
        f"/complaints/{case_no}/repair/resend-notification",
        json={"notification_id": notice["notification_id"], "reason": "mail bounced"},
        headers=auth("engineer"),
    )
    assert resent.status_code == 200, resent.text
    assert (
        await pool.fetchval(
            "SELECT count(*) FROM outbox WHERE case_no = $1 AND recipient = 'user:handler.li'",
            case_no,
        )
        == 2
    )
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("engineer"))).json()
    assert [e["action"] for e in events] == [
        "registered",
        "on_site_assigned",
        "handler_reassigned",
        "notification_resent",
    ]
    assert events[0]["reason"].startswith("workflow started by engineer.zhao from the register")

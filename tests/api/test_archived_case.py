"""A closed case whose reopen window has passed: its workflow has ended, its record stays."""

from datetime import timedelta

import asyncpg
from temporalio.testing import WorkflowEnvironment

from tests.api.conftest import auth, serving
from tests.api.test_http_api import INTAKE


async def test_case_past_its_reopen_window_is_archived_but_still_readable(
    time_skipping: WorkflowEnvironment, pool: asyncpg.Pool, settings_for, policy
) -> None:
    address = time_skipping.client.service_client.config.target_host
    async with serving(settings_for(address), time_skipping.client, pool) as api:
        created = await api.post("/complaints", json=INTAKE, headers=auth("staff"))
        case_no = created.json()["case_no"]
        await api.post(f"/complaints/{case_no}/acknowledge", json={}, headers=auth("handler"))
        closed = await api.post(
            f"/complaints/{case_no}/findings",
            json={"valid": False, "liability": "customer", "summary": "x", "reason": "not ours"},
            headers=auth("handler"),
        )
        assert closed.json()["status"]["stage"] == "closed"

        await time_skipping.sleep(timedelta(days=policy.reopen_window_days + 1))

        reopen = await api.post(
            f"/complaints/{case_no}/reopen", json={"reason": "too late"}, headers=auth("staff")
        )
        assert reopen.status_code == 409
        assert reopen.json()["type"] == "CaseArchived"
        case = await api.get(f"/complaints/{case_no}", headers=auth("staff"))
        assert case.status_code == 200
        assert case.json()["status"]["closed_reason"] == "not valid: not ours"
        events = await api.get(f"/complaints/{case_no}/events", headers=auth("staff"))
        # Nobody re-visited it within the policy's week after closing: on record as missed.
        assert [e["action"] for e in events.json()][-2:] == ["closed_invalid", "deadline_missed"]
        assert events.json()[-1]["data"]["deadline"] == "revisit"

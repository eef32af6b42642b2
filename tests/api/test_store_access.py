"""Who sees what over HTTP (README "Who sees what"): staff, handlers and managers see and
act on the cases of their own stores only, another store's case answers as one that does
not exist; senior management and engineers see every store."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
from temporalio.client import Client

from domain.authority import Actor
from domain.grades import Grade
from domain.models import ComplaintStart
from domain.policy import Policy
from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE
from tests.support import intake, register_only
from workflows.complaint import ComplaintWorkflow

# Demo users of Urumqi Tianshan (config/users.yaml); the demo-* users of tests/api/conftest
# work at Beijing Chaoyang, Shanghai Pudong, Shenzhen Futian and Chengdu Jinjiang.
URUMQI = "Urumqi Tianshan"


def urumqi(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer demo-{role}-urumqi"}


async def _register(api: httpx.AsyncClient, store: str, headers: dict[str, str]) -> str:
    response = await api.post("/complaints", json=INTAKE | {"store": store}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()["case_no"]


async def _register_list(api: httpx.AsyncClient, headers: dict[str, str], **params) -> set[str]:
    response = await api.get("/complaints", params={"limit": 500, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return {row["case_no"] for row in response.json()}


async def test_a_handler_of_another_store_gets_404_for_a_case_and_does_not_see_it_listed(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _register(api, "Shanghai Pudong", auth("staff"))
    elsewhere = urumqi("handler")

    never_there = await api.get("/complaints/209901-9999", headers=elsewhere)
    for response in (
        await api.get(f"/complaints/{case_no}", headers=elsewhere),
        await api.get(f"/complaints/{case_no}/events", headers=elsewhere),
        await api.get(f"/complaints/{case_no}/insurance-claim", headers=elsewhere),
        await api.post(f"/complaints/{case_no}/acknowledge", json={}, headers=elsewhere),
        await api.post(f"/complaints/{case_no}/notes", json={"text": "x"}, headers=elsewhere),
        await api.post(
            f"/complaints/{case_no}/police-report",
            json={"reason": "theft"},
            headers=elsewhere,
        ),
    ):
        # Exactly as a case that does not exist: nothing tells the number is taken.
        assert response.status_code == 404, response.text
        assert response.json()["type"] == never_there.json()["type"] == "CaseNotFound"
    assert case_no not in await _register_list(api, elsewhere)
    assert not await _register_list(api, elsewhere, store="Shanghai Pudong")

    # Nothing reached the case; its own store's handler finds it as it was.
    mine = await api.get(f"/complaints/{case_no}", headers=auth("handler"))
    assert mine.status_code == 200
    assert mine.json()["status"]["stage"] == "received"
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("handler"))).json()
    assert "note_added" not in [e["action"] for e in events]
    assert case_no in await _register_list(api, auth("handler"))


async def test_the_desk_registers_complaints_for_its_own_stores_only(
    api: httpx.AsyncClient,
) -> None:
    refused = await api.post(
        "/complaints", json=INTAKE | {"store": "Shanghai Pudong"}, headers=urumqi("staff")
    )
    assert refused.status_code == 403
    assert "Shanghai Pudong" in refused.json()["detail"]
    # Store names match as the policy matches them: case and spacing aside.
    await _register(api, "urumqi  TIANSHAN", urumqi("staff"))

    # Keys are each user's own: the same key from someone else is their own new case, and
    # never hands out the first one's number.
    key = {"Idempotency-Key": f"store-access-{uuid.uuid4().hex}"}
    first = await _register(api, "Shanghai Pudong", auth("staff") | key)
    theirs = await api.post(
        "/complaints", json=INTAKE | {"store": URUMQI}, headers=urumqi("staff") | key
    )
    assert theirs.status_code == 201, theirs.text
    assert first not in theirs.text


async def test_a_manager_of_several_stores_sees_each_and_senior_management_every_store(
    api: httpx.AsyncClient,
) -> None:
    pudong = await _register(api, "Shanghai Pudong", auth("staff"))
    beijing = await _register(api, "Beijing Chaoyang", auth("staff"))
    tianshan = await _register(api, URUMQI, urumqi("staff"))

    managed = await _register_list(api, auth("manager"))
    assert {pudong, beijing} <= managed and tianshan not in managed
    managed_there = await _register_list(api, urumqi("manager"))
    assert tianshan in managed_there and not {pudong, beijing} & managed_there
    assert {pudong, beijing, tianshan} <= await _register_list(api, auth("senior"))
    assert {pudong, beijing, tianshan} <= await _register_list(api, auth("engineer"))

    senior = await api.get(f"/complaints/{tianshan}", headers=auth("senior"))
    assert senior.status_code == 200 and senior.json()["customer"]["name"] == "Zhou Xin"
    engineer = await api.get(f"/complaints/{tianshan}", headers=auth("engineer"))
    assert engineer.status_code == 200 and engineer.json()["customer"] is None
    noted = await api.post(
        f"/complaints/{tianshan}/notes", json={"text": "timers checked"}, headers=auth("engineer")
    )
    assert noted.status_code == 200, noted.text
    assert (await api.get(f"/complaints/{tianshan}", headers=auth("manager"))).status_code == 404


async def _eventually(check, what: str, attempts: int = 150):
    for _ in range(attempts):
        if result := await check():
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"never: {what}")


async def test_stuck_cases_and_their_repair_are_a_managers_own_stores_only(
    api: httpx.AsyncClient,
    dev_client: Client,
    pool: asyncpg.Pool,
    policy: Policy,
    staff: Actor,
    settings_for,
    dev_server,
) -> None:
    # A Pudong case registered three days ago: overdue for first contact at once.
    case_no = await register_only(pool, policy, staff, month="209905")
    await dev_client.start_workflow(
        ComplaintWorkflow.run,
        ComplaintStart(
            case_no=case_no,
            intake=intake(),
            grade=Grade.C,
            grade_reasons=["general complaint"],
            registered_at=datetime.now(UTC) - timedelta(days=3),
            registered_by=staff,
            policy=policy,
        ),
        id=f"complaint-{case_no}",
        task_queue=settings_for(dev_server.address).temporal_task_queue,
    )

    async def listed_for(headers: dict[str, str]) -> list[str]:
        response = await api.get("/complaints/stuck", headers=headers)
        assert response.status_code == 200, response.text
        return [case["case_no"] for case in response.json()]

    async def seen_by_its_manager() -> bool:
        return case_no in await listed_for(auth("manager"))

    await _eventually(seen_by_its_manager, "the overdue case in its manager's stuck list")
    assert case_no not in await listed_for(urumqi("manager"))

    lost = await register_only(pool, policy, staff, month="209905")
    restart = {"reason": "intake crashed before the start"}
    elsewhere = await api.post(
        f"/complaints/{lost}/repair/restart", json=restart, headers=urumqi("manager")
    )
    assert elsewhere.status_code == 404
    restarted = await api.post(
        f"/complaints/{lost}/repair/restart", json=restart, headers=auth("manager")
    )
    assert restarted.status_code == 200, restarted.text


async def test_a_report_gives_every_manager_the_company_figures_but_only_their_stores_cases(
    api: httpx.AsyncClient, pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    case_no = await register_only(pool, policy, staff, month="199805")
    await pool.execute(
        "UPDATE complaints SET received_at = $2, stage = 'closed', closed_at = $3"
        " WHERE case_no = $1",
        case_no,
        datetime(1998, 5, 10, 3, tzinfo=UTC),
        datetime(1998, 5, 12, 3, tzinfo=UTC),
    )
    produced = await api.post(
        "/reports/monthly", json={"month": "1998-05"}, headers=urumqi("manager")
    )
    assert produced.status_code == 200, produced.text
    theirs = produced.json()
    assert theirs["figures"]["cases"] == 1
    assert theirs["figures"]["by_store"] == {"Shanghai Pudong": 1}
    assert theirs["revisit"]["population"] == 1 and theirs["revisit"]["case_nos"] == []

    ours = await api.get("/reports/monthly", params={"month": "1998-05"}, headers=auth("manager"))
    assert ours.json()["revisit"]["case_nos"] == [case_no]
    as_csv = await api.get(
        "/reports/monthly",
        params={"month": "1998-05"},
        headers=urumqi("manager") | {"Accept": "text/csv"},
    )
    page = await api.get("/reports/monthly/1998-05.html", headers=urumqi("manager"))
    assert case_no not in as_csv.text and case_no not in page.text

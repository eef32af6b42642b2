"""Issue 19's commands over HTTP against the dev server: settle on the spot, a promised
completion date, and the category's compensation rules in GET /policy and in refusals."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE


async def _open(api: httpx.AsyncClient, **fields) -> str:
    created = await api.post("/complaints", json=INTAKE | fields, headers=auth("staff"))
    assert created.status_code == 201, created.text
    return created.json()["case_no"]


async def test_the_service_desk_settles_an_apology_on_the_spot_over_http(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _open(api)
    settle = f"/complaints/{case_no}/settle"
    signed_without_ref = await api.post(
        settle,
        json={"kind": "apology", "given": "Apologised", "consent": "signed"},
        headers=auth("staff"),
    )
    assert signed_without_ref.status_code == 422 and "agreement_ref" in signed_without_ref.text
    too_much = await api.post(
        settle,
        json={"kind": "goodwill_payment", "amount": "80", "given": "Voucher", "consent": "oral"},
        headers=auth("staff"),
    )
    assert too_much.status_code == 403 and too_much.json()["type"] == "OverAuthority"

    settled = await api.post(
        settle,
        json={"kind": "apology", "given": "Apologised for the late delivery", "consent": "oral"},
        headers=auth("staff"),
    )
    assert settled.status_code == 200, settled.text
    status = settled.json()["status"]
    assert status["stage"] == "remedy_carried_out" and status["settled_on_the_spot"] is True
    read = await api.get(f"/complaints/{case_no}", headers=auth("staff"))
    assert read.json()["status"]["settled_on_the_spot"] is True
    again = await api.post(
        settle,
        json={"kind": "apology", "given": "again", "consent": "oral"},
        headers=auth("staff"),
    )
    assert again.status_code == 409


async def test_a_promised_completion_date_is_shown_on_the_case(api: httpx.AsyncClient) -> None:
    case_no = await _open(api)
    promised_by = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    promised = await api.post(
        f"/complaints/{case_no}/promise",
        json={"promised_by": promised_by.isoformat(), "note": "Door on order"},
        headers=auth("staff"),
    )
    assert promised.status_code == 200, promised.text
    read = await api.get(f"/complaints/{case_no}", headers=auth("staff"))
    status = read.json()["status"]
    assert datetime.fromisoformat(status["promised_by"]) == promised_by
    assert any(d["name"] == "promised" for d in status["deadlines"])


async def test_the_category_rules_are_in_the_policy_and_a_refusal_names_its_rule(
    api: httpx.AsyncClient,
) -> None:
    policy = (await api.get("/policy", headers=auth("staff"))).json()["policy"]
    rules = {rule["name"]: rule for rule in policy["compensation_rules"]}
    assert rules["lost_belongings_not_compensated"]["approver"] == "senior_management"
    assert rules["locker_under_200"]["seed"] == "000 五"
    assert policy["settle_on_the_spot"]["four_eyes_above"] is not None

    case_no = await _open(api, category="lost_belongings", incident="theft")
    refused = await api.post(
        f"/complaints/{case_no}/settle",
        json={"kind": "goodwill_payment", "amount": "30", "given": "Voucher", "consent": "oral"},
        headers={"Authorization": "Bearer demo-duty-manager"},
    )
    assert refused.status_code == 403, refused.text
    body = refused.json()
    assert body["type"] == "CompensationRule"
    assert "lost_belongings_not_compensated" in body["detail"] and "000 五" in body["detail"]


async def test_the_register_filters_by_department_and_the_head_changes_the_responsible_person(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _open(api)  # delivery and installation: after-sales (policy routing)
    # The registration's entry (naming the department) is written just after the 201.
    for _ in range(100):
        listed = await api.get(
            "/complaints",
            params={"department": "after_sales", "limit": 500},
            headers=auth("staff"),
        )
        assert listed.status_code == 200, listed.text
        if case_no in [r["case_no"] for r in listed.json()]:
            break
        await asyncio.sleep(0.1)
    [row] = [r for r in listed.json() if r["case_no"] == case_no]
    assert row["department"] == "after_sales"
    other = await api.get(
        "/complaints", params={"department": "finance", "limit": 500}, headers=auth("staff")
    )
    assert case_no not in [r["case_no"] for r in other.json()]

    by_handler = await api.post(
        f"/complaints/{case_no}/responsible",
        json={"person": "handler.liu", "reason": "Leave"},
        headers=auth("handler"),
    )
    assert by_handler.status_code == 403 and by_handler.json()["type"] == "RoleNotAllowed"
    by_head = await api.post(
        f"/complaints/{case_no}/responsible",
        json={"person": "handler.liu", "reason": "Wang on leave"},
        headers=auth("manager"),
    )
    assert by_head.status_code == 200, by_head.text
    assert by_head.json()["status"]["handler"] == "handler.liu"


async def test_an_a_case_is_exported_as_an_anonymised_training_case(
    api: httpx.AsyncClient,
) -> None:
    injury = INTAKE | {
        "category": "personal_injury",
        "description": "Zhou Xin slipped on the wet floor by the escalator and cut her hand.",
    }
    created = await api.post("/complaints", json=injury, headers=auth("staff"))
    assert created.status_code == 201, created.text
    case_no = created.json()["case_no"]
    path = f"/complaints/{case_no}/training-case"
    assert (await api.get(path, headers=auth("staff"))).status_code == 403

    exported = await api.get(path, headers=auth("manager"))
    assert exported.status_code == 200, exported.text
    body = exported.json()
    assert (body["grade"], body["category"], body["department"]) == (
        "A",
        "personal_injury",
        "risk_control",
    )
    assert "registered" in [step["action"] for step in body["steps"]]
    text = exported.text
    for personal in ("Zhou Xin", "zhou@example.com", "wet floor", case_no):
        assert personal not in text

    c_case = await _open(api)
    refused = await api.get(f"/complaints/{c_case}/training-case", headers=auth("manager"))
    assert refused.status_code == 409 and "A and B" in refused.json()["detail"]

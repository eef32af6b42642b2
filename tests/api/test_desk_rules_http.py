"""Issue 19's commands over HTTP against the dev server: settle on the spot, a promised
completion date, and the category's compensation rules in GET /policy and in refusals."""

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

"""Quality inspection and supplier claim over HTTP against the dev server (issue 16):
started under the case, their messages, and the refusals (422, 403, 404, 409)."""

import asyncio
from decimal import Decimal

import httpx

from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE

WARDROBE = INTAKE | {
    "category": "product_quality",
    "description": "The wardrobe's door hinge broke off within a week.",
    "claimed_amount": "1800",
    "product": {"sku": "WD-1800", "batch": "B-HTTP", "name": "两门衣柜"},
}
TIANSHAN = {"Authorization": "Bearer demo-staff-urumqi"}


async def _open(api: httpx.AsyncClient) -> str:
    response = await api.post("/complaints", json=WARDROBE, headers=auth("staff"))
    assert response.status_code == 201, response.text
    return response.json()["case_no"]


async def _post(api: httpx.AsyncClient, case_no: str, path: str, role: str, body: dict):
    return await api.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(role))


async def _ok(api: httpx.AsyncClient, case_no: str, path: str, role: str, body: dict) -> dict:
    response = await _post(api, case_no, path, role, body)
    assert response.status_code == 200, response.text
    return response.json()


async def _until(api: httpx.AsyncClient, case_no: str, slug: str, check) -> dict:
    for _ in range(100):
        response = await api.get(f"/complaints/{case_no}/{slug}", headers=auth("staff"))
        if response.status_code == 200 and check(response.json()):
            return response.json()
        await asyncio.sleep(0.1)
    raise AssertionError(response.text)


def _kind(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["type"]


async def test_quality_ruling_then_supplier_claim_over_http(api: httpx.AsyncClient) -> None:
    case_no = await _open(api)
    await _ok(api, case_no, "quality-inspection", "staff", {"question": "Defective hinge?"})
    inspection = await _until(
        api, case_no, "quality-inspection", lambda s: s["summary"]["stage"] == "inspecting"
    )
    assert inspection["record"]["product"]["batch"] == "B-HTTP"
    assert inspection["summary"]["waiting_on"] == "quality-control"

    # The lab trip: only senior management approves; it must be approved to start.
    await _ok(api, case_no, "quality-inspection/lab-trip", "handler", {"lab": "SGS", "reason": "x"})
    unapproved = await _post(api, case_no, "quality-inspection/lab-trip/start", "handler", {})
    assert _kind(unapproved) == (409, "ConditionNotMet")
    by_manager = await _post(
        api, case_no, "quality-inspection/lab-trip/approval", "manager", {"comment": "ok"}
    )
    assert _kind(by_manager) == (403, "RoleNotAllowed")
    await _ok(api, case_no, "quality-inspection/lab-trip/approval", "senior", {"comment": "ok"})
    started = await _ok(api, case_no, "quality-inspection/lab-trip/start", "handler", {})
    assert started["summary"]["waiting_on"] == "test-lab"
    bad_verdict = await _post(
        api,
        case_no,
        "quality-inspection/lab-result",
        "handler",
        {"report_ref": "R-1", "verdict": "maybe"},
    )
    assert bad_verdict.status_code == 422 and bad_verdict.json()["detail"][0]["loc"] == [
        "body",
        "verdict",
    ]
    await _ok(
        api,
        case_no,
        "quality-inspection/lab-result",
        "handler",
        {"report_ref": "R-1", "verdict": "failed", "findings": "screws too short"},
    )

    # A defect's ruling names its cause (422 on the field).
    causeless = await _post(
        api, case_no, "quality-inspection/ruling", "handler", {"defect": True, "summary": "x"}
    )
    assert causeless.status_code == 422
    assert [p["loc"] for p in causeless.json()["detail"]] == [["body", "cause"]]
    ruling = {
        "defect": True,
        "cause": "product",
        "product": {"sku": "WD-1800", "batch": "B-HTTP"},
        "liable_department": "purchasing",
        "summary": "The batch's hinge screws are too short",
    }
    ruled = await _ok(api, case_no, "quality-inspection/ruling", "handler", ruling)
    assert ruled["summary"]["outcome"].startswith("defect caused by the product")
    again = await _post(api, case_no, "quality-inspection/ruling", "handler", ruling)
    assert _kind(again) == (409, "ProcessNotOpen")

    # The supplier claim: staff may not open it; once open, a second one is 409.
    claim = {"supplier": "佛山家具", "reason": "the ruling's defect"}
    assert _kind(await _post(api, case_no, "supplier-claim", "staff", claim)) == (
        403,
        "RoleNotAllowed",
    )
    for _ in range(50):  # the case hears of the ruling's end by the child's result
        opened = await _post(api, case_no, "supplier-claim", "handler", claim)
        if opened.status_code == 200:
            break
        await asyncio.sleep(0.1)
    assert opened.status_code == 200, opened.text
    assert _kind(await _post(api, case_no, "supplier-claim", "handler", claim)) == (
        409,
        "ProcessAlreadyOpen",
    )
    await _until(api, case_no, "supplier-claim", lambda s: s["summary"]["stage"] == "reported")
    demand = {"amount": "1800", "reference": "D-1"}
    before_notice = await _post(
        api, case_no, "supplier-claim/compensation-asked", "handler", demand
    )
    assert _kind(before_notice) == (409, "ConditionNotMet")
    await _ok(
        api,
        case_no,
        "supplier-claim/notice",
        "handler",
        {"reference": "N-1", "sent_on": "2026-12-03"},
    )
    nothing_named = await _post(
        api, case_no, "supplier-claim/pulled", "staff", {"store": "Beijing Chaoyang"}
    )
    assert nothing_named.status_code == 422 and "batch" in nothing_named.text
    await _ok(
        api,
        case_no,
        "supplier-claim/pulled",
        "staff",
        {"store": "Beijing Chaoyang", "batch": "B-HTTP", "quantity": 4},
    )
    await _ok(api, case_no, "supplier-claim/returned", "handler", {"quantity": 4, "reference": "T"})
    negative = await _post(
        api,
        case_no,
        "supplier-claim/compensation-asked",
        "handler",
        {"amount": "-1", "reference": "D"},
    )
    assert negative.status_code == 422 and negative.json()["detail"][0]["loc"] == [
        "body",
        "amount",
    ]
    await _ok(api, case_no, "supplier-claim/compensation-asked", "handler", demand)
    paid = await _ok(
        api,
        case_no,
        "supplier-claim/compensation-received",
        "handler",
        {"amount": "900", "reference": "P-1", "final": True},
    )
    assert paid["summary"]["outcome"] == "recovered in part: CNY 900.00 of CNY 1800.00"
    assert Decimal(paid["summary"]["recovered_amount"]) == Decimal("900")
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("staff"))).json()
    pairs = [(e["process"], e["action"]) for e in events]
    assert ("supplier_claim", "supplier_goods_pulled") in pairs
    assert ("quality_inspection", "quality_ruling_recorded") in pairs


async def test_unknown_and_other_stores_cases_and_unstarted_processes(
    api: httpx.AsyncClient,
) -> None:
    unknown = await _post(api, "209901-9999", "quality-inspection", "staff", {"question": "x"})
    assert unknown.status_code == 404
    case_no = await _open(api)
    other_store = await api.post(
        f"/complaints/{case_no}/quality-inspection", json={"question": "x"}, headers=TIANSHAN
    )
    assert other_store.status_code == 404
    assert (
        await api.get(f"/complaints/{case_no}/supplier-claim", headers=auth("staff"))
    ).status_code == 404
    not_started = await _post(
        api,
        case_no,
        "supplier-claim/notice",
        "handler",
        {"reference": "N", "sent_on": "2026-12-03"},
    )
    assert _kind(not_started) == (409, "ProcessNotOpen")
    extra = await _post(api, case_no, "quality-inspection", "staff", {"question": "x", "why": 1})
    assert extra.status_code == 422 and extra.json()["detail"][0]["loc"] == ["body", "why"]

"""Sub-processes over HTTP against the dev server: start, messages, refusals."""

import asyncio

import httpx

from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE

THEFT = INTAKE | {
    "category": "lost_belongings",
    "description": "Handbag stolen from a trolley at the checkout.",
    "claimed_amount": "300",
    "incident": "theft",
}


async def _open(api: httpx.AsyncClient, intake: dict) -> str:
    response = await api.post("/complaints", json=intake, headers=auth("staff"))
    assert response.status_code == 201, response.text
    return response.json()["case_no"]


async def _police(api: httpx.AsyncClient, case_no: str) -> dict:
    for _ in range(50):
        response = await api.get(f"/complaints/{case_no}/police-report", headers=auth("staff"))
        if response.status_code == 200:
            return response.json()
        await asyncio.sleep(0.1)
    raise AssertionError(response.text)


async def test_cctv_goes_to_the_police_and_never_to_the_customer(api: httpx.AsyncClient) -> None:
    case_no = await _open(api, THEFT)
    assert (await _police(api, case_no))["summary"]["stage"] == "to_report"
    call = await api.post(
        f"/complaints/{case_no}/police-report/call",
        json={
            "reported_by": "staff.li",
            "reported_at": "2026-11-30T10:00:00+08:00",
            "station": "Chaoyang station",
        },
        headers=auth("staff"),
    )
    assert call.status_code == 200, call.text

    footage = {"recipient_name": "Liu Yang", "footage_ref": "CAM3-1000-1015"}
    to_customer = await api.post(
        f"/complaints/{case_no}/police-report/cctv",
        json=footage | {"recipient": "customer"},
        headers=auth("staff"),
    )
    assert to_customer.status_code == 403
    assert to_customer.json()["type"] == "RecipientNotAllowed"

    to_police = await api.post(
        f"/complaints/{case_no}/police-report/cctv",
        json=footage | {"recipient": "police", "recipient_name": "Officer Ma"},
        headers=auth("staff"),
    )
    assert to_police.status_code == 200, to_police.text
    handovers = to_police.json()["record"]["cctv_handovers"]
    assert [(h["recipient"], h["recipient_name"]) for h in handovers] == [("police", "Officer Ma")]
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("staff"))).json()
    assert ("police", "cctv_handed_over") in [(e["process"], e["action"]) for e in events]


async def test_sub_process_errors_name_the_problem(api: httpx.AsyncClient) -> None:
    case_no = await _open(api, INTAKE)

    unknown = await api.post(
        "/complaints/209901-9999/insurance-claim", json={"reason": "x"}, headers=auth("handler")
    )
    assert unknown.status_code == 404
    not_started = await api.post(
        f"/complaints/{case_no}/insurance-claim/documents",
        json={"documents": ["receipts"]},
        headers=auth("staff"),
    )
    assert (not_started.status_code, not_started.json()["type"]) == (409, "ProcessNotOpen")
    assert (
        await api.get(f"/complaints/{case_no}/insurance-claim", headers=auth("staff"))
    ).status_code == 404
    bad = await api.post(
        f"/complaints/{case_no}/mediation",
        json={"association": "PCA", "notice_ref": "N-1", "accepted_on": "soon"},
        headers=auth("staff"),
    )
    assert bad.status_code == 422 and "accepted_on" in bad.text
    by_staff = await api.post(
        f"/complaints/{case_no}/insurance-claim", json={"reason": "x"}, headers=auth("staff")
    )
    assert by_staff.status_code == 403

    started = await api.post(
        f"/complaints/{case_no}/insurance-claim",
        json={"reason": "Scratched door, insured delivery", "insurer": "PICC"},
        headers=auth("handler"),
    )
    assert started.status_code == 200, started.text
    again = await api.post(
        f"/complaints/{case_no}/insurance-claim", json={"reason": "again"}, headers=auth("handler")
    )
    assert (again.status_code, again.json()["type"]) == (409, "ProcessAlreadyOpen")
    opinion_first = await api.post(
        f"/complaints/{case_no}/insurance-claim/opinion",
        json={"decision": "refuses", "written_ref": "W-1", "reason": "not covered"},
        headers=auth("handler"),
    )
    assert opinion_first.status_code == 409
    assert "report it first" in opinion_first.json()["detail"]


async def test_every_run_of_a_mediation_is_listed_newest_first(api: httpx.AsyncClient) -> None:
    case_no = await _open(api, INTAKE)
    url = f"/complaints/{case_no}/mediation"
    for notice in ("PCA-H1", "PCA-H2"):
        for _ in range(50):  # the first run's end reaches the case by its result
            started = await api.post(
                url,
                json={"association": "PCA", "notice_ref": notice, "accepted_on": "2026-12-01"},
                headers=auth("staff"),
            )
            if started.status_code != 409:
                break
            await asyncio.sleep(0.1)
        assert started.status_code == 200, started.text
        if notice == "PCA-H1":
            failed = await api.post(
                f"{url}/outcome",
                json={"result": "failed", "failure": "not_signed"},
                headers=auth("handler"),
            )
            assert failed.status_code == 200, failed.text

    mediation = (await api.get(url, headers=auth("staff"))).json()
    assert mediation["record"]["notice_ref"] == "PCA-H2"
    (first,) = mediation["earlier_runs"]
    assert first["record"]["notice_ref"] == "PCA-H1"
    assert first["summary"]["outcome"] == "failed: not signed"
    assert first["summary"]["run_id"] != mediation["summary"]["run_id"]
    case = (await api.get(f"/complaints/{case_no}", headers=auth("staff"))).json()
    runs = [(p["kind"], p["open"]) for p in case["status"]["processes"]]
    assert runs == [("mediation", True), ("mediation", False)]


async def test_a_police_certificate_after_the_outcome_is_recorded_late(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _open(api, THEFT)
    await _police(api, case_no)
    url = f"/complaints/{case_no}/police-report"
    call = {"reported_by": "staff.li", "reported_at": "2026-11-30T10:00:00+08:00", "station": "CY"}
    assert (await api.post(f"{url}/call", json=call, headers=auth("staff"))).status_code == 200
    outcome = await api.post(f"{url}/outcome", json={"outcome": "closed"}, headers=auth("staff"))
    assert outcome.status_code == 200, outcome.text
    for _ in range(50):  # the police report has closed; the case hears of it
        case = (await api.get(f"/complaints/{case_no}", headers=auth("staff"))).json()
        if not case["status"]["processes"][0]["open"]:
            break
        await asyncio.sleep(0.1)

    ended = await api.post(
        f"{url}/certificate", json={"certificate_no": "CY-9"}, headers=auth("staff")
    )
    assert (ended.status_code, ended.json()["type"]) == (409, "ProcessNotOpen")
    late = await api.post(
        f"{url}/late-document",
        json={"reference": "CY-9", "note": "brought in by the customer"},
        headers=auth("staff"),
    )
    assert late.status_code == 200, late.text
    (police,) = [p for p in late.json()["status"]["processes"] if p["kind"] == "police"]
    assert police["certificate_no"] == "CY-9"
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("staff"))).json()
    (entry,) = [e for e in events if e["action"] == "police_certificate_recorded_late"]
    assert entry["data"]["late"] is True
    again = await api.post(
        f"{url}/late-document", json={"reference": "CY-10"}, headers=auth("staff")
    )
    assert (again.status_code, again.json()["type"]) == (409, "ConditionNotMet")
    no_field = await api.post(f"{url}/late-document", json={}, headers=auth("staff"))
    assert no_field.status_code == 422 and "reference" in no_field.text


async def test_a_vehicle_police_report_needs_its_certificate_before_the_outcome(
    api: httpx.AsyncClient,
) -> None:
    vehicle = INTAKE | {
        "category": "vehicle_parking",
        "description": "Hit in the car park by a driver who left.",
        "claimed_amount": "300",
        "incident": "hit_and_run",
    }
    case_no = await _open(api, vehicle)
    await _police(api, case_no)
    url = f"/complaints/{case_no}/police-report"
    call = {"reported_by": "staff.li", "reported_at": "2026-11-30T10:00:00+08:00", "station": "CY"}
    assert (await api.post(f"{url}/call", json=call, headers=auth("staff"))).status_code == 200
    outcome = await api.post(f"{url}/outcome", json={"outcome": "closed"}, headers=auth("staff"))
    assert (outcome.status_code, outcome.json()["type"]) == (409, "ConditionNotMet")
    assert "certificate" in outcome.json()["detail"]

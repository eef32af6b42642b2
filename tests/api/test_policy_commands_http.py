"""Issue 4's commands over HTTP against the dev server: each answers with the case's
clocks, and refuses with the status the API promises."""

import httpx

from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE


async def _open_with_findings(api: httpx.AsyncClient) -> str:
    created = await api.post("/complaints", json=INTAKE, headers=auth("staff"))
    assert created.status_code == 201, created.text
    case_no = created.json()["case_no"]
    for path, body in (
        ("acknowledge", {}),
        ("findings", {"valid": True, "liability": "company", "summary": "Late delivery"}),
    ):
        response = await api.post(
            f"/complaints/{case_no}/{path}", json=body, headers=auth("handler")
        )
        assert response.status_code == 200, response.text
    return case_no


async def test_clocks_pause_and_resume_over_http_showing_budget_used_and_left(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _open_with_findings(api)
    paused = await api.post(
        f"/complaints/{case_no}/clocks/pause",
        json={"reason": "inspection", "note": "Door sent to the supplier"},
        headers=auth("handler"),
    )
    assert paused.status_code == 200, paused.text
    proposal = next(d for d in paused.json()["status"]["deadlines"] if d["name"] == "proposal")
    assert proposal["paused"] is True
    assert proposal["budget"] == {"amount": 48, "unit": "hours", "saturday_counts": False}
    assert {"used", "left", "due_local"} <= proposal.keys()

    again = await api.post(
        f"/complaints/{case_no}/clocks/pause",
        json={"reason": "customer", "note": "again"},
        headers=auth("handler"),
    )
    assert again.status_code == 409
    wrong = await api.post(
        f"/complaints/{case_no}/clocks/pause",
        json={"reason": "holiday", "note": "x"},
        headers=auth("handler"),
    )
    assert wrong.status_code == 422 and "reason" in wrong.text
    engineer = await api.post(
        f"/complaints/{case_no}/clocks/resume", json={}, headers=auth("engineer")
    )
    assert engineer.status_code == 403
    resumed = await api.post(
        f"/complaints/{case_no}/clocks/resume", json={}, headers=auth("handler")
    )
    assert resumed.status_code == 200, resumed.text


async def test_delay_grade_crisis_and_escalation_refusals_over_http(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _open_with_findings(api)
    base = f"/complaints/{case_no}"
    past = await api.post(
        f"{base}/delay-request",
        json={"deadline": "proposal", "new_due_on": "2020-01-01", "reason": "late"},
        headers=auth("handler"),
    )
    assert past.status_code == 409 and "after the current deadline" in past.text
    nothing = await api.post(
        f"{base}/delay-request/decision",
        json={"accept": True, "comment": "ok"},
        headers=auth("manager"),
    )
    assert nothing.status_code == 409
    lower = await api.post(
        f"{base}/grade", json={"grade": "D", "reason": "minor"}, headers=auth("handler")
    )
    assert lower.status_code == 403
    no_reason = await api.post(f"{base}/grade", json={"grade": "B"}, headers=auth("manager"))
    assert no_reason.status_code == 422 and "reason" in no_reason.text
    crisis = await api.post(
        f"{base}/crisis", json={"level": "C", "reason": "Posted on Weibo"}, headers=auth("staff")
    )
    assert crisis.status_code == 200 and crisis.json()["status"]["crisis_level"] == "C"
    unknown = await api.post(
        "/complaints/209901-9999/crisis", json={"level": "A", "reason": "x"}, headers=auth("staff")
    )
    assert unknown.status_code == 404
    no_escalation = await api.post(
        f"{base}/escalation/acknowledge", json={}, headers=auth("manager")
    )
    assert no_escalation.status_code == 409


async def test_a_clock_date_out_of_range_or_past_is_refused_not_a_server_error(
    api: httpx.AsyncClient,
) -> None:
    """Found by the schema fuzzer: a year-1007 date made a deadline Temporal could not index."""
    case_no = await _open_with_findings(api)
    path = f"/complaints/{case_no}/clocks/statutory"
    for body, status, named in (
        ({"clock": "regulator_answer", "due_on": "1007-05-17"}, 422, "due_on"),
        ({"clock": "repair", "started_at": "2026-11-01T10:00:00"}, 422, "started_at"),
        ({"clock": "regulator_answer", "due_on": "2020-01-08"}, 409, "has passed"),
        ({"clock": "repair", "started_at": "2099-01-01T10:00:00+08:00"}, 409, "future"),
    ):
        response = await api.post(path, json=body, headers=auth("handler"))
        assert response.status_code == status, response.text
        assert named in response.text
    delay = await api.post(
        f"/complaints/{case_no}/delay-request",
        json={"deadline": "proposal", "new_due_on": "9999-12-31", "reason": "late"},
        headers=auth("handler"),
    )
    assert delay.status_code == 422 and "new_due_on" in delay.text
    ok = await api.post(path, json={"clock": "repair"}, headers=auth("handler"))
    assert ok.status_code == 200, ok.text

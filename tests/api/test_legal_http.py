"""Legal documents, the lawsuit and the regulator's inquiry over HTTP (issue 16): the
happy paths, and 422 (field named), 403 (role), 404 (unknown or another store's case),
409 (not now) as the rest of the API answers them."""

import asyncio

import httpx

from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE
from tests.api.test_store_access import urumqi

LOST_BAG = INTAKE | {
    "category": "lost_belongings",
    "description": "A bag left at the checkout went missing.",
    "claimed_amount": "3000",
}
JUDGMENT = "(2026)沪0115民初77号"


async def _open(api: httpx.AsyncClient, intake: dict = INTAKE) -> str:
    response = await api.post("/complaints", json=intake, headers=auth("staff"))
    assert response.status_code == 201, response.text
    return response.json()["case_no"]


async def _post(api: httpx.AsyncClient, case_no: str, path: str, body: dict, role: str):
    return await api.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(role))


async def _ok(api: httpx.AsyncClient, case_no: str, path: str, body: dict, role: str) -> dict:
    response = await _post(api, case_no, path, body, role)
    assert response.status_code == 200, response.text
    return response.json()


def _problem(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["type"]


async def _lawsuit(api: httpx.AsyncClient, case_no: str, until) -> dict:
    for _ in range(100):
        read = await api.get(f"/complaints/{case_no}/lawsuit", headers=auth("handler"))
        if read.status_code == 200 and until(read.json()):
            return read.json()
        await asyncio.sleep(0.1)
    raise AssertionError(read.text)


async def _proposed(api: httpx.AsyncClient, case_no: str, proposal: dict) -> dict:
    """The case hears of the judgment by the lawsuit's signal, a moment after it."""
    for _ in range(50):
        response = await _post(api, case_no, "proposal", proposal, "handler")
        if response.status_code == 200:
            return response.json()
        assert "no effective judgment" in response.json()["detail"], response.text
        await asyncio.sleep(0.1)
    raise AssertionError(response.text)


async def test_a_lawyers_letter_and_court_papers_over_http(api: httpx.AsyncClient) -> None:
    case_no = await _open(api)
    await _ok(api, case_no, "legal-documents", {"reason": "served at the desk"}, "staff")
    letter = await _ok(
        api,
        case_no,
        "legal-documents/lawyer-letter",
        {"sender": "Fangda Partners", "left": True, "summary": "demands CNY 5000"},
        "staff",
    )
    assert letter["record"]["documents"][0]["state"] == "received_unsigned"
    assert letter["summary"]["waiting_on"] == "legal-documents"

    # A lawyer's letter is never papers to sign: 422 names the field.
    as_papers = await _post(
        api,
        case_no,
        "legal-documents/papers",
        {
            "issuer": "lawyer_letter",
            "title": "Letter",
            "bearer": "Courier",
            "bearer_identity_checked": True,
            "company_name_matches": True,
        },
        "staff",
    )
    assert as_papers.status_code == 422
    assert as_papers.json()["detail"][0]["loc"] == ["body", "issuer"]
    never = await _post(
        api,
        case_no,
        "legal-documents/signature",
        {"number": 1, "signed_by": "Wang Li", "original": True},
        "handler",
    )
    assert _problem(never) == (409, "ConditionNotMet")
    assert "never signed" in never.json()["detail"]
    by_staff = await _post(
        api,
        case_no,
        "legal-documents/signature",
        {"number": 1, "signed_by": "Wang Li", "original": True},
        "staff",
    )
    assert _problem(by_staff) == (403, "RoleNotAllowed")

    papers = await _ok(
        api,
        case_no,
        "legal-documents/papers",
        {
            "issuer": "court",
            "title": "Summons",
            "reference": JUDGMENT,
            "bearer": "Clerk Zhou",
            "bearer_identity_checked": True,
            "company_name_matches": True,
            "enclosures_listed": ["complaint", "evidence"],
        },
        "staff",
    )
    assert papers["record"]["documents"][1]["state"] == "awaiting_senior"
    sign = {
        "number": 2,
        "signed_by": "Wang Li",
        "original": True,
        "enclosures_received": ["complaint"],
    }
    early = await _post(api, case_no, "legal-documents/signature", sign, "handler")
    assert _problem(early) == (409, "ConditionNotMet")
    await _ok(
        api,
        case_no,
        "legal-documents/senior-informed",
        {"number": 2, "informed": "GM Chen by phone"},
        "staff",
    )
    signed = await _ok(api, case_no, "legal-documents/signature", sign, "handler")
    assert signed["record"]["documents"][1]["enclosures_missing"] == ["evidence"]
    answered = await _ok(
        api,
        case_no,
        "legal-documents/lawyer-letter-answer",
        {"number": 1, "answer_ref": "LA-1"},
        "handler",
    )
    assert answered["summary"]["open"] is False
    read = await api.get(f"/complaints/{case_no}/legal-documents", headers=auth("staff"))
    assert read.status_code == 200 and len(read.json()["record"]["documents"]) == 2
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("staff"))).json()
    assert ("legal_documents", "lawyer_letter_received_unsigned") in [
        (e["process"], e["action"]) for e in events
    ]


async def test_a_lawsuit_gates_the_payment_named_by_its_judgment(api: httpx.AsyncClient) -> None:
    case_no = await _open(api, LOST_BAG)
    await _ok(api, case_no, "acknowledge", {}, "handler")
    await _ok(
        api,
        case_no,
        "findings",
        {"valid": True, "liability": "company", "summary": "Bag left unattended by staff"},
        "handler",
    )
    start = {
        "court": "Pudong People's Court",
        "court_case_no": JUDGMENT,
        "filed_on": "2026-11-20",
        "claim": "CNY 3000 for the bag",
    }
    by_staff = await _post(api, case_no, "lawsuit", start, "staff")
    assert _problem(by_staff) == (403, "RoleNotAllowed")
    bad_day = await _post(api, case_no, "lawsuit", start | {"filed_on": "20 Nov"}, "handler")
    assert bad_day.status_code == 422 and bad_day.json()["detail"][0]["loc"] == ["body", "filed_on"]
    await _ok(api, case_no, "lawsuit", start, "handler")
    again = await _post(api, case_no, "lawsuit", start, "handler")
    assert _problem(again) == (409, "ProcessAlreadyOpen")
    await _lawsuit(api, case_no, lambda status: status["record"]["hold_id"] is not None)
    holds = (await api.get(f"/complaints/{case_no}/holds", headers=auth("handler"))).json()
    assert [(h["source"], h["active"]) for h in holds] == [("lawsuit", True)]

    proposal = {
        "kind": "compensation",
        "amount": "3000",
        "details": "As the court ordered",
        "court_judgment_ref": JUDGMENT,
    }
    early = await _post(api, case_no, "proposal", proposal, "handler")
    assert _problem(early) == (409, "ConditionNotMet")
    assert "no effective judgment" in early.json()["detail"]
    no_execution = await _post(
        api, case_no, "lawsuit/execution", {"payment_ref": "P-1", "amount": "3000"}, "handler"
    )
    assert _problem(no_execution) == (409, "ConditionNotMet")

    judged = await _ok(
        api,
        case_no,
        "lawsuit/judgment",
        {
            "judgment_ref": JUDGMENT,
            "judged_on": "2026-11-28",
            "status": "effective",
            "orders_amount": "3000",
            "pay_by": "2026-12-15",
        },
        "handler",
    )
    assert judged["summary"]["stage"] == "execution"
    assert judged["summary"]["execution_due"].startswith("2026-12-15")
    proposed = await _proposed(api, case_no, proposal)
    assert proposed["status"]["proposals"][-1]["rule_level"] is None

    wrong = await _post(
        api, case_no, "lawsuit/execution", {"payment_ref": "P-1", "amount": "100"}, "handler"
    )
    assert _problem(wrong) == (409, "ConditionNotMet")
    done = await _ok(
        api, case_no, "lawsuit/execution", {"payment_ref": "P-1", "amount": "3000"}, "handler"
    )
    assert done["summary"]["open"] is False
    ended = await _post(
        api,
        case_no,
        "lawsuit/hearings",
        {"at": "2026-12-20T09:00:00+08:00", "place": "Court 3"},
        "handler",
    )
    assert _problem(ended) == (409, "ProcessNotOpen")


async def test_a_regulator_inquiry_over_http(api: httpx.AsyncClient) -> None:
    case_no = await _open(api)
    start = {
        "regulator": "Pudong Market Supervision Bureau",
        "official_letter_ref": "PDMS-311",
        "visitor": "Inspector Liu",
        "visitor_identity_checked": True,
    }
    missing = await _post(
        api,
        case_no,
        "regulator-inquiry",
        {k: v for k, v in start.items() if k != "visitor"},
        "staff",
    )
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["body", "visitor"]
    await _ok(api, case_no, "regulator-inquiry", start, "staff")
    written = {"form": "written", "content": "Our reply", "department": "legal affairs"}
    early = await _post(api, case_no, "regulator-inquiry/answers", written, "handler")
    assert _problem(early) == (409, "ConditionNotMet")
    not_senior = await _post(
        api, case_no, "regulator-inquiry/written-reply-approval", {"comment": "ok"}, "manager"
    )
    assert _problem(not_senior) == (403, "RoleNotAllowed")
    await _ok(api, case_no, "regulator-inquiry/written-reply-approval", {"comment": "ok"}, "senior")
    answered = await _ok(api, case_no, "regulator-inquiry/answers", written, "handler")
    assert answered["record"]["answers"][0]["approved_by"]
    await _ok(api, case_no, "regulator-inquiry/conclusion", {"conclusion": "No breach"}, "handler")


async def test_unknown_and_other_stores_cases_are_404(api: httpx.AsyncClient) -> None:
    case_no = await _open(api)
    unknown = await _post(api, "209901-9999", "legal-documents", {"reason": "x"}, "staff")
    assert unknown.status_code == 404
    elsewhere = await api.post(
        f"/complaints/{case_no}/lawsuit",
        json={"court": "C", "court_case_no": "N", "filed_on": "2026-11-20", "claim": "x"},
        headers=urumqi("handler"),
    )
    assert elsewhere.status_code == 404
    never_started = await api.get(f"/complaints/{case_no}/lawsuit", headers=auth("staff"))
    assert never_started.status_code == 404
    not_open = await _post(
        api, case_no, "regulator-inquiry/conclusion", {"conclusion": "x"}, "handler"
    )
    assert _problem(not_open) == (409, "ProcessNotOpen")

"""The API's contract over HTTP against the dev server: unknown query parameters, the field
a rule between fields names, one error body, the duty manager, the month of a case number,
who may send each sub-process message, and the report periods anyone means."""

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

import api.intake as intake_module
from api.errors import PROBLEM_TYPES
from domain.policy import Policy
from domain.processes import PROCESS_ROLES, ProcessCommand
from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE

ROOT = Path(__file__).parents[2]
ROLES = ("staff", "handler", "manager", "senior", "engineer")


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


DUTY_MANAGER = _bearer("demo-duty-manager")


async def _register(api: httpx.AsyncClient, **changes: object) -> str:
    response = await api.post("/complaints", json=INTAKE | changes, headers=auth("staff"))
    assert response.status_code == 201, response.text
    return response.json()["case_no"]


async def _send(
    api: httpx.AsyncClient, case_no: str, path: str, headers: dict[str, str], body: dict
) -> dict:
    response = await api.post(f"/complaints/{case_no}/{path}", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def _problems(response: httpx.Response) -> list[list[str | int]]:
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "InvalidRequest"
    return [problem["loc"] for problem in response.json()["detail"]]


# --- 6: unknown query parameters ---------------------------------------------------------


async def test_an_unknown_query_parameter_is_refused_naming_it(api: httpx.AsyncClient) -> None:
    """`?case_no=` answered 50 unrelated cases (case_no is a filter now; caseno is not)."""
    await _register(api)
    listed = await api.get("/complaints", params={"caseno": "209912-0001"}, headers=auth("staff"))
    assert _problems(listed) == [["query", "caseno"]]
    assert listed.json()["detail"][0]["type"] == "extra_forbidden"
    both = await api.get(
        "/complaints",
        params={"stage": "received", "order": "x", "search": "y"},
        headers=auth("staff"),
    )
    assert _problems(both) == [["query", "order"], ["query", "search"]]
    # What a route declares is accepted, its dependencies' too; other routes alike.
    fine = await api.get(
        "/complaints", params={"stage": "received", "limit": 5}, headers=auth("staff")
    )
    assert fine.status_code == 200 and fine.json()
    case_no = fine.json()[0]["case_no"]
    read = await api.get(f"/complaints/{case_no}", params={"verbose": 1}, headers=auth("staff"))
    assert _problems(read) == [["query", "verbose"]]
    command = await api.post(
        f"/complaints/{case_no}/notes",
        params={"force": 1},
        json={"text": "x"},
        headers=auth("staff"),
    )
    assert _problems(command) == [["query", "force"]]
    report = await api.get(
        "/reports/monthly", params={"month": "2026-11", "store": "x"}, headers=auth("manager")
    )
    assert _problems(report) == [["query", "store"]]


# --- 8: a rule between fields names its field ---------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("findings", {"valid": False, "liability": "none", "summary": "No fault"}, "reason"),
        (
            "proposal",
            {"kind": "compensation", "amount": "100", "details": "x", "heads": {"medical": "90"}},
            "heads",
        ),
        ("customer-response", {"accepted": True}, "agreement_ref"),
        ("customer-response", {"accepted": False}, "reason"),
        (
            "insurance-claim/opinion",
            {"decision": "refuses", "written_ref": "W-1"},
            "reason",
        ),
        ("mediation/outcome", {"result": "settled", "amount": "100"}, "agreement_ref"),
        (
            "mediation/outcome",
            {"result": "failed", "failure": "signed_non_acceptance"},
            "statement_ref",
        ),
    ],
)
async def test_a_rule_between_fields_names_the_field_it_asks_for(
    api: httpx.AsyncClient, path: str, body: dict, field: str
) -> None:
    answer = await api.post(f"/complaints/209912-0001/{path}", json=body, headers=auth("handler"))
    assert _problems(answer) == [["body", field]]


# --- 9: one error body --------------------------------------------------------------------


def _problem(response: httpx.Response, status: int, kind: str) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["type"] == kind, body
    assert (body["status"], body["title"]) == (status, PROBLEM_TYPES[kind][1])
    assert body["detail"]
    return body


async def test_every_error_answer_has_its_type(api: httpx.AsyncClient) -> None:
    case_no = await _register(api)
    urumqi = _bearer("demo-staff-urumqi")
    elsewhere = await api.post("/complaints", json=INTAKE, headers=urumqi)
    assert (
        "may not register complaints for" in _problem(elsewhere, 403, "StoreNotAllowed")["detail"]
    )
    _problem(await api.get("/complaints"), 401, "Unauthenticated")
    _problem(await api.get("/nowhere", headers=auth("staff")), 404, "NotFound")
    _problem(await api.delete("/complaints", headers=auth("staff")), 405, "MethodNotAllowed")
    _problem(await api.post("/complaints", json={}, headers=auth("staff")), 422, "InvalidRequest")
    _problem(await api.get("/complaints/209912-0001", headers=auth("staff")), 404, "CaseNotFound")
    _problem(await api.get(f"/complaints/{case_no}", headers=urumqi), 404, "CaseNotFound")
    early = await api.post(
        f"/complaints/{case_no}/follow-up", json={"satisfaction": 4}, headers=auth("staff")
    )
    _problem(early, 409, "StageNotAllowed")
    by_staff = await api.post(
        f"/complaints/{case_no}/findings",
        json={"valid": True, "liability": "company", "summary": "ok"},
        headers=auth("staff"),
    )
    _problem(by_staff, 403, "RoleNotAllowed")
    reports = await api.get("/reports/monthly", params={"month": "2026-11"}, headers=auth("staff"))
    _problem(reports, 403, "RoleNotAllowed")
    _problem(
        await api.get("/policy/versions/none", headers=auth("staff")), 404, "PolicyVersionNotFound"
    )
    nul = await api.get("/complaints", params={"store": "a\x00b"}, headers=auth("staff"))
    _problem(nul, 422, "InvalidRequest")


def test_docs_errors_lists_every_type_and_nothing_else() -> None:
    page = (ROOT / "docs" / "errors.md").read_text()
    listed = dict(re.findall(r"^\| `(\w+)` \| (\d{3}) \|", page, re.MULTILINE))
    assert {kind: int(status) for kind, status in listed.items()} == {
        kind: status for kind, (status, _) in PROBLEM_TYPES.items()
    }


# --- 11: the duty manager -----------------------------------------------------------------


async def _proposed(api: httpx.AsyncClient, amount: str) -> str:
    case_no = await _register(api)
    handler = auth("handler")
    await _send(api, case_no, "acknowledge", handler, {})
    findings = {"valid": True, "liability": "company", "summary": "Our delivery team was late"}
    await _send(api, case_no, "findings", handler, findings)
    proposal = {"kind": "compensation", "amount": amount, "details": f"CNY {amount}"}
    await _send(api, case_no, "proposal", handler, proposal)
    return case_no


async def test_the_duty_manager_approves_within_their_limit(api: httpx.AsyncClient) -> None:
    case_no = await _proposed(api, "150")
    result = await _send(
        api, case_no, "approval", DUTY_MANAGER, {"approve": True, "comment": "fine"}
    )
    assert result["outcome"] == "approved"
    assert result["status"]["proposals"][-1]["decided_by"] == "duty.sun"


async def test_beyond_the_duty_managers_limit_a_request_climbs_to_the_department_manager(
    api: httpx.AsyncClient,
) -> None:
    """CNY 800 is beyond the duty manager's CNY 200: it waits for the department manager.
    The duty manager cannot approve it (409, naming whom it waits for) and a refusal is
    passed up as a recommendation, never a veto (DOMAIN 7)."""
    case_no = await _proposed(api, "800")
    approving = await api.post(
        f"/complaints/{case_no}/approval",
        json={"approve": True, "comment": "fine by me"},
        headers=DUTY_MANAGER,
    )
    assert approving.status_code == 409, approving.text
    assert "department_manager" in approving.json()["detail"]
    recommended = await _send(
        api, case_no, "approval", DUTY_MANAGER, {"approve": False, "comment": "too much"}
    )
    assert recommended["status"]["stage"] == "remedy_proposed"
    assert recommended["status"]["proposals"][-1]["decision"] is None
    approved = await _send(
        api, case_no, "approval", auth("manager"), {"approve": True, "comment": "fine"}
    )
    assert approved["outcome"] == "approved"
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("manager"))).json()
    assert [(e["action"], e["actor_id"]) for e in events][-2:] == [
        ("approval_recommended", "duty.sun"),
        ("remedy_approved", "manager.zhang"),
    ]


async def test_within_the_duty_managers_limit_the_duty_manager_approves(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _proposed(api, "150")
    approved = await _send(
        api, case_no, "approval", DUTY_MANAGER, {"approve": True, "comment": "small goodwill"}
    )
    assert approved["outcome"] == "approved"


# --- 12: the month of a case number; who may send each sub-process message ---------------


async def test_a_case_numbers_month_is_the_companys_whatever_the_stores_zone(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """30 November 2026, 22:30 in Urumqi (the store's zone) is 1 December, 00:30 in
    Shanghai (the company's): the case is numbered in December."""
    moment = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            return moment.astimezone(tz)

    monkeypatch.setattr(intake_module, "datetime", Clock)
    response = await api.post(
        "/complaints",
        json=INTAKE | {"store": "Urumqi Tianshan"},
        headers=_bearer("demo-staff-urumqi"),
    )
    assert response.status_code == 201, response.text
    assert response.json()["case_no"].startswith("202612-")


# Each path of docs/sub-processes.md and the command it is.
COMMAND_OF = {
    "insurance-claim": ProcessCommand.START_INSURANCE,
    "police-report": ProcessCommand.START_POLICE,
    "mediation": ProcessCommand.START_MEDIATION,
    "insurance-claim/withdraw": ProcessCommand.WITHDRAW,
    "insurance-claim/report": ProcessCommand.INSURANCE_REPORT,
    "insurance-claim/documents": ProcessCommand.INSURANCE_DOCUMENTS,
    "insurance-claim/opinion": ProcessCommand.INSURANCE_OPINION,
    "insurance-claim/advance-exception": ProcessCommand.ADVANCE_EXCEPTION,
    "police-report/call": ProcessCommand.POLICE_REPORT,
    "police-report/certificate": ProcessCommand.POLICE_CERTIFICATE,
    "police-report/forensic-assessment": ProcessCommand.FORENSIC_ASSESSMENT,
    "police-report/cctv": ProcessCommand.CCTV_HANDOVER,
    "police-report/outcome": ProcessCommand.POLICE_OUTCOME,
    "mediation/representative": ProcessCommand.MEDIATION_REPRESENTATIVE,
    "mediation/sessions": ProcessCommand.MEDIATION_SESSION,
    "mediation/written-reply-approval": ProcessCommand.WRITTEN_REPLY_APPROVAL,
    "mediation/replies": ProcessCommand.MEDIATION_REPLY,
    "mediation/extension": ProcessCommand.MEDIATION_EXTENSION,
    "mediation/outcome": ProcessCommand.MEDIATION_OUTCOME,
    # Issue 16.
    "quality-inspection": ProcessCommand.START_QUALITY,
    "quality-inspection/lab-trip": ProcessCommand.LAB_TRIP_REQUEST,
    "quality-inspection/lab-trip/approval": ProcessCommand.LAB_TRIP_APPROVAL,
    "quality-inspection/lab-trip/start": ProcessCommand.LAB_TRIP_START,
    "quality-inspection/lab-result": ProcessCommand.LAB_RESULT,
    "quality-inspection/ruling": ProcessCommand.QUALITY_RULING,
    "supplier-claim": ProcessCommand.START_SUPPLIER,
    "supplier-claim/notice": ProcessCommand.SUPPLIER_NOTICE,
    "supplier-claim/pulled": ProcessCommand.SUPPLIER_PULLED,
    "supplier-claim/returned": ProcessCommand.SUPPLIER_RETURNED,
    "supplier-claim/compensation-asked": ProcessCommand.SUPPLIER_DEMAND,
    "supplier-claim/compensation-received": ProcessCommand.SUPPLIER_PAYMENT,
    "supplier-claim/refusal": ProcessCommand.SUPPLIER_REFUSAL,
    "legal-documents": ProcessCommand.START_LEGAL_DOCUMENTS,
    "legal-documents/lawyer-letter": ProcessCommand.LAWYER_LETTER,
    "legal-documents/lawyer-letter-answer": ProcessCommand.ANSWER_LAWYER_LETTER,
    "legal-documents/papers": ProcessCommand.OFFICIAL_PAPERS,
    "legal-documents/senior-informed": ProcessCommand.SENIOR_INFORMED,
    "legal-documents/signature": ProcessCommand.SIGN_PAPERS,
    "lawsuit": ProcessCommand.START_LAWSUIT,
    "lawsuit/hearings": ProcessCommand.LAWSUIT_HEARING,
    "lawsuit/judgment": ProcessCommand.LAWSUIT_JUDGMENT,
    "lawsuit/execution": ProcessCommand.LAWSUIT_EXECUTION,
    "regulator-inquiry": ProcessCommand.START_REGULATOR,
    "regulator-inquiry/written-reply-approval": ProcessCommand.REGULATOR_WRITTEN_APPROVAL,
    "regulator-inquiry/answers": ProcessCommand.REGULATOR_ANSWER,
    "regulator-inquiry/conclusion": ProcessCommand.REGULATOR_CONCLUSION,
}
MOMENT = "2026-11-30T10:00:00+08:00"
VALID_BODY = {
    "insurance-claim": {"reason": "injured"},
    "police-report": {"reason": "a fight"},
    "mediation": {"association": "PCA", "notice_ref": "N-1", "accepted_on": "2026-11-20"},
    "insurance-claim/withdraw": {"reason": "settled"},
    "insurance-claim/report": {"insurer": "PICC", "claim_ref": "C-1"},
    "insurance-claim/documents": {"documents": ["receipts"]},
    "insurance-claim/opinion": {"decision": "refuses", "written_ref": "W-1", "reason": "no"},
    "insurance-claim/advance-exception": {"reason": "urgent"},
    "police-report/call": {"reported_by": "Guard Li", "reported_at": MOMENT, "station": "PSB"},
    "police-report/certificate": {"certificate_no": "PC-1"},
    "police-report/forensic-assessment": {"requested_at": MOMENT},
    "police-report/cctv": {"recipient": "police", "recipient_name": "Ma", "footage_ref": "F-1"},
    "police-report/outcome": {"outcome": "closed"},
    "mediation/representative": {"name": "Zhang Min"},
    "mediation/sessions": {"at": MOMENT, "place": "PCA office"},
    "mediation/written-reply-approval": {"comment": "ok"},
    "mediation/replies": {"form": "oral", "content": "we are sorry"},
    "mediation/extension": {"until": "2026-12-31", "association_ref": "E-1"},
    "mediation/outcome": {"result": "settled", "amount": "100", "agreement_ref": "A-1"},
    # Issue 16.
    "quality-inspection": {"question": "defect?"},
    "quality-inspection/lab-trip": {"lab": "SGS", "reason": "disputed"},
    "quality-inspection/lab-trip/approval": {"comment": "ok"},
    "quality-inspection/lab-trip/start": {"with_customer": True},
    "quality-inspection/lab-result": {"report_ref": "R-1", "verdict": "failed"},
    "quality-inspection/ruling": {"defect": False, "summary": "sound"},
    "supplier-claim": {"supplier": "Acme", "reason": "defect"},
    "supplier-claim/notice": {"reference": "N-1", "sent_on": "2026-11-20"},
    "supplier-claim/pulled": {"store": "Shanghai Pudong", "sku": "WD-1800"},
    "supplier-claim/returned": {"quantity": 1, "reference": "T-1"},
    "supplier-claim/compensation-asked": {"amount": "100", "reference": "D-1"},
    "supplier-claim/compensation-received": {"amount": "100", "reference": "P-1"},
    "supplier-claim/refusal": {"reason": "no"},
    # Issue 16 (the processes are open: the test starts them first).
    "legal-documents": {"reason": "served"},
    "lawsuit": {"court": "C", "court_case_no": "N-1", "filed_on": "2026-11-20", "claim": "x"},
    "regulator-inquiry": {
        "regulator": "PDMS",
        "official_letter_ref": "L-1",
        "visitor": "Liu",
        "visitor_identity_checked": True,
    },
    "legal-documents/lawyer-letter": {"sender": "Fangda", "left": True},
    "legal-documents/lawyer-letter-answer": {"number": 1, "answer_ref": "LA-1"},
    "legal-documents/papers": {
        "issuer": "court",
        "title": "Summons",
        "bearer": "Clerk Zhou",
        "bearer_identity_checked": True,
        "company_name_matches": True,
    },
    "legal-documents/senior-informed": {"number": 1, "informed": "GM"},
    "legal-documents/signature": {"number": 1, "signed_by": "Wang Li", "original": True},
    "lawsuit/hearings": {"at": MOMENT, "place": "Court 3"},
    "lawsuit/judgment": {"judgment_ref": "J-1", "judged_on": "2026-11-20", "status": "appealed"},
    "lawsuit/execution": {"payment_ref": "P-1", "amount": "100"},
    "regulator-inquiry/written-reply-approval": {"comment": "ok"},
    "regulator-inquiry/answers": {"form": "oral", "content": "x", "department": "legal affairs"},
    "regulator-inquiry/conclusion": {"conclusion": "done"},
}
ISSUE_16_STARTS = {"legal-documents": "staff", "lawsuit": "handler", "regulator-inquiry": "staff"}


def _documented_roles() -> dict[str, set[str]]:
    page = (ROOT / "docs" / "sub-processes.md").read_text()
    roles: dict[str, set[str]] = {}
    for paths, who in re.findall(r"^\| (`[^|]+`) \| `[^|]+` \| ([a-z, ]+) \|$", page, re.M):
        for path in re.findall(r"`([^`]+)`", paths):
            roles[path] = set(who.split(", "))
    return roles


def test_docs_name_who_may_send_each_sub_process_message_as_the_code_does() -> None:
    documented = _documented_roles()
    assert set(COMMAND_OF) <= set(documented)
    for path, who in documented.items():
        command = COMMAND_OF[path if not path.endswith("/withdraw") else "insurance-claim/withdraw"]
        assert who == {role.value for role in PROCESS_ROLES[command]}, path


async def test_every_role_the_docs_leave_out_is_refused_each_sub_process_message(
    api: httpx.AsyncClient,
) -> None:
    case_no = await _register(api, category="personal_injury", incident="fight")
    await _send(api, case_no, "mediation", auth("staff"), VALID_BODY["mediation"])
    # The supplier claim first: it is not opened while quality control is ruling.
    await _send(api, case_no, "supplier-claim", auth("handler"), VALID_BODY["supplier-claim"])
    await _send(api, case_no, "quality-inspection", auth("staff"), VALID_BODY["quality-inspection"])
    for path, role in ISSUE_16_STARTS.items():
        await _send(api, case_no, path, auth(role), VALID_BODY[path])
    documented = _documented_roles()
    for path, body in VALID_BODY.items():
        for role in sorted(set(ROLES) - documented[path]):
            answer = await api.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(role))
            assert (answer.status_code, answer.json()["type"]) == (403, "RoleNotAllowed"), (
                path,
                role,
                answer.text,
            )


# --- 13: report periods -------------------------------------------------------------------


async def test_a_report_period_before_the_first_case_or_not_begun_is_refused(
    api: httpx.AsyncClient, policy: Policy
) -> None:
    manager = auth("manager")
    await _register(api)
    for month in ("1000-01", "2999-01"):
        read = await api.get("/reports/monthly", params={"month": month}, headers=manager)
        assert _problems(read) == [["query", "month"]], month
        page = await api.get(f"/reports/monthly/{month}.html", headers=manager)
        assert _problems(page) == [["path", "month"]], month
        produce = await api.post("/reports/monthly", json={"month": month}, headers=manager)
        assert _problems(produce) == [["body", "month"]], month
    before = await api.get("/reports/weekly", params={"week": "1000-W01"}, headers=manager)
    assert "before" in before.json()["detail"][0]["msg"]
    # The current month is within range: produced, it is read back.
    now = datetime.now(ZoneInfo(policy.calendar.timezone)).strftime("%Y-%m")
    produced = await api.post("/reports/monthly", json={"month": now}, headers=manager)
    assert produced.status_code in (200, 202), produced.text

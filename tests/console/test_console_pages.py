"""Every console page over HTTP as each kind of user gets it: 200, the redirect to sign-in
(302/303), 403 for a role the API refuses, 404 for a case one may not see; sessions and
CSRF; the API's problems rendered on the page."""

import re
from datetime import timedelta

import asyncpg
import httpx

from tests.console.conftest import csrf_of, sign_in

INTAKE_FORM = {
    "channel": "walk_in",
    "store": "Beijing Chaoyang",
    "category": "product_quality",
    "subject": "sofa ZX-200 stitching",
    "description": "The sofa's stitching came apart after a week.",
    "requested_remedy": "exchange",
    "claimed_amount": "300",
    "customer.name": "Zhou Xin",
    "customer.contact": "zhou@example.com",
    "people_affected": "1",
    "purchase_proof.receipt_no": "R-1",
    "purchase_proof.purchase_date": "2026-11-02",
}


def _key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([^"]+)"', html).group(1)


async def _register(client: httpx.AsyncClient, **change: str) -> httpx.Response:
    form = await client.get("/console/cases/new")
    data = {"csrf_token": csrf_of(form.text), "idempotency_key": _key(form.text)}
    return await client.post("/console/cases/new", data={**data, **INTAKE_FORM, **change})


async def test_every_page_answers_each_user_as_the_api_would(console: httpx.AsyncClient) -> None:
    anonymous = httpx.AsyncClient(base_url=str(console.base_url))
    root = await anonymous.get("/")
    assert (root.status_code, root.headers["location"]) == (302, "/console/")
    for path in ("/console/", "/console/register", "/console/cases/202611-0001"):
        answer = await anonymous.get(path)
        assert answer.status_code == 302
        assert answer.headers["location"].startswith("/console/sign-in?next=")
    sign_in_page = await anonymous.get("/console/sign-in")
    assert sign_in_page.status_code == 200
    cookie = sign_in_page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # on localhost; elsewhere Secure

    staff = await sign_in(console, "demo-staff")
    created = await _register(staff)
    assert created.status_code == 303, created.text
    case_url = created.headers["location"]
    case_no = case_url.rsplit("/", 1)[1]
    for path in ("/console/", "/console/cases/new", "/console/register", case_url):
        assert (await staff.get(path)).status_code == 200, path
    csv = await staff.get("/console/register.csv", params={"store": "Beijing Chaoyang"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert case_no in csv.text and "到店" in csv.text  # labels, not codes
    for path in ("/console/approvals", "/console/reports", "/console/stuck"):
        assert (await staff.get(path)).status_code == 403, path
    assert (await staff.get("/console/cases/209901-9999")).status_code == 404

    case = (await staff.get(case_url)).text
    assert "Zhou Xin" in case  # the service desk may see the customer

    manager = await sign_in(console, "demo-manager")
    for path in ("/console/approvals", "/console/reports", "/console/stuck", case_url):
        assert (await manager.get(path)).status_code == 200, path
    this_month = case_no[:4] + "-" + case_no[4:6]
    monthly = await manager.get("/console/reports", params={"month": this_month})
    assert monthly.status_code == 200 and this_month in monthly.text
    from tests.api.conftest import auth

    produced = await console.post(
        "/reports/monthly", json={"month": this_month}, headers=auth("manager")
    )
    assert produced.status_code == 200, produced.text
    report = await manager.get("/console/reports", params={"month": this_month})
    assert report.status_code == 200
    # Labels, not codes; yes/no, not True/False; the period's times in local time.
    assert (
        "按类别" in report.text
        and "商品质量" in report.text
        and "product_quality" not in report.text
    )
    assert re.search(r"期间已结束</dt><dd>否</dd>", report.text)
    too_early = await manager.get("/console/reports", params={"month": "2001-01"})
    assert too_early.status_code == 422  # the API's 422, in words on the page

    engineer = await sign_in(console, "demo-engineer")
    assert (await engineer.get("/console/cases/new")).status_code == 403
    assert (await engineer.get("/console/stuck")).status_code == 200
    hidden = await engineer.get(case_url)
    assert hidden.status_code == 200 and "Zhou Xin" not in hidden.text  # no personal data

    other_store = await sign_in(console, "demo-staff-urumqi")
    assert (await other_store.get(case_url)).status_code == 404
    for path in ("/console/no-such-page", "/console/?unknown=1"):
        answer = await staff.get(path)  # the API's problem, as a page in words
        assert answer.status_code in (404, 422) and answer.headers["content-type"].startswith(
            "text/html"
        ), path
    listed = await staff.get(
        "/console/register", params={"sort": "next_deadline", "category": "product_quality"}
    )
    assert listed.status_code == 200 and case_no in listed.text and "商品质量" in listed.text
    bad_filter = await staff.get("/console/register", params={"stage": "nonsense"})
    assert bad_filter.status_code == 422 and "请从选项中选择" in bad_filter.text


async def test_a_form_without_the_session_token_is_refused(
    console: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    staff = await sign_in(console, "demo-staff")
    before = await pool.fetchval("SELECT count(*) FROM complaints")
    form = await staff.get("/console/cases/new")
    data = {**INTAKE_FORM, "idempotency_key": _key(form.text)}
    missing = await staff.post("/console/cases/new", data=data)
    wrong = await staff.post("/console/cases/new", data={**data, "csrf_token": "guessed"})
    assert missing.status_code == wrong.status_code == 403
    assert "此表单已过期" in missing.text
    assert await pool.fetchval("SELECT count(*) FROM complaints") == before
    # Sign-out is a form too: without the token the session stays.
    assert (await staff.post("/console/sign-out")).status_code == 403
    assert (await staff.get("/console/")).status_code == 200


async def test_sign_out_and_idle_expiry_end_the_session(
    console: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    staff = await sign_in(console, "demo-staff")
    home = await staff.get("/console/")
    out = await staff.post("/console/sign-out", data={"csrf_token": csrf_of(home.text)})
    assert out.status_code == 303
    assert (await staff.get("/console/")).status_code == 302

    handler = await sign_in(console, "demo-handler")
    assert (await handler.get("/console/")).status_code == 200
    # Unused for longer than the idle expiry (480 minutes by default).
    await pool.execute(
        "UPDATE console_sessions SET last_seen = now() - $1::interval WHERE user_id = $2",
        timedelta(minutes=481),
        "handler.wang",
    )
    assert (await handler.get("/console/")).status_code == 302
    assert (
        await pool.fetchval("SELECT count(*) FROM console_sessions WHERE user_id = 'handler.wang'")
        == 0
    )


async def test_the_apis_refusals_show_beside_their_fields_and_a_double_click_makes_one_case(
    console: httpx.AsyncClient,
) -> None:
    staff = await sign_in(console, "demo-staff")
    invalid = await _register(staff, description="", **{"customer.name": ""})
    assert invalid.status_code == 422
    assert re.search(r'id="f-description-error">必填<', invalid.text)
    assert re.search(r'id="f-customer.name-error">必填<', invalid.text)
    # The summary at the top links to each field by its label.
    assert '<a href="#f-customer.name">顾客姓名</a>: 必填' in invalid.text
    assert "Zhou" not in invalid.text or 'value="zhou@example.com"' in invalid.text  # kept

    form = await staff.get("/console/cases/new")
    data = {"csrf_token": csrf_of(form.text), "idempotency_key": _key(form.text), **INTAKE_FORM}
    first = await staff.post("/console/cases/new", data=data)
    second = await staff.post("/console/cases/new", data=data)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]

    # A command the stage does not allow any more is refused in words on the case page.
    case_url = first.headers["location"]
    page = await staff.get(case_url)
    ack = {"csrf_token": csrf_of(page.text), "idempotency_key": "ack-1", "note": "called"}
    assert (await staff.post(case_url + "/acknowledge", data=ack)).status_code == 303
    again = await staff.post(case_url + "/acknowledge", data={**ack, "idempotency_key": "ack-2"})
    assert again.status_code == 409
    assert (
        "投诉当前阶段不能进行此操作" in again.text
        and "application/json" not in again.headers["content-type"]
    )


async def test_the_language_follows_the_browser_then_the_users_choice(
    console: httpx.AsyncClient,
) -> None:
    english = httpx.AsyncClient(
        base_url=str(console.base_url), headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    assert "Sign in" in (await english.get("/console/sign-in")).text
    chinese = httpx.AsyncClient(
        base_url=str(console.base_url), headers={"Accept-Language": "zh-CN"}
    )
    assert "登录" in (await chinese.get("/console/sign-in")).text

    staff = await sign_in(console, "demo-staff", lang="en")
    home = await staff.get("/console/")
    assert "My work" in home.text and "我的工作" not in home.text


async def test_without_a_session_every_page_sends_to_sign_in_and_every_form_is_refused(
    console: httpx.AsyncClient,
) -> None:
    from fastapi.routing import APIRoute

    from api.app import create_app
    from infra.settings import Settings

    open_pages = {"/", "/console/sign-in", "/console/oidc/start", "/console/oidc/callback"}
    let_in = []
    anonymous = httpx.AsyncClient(base_url=str(console.base_url))
    for route in create_app(Settings()).routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/console"):
            continue
        path = route.path.replace("{case_no}", "202611-0001").replace("{command}", "acknowledge")
        for method in route.methods - {"HEAD"}:
            answer = await anonymous.request(method, path)
            if method == "GET" and route.path not in open_pages:
                ok = answer.status_code == 302 and "/console/sign-in" in answer.headers["location"]
            elif method == "POST":
                # No session, no token: the CSRF check refuses before anything else.
                ok = answer.status_code in (303, 403) and answer.status_code != 200
            else:
                ok = answer.status_code in (200, 302, 403, 404)
            if not ok:
                let_in.append((method, route.path, answer.status_code))
    assert not let_in


async def test_the_approval_queue_says_when_an_approval_goes_up(
    console: httpx.AsyncClient,
) -> None:
    from tests.api.conftest import auth
    from tests.api.test_http_api import INTAKE

    created = await console.post("/complaints", json=INTAKE, headers=auth("staff"))
    case_no = created.json()["case_no"]
    for path, body in (
        ("acknowledge", {}),
        ("findings", {"valid": True, "liability": "company", "summary": "late"}),
        ("proposal", {"kind": "refund", "amount": "800", "details": "refund"}),
    ):
        answer = await console.post(
            f"/complaints/{case_no}/{path}", json=body, headers=auth("handler")
        )
        assert answer.status_code == 200, answer.text

    # 800 is the department manager's to approve (the policy's limits: duty manager 200).
    manager = await sign_in(console, "demo-manager")
    queue = (await manager.get("/console/approvals")).text
    assert case_no in queue and "批准 ¥800.00" in queue and "建议批准" not in queue
    # Nothing waits at the duty manager's level: it is above it.
    duty = await sign_in(console, "demo-duty-manager")
    assert case_no not in (await duty.get("/console/approvals")).text
    # A case page offers the duty manager the decision, saying it goes up as a recommendation.
    page = (await duty.get(f"/console/cases/{case_no}")).text
    assert "超出您的权限" in page

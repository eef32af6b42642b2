"""Every console page over HTTP as each kind of user gets it: 200, the redirect to sign-in
(302/303), 403 for a role the API refuses, 404 for a case one may not see; sessions and
CSRF; the API's problems rendered on the page."""

import asyncio
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

    # What waits on whom: the desk and any handler may acknowledge the new case; it is not
    # the department manager's work (nor another store's).
    assert case_no in (await staff.get("/console/")).text
    handler = await sign_in(console, "demo-handler")
    assert case_no in (await handler.get("/console/")).text
    manager = await sign_in(console, "demo-manager")
    assert case_no not in (await manager.get("/console/")).text
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
    # Before any case of the shared database (tests/api/test_reports_http.py writes 2000-12).
    too_early = await manager.get("/console/reports", params={"month": "1971-01"})
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
    # The responsible department (issue 19's routing) is a filter too, passed to the API.
    for _ in range(50):  # routed by the case's intake, just after the registration
        ours = await staff.get("/console/register", params={"department": "quality_control"})
        if case_no in ours.text:
            break
        await asyncio.sleep(0.1)
    theirs = await staff.get("/console/register", params={"department": "finance"})
    assert case_no in ours.text and case_no not in theirs.text
    assert 'name="department" type="text" value="finance"' in theirs.text
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
    newest = await pool.fetchval(
        "SELECT id_hash FROM console_sessions WHERE user_id = 'handler.wang'"
        " ORDER BY created_at DESC LIMIT 1"
    )
    await pool.execute(
        "UPDATE console_sessions SET last_seen = now() - $1::interval WHERE id_hash = $2",
        timedelta(minutes=481),
        newest,
    )
    assert (await handler.get("/console/")).status_code == 302
    assert (
        await pool.fetchval("SELECT count(*) FROM console_sessions WHERE id_hash = $1", newest) == 0
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


# --- evidence, witnesses, legal holds (issue 15) -------------------------------------


def _jpeg() -> bytes:
    from tests.api.test_evidence_http import jpeg

    return jpeg()


def _form_key(html: str, command: str) -> str:
    """The idempotency key of the form that posts `command`."""
    form = re.search(
        rf'action="[^"]*/{command}"[^>]*>.*?name="idempotency_key" value="([^"]+)"', html, re.S
    )
    assert form, f"the page has no {command} form"
    return form.group(1)


async def test_the_case_page_shows_evidence_and_takes_files_witnesses_and_holds(
    console: httpx.AsyncClient,
) -> None:
    staff = await sign_in(console, "demo-staff")
    case_url = (await _register(staff)).headers["location"]
    page = (await staff.get(case_url)).text
    assert "证据" in page and 'enctype="multipart/form-data"' in page and "尚无证据" in page

    photo = _jpeg()
    upload = case_url + "/evidence/upload"
    files = [
        ("file", ("armrest.jpg", photo, "image/jpeg")),
        ("file", ("b.jpg", photo, "image/jpeg")),
    ]
    no_token = await staff.post(upload, data={"kind": "photo"}, files=files)
    assert no_token.status_code == 403 and "text/html" in no_token.headers["content-type"]
    sent = await staff.post(
        upload,
        data={"csrf_token": csrf_of(page), "kind": "photo", "caption": "armrest crack"},
        files=files,
    )
    assert sent.status_code == 303, sent.text
    page = (await staff.get(case_url)).text
    assert "已为投诉添加 2 个文件" in page and "armrest crack" in page and "照片" in page
    ids = re.findall(rf'href="{case_url}/evidence/([0-9a-f-]{{36}})"', page)
    assert ids, page
    thumb = await staff.get(f"{case_url}/evidence/{ids[0]}/thumbnail")
    assert thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg"
    assert thumb.content[:2] == b"\xff\xd8" and thumb.content != photo  # a thumbnail
    whole = await staff.get(f"{case_url}/evidence/{ids[0]}")
    assert whole.status_code == 200 and whole.content == photo and whole.headers["etag"]

    # A file of the wrong type is refused in words on the case page; nothing is kept.
    wrong = await staff.post(
        upload,
        data={"csrf_token": csrf_of(page), "kind": "photo"},
        files=[("file", ("x.jpg", b"MZ not a photo at all", "image/jpeg"))],
    )
    assert wrong.status_code == 415 and "text/html" in wrong.headers["content-type"]
    assert "文件的类型不被接受" in wrong.text
    nothing = await staff.post(upload, data={"csrf_token": csrf_of(page), "kind": "photo"})
    assert nothing.status_code == 422 and 'id="f-upload-file-error">必填<' in nothing.text

    # Engineers see the list, no caption, no file, no form.
    engineer = await sign_in(console, "demo-engineer")
    hidden = (await engineer.get(case_url)).text
    assert "armrest crack" not in hidden and "您无权查看" in hidden
    assert "/evidence/upload" not in hidden and "登记证人</summary>" not in hidden
    refused = await engineer.get(f"{case_url}/evidence/{ids[0]}")
    assert refused.status_code == 403 and "text/html" in refused.headers["content-type"]

    # A witness, recorded by the desk.
    key = _form_key(page, "add_witness")
    witness = {
        "csrf_token": csrf_of(page),
        "idempotency_key": key,
        "name": "Qian Yu",
        "phone": "138 0000 0000",
        "saw": "the seam split when sitting down",
    }
    assert (await staff.post(case_url + "/add_witness", data=witness)).status_code == 303
    page = (await staff.get(case_url)).text
    assert "Qian Yu" in page and "the seam split" in page
    missing = await staff.post(
        case_url + "/add_witness", data={**witness, "name": "", "idempotency_key": "w-2"}
    )
    assert missing.status_code == 422 and "必填" in missing.text

    # Legal holds: the desk places none; a handler records a lawsuit's; senior lifts it.
    assert "设置证据保全" not in page and "解除证据保全" not in page
    handler = await sign_in(console, "demo-handler")
    page = (await handler.get(case_url)).text
    hold = {
        "csrf_token": csrf_of(page),
        "idempotency_key": _form_key(page, "place_hold"),
        "source": "senior_management",
        "reason": "keep it",
    }
    own = await handler.post(case_url + "/place_hold", data=hold)
    assert own.status_code == 403 and "仅高级管理层可自行设置法律保全" in own.text
    placed = await handler.post(
        case_url + "/place_hold",
        data={**hold, "idempotency_key": "h-2", "source": "lawsuit", "reference": "(2026)京0105"},
    )
    assert placed.status_code == 303, placed.text
    page = (await handler.get(case_url)).text
    assert "保全中" in page and "(2026)京0105" in page and "解除证据保全</summary>" not in page
    senior = await sign_in(console, "demo-senior")
    page = (await senior.get(case_url)).text
    hold_id = re.search(r'name="hold_id" value="([^"]+)"', page).group(1)
    lifted = await senior.post(
        f"{case_url}/lift_hold",
        data={
            "csrf_token": csrf_of(page),
            "idempotency_key": "l-1",
            "hold_id": hold_id,
            "reason": "the court closed the case",
        },
    )
    assert lifted.status_code == 303, lifted.text
    assert "已由 senior.chen" in (await senior.get(case_url)).text


# --- the desk's everyday rules (issue 19) ----------------------------------------------


async def test_settling_on_the_spot_promising_a_date_and_who_sees_which_form(
    console: httpx.AsyncClient,
) -> None:
    staff = await sign_in(console, "demo-staff")
    case_url = (await _register(staff, claimed_amount="30")).headers["location"]
    page = (await staff.get(case_url)).text
    assert "现场处理" in page and "承诺完成日期" in page
    assert "更换责任人" not in page and "登记电话回访" not in page  # not the desk's, not now
    settle = {
        "csrf_token": csrf_of(page),
        "idempotency_key": _form_key(page, "settle_on_the_spot"),
        "kind": "goodwill_payment",
        "amount": "30",
        "given": "a 30 yuan voucher",
        "consent": "signed",
    }
    unsigned = await staff.post(case_url + "/settle_on_the_spot", data=settle)
    assert unsigned.status_code == 422  # signed needs the agreement's reference
    assert re.search(r'id="f-settle_on_the_spot-[^"]*agreement_ref-error"', unsigned.text)
    too_much = await staff.post(
        case_url + "/settle_on_the_spot",
        data={
            **settle,
            "consent": "oral",
            "amount": "45",
            "kind": "refund",
            "idempotency_key": "s-2",
        },
    )
    assert too_much.status_code == 403 and "text/html" in too_much.headers["content-type"]
    done = await staff.post(
        case_url + "/settle_on_the_spot",
        data={**settle, "consent": "oral", "idempotency_key": "s-3"},
    )
    assert done.status_code == 303, done.text
    page = (await staff.get(case_url)).text
    assert re.search(r"现场处理</dt><dd>是</dd>", page)
    assert "settled" not in page.split('id="p-proposals"')[1].split("</section>")[0]  # a label

    other = (await _register(staff)).headers["location"]
    page = (await staff.get(other)).text
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    local = datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(days=2)
    soon = local.strftime("%Y-%m-%dT%H:%M")  # the store's time, as the browser's input sends it
    promise = {
        "csrf_token": csrf_of(page),
        "idempotency_key": _form_key(page, "promise_completion"),
        "promised_by": soon,
        "note": "sofa exchanged by then",
    }
    promised = await staff.post(other + "/promise_completion", data=promise)
    assert promised.status_code == 303, re.findall(r'role="alert".*?</', promised.text, re.S)
    page = (await staff.get(other)).text
    assert f"承诺完成日期</dt><dd>{local:%Y}" in page

    engineer = await sign_in(console, "demo-engineer")
    seen = (await engineer.get(other)).text
    assert "现场处理</summary>" not in seen and "承诺日期" not in seen
    refused = await engineer.post(
        other + "/settle_on_the_spot",
        data={**settle, "csrf_token": csrf_of(seen), "consent": "oral", "idempotency_key": "e-1"},
    )
    assert refused.status_code == 403 and "application/json" not in refused.headers["content-type"]

    # The findings form offers the policy's causes; a handler may set a corrective action.
    handler = await sign_in(console, "demo-handler")
    page = (await handler.get(other)).text
    assert "制定整改措施" in page
    ack = {"csrf_token": csrf_of(page), "idempotency_key": "a-1", "note": "called"}
    assert (await handler.post(other + "/acknowledge", data=ack)).status_code == 303
    page = (await handler.get(other)).text
    assert 'name="cause"' in page and "服务态度" in page and 'name="responsible_unit"' in page


async def test_the_overdue_revisits_page_is_for_those_who_record_them(
    console: httpx.AsyncClient,
) -> None:
    staff = await sign_in(console, "demo-staff")
    listed = await staff.get("/console/revisits")
    assert listed.status_code == 200 and "逾期回访" in listed.text
    assert 'href="/console/revisits"' in (await staff.get("/console/")).text
    handler = await sign_in(console, "demo-handler")
    assert (await handler.get("/console/revisits")).status_code == 403
    assert 'href="/console/revisits"' not in (await handler.get("/console/")).text


async def test_a_corrective_action_is_set_and_done_and_a_re_visit_call_recorded_once_closed(
    console: httpx.AsyncClient,
) -> None:
    from tests.api.conftest import auth

    staff = await sign_in(console, "demo-staff")
    case_url = (await _register(staff)).headers["location"]
    case_no = case_url.rsplit("/", 1)[1]

    # A handler sets a corrective action (5W2H) and marks it done; the desk has no level.
    assert "制定整改措施" not in (await staff.get(case_url)).text
    handler = await sign_in(console, "demo-handler")
    page = (await handler.get(case_url)).text
    action = {
        "csrf_token": csrf_of(page),
        "idempotency_key": _form_key(page, "record_corrective_action"),
        "what": "check stitching on delivery",
        "why": "seams split",
        "who": "handler.wang",
        "where": "warehouse",
        "due_by": "2026-12-20T10:00",
        "how": "spot checks",
    }
    late = await handler.post(
        case_url + "/record_corrective_action", data={**action, "due_by": "2001-01-01T10:00"}
    )
    assert late.status_code == 409 and "a corrective action is due after now" in late.text
    from datetime import UTC, datetime

    action["due_by"] = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    action["idempotency_key"] = "c-2"
    set_ = await handler.post(case_url + "/record_corrective_action", data=action)
    assert set_.status_code == 303, set_.text
    page = (await handler.get(case_url)).text
    assert "check stitching on delivery" in page and "完成整改措施" in page
    done = {
        "csrf_token": csrf_of(page),
        "idempotency_key": _form_key(page, "complete_corrective_action"),
        "note": "spot checks started",
    }
    assert (
        await handler.post(case_url + "/complete_corrective_action", data=done)
    ).status_code == 303
    page = (await handler.get(case_url)).text
    assert "spot checks started" in page and "完成整改措施</summary>" not in page

    for path, body, who in (
        ("acknowledge", {"note": "called"}, "staff"),
        (
            "findings",
            {
                "valid": False,
                "liability": "none",
                "summary": "as sold",
                "reason": "no defect found",
            },
            "handler",
        ),
    ):
        answer = await console.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(who))
        assert answer.status_code == 200, answer.text
    page = (await staff.get(case_url)).text
    assert "登记电话回访" in page  # closed: the desk may call the customer back
    assert "登记电话回访" not in (await handler.get(case_url)).text  # never the handler
    call = {
        "csrf_token": csrf_of(page),
        "idempotency_key": _form_key(page, "record_revisit"),
        "call_result": "reached",
    }
    no_rating = await staff.post(case_url + "/record_revisit", data=call)
    assert (
        no_rating.status_code == 422
        and "必填" in no_rating.text
        or "satisfaction" in no_rating.text
    )
    done = await staff.post(
        case_url + "/record_revisit",
        data={**call, "satisfaction": "4", "comment": "fine now", "idempotency_key": "r-2"},
    )
    assert done.status_code == 303, done.text
    page = (await staff.get(case_url)).text
    assert "已联系到顾客 · 4 / 5" in page or re.search(r"已联系到顾客\s*· 4 / 5", page)


async def test_the_department_head_changes_the_responsible_person_and_the_duty_manager_decides(
    console: httpx.AsyncClient,
) -> None:
    staff = await sign_in(console, "demo-staff")
    case_url = (await _register(staff)).headers["location"]
    handler = await sign_in(console, "demo-handler")
    assert (
        "更换责任人</summary>" not in (await handler.get(case_url)).text
    )  # not the department head
    head = await sign_in(console, "demo-manager")  # quality control's head at the store
    page = (await head.get(case_url)).text
    assert "品控部" in page and "更换责任人</summary>" in page
    change = {
        "csrf_token": csrf_of(page),
        "idempotency_key": _form_key(page, "change_responsible"),
        "person": "handler.liu",
        "reason": "handler.wang is on leave",
    }
    assert (await head.post(case_url + "/change_responsible", data=change)).status_code == 303
    assert re.search(r"责任人</dt><dd>handler.liu<", (await head.get(case_url)).text)

    # An injury: the duty manager's two decisions on the spot, not the desk's.
    injury = (
        await _register(staff, category="personal_injury", description="slipped by the escalator")
    ).headers["location"]
    assert "是否陪同就医的决定</summary>" not in (await staff.get(injury)).text
    duty = await sign_in(console, "demo-duty-manager")
    page = (await duty.get(injury)).text
    assert "是否陪同就医的决定</summary>" in page and "是否垫付医疗费的决定</summary>" in page
    hospital = {
        "csrf_token": csrf_of(page),
        "idempotency_key": _form_key(page, "decide_hospital"),
        "accompanied_by": "duty.sun",
    }
    assert (await duty.post(injury + "/decide_hospital", data=hospital)).status_code == 303
    no_reason = {
        "csrf_token": csrf_of(page),
        "idempotency_key": _form_key(page, "decide_advance"),
        "amount": "",
    }
    refused = await duty.post(injury + "/decide_advance", data=no_reason)
    assert refused.status_code == 422 and "neither_reason" in refused.text
    advance = {**no_reason, "idempotency_key": "adv-2", "neither_reason": "liability doubtful"}
    assert (await duty.post(injury + "/decide_advance", data=advance)).status_code == 303
    page = (await duty.get(injury)).text
    assert "由 duty.sun 陪同" in page and "liability doubtful" in page
    assert "是否陪同就医的决定</summary>" not in page  # decided once


async def test_a_police_report_is_recorded_from_the_case_page_and_withdrawn_by_a_manager(
    console: httpx.AsyncClient,
) -> None:
    staff = await sign_in(console, "demo-staff")
    case_url = (await _register(staff)).headers["location"]
    page = (await staff.get(case_url)).text
    assert "登记报警</summary>" in page and "登记消协调解通知</summary>" in page
    assert "发起保险理赔</summary>" not in page  # a claim is for those handling the case
    report = {
        "csrf_token": csrf_of(page),
        "idempotency_key": _form_key(page, "start_police_report"),
        "reason": "the customer threatens the clerk",
        "incident": "fight",
    }
    assert (await staff.post(case_url + "/start_police_report", data=report)).status_code == 303
    page = (await staff.get(case_url)).text
    assert "报警" in page and "登记报警</summary>" not in page  # one at a time
    assert "撤回该流程</summary>" not in page  # the desk does not withdraw it
    manager = await sign_in(console, "demo-manager")
    page = (await manager.get(case_url)).text
    slug = re.search(r'name="slug" value="([^"]+)"', page).group(1)
    assert slug == "police-report"
    withdraw = {
        "csrf_token": csrf_of(page),
        "idempotency_key": _form_key(page, "withdraw_process"),
        "slug": slug,
        "reason": "settled between them",
    }
    answer = await manager.post(case_url + "/withdraw_process", data=withdraw)
    assert answer.status_code == 303, answer.text
    assert "撤回该流程</summary>" not in (await manager.get(case_url)).text

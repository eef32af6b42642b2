"""The customer's own page over HTTP (docs/customer-page.md): a complaint from the store's
page registers a web case once, answers with its number and a tracking link; the link
shows the case in plain words and nothing internal, takes a message and a file, and an
online answer to a non-money proposal; a made-up, tampered or bare case-number link opens
nothing; the 31st complaint from one address within a minute is 429. The real API,
worker, dev server and Postgres."""

import asyncio
import hashlib
import io
import itertools
import re
import secrets

import asyncpg
import httpx
import pytest
from PIL import Image

from api.public.complain import slug
from domain.customer_page import leading_zero_bits
from infra.rate_limits import limit_key
from infra.tracking_links import TrackingLinkSigner
from tests.api.conftest import auth

PAGE = "/c/beijing-chaoyang"
TRACK = re.compile(r'href="(/t/[\w.-]+)"')
CASE_NO = re.compile(r"\d{6}-\d{4}")


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def complaint(**changes: str) -> dict[str, str]:
    return {
        "form_token": secrets.token_urlsafe(32),
        "category": "delivery_installation",
        "description": "衣柜晚到三天，门有划痕。",
        "occurred_at": "2026-11-30T15:20",
        "requested_remedy": "上门维修",
        "name": "周欣",
        "phone": "138 0000 0000",
        "email": "",
        "updates": "none",
        "privacy_consent": "yes",
    } | changes


async def post(api: httpx.AsyncClient, data: dict[str, str], photos: int = 0, path: str = PAGE):
    files = [("file", (f"p{i}.jpg", jpeg(), "image/jpeg")) for i in range(photos)]
    if not files:
        # A browser sends an empty file input as a part with no file name.
        files = [("file", ("", b"", "application/octet-stream"))]
    return await api.post(path, data=data, files=files)


@pytest.fixture(autouse=True)
async def fresh_limits(pool: asyncpg.Pool) -> None:
    # Every test's client is 127.0.0.1: the limits start from nothing in each.
    await pool.execute("DELETE FROM rate_hits")


async def registered(api: httpx.AsyncClient, **changes: str) -> tuple[str, str]:
    answer = await post(api, complaint(**changes), photos=1)
    assert answer.status_code == 201, answer.text
    return CASE_NO.search(answer.text).group(0), TRACK.search(answer.text).group(1)


async def test_the_store_page_is_chinese_first_and_states_the_privacy_notice(
    api: httpx.AsyncClient,
) -> None:
    zh = await api.get(PAGE)
    assert zh.status_code == 200
    assert 'lang="zh-CN"' in zh.text and "在线投诉" in zh.text
    assert "投诉关闭后保存一年" in zh.text  # retention, from the policy
    assert "处理您的投诉" in zh.text  # purpose
    assert zh.headers["cache-control"] == "no-store"
    assert "script-src 'none'" in zh.headers["content-security-policy"]
    en = await api.get(PAGE + "?lang=en")
    assert "Make a complaint" in en.text and "Kept for one year" in en.text
    assert (await api.get("/c/nowhere")).status_code == 404
    assert slug("Beijing Chaoyang") == "beijing-chaoyang"


async def test_a_web_complaint_registers_once_with_its_photo_and_a_tracking_link(
    api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    form = complaint()
    first = await post(api, form, photos=1)
    assert first.status_code == 201, first.text
    case_no = CASE_NO.search(first.text).group(0)
    # A double tap (the same form again) is the same case.
    again = await post(api, form, photos=1)
    assert again.status_code == 200 and case_no in again.text
    case = (await api.get(f"/complaints/{case_no}", headers=auth("handler"))).json()
    assert case["summary"]["channel"] == "web"
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("handler"))).json()
    assert events[0]["actor_id"] == "customer.web"
    # 001: web complaints accepted within one working day, a clock of their own, started
    # by intake's policy just after the registration the 201 answered for.
    for _ in range(100):
        case = (await api.get(f"/complaints/{case_no}", headers=auth("handler"))).json()
        names = {d["name"]: d for d in case["status"]["deadlines"]}
        if "web_acceptance" in names:
            break
        await asyncio.sleep(0.1)
    assert names["web_acceptance"]["state"] == "pending", names
    evidence = (await api.get(f"/complaints/{case_no}/evidence", headers=auth("handler"))).json()
    assert [e["kind"] for e in evidence] == ["photo"]  # once, not twice
    consent = await pool.fetchrow("SELECT * FROM privacy_consents WHERE case_no = $1", case_no)
    assert consent["language"] == "zh" and "一年" in consent["notice"]


async def test_a_form_with_problems_says_each_beside_its_field_and_keeps_the_answers(
    api: httpx.AsyncClient,
) -> None:
    answer = await post(
        api, complaint(description="", privacy_consent="", name="<b>周</b>", phone="")
    )
    assert answer.status_code == 422
    assert "请填写事情经过" in answer.text
    assert "请同意我们处理您的个人信息" in answer.text
    assert "请留下手机号码或电子邮箱" in answer.text
    assert "&lt;b&gt;周&lt;/b&gt;" in answer.text  # kept, as text


async def test_a_file_that_is_no_photo_is_refused(api: httpx.AsyncClient) -> None:
    files = [("file", ("x.jpg", b"%PDF-1.4 not a photo at all" * 10, "image/jpeg"))]
    answer = await api.post(PAGE, data=complaint(), files=files)
    assert answer.status_code == 422
    assert "只能上传照片" in answer.text


async def test_the_tracking_link_shows_plain_words_and_nothing_internal(
    api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    case_no, link = await registered(api)
    page = await api.get(link)
    assert page.status_code == 200
    assert "我们已收到您的投诉，将尽快与您联系。" in page.text and case_no in page.text
    assert "下一步完成时间" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"

    await api.post(
        f"/complaints/{case_no}/acknowledge",
        json={"note": "内部备注：顾客脾气急"},
        headers=auth("handler"),
    )
    page = await api.get(link)
    assert "我们正在调查核实您的投诉。" in page.text
    for internal in ("内部备注", "handler", "wang"):
        assert internal not in page.text

    # A message and a document from the customer: on the case's trail as text, and its files.
    sent = await api.post(
        link + "/message",
        data={"message": "<script>alert(1)</script>收据已补充"},
        files=[("file", ("receipt.jpg", jpeg(), "image/jpeg"))],
        follow_redirects=True,
    )
    assert sent.status_code == 200 and "我们已收到您提交的内容" in sent.text
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("handler"))).json()
    notes = [e for e in events if e["action"] == "note_added"]
    assert notes and "<script>alert(1)</script>收据已补充" in notes[-1]["reason"]
    assert notes[-1]["actor_id"] == "customer.web"
    evidence = (await api.get(f"/complaints/{case_no}/evidence", headers=auth("handler"))).json()
    assert sorted(e["kind"] for e in evidence) == ["customer_statement", "photo"]


async def test_made_up_tampered_revoked_and_bare_case_number_links_open_nothing(
    api: httpx.AsyncClient, pool: asyncpg.Pool, settings_for, dev_server
) -> None:
    case_no, link = await registered(api)
    token = link.removeprefix("/t/")
    link_id, signature = token.split(".")
    tampered = f"{link_id}.{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}"
    other_id = TrackingLinkSigner(b"someone else's key", "http://x").token(link_id)
    for path in (
        f"/t/{case_no}",
        f"/t/{tampered}",
        f"/t/{other_id}",
        "/t/" + "A" * 43 + "." + "B" * 43,
        f"/t/{token}x",
    ):
        answer = await api.get(path)
        assert answer.status_code == 404, path
        assert "此链接无效" in answer.text and case_no not in answer.text
        assert (await api.post(path + "/message", data={"message": "hi"})).status_code == 404
    assert (await api.get(link)).status_code == 200
    path = f"/complaints/{case_no}/tracking-link/revoke"
    refused = await api.post(path, json={"reason": "x"}, headers=auth("engineer"))
    assert refused.status_code == 403
    revoked = await api.post(path, json={"reason": "链接发错了人"}, headers=auth("handler"))
    assert revoked.status_code == 200 and revoked.json() == {"revoked": True}
    assert (await api.get(link)).status_code == 404
    again = await api.post(path, json={"reason": "again"}, headers=auth("handler"))
    assert again.json() == {"revoked": False}
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("handler"))).json()
    assert [e["reason"] for e in events if e["action"] == "tracking_link_revoked"] == [
        "链接发错了人"
    ]


async def test_a_closed_case_link_expires_after_the_policy_time(
    api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    case_no, link = await registered(api)
    await api.post(f"/complaints/{case_no}/acknowledge", json={}, headers=auth("handler"))
    closed = await api.post(
        f"/complaints/{case_no}/findings",
        json={"valid": False, "liability": "none", "summary": "No fault", "reason": "On time"},
        headers=auth("handler"),
    )
    assert closed.status_code == 200, closed.text
    assert "您的投诉已结案" in (await api.get(link)).text
    # Closed 31 days ago (the policy keeps the link 30 days after closing).
    await pool.execute(
        "UPDATE complaints SET snapshot = jsonb_set(snapshot, '{closed_at}',"
        " to_jsonb(now() - interval '31 days')) WHERE case_no = $1",
        case_no,
    )
    expired = await api.get(link)
    assert expired.status_code == 410 and "此链接已过期" in expired.text
    assert case_no not in expired.text


async def test_a_non_money_proposal_is_answered_online_through_the_desks_command(
    api: httpx.AsyncClient,
) -> None:
    case_no, link = await registered(api)
    steps = [
        ("acknowledge", "handler", {}),
        ("findings", "handler", {"valid": True, "liability": "company", "summary": "Late"}),
        ("proposal", "handler", {"kind": "repair", "amount": "0", "details": "上门修好柜门"}),
        ("approval", "manager", {"approve": True, "comment": "ok"}),
    ]
    for path, role, body in steps:
        done = await api.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(role))
        assert done.status_code == 200, done.text
    page = await api.get(link)
    assert "上门修好柜门" in page.text and "您是否同意此方案？" in page.text
    answered = await api.post(link + "/answer", data={"answer": "accept"}, follow_redirects=True)
    assert "我们已收到您的答复" in answered.text
    assert "我们正在执行双方同意的处理方案。" in answered.text
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("handler"))).json()
    accepted = next(e for e in events if e["action"] == "customer_accepted")
    assert accepted["data"]["channel"] == "web" and accepted["actor_id"] == "customer.web"


async def test_a_money_proposal_is_not_answered_online(api: httpx.AsyncClient) -> None:
    case_no, link = await registered(api)
    steps = [
        ("acknowledge", "handler", {}),
        ("findings", "handler", {"valid": True, "liability": "company", "summary": "Late"}),
        ("proposal", "handler", {"kind": "refund", "amount": "150", "details": "退款 150 元"}),
        ("approval", "manager", {"approve": True, "comment": "ok"}),
    ]
    for path, role, body in steps:
        done = await api.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(role))
        assert done.status_code == 200, done.text
    page = await api.get(link)
    assert "您是否同意此方案？" not in page.text and "150" not in page.text
    refused = await api.post(link + "/answer", data={"answer": "accept"})
    assert refused.status_code == 409


async def test_the_31st_complaint_from_one_address_in_a_minute_is_429(
    api: httpx.AsyncClient,
) -> None:
    for n in range(30):
        answer = await post(api, complaint(phone=f"139 0000 {n:04d}"))
        assert answer.status_code == 201, (n, re.findall(r"error-message[^<]*<", answer.text))
    refused = await post(api, complaint(phone="139 1111 0000"))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "提交过于频繁" in refused.text


async def test_one_contact_is_limited_however_it_is_typed(api: httpx.AsyncClient) -> None:
    for _ in range(5):
        assert (await post(api, complaint(phone="137 2222 3333"))).status_code == 201
    # The same number typed otherwise is the same contact.
    refused = await post(api, complaint(phone="137-2222-3333"))
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 60


async def test_a_flooded_store_page_asks_for_a_proof_of_work_first(
    api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    # 60 complaints on the store's page within the minute (the policy's flood_per_minute).
    key = limit_key("store", "beijing-chaoyang")
    await pool.executemany("INSERT INTO rate_hits (key, at) VALUES ($1, now())", [(key,)] * 60)
    form_page = await api.get(PAGE)
    assert (
        'id="pow"' in form_page.text
        and "script-src 'nonce-" in (form_page.headers["content-security-policy"])
    )
    form = complaint()
    held = await post(api, form)
    assert held.status_code == 200 and 'data-resend="yes"' in held.text
    assert not CASE_NO.search(held.text)  # nothing registered yet
    challenge = re.search(r'name="pow_challenge" value="([^"]+)"', held.text).group(1)
    assert form["form_token"] in challenge  # bound to this form
    wrong = await post(api, form | {"pow_challenge": challenge, "pow_nonce": "0"})
    if leading_zero_bits(hashlib.sha256(f"{challenge}:0".encode()).digest()) < 16:
        assert wrong.status_code == 200 and not CASE_NO.search(wrong.text)
    nonce = next(
        n
        for n in itertools.count()
        if leading_zero_bits(hashlib.sha256(f"{challenge}:{n}".encode()).digest()) >= 16
    )
    # A solution for another form does not carry over.
    other = await post(api, complaint() | {"pow_challenge": challenge, "pow_nonce": str(nonce)})
    assert other.status_code == 200 and not CASE_NO.search(other.text)
    solved = await post(api, form | {"pow_challenge": challenge, "pow_nonce": str(nonce)})
    assert solved.status_code == 201 and CASE_NO.search(solved.text)


def test_leading_zero_bits_are_counted_from_the_first_byte() -> None:
    assert leading_zero_bits(b"\x00\x00\xff") == 16
    assert leading_zero_bits(b"\x00\x01") == 15
    assert leading_zero_bits(b"\x80") == 0
    assert leading_zero_bits(b"\x00\x00") == 16

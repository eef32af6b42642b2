"""The customer's satisfaction survey over HTTP (docs/customer-messages.md): the link in the
survey message opens a public page, rates the case once; a used, tampered, expired or
made-up link gets a page that says so. The real API, worker, dev server and Postgres."""

import asyncio
import re
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from api.public.texts import TEXTS
from domain.contact import CustomerLanguage
from infra.settings import Settings
from infra.survey_links import SurveyLinkSigner
from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE

CONSENTING = INTAKE | {
    "customer": {
        "name": "Zhou Xin",
        "contact": "zhou@example.com",
        "email": "zhou@example.com",
        "contact_consent": True,
        "contact_channel": "email",
    }
}
LINK = re.compile(r"https?://[^/\s]+(/survey/[\w.-]+)")


async def _post(api: httpx.AsyncClient, path: str, role: str, body: dict) -> dict:
    response = await api.post(path, json=body, headers=auth(role))
    assert response.status_code in (200, 201), response.text
    return response.json()


async def carried_out(api: httpx.AsyncClient, intake: dict = CONSENTING) -> str:
    case_no = (await _post(api, "/complaints", "staff", intake))["case_no"]
    steps = [
        ("acknowledge", "handler", {"note": "Called"}),
        ("findings", "handler", {"valid": True, "liability": "company", "summary": "Late"}),
        ("proposal", "handler", {"kind": "repair", "amount": "0", "details": "Fix the door"}),
        ("approval", "manager", {"approve": True, "comment": "ok"}),
        ("customer-response", "handler", {"accepted": True, "agreement_ref": f"AG-{case_no}"}),
        ("resolution", "handler", {"summary": "Door repaired"}),
    ]
    for path, role, body in steps:
        await _post(api, f"/complaints/{case_no}/{path}", role, body)
    return case_no


async def survey_path(pool: asyncpg.Pool, case_no: str) -> str:
    for _ in range(100):
        body = await pool.fetchval(
            "SELECT body FROM outbox WHERE case_no = $1 AND recipient = 'customer'"
            " AND body LIKE '%/survey/%' ORDER BY created_at DESC LIMIT 1",
            case_no,
        )
        if body:
            match = LINK.search(body)
            assert match, body
            return match.group(1)
        await asyncio.sleep(0.1)
    raise AssertionError("no survey message was queued")


async def test_the_survey_link_rates_the_case_once_and_a_second_use_is_refused(
    api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    case_no = await carried_out(api)
    path = await survey_path(pool, case_no)

    form = await api.get(path)
    assert form.status_code == 200
    assert 'name="viewport"' in form.text and 'lang="zh-CN"' in form.text
    assert TEXTS["title"][CustomerLanguage.ZH] in form.text and case_no in form.text
    assert form.headers["cache-control"] == "no-store"

    answered = await api.post(path, data={"satisfaction": "5", "comment": "<b>很好</b>"})
    assert answered.status_code == 200, answered.text
    assert TEXTS["thanks_title"][CustomerLanguage.ZH] in answered.text
    case = (await api.get(f"/complaints/{case_no}", headers=auth("manager"))).json()
    assert case["status"]["stage"] == "closed" and case["status"]["satisfaction"] == 5
    events = (await api.get(f"/complaints/{case_no}/events", headers=auth("manager"))).json()
    followed = next(e for e in events if e["action"] == "followed_up")
    assert followed["actor_id"] == "customer" and followed["reason"] == "<b>很好</b>"

    again = await api.post(path, data={"satisfaction": "1"})
    assert again.status_code == 410
    assert TEXTS["used_title"][CustomerLanguage.ZH] in again.text
    assert (await api.get(path)).status_code == 410
    case = (await api.get(f"/complaints/{case_no}", headers=auth("manager"))).json()
    assert case["status"]["satisfaction"] == 5  # the second answer changed nothing


async def test_an_answer_without_a_rating_shows_the_error_and_leaves_the_link_unused(
    api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    case_no = await carried_out(
        api, CONSENTING | {"customer": CONSENTING["customer"] | {"language": "en"}}
    )
    path = await survey_path(pool, case_no)

    missing = await api.post(path, data={"comment": "<script>alert(1)</script>"})
    assert missing.status_code == 422
    assert 'class="error-summary"' in missing.text and 'href="#satisfaction"' in missing.text
    assert TEXTS["error_rating"][CustomerLanguage.EN] in missing.text
    # What the customer typed comes back escaped, never as markup.
    assert "&lt;script&gt;" in missing.text and "<script>" not in missing.text
    used = await pool.fetchval("SELECT used_at FROM survey_links WHERE case_no = $1", case_no)
    assert used is None
    assert (await api.post(path, data={"satisfaction": "3"})).status_code == 200


def _tampered(path: str) -> str:
    token = path.removeprefix("/survey/")
    link_id, expiry, signature = token.split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    return f"/survey/{link_id}.{expiry}.{flipped}"


async def test_a_tampered_an_expired_and_a_made_up_link_are_refused_without_naming_a_case(
    api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    case_no = await carried_out(api)
    path = await survey_path(pool, case_no)
    link_id = path.removeprefix("/survey/").split(".")[0]

    tampered = await api.post(_tampered(path), data={"satisfaction": "1"})
    assert tampered.status_code == 403
    # A later expiry, as someone would forge it, breaks the signature too.
    _, expiry, signature = path.removeprefix("/survey/").split(".")
    later = await api.get(f"/survey/{link_id}.{int(expiry) + 86400}.{signature}")
    assert later.status_code == 403
    # Signed with our key, but expired: refused as expired.
    signer = SurveyLinkSigner.from_settings(Settings())
    expired = signer.token(link_id, datetime.now(UTC) - timedelta(minutes=1))
    gone = await api.get(f"/survey/{expired}")
    assert gone.status_code == 410
    assert TEXTS["expired_title"][CustomerLanguage.ZH] in gone.text
    made_up = await api.get("/survey/not-a-link")
    unknown = await api.get(
        f"/survey/{signer.token('no-such-link', datetime.now(UTC) + timedelta(days=1))}"
    )
    for page in (tampered, later, gone, made_up, unknown):
        assert case_no not in page.text
        # Refused pages speak Chinese first and English after (the language is unknown).
        assert 'lang="zh-CN"' in page.text and 'class="other" lang="en"' in page.text
    assert made_up.status_code == 404 and unknown.status_code == 404

    used = await pool.fetchval("SELECT used_at FROM survey_links WHERE link_id = $1", link_id)
    assert used is None  # none of them used the real link
    case = (await api.get(f"/complaints/{case_no}", headers=auth("manager"))).json()
    assert case["status"]["stage"] == "remedy_carried_out"


async def test_staff_record_a_re_visit_by_phone_and_handlers_may_not(
    api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    case_no = (await _post(api, "/complaints", "staff", INTAKE))["case_no"]
    await _post(api, f"/complaints/{case_no}/acknowledge", "handler", {})
    await _post(
        api,
        f"/complaints/{case_no}/findings",
        "handler",
        {"valid": False, "liability": "customer", "summary": "x", "reason": "not ours"},
    )
    await pool.execute(
        "INSERT INTO follow_up_tasks (task_id, period, case_no, assigned_to, sample_rank,"
        " population, created_at) VALUES ($1, '2098-01', $2, 'customer_service', 1, 5, $3)",
        f"revisit-2098-01-{case_no}",
        case_no,
        datetime.now(UTC) - timedelta(days=10),
    )
    overdue = await api.get("/revisits/overdue", headers=auth("staff"))
    assert overdue.status_code == 200
    assert case_no in [t["case_no"] for t in overdue.json()["sample_tasks"]]
    assert (await api.get("/revisits/overdue", headers=auth("handler"))).status_code == 403

    call = {"call_result": "reached", "satisfaction": 4, "comment": "fine now"}
    refused = await api.post(f"/complaints/{case_no}/revisits", json=call, headers=auth("handler"))
    assert refused.status_code == 403
    no_rating = await api.post(
        f"/complaints/{case_no}/revisits", json={"call_result": "reached"}, headers=auth("staff")
    )
    assert no_rating.status_code == 422
    assert no_rating.json()["detail"][0]["loc"] == ["body", "satisfaction"]
    done = await _post(api, f"/complaints/{case_no}/revisits", "staff", call)
    assert done["outcome"] == "revisited"
    overdue = (await api.get("/revisits/overdue", headers=auth("staff"))).json()
    assert case_no not in [t["case_no"] for t in overdue["sample_tasks"]]


@pytest.mark.parametrize("key", sorted(TEXTS))
def test_every_text_of_the_survey_page_is_in_chinese_and_english(key: str) -> None:
    assert set(TEXTS[key]) == set(CustomerLanguage)
    assert all(text.strip() for text in TEXTS[key].values())
    zh, en = TEXTS[key][CustomerLanguage.ZH], TEXTS[key][CustomerLanguage.EN]
    assert re.findall(r"\{\w+\}", zh) == re.findall(r"\{\w+\}", en)

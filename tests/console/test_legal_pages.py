"""The case page's legal panel over HTTP (issue 16, docs/legal-and-regulator.md): the
desk records legal documents served and a lawyer's letter left at the desk; the handler
sees what is left to do, is refused signing for the letter (the reason shown), and
records the lawsuit, whose evidence hold the panel names; in English too."""

import asyncio

import httpx

from tests.console.conftest import csrf_of, sign_in
from tests.console.test_console_pages import _register


async def _until(client: httpx.AsyncClient, path: str, text: str) -> str:
    for _ in range(100):
        page = await client.get(path)
        if page.status_code == 200 and text in page.text:
            return page.text
        await asyncio.sleep(0.1)
    raise AssertionError(f"{text!r} never on {path}")


async def _send(
    client: httpx.AsyncClient, case_url: str, action: str, data: dict
) -> httpx.Response:
    page = await client.get(case_url)
    return await client.post(
        f"{case_url}/{action}", data={"csrf_token": csrf_of(page.text), **data}
    )


async def test_a_lawyers_letter_and_a_lawsuit_on_the_case_page(console: httpx.AsyncClient) -> None:
    staff = await sign_in(console, "demo-staff")
    created = await _register(staff)
    assert created.status_code == 303, created.text
    case_url = created.headers["location"]
    page = await _until(staff, case_url, "登记送达的法律文件")
    assert "登记针对公司的诉讼" not in page  # the lawsuit is the case workers'

    opened = await _send(staff, case_url, "start_legal_documents", {"reason": "律师函送达"})
    assert opened.status_code == 303, opened.text
    page = await _until(staff, case_url, "p-legal")
    assert "法律文件签收" in page and "尚未登记文件。" in page
    left = await _send(
        staff,
        case_url,
        "lawyer_letter",
        {"sender": "方达律师事务所", "left": "true", "summary": "要求赔偿"},
    )
    assert left.status_code == 303, left.text
    page = await _until(staff, case_url, "未签收留存；待答复")
    assert "方达律师事务所" in page and "须于" in page
    assert "签收文件" not in page  # staff never sign

    handler = await sign_in(console, "demo-handler")
    page = await _until(handler, case_url, "答复律师函")
    refused = await _send(
        handler,
        case_url,
        "sign_papers",
        {"number": "1", "signed_by": "王立", "original": "true", "enclosures_received": ""},
    )
    assert refused.status_code == 409
    assert 'role="alert"' in refused.text and "never signed" in refused.text

    sued = await _send(
        handler,
        case_url,
        "start_lawsuit",
        {
            "court": "浦东新区人民法院",
            "court_case_no": "(2026)沪0115民初5号",
            "filed_on": "2026-11-20",
            "claim": "赔偿",
        },
    )
    assert sued.status_code == 303, sued.text
    page = await _until(handler, case_url, "登记判决")
    assert "(2026)沪0115民初5号" in page and "诉讼期间证据保全" in page
    assert "登记判决已履行" not in page  # no effective judgment yet

    english = await sign_in(console, "demo-handler", lang="en")
    page = await _until(english, case_url, "Evidence held while it runs")
    assert "Record a judgment" in page and "Received unsigned; to answer" in page

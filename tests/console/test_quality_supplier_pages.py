"""The case page's quality inspection and supplier claim (issue 16) over HTTP: the forms
each user may send at each step, a refusal beside its form, and the panel with the ruling
and what the supplier paid back of what the customer was paid."""

import asyncio
import uuid

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


async def _send(client: httpx.AsyncClient, case_url: str, action: str, **fields: str):
    page = await client.get(case_url)
    return await client.post(
        f"{case_url}/{action}", data={"csrf_token": csrf_of(page.text), **fields}
    )


def _form(action: str) -> str:
    return f'/{action}" class="command"'


async def test_a_ruling_and_a_claim_from_the_case_page(console: httpx.AsyncClient) -> None:
    batch = f"Q{uuid.uuid4().hex[:6]}"
    staff = await sign_in(console, "demo-staff")
    created = await _register(
        staff, **{"product.sku": "WD-1800", "product.batch": batch, "product.name": "衣柜"}
    )
    assert created.status_code == 303, created.text
    case_url = created.headers["location"]
    page = await _until(staff, case_url, "请品控部作质量认定")
    assert _form("start_supplier_claim") not in page  # staff do not open a supplier claim

    asked = await _send(
        staff, case_url, "start_quality_inspection", question="合页是否存在质量问题？"
    )
    assert asked.status_code == 303, asked.text
    page = await _until(staff, case_url, 'id="p-quality-supplier"')
    assert "质量认定与供应商" in page and "品控部" in page
    assert _form("request_lab_trip") not in page  # a case worker's, not the desk's

    handler = await sign_in(console, "demo-handler")
    page = await _until(handler, case_url, _form("request_lab_trip"))
    assert _form("record_quality_ruling") in page
    assert _form("start_supplier_claim") not in page  # quality control is still ruling
    requested = await _send(handler, case_url, "request_lab_trip", lab="SGS", reason="顾客有异议")
    assert requested.status_code == 303, requested.text
    page = await _until(handler, case_url, "外部检测行程审批")
    assert _form("approve_lab_trip") not in page  # senior management's alone
    senior = await sign_in(console, "demo-senior", lang="en")
    page = await _until(senior, case_url, _form("approve_lab_trip"))
    assert "Approve the test lab trip" in page
    approved = await _send(senior, case_url, "approve_lab_trip", comment="ok")
    assert approved.status_code == 303, approved.text

    # A defect without its cause: refused, beside the ruling's form.
    causeless = await _send(
        handler, case_url, "record_quality_ruling", defect="true", summary="螺丝过短"
    )
    assert causeless.status_code == 422
    assert 'role="alert"' in causeless.text
    ruled = await _send(
        handler,
        case_url,
        "record_quality_ruling",
        defect="true",
        cause="product",
        liable_department="purchasing",
        summary="螺丝过短",
    )
    assert ruled.status_code == 303, ruled.text
    page = await _until(handler, case_url, "商品本身")
    assert _form("start_supplier_claim") in page

    opened = await _send(
        handler, case_url, "start_supplier_claim", supplier="佛山家具", reason="批次缺陷"
    )
    assert opened.status_code == 303, opened.text
    await _until(handler, case_url, _form("send_supplier_notice"))
    for action, fields in (
        ("send_supplier_notice", {"reference": "N-1", "sent_on": "2026-12-03"}),
        ("pull_from_sale", {"store": "Beijing Chaoyang", "batch": batch}),
        ("ask_compensation", {"amount": "300", "reference": "D-1"}),
        ("record_compensation", {"amount": "120", "reference": "P-1", "final": "true"}),
    ):
        sent = await _send(handler, case_url, action, **fields)
        assert sent.status_code == 303, (action, sent.text)
    page = await _until(handler, case_url, "CNY 120.00 of CNY 300.00")
    assert "追偿率" in page and "已向供应商追回" in page
    assert _form("record_compensation") not in page  # the claim has ended

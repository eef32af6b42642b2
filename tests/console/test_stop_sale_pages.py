"""The stop-sale order pages over HTTP (docs/stop-sale-orders.md): the register, the form
that records one (its refusals beside their fields), the order's page with the forms its
user may use, and the case page that lists the orders linked to it."""

import asyncio
import re
import uuid

import asyncpg
import httpx

from tests.console.conftest import csrf_of, sign_in
from tests.console.test_console_pages import _register
from tests.workflows.test_stop_sale import registered


async def _until(client: httpx.AsyncClient, path: str, text: str) -> str:
    for _ in range(100):
        page = await client.get(path)
        if page.status_code == 200 and text in page.text:
            return page.text
        await asyncio.sleep(0.1)
    raise AssertionError(f"{text!r} never on {path}")


async def test_an_order_recorded_at_the_desk_is_shown_linked_and_lifted_by_senior(
    console: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    batch = f"C{uuid.uuid4().hex[:6]}"
    staff = await sign_in(console, "demo-staff")
    home = await staff.get("/console/")
    assert 'href="/console/stop-sale-orders"' in home.text and "停售令" in home.text
    created = await _register(
        staff, store="Beijing Chaoyang", **{"product.sku": "WD-1800", "product.batch": batch}
    )
    assert created.status_code == 303, created.text
    case_url = created.headers["location"]
    case_no = case_url.rsplit("/", 1)[1]
    await _until(staff, case_url, case_no)
    await registered(pool, case_no)  # its intake through, so the order links it

    form = await staff.get("/console/stop-sale-orders/new")
    assert form.status_code == 200
    assert "登记停售令" in form.text
    key = re.search(r'name="idempotency_key" value="([^"]+)"', form.text).group(1)
    order = {
        "csrf_token": csrf_of(form.text),
        "idempotency_key": key,
        "issuer": "朝阳区市场监督管理局",
        "issuer_kind": "market_regulator",
        "form": "written",
        "ordered_on": "2026-12-02",
        "product.sku": "WD-1800",
        "product.batch": batch,
    }
    refused = await staff.post("/console/stop-sale-orders", data=order)
    # A written order without its number: said at the top and beside the field.
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text and batch in refused.text
    assert f'value="{key}"' in refused.text  # the form keeps its key for its next try

    oral = order | {"form": "oral", "stores": "Beijing Chaoyang"}
    recorded = await staff.post("/console/stop-sale-orders", data=oral)
    assert recorded.status_code == 303, recorded.text
    order_url = recorded.headers["location"]
    # Sent again (a double click): the same order, recorded once.
    again = await staff.post("/console/stop-sale-orders", data=oral)
    assert again.status_code == 303, again.text
    assert again.headers["location"] == order_url
    page = await _until(staff, order_url, case_no)
    assert "口头通知（已请其出具书面文件）" in page
    assert "登记书面文件" in page  # the desk records the written order
    assert "登记解除停售并通知各方" not in page  # only senior management lifts

    listed = await staff.get("/console/stop-sale-orders", params={"batch": batch})
    assert order_url.rsplit("/", 1)[1] in listed.text and "朝阳区市场监督管理局" in listed.text
    case_page = await _until(staff, case_url, "p-stop-sale")
    assert order_url in case_page

    senior = await sign_in(console, "demo-senior", lang="en")
    order_page = await senior.get(order_url)
    assert "Record that the order is lifted and tell everyone" in order_page.text
    lifted = await senior.post(
        f"{order_url}/lift",
        data={"csrf_token": csrf_of(order_page.text), "reason": "withdrawn by the regulator"},
    )
    assert lifted.status_code == 303, lifted.text
    after = await _until(senior, order_url, "withdrawn by the regulator")
    assert "Record the written order" not in after

    engineer = await sign_in(console, "demo-engineer")
    assert (await engineer.get("/console/stop-sale-orders/new")).status_code == 403
    assert (await engineer.get("/console/stop-sale-orders/999999")).status_code == 404
    no_token = await staff.post("/console/stop-sale-orders", data=order | {"csrf_token": "x"})
    assert no_token.status_code == 403

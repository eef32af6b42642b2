"""Stop-sale orders over HTTP against the dev server (docs/stop-sale-orders.md): record,
list, read, written order, lift; the refusals 422, 404, 403, 409; the case shows them."""

import asyncio
import uuid

import httpx

from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE


def _order(batch: str, **fields: object) -> dict:
    return {
        "issuer": "浦东新区市场监督管理局",
        "issuer_kind": "market_regulator",
        "form": "oral",
        "ordered_on": "2026-12-02",
        "product": {"sku": "WD-1800", "batch": batch, "name": "两门衣柜 1.8 m"},
        **fields,
    }


async def _until(api: httpx.AsyncClient, path: str, check, role: str = "staff") -> dict:
    for _ in range(100):
        response = await api.get(path, headers=auth(role))
        if response.status_code == 200 and check(response.json()):
            return response.json()
        await asyncio.sleep(0.1)
    raise AssertionError(response.text)


async def test_an_order_is_recorded_read_listed_met_in_writing_and_lifted(
    api: httpx.AsyncClient,
) -> None:
    batch = f"H{uuid.uuid4().hex[:6]}"
    intake = INTAKE | {"store": "Shanghai Pudong", "product": {"sku": "wd-1800", "batch": batch}}
    case = await api.post("/complaints", json=intake, headers=auth("staff"))
    assert case.status_code == 201, case.text
    case_no = case.json()["case_no"]
    # Its intake through, so the order links it (not the intake the order).
    await _until(
        api,
        f"/complaints/{case_no}/events",
        lambda es: any(e["action"] == "registered" for e in es),
    )

    created = await api.post("/stop-sale-orders", json=_order(batch), headers=auth("staff"))
    assert created.status_code == 201, created.text
    order_no = created.json()["order_no"]
    assert created.json()["workflow_id"] == f"stop-sale-{order_no}"
    assert created.json()["stores"] == ["Shanghai Pudong", "Beijing Chaoyang"]
    assert created.json()["written_order_requested"] is True

    order = await _until(
        api, f"/stop-sale-orders/{order_no}", lambda o: bool(o["cases"]) and o["events"]
    )
    assert [c["case_no"] for c in order["cases"]] == [case_no]
    assert order["order"]["written_order_due"] is not None
    case_view = await _until(
        api, f"/complaints/{case_no}", lambda c: bool(c["status"]["stop_sale_orders"])
    )
    assert case_view["status"]["stop_sale_orders"][0]["order_no"] == order_no

    listed = await api.get(
        "/stop-sale-orders",
        params={"batch": batch.lower(), "status": "in_force"},
        headers=auth("handler"),
    )
    assert listed.status_code == 200
    assert [o["order_no"] for o in listed.json()] == [order_no]
    assert listed.json()[0]["cases"] == 1
    none = await api.get(
        "/stop-sale-orders", params={"batch": batch, "status": "lifted"}, headers=auth("staff")
    )
    assert none.json() == []

    written = await api.post(
        f"/stop-sale-orders/{order_no}/written-order",
        json={"reference": "浦市监停字〔2026〕12号"},
        headers=auth("staff"),
    )
    assert written.status_code == 200, written.text
    assert written.json()["written_order_ref"] == "浦市监停字〔2026〕12号"
    again = await api.post(
        f"/stop-sale-orders/{order_no}/written-order",
        json={"reference": "again"},
        headers=auth("staff"),
    )
    assert again.status_code == 409
    assert again.json()["type"] == "StageNotAllowed"

    by_manager = await api.post(
        f"/stop-sale-orders/{order_no}/lift", json={"reason": "withdrawn"}, headers=auth("manager")
    )
    assert by_manager.status_code == 403
    assert by_manager.json()["type"] == "RoleNotAllowed"
    lifted = await api.post(
        f"/stop-sale-orders/{order_no}/lift",
        json={"reason": "the batch tested compliant", "reference": "浦市监解字〔2026〕3号"},
        headers=auth("senior"),
    )
    assert lifted.status_code == 200, lifted.text
    assert lifted.json()["status"] == "lifted"
    await _until(api, f"/stop-sale-orders/{order_no}", lambda o: o["order"]["status"] == "lifted")
    twice = await api.post(
        f"/stop-sale-orders/{order_no}/lift", json={"reason": "again"}, headers=auth("senior")
    )
    assert twice.status_code == 409
    await _until(
        api,
        f"/complaints/{case_no}",
        lambda c: c["status"]["stop_sale_orders"][0]["status"] == "lifted",
    )


async def test_bad_orders_are_refused_by_field_role_store_and_number(
    api: httpx.AsyncClient,
) -> None:
    no_code = await api.post(
        "/stop-sale-orders",
        json=_order("x") | {"product": {"name": "衣柜"}},
        headers=auth("staff"),
    )
    assert no_code.status_code == 422
    assert no_code.json()["type"] == "InvalidRequest"
    written_without_number = await api.post(
        "/stop-sale-orders", json=_order("x", form="written"), headers=auth("staff")
    )
    assert written_without_number.status_code == 422
    unknown_store = await api.post(
        "/stop-sale-orders", json=_order("x", stores=["Nowhere"]), headers=auth("staff")
    )
    assert unknown_store.status_code == 422
    assert unknown_store.json()["detail"][0]["loc"] == ["body", "stores", 0]
    unknown_field = await api.post(
        "/stop-sale-orders", json=_order("x", urgent=True), headers=auth("staff")
    )
    assert unknown_field.status_code == 422

    engineer = await api.post("/stop-sale-orders", json=_order("x"), headers=auth("engineer"))
    assert engineer.status_code == 403
    assert engineer.json()["type"] == "RoleNotAllowed"
    other_store = await api.post(
        "/stop-sale-orders", json=_order("x", stores=["Urumqi Tianshan"]), headers=auth("staff")
    )
    assert other_store.status_code == 403
    assert other_store.json()["type"] == "StoreNotAllowed"

    for path in ("/stop-sale-orders/999999", "/stop-sale-orders/999999/written-order"):
        if path.endswith("order"):
            missing = await api.post(path, json={"reference": "x"}, headers=auth("staff"))
        else:
            missing = await api.get(path, headers=auth("staff"))
        assert missing.status_code == 404
        assert missing.json()["type"] == "StopSaleOrderNotFound"
    assert (await api.get("/stop-sale-orders")).status_code == 401


async def test_the_same_order_sent_twice_under_its_key_is_recorded_once(
    api: httpx.AsyncClient, pool
) -> None:
    """A lost answer or a double click: the retry gets the first order, nobody is told
    twice; the key with another order is refused."""
    batch = f"K{uuid.uuid4().hex[:6]}"
    key = {"Idempotency-Key": f"order-{batch}"}
    first = await api.post("/stop-sale-orders", json=_order(batch), headers=auth("staff") | key)
    assert first.status_code == 201, first.text
    order_no = first.json()["order_no"]
    assert first.json()["replayed"] is False
    retry = await api.post("/stop-sale-orders", json=_order(batch), headers=auth("staff") | key)
    assert retry.status_code == 200, retry.text
    assert retry.json()["order_no"] == order_no
    assert retry.json()["replayed"] is True

    await _until(api, f"/stop-sale-orders/{order_no}", lambda o: bool(o["events"]))
    listed = await api.get("/stop-sale-orders", params={"batch": batch}, headers=auth("staff"))
    assert [o["order_no"] for o in listed.json()] == [order_no]
    recorded = await pool.fetchval(
        "SELECT count(*) FROM audit_events"
        " WHERE order_no = $1 AND action = 'stop_sale_order_recorded'",
        order_no,
    )
    assert recorded == 1
    told = await pool.fetchval("SELECT count(*) FROM outbox WHERE order_no = $1", order_no)
    assert told == len(first.json()["recipients"]) > 0

    other = await api.post(
        "/stop-sale-orders", json=_order(batch, note="another order"), headers=auth("staff") | key
    )
    assert other.status_code == 422, other.text
    assert other.json()["type"] == "IdempotencyKeyReused"
    # The key is the user's own: another user's same key is a new order.
    theirs = await api.post("/stop-sale-orders", json=_order(batch), headers=auth("manager") | key)
    assert theirs.status_code == 201, theirs.text
    assert theirs.json()["order_no"] != order_no

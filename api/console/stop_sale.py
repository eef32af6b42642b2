"""Stop-sale orders in the console (docs/stop-sale-orders.md): the register of orders, a
form to record one, a page per order with its written order and its lifting. Each page
is the API's twin: it shows what `GET /stop-sale-orders…` answers this user and offers
what the same rules (domain/stop_sale.py) let them do; forms post to the API in-process.
The case page lists the orders linked to the case (panel `stop_sale`)."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console import labels, nav
from api.console.i18n import N_
from api.console.panels import Panel
from api.console.panels import add as add_panel
from api.console.sessions import csrf_ok
from api.console.web import TEMPLATE_GLOBALS, call, page_for, problem_of, render, see_other
from api.deps import Resources
from api.routes.stop_sale import OrderNo
from domain.authority import Actor
from domain.stop_sale import (
    RECORDING_ROLES,
    IssuerKind,
    OrderForm,
    OrderStatus,
    StopSaleOrderRecord,
    lift_refusal,
    recording_refusal,
    written_order_refusal,
)

router = APIRouter(prefix="/console/stop-sale-orders", include_in_schema=False)

CSRF_REFUSED = N_("This form has expired or did not come from this console. Please try again.")

labels.LABELS[IssuerKind] = {
    IssuerKind.MARKET_REGULATOR: N_("Market regulator"),
    IssuerKind.OTHER_ADMINISTRATIVE: N_("Other administrative authority"),
    IssuerKind.COURT: N_("Court"),
    IssuerKind.OTHER_JUDICIAL: N_("Procuratorate or police"),
}
labels.LABELS[OrderForm] = {
    OrderForm.ORAL: N_("Oral (the written order is requested)"),
    OrderForm.WRITTEN: N_("In writing"),
}
labels.LABELS[OrderStatus] = {
    # Not a legal hold's "In force" (保全中): an order in force stops the selling.
    OrderStatus.IN_FORCE: N_("In force: not to be sold"),
    OrderStatus.LIFTED: N_("Lifted"),
}
ENUMS = {"issuer_kinds": IssuerKind, "order_forms": OrderForm, "order_statuses": OrderStatus}
# The case page's panel labels them too.
TEMPLATE_GLOBALS.update(ENUMS)


def _stores(page) -> list[str]:
    resources: Resources = page.request.app.state.resources
    return list(resources.policy.stores)


async def _posted(request: Request, page) -> tuple[dict[str, Any], list[str]] | Response:
    form = await request.form()
    if not csrf_ok(page.session, form.get("csrf_token")):
        return render(page, "error.html", 403, message=page._(CSRF_REFUSED))
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    return values, [v for v in form.getlist("stores") if isinstance(v, str)]


def _text(values: dict[str, Any], name: str) -> str | None:
    return (values.get(name) or "").strip() or None


@router.get("")
async def register_page(
    request: Request,
    status: str | None = None,
    sku: str | None = None,
    batch: str | None = None,
    store: str | None = None,
    overdue: str | None = None,
) -> Response:
    """The filters as the API takes them; it answers a bad one (422) in words."""
    page = await page_for(request)
    given = {"status": status, "sku": sku, "batch": batch, "store": store, "overdue": overdue}
    params = {k: v for k, v in given.items() if v}
    answer = await call(page, "GET", "/stop-sale-orders", params=params)
    if not answer.ok:
        return render(page, "error.html", answer.status, problem=problem_of(answer, page))
    return render(
        page,
        "stop_sale_orders.html",
        orders=answer.body,
        filters=params,
        stores=_stores(page),
        may_record=recording_refusal(page.actor) is None,
        **ENUMS,
    )


def _new_form(page, status: int = 200, problem=None, values=None, chosen=()) -> Response:
    return render(
        page,
        "stop_sale_new.html",
        status,
        problem=problem,
        values=values or {},
        chosen=list(chosen),
        stores=_stores(page),
        **ENUMS,
    )


@router.get("/new")
async def new_order(request: Request) -> Response:
    page = await page_for(request)
    if recording_refusal(page.actor) is not None:
        return render(page, "error.html", 403, message=page._("Your role may not record an order."))
    return _new_form(page)


@router.post("")
async def record_order(request: Request) -> Response:
    page = await page_for(request)
    posted = await _posted(request, page)
    if isinstance(posted, Response):
        return posted
    values, chosen = posted
    body = {
        "issuer": _text(values, "issuer"),
        "issuer_kind": _text(values, "issuer_kind"),
        "reference": _text(values, "reference"),
        "form": _text(values, "form"),
        "ordered_on": _text(values, "ordered_on"),
        "product": {
            "sku": _text(values, "product.sku"),
            "batch": _text(values, "product.batch"),
            "name": _text(values, "product.name"),
        },
        "stores": chosen,
        "note": _text(values, "note"),
    }
    answer = await call(
        page,
        "POST",
        "/stop-sale-orders",
        json=body,
        idempotency_key=values.get("idempotency_key") or None,
    )
    if answer.status not in (200, 201):
        return _new_form(page, answer.status, problem_of(answer, page), values, chosen)
    return see_other(f"/console/stop-sale-orders/{answer.body['order_no']}")


def _allowed(order: dict, actor: Actor) -> dict[str, bool]:
    record = StopSaleOrderRecord.model_validate(order)
    return {
        "written_order": written_order_refusal(record, actor) is None,
        "lift": lift_refusal(record, actor) is None,
    }


async def _order_page(page, order_no: int, status: int = 200, **context: Any) -> Response:
    answer = await call(page, "GET", f"/stop-sale-orders/{order_no}")
    if answer.status == 404:
        return render(page, "error.html", 404, message=page._("No such stop-sale order."))
    if not answer.ok:
        return render(page, "error.html", answer.status, problem=problem_of(answer, page))
    order = answer.body["order"]
    return render(
        page,
        "stop_sale_order.html",
        status,
        order=order,
        cases=answer.body["cases"],
        events=answer.body["events"],
        allowed=_allowed(order, page.actor),
        values=context.pop("values", {}),
        **context,
        **ENUMS,
    )


@router.get("/{order_no}")
async def order_page(request: Request, order_no: OrderNo) -> Response:
    page = await page_for(request)
    return await _order_page(page, order_no)


async def _command(request: Request, order_no: int, path: str, body_of) -> Response:
    page = await page_for(request)
    posted = await _posted(request, page)
    if isinstance(posted, Response):
        return posted
    values, _ = posted
    answer = await call(page, "POST", f"/stop-sale-orders/{order_no}/{path}", json=body_of(values))
    if not answer.ok:
        return await _order_page(
            page,
            order_no,
            answer.status,
            problem=problem_of(answer, page),
            failed=path,
            values=values,
        )
    return see_other(f"/console/stop-sale-orders/{order_no}")


@router.post("/{order_no}/written-order")
async def record_written_order(request: Request, order_no: OrderNo) -> Response:
    return await _command(
        request,
        order_no,
        "written-order",
        lambda v: {
            "reference": _text(v, "reference"),
            "received_on": _text(v, "received_on"),
            "note": _text(v, "note"),
        },
    )


@router.post("/{order_no}/lift")
async def lift_order(request: Request, order_no: OrderNo) -> Response:
    return await _command(
        request,
        order_no,
        "lift",
        lambda v: {
            "reason": _text(v, "reason"),
            "reference": _text(v, "reference"),
            "lifted_on": _text(v, "lifted_on"),
        },
    )


nav.add(
    nav.NavItem(
        "stop_sale_orders",
        "/console/stop-sale-orders",
        N_("Stop-sale orders"),
        lambda actor: actor.role in RECORDING_ROLES,
    )
)
add_panel(Panel("stop_sale", "panels/stop_sale.html"))

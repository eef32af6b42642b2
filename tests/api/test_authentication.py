"""Every route but the public ones wants a known user; request bodies take only the fields
they declare; the proposer of a payment is refused its approval before the case hears of
it (DOMAIN 7)."""

import re

import httpx
import pytest
from fastapi.routing import APIRoute
from temporalio.client import WorkflowHandle

from api.app import create_app
from infra.settings import Settings
from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE

try:  # FastAPI >= 0.13x keeps included routers as they are; this flattens them
    from fastapi.routing import iter_route_contexts
except ImportError:  # older FastAPI: app.routes is already flat
    iter_route_contexts = None

# Open on purpose (README "The API"): load balancers, Prometheus, the codec sign-in page
# and its sign-out, the OpenAPI documents, the customer's survey page (its signed link is
# the credential: docs/customer-messages.md).
PUBLIC = {
    ("GET", "/survey/{token}"),
    ("POST", "/survey/{token}"),
    # The customer's own page (docs/customer-page.md): the store's page takes anyone's
    # complaint; the tracking link is its own credential.
    ("GET", "/c/{store_slug}"),
    ("POST", "/c/{store_slug}"),
    ("GET", "/t/{token}"),
    ("POST", "/t/{token}/message"),
    ("POST", "/t/{token}/answer"),
    ("GET", "/health"),
    ("GET", "/metrics"),
    ("GET", "/codec/session"),
    ("POST", "/codec/session/sign-out"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
}
# Temporal's codec protocol: payloads are protobuf JSON, whose readers skip unknown fields.
LENIENT_BODIES = {"/codec/encode", "/codec/decode"}
# Path parameters filled with values of the right shape, so only the token decides.
SAMPLE_PARAMS = {
    "token": "x.1.y",
    "store_slug": "beijing-chaoyang",
    "case_no": "202611-0001",
    "month": "2026-11",
    "week": "2026-W48",
    "version": "v1",
    "evidence_id": "6f1c2a4e-3b7d-4c8e-9a1f-0b2c3d4e5f60",
    "hold_id": "6f1c2a4e-3b7d-4c8e-9a1f-0b2c3d4e5f61",
    "entry_id": "1",
    "message_id": "0001.eml",
    "order_no": "1",
}


def _is_console(path: str) -> bool:
    """The console's pages sign in by session cookie, not bearer token:
    tests/console/test_console_pages.py walks each of them without a session."""
    return path == "/" or path.startswith("/console")


def _routes() -> list[tuple[str, str, object]]:
    """(method, path, route) of every API route of the app, routers included."""
    app = create_app(Settings())
    if iter_route_contexts is None:
        flat = [(route, route) for route in app.routes]
    else:
        flat = [(context, context.original_route) for context in iter_route_contexts(app.routes)]
    return [
        (method, context.path, route)
        for context, route in flat
        for method in sorted(context.methods or [])
        if method != "HEAD" and not _is_console(context.path)
    ]


ROUTES = _routes()


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PARAMS[m.group(1)], path)


def test_the_walk_finds_every_kind_of_route() -> None:
    found = {(method, path) for method, path, _ in ROUTES}
    assert PUBLIC <= found
    assert {
        ("POST", "/complaints/{case_no}/approval"),
        ("GET", "/complaints/{case_no}/mediation"),
        ("POST", "/policy"),
        ("GET", "/reports/weekly/{week}.html"),
        ("POST", "/codec/decode"),
    } <= found
    assert len(found) > 70


async def test_every_route_but_the_public_ones_refuses_a_missing_or_wrong_token(
    api: httpx.AsyncClient,
) -> None:
    let_in = []
    for method, path, _ in ROUTES:
        if (method, path) in PUBLIC:
            continue
        for headers in ({}, {"Authorization": "Bearer not-a-token"}):
            response = await api.request(method, _url(path), headers=headers)
            if response.status_code != 401:
                let_in.append((method, path, headers, response.status_code))
    assert not let_in, "routes answering without a known user"


API_ROUTES = [r for r in ROUTES if isinstance(r[2], APIRoute)]


@pytest.mark.parametrize(
    "method, path, route", API_ROUTES, ids=[f"{method} {path}" for method, path, _ in API_ROUTES]
)
def test_every_request_model_refuses_unknown_fields(method: str, path: str, route) -> None:
    body = route.body_field
    if body is None or path in LENIENT_BODIES:
        return
    model = body.field_info.annotation
    assert model.model_config.get("extra") == "forbid", f"{method} {path}: {model.__name__}"


async def test_an_unknown_field_in_a_body_is_422_naming_it(api: httpx.AsyncClient) -> None:
    case_no = (await api.post("/complaints", json=INTAKE, headers=auth("staff"))).json()["case_no"]
    for path, role, body, extra in (
        ("acknowledge", "handler", {"stage": "closed"}, "stage"),
        ("notes", "handler", {"text": "hello", "actor": {"user_id": "x"}}, "actor"),
        ("approval", "manager", {"approve": True, "comment": "ok", "amount": "1"}, "amount"),
    ):
        response = await api.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(role))
        assert response.status_code == 422, response.text
        [problem] = response.json()["detail"]
        assert (problem["loc"], problem["type"]) == (["body", extra], "extra_forbidden")
    intake = await api.post("/complaints", json=INTAKE | {"grade": "D"}, headers=auth("staff"))
    assert intake.status_code == 422
    assert intake.json()["detail"][0]["loc"] == ["body", "grade"]
    status = (await api.get(f"/complaints/{case_no}", headers=auth("handler"))).json()["status"]
    assert status["stage"] == "received"


async def test_the_proposer_is_refused_the_approval_by_the_api_before_the_case_hears_of_it(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_no = (await api.post("/complaints", json=INTAKE, headers=auth("staff"))).json()["case_no"]
    for path, role, body in (
        ("acknowledge", "handler", {}),
        ("findings", "handler", {"valid": True, "liability": "company", "summary": "late"}),
        ("proposal", "manager", {"kind": "refund", "amount": "800", "details": "refund"}),
    ):
        response = await api.post(f"/complaints/{case_no}/{path}", json=body, headers=auth(role))
        assert response.status_code == 200, response.text

    sent: list[str] = []
    execute_update = WorkflowHandle.execute_update

    async def spy(self, update, *args, **kwargs):
        sent.append(getattr(update, "__name__", str(update)))
        return await execute_update(self, update, *args, **kwargs)

    monkeypatch.setattr(WorkflowHandle, "execute_update", spy)
    own = await api.post(
        f"/complaints/{case_no}/approval",
        json={"approve": True, "comment": "mine"},
        headers=auth("manager"),
    )
    assert own.status_code == 403
    assert own.json()["type"] == "SelfApproval"
    assert sent == []  # refused by the API: no update reached the workflow

    # Anyone else of the right level decides it, through the workflow as ever.
    other = await api.post(
        f"/complaints/{case_no}/approval",
        json={"approve": True, "comment": "ok"},
        headers=auth("senior"),
    )
    assert other.status_code == 200, other.text
    assert sent == ["decide_approval"]
    assert other.json()["status"]["stage"] == "approved"

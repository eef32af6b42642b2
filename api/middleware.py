"""Per request: a request id and the case in every log line, a request line, metrics.

`RequestContext` is plain ASGI middleware, so what it binds in structlog's contextvars is
seen by the route and everything it calls in the same task. `GET /metrics` serves the
request metrics for Prometheus; like /health it needs no token.
"""

import contextlib
import re
import time
import uuid
from datetime import UTC, datetime

import asyncpg
import structlog
from fastapi import FastAPI, Request, Response
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from domain.case_numbers import workflow_id_for
from infra.deliveries import delivery_figures
from infra.metrics import HttpMetrics

log = structlog.get_logger(__name__)

REQUEST_ID_HEADER = "X-Request-ID"
# A caller's (or proxy's) request id is kept if it is short and plain, else we make one.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
# /complaints/202611-0042 and everything below it.
_CASE_PATH = re.compile(r"^/complaints/(\d{6}-\d{4,})(?:/|$)")
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# Label of requests no route matched (404s for made-up paths): one series, not one per path.
UNMATCHED = "unmatched"


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    if route is None and "endpoint" in scope:
        # FastAPI records its own routes; plain ones (/openapi.json, /docs) by endpoint only.
        routes = getattr(scope.get("router"), "routes", [])
        route = next((r for r in routes if getattr(r, "endpoint", None) is scope["endpoint"]), None)
    return getattr(route, "path", None) or UNMATCHED


class RequestContext:
    """Binds `request_id` (echoed in X-Request-ID) and, on a case's paths, `case_no` and
    `workflow_id`; logs one `request` line and records the request's metrics."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = given if _SAFE_REQUEST_ID.match(given) else uuid.uuid4().hex
        fields = {"request_id": request_id}
        if match := _CASE_PATH.match(scope["path"]):
            fields |= {"case_no": match.group(1), "workflow_id": workflow_id_for(match.group(1))}
        status = 500  # unless an answer starts: an exception escaped every handler

        async def send_with_request_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, request_id)
            await send(message)

        started = time.perf_counter()
        with structlog.contextvars.bound_contextvars(**fields):
            try:
                await self.app(scope, receive, send_with_request_id)
            finally:
                seconds = time.perf_counter() - started
                method = scope["method"] if scope["method"] in _METHODS else "other"
                route = _route_template(scope)
                self.metrics.observe(method, route, status, seconds)
                # The route template, not the path or query: nothing the caller typed.
                log.info(
                    "request",
                    method=method,
                    route=route,
                    status=status,
                    duration_ms=round(seconds * 1000, 1),
                )


def install_observability(app: FastAPI) -> HttpMetrics:
    """Adds the request middleware and `GET /metrics` to the app."""
    metrics = HttpMetrics()
    app.add_middleware(RequestContext, metrics=metrics)

    @app.get("/metrics", tags=["health"], response_class=Response)
    async def prometheus_metrics(request: Request) -> Response:
        """Request counts and latencies by method, route template and status, and the
        notification relay's figures (from the database: every relay's), for Prometheus.
        No token, like /health."""
        resources = getattr(request.app.state, "resources", None)
        if resources is not None:
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                metrics.notifications.update(
                    await delivery_figures(resources.pool, datetime.now(UTC))
                )
        body, content_type = metrics.exposition()
        return Response(content=body, media_type=content_type)

    return metrics

"""GET /metrics counts requests by route template, and every request's log lines carry
its request id and, on a case's routes, the case number and workflow ID."""

import asyncio
import re

import httpx
import pytest
import structlog
from structlog.testing import capture_logs

from api.app import create_app
from infra.settings import Settings
from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE

COUNTER = "complaint_desk_http_requests_total"


def sample(metrics_text: str, name: str, **labels: str) -> float | None:
    """The value of one series in Prometheus' text format, None when it is absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in metrics_text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} (\S+)$", line)
        if match and ",".join(sorted(match.group(1).split(","))) == wanted:
            return float(match.group(2))
    return None


async def test_metrics_count_requests_by_route_without_a_token() -> None:
    # No lifespan here: neither the metrics nor these routes need Postgres or Temporal.
    app = create_app(Settings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        await http.get("/openapi.json")
        await http.get("/openapi.json")
        assert (await http.get("/no/such/page")).status_code == 404
        metrics = await http.get("/metrics")

    assert metrics.status_code == 200
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert sample(text, COUNTER, method="GET", route="/openapi.json", status="200") == 2.0
    # A path no route knows is one series, not one per path someone tried.
    assert sample(text, COUNTER, method="GET", route="unmatched", status="404") == 1.0
    assert "complaint_desk_http_request_duration_seconds_bucket{" in text


async def test_a_case_request_is_counted_by_its_route_template_and_logged_with_the_case(
    api: httpx.AsyncClient,
) -> None:
    created = await api.post("/complaints", json=INTAKE, headers=auth("staff"))
    case_no = created.json()["case_no"]

    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as lines:
        answer = await api.get(
            f"/complaints/{case_no}", headers=auth("handler") | {"X-Request-ID": "desk-req-7"}
        )
    assert answer.status_code == 200
    assert answer.headers["X-Request-ID"] == "desk-req-7"

    request_line = next(line for line in lines if line["event"] == "request")
    assert (
        request_line
        | {
            "request_id": "desk-req-7",
            "case_no": case_no,
            "workflow_id": f"complaint-{case_no}",
            "method": "GET",
            "route": "/complaints/{case_no}",
            "status": 200,
        }
        == request_line
    )

    text = (await api.get("/metrics")).text
    assert sample(text, COUNTER, method="GET", route="/complaints/{case_no}", status="200") >= 1
    assert case_no not in text  # the case number is a log field, never a metric label


async def test_logs_of_a_case_hold_no_personal_data(api: httpx.AsyncClient) -> None:
    # The fixture's worker runs in this process, so its activities' lines are caught too.
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as lines:
        created = await api.post("/complaints", json=INTAKE, headers=auth("staff"))
        case_no = created.json()["case_no"]
        await api.get(f"/complaints/{case_no}", headers=auth("handler"))
        await api.get(f"/complaints/{case_no}/events", headers=auth("handler"))
        # The registration's changes are logged as one batch (issue 20).
        for _ in range(100):
            if any(line["event"] == "case_events_recorded" for line in lines):
                break
            await asyncio.sleep(0.1)

    events = {line["event"] for line in lines if line.get("case_no") == case_no}
    assert {"complaint_registered", "request", "case_events_recorded"} <= events
    logged = repr(lines)
    for personal in (INTAKE["customer"]["name"], INTAKE["customer"]["contact"]):
        assert personal not in logged
    assert INTAKE["description"] not in logged


@pytest.mark.parametrize("given", ["", "x" * 65, "has space", "a;b"])
async def test_an_unusable_request_id_is_replaced(given: str) -> None:
    app = create_app(Settings())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as http:
        answer = await http.get("/openapi.json", headers={"X-Request-ID": given})
    assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["X-Request-ID"])

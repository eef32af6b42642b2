"""Reports over HTTP against the dev server: produce, read as JSON, CSV and HTML; refusals."""

import csv
import io
from datetime import UTC, datetime

import asyncpg
import httpx

from domain.authority import Actor
from domain.models import Category, Channel
from domain.policy import Policy
from tests.api.conftest import auth
from tests.support import register_only


async def _february_2001(pool: asyncpg.Pool, policy: Policy, staff: Actor) -> list[str]:
    """Three register rows received in February 2001, one of them closed that month."""
    rows = []
    for category, channel, store in (
        (Category.PRODUCT_QUALITY, Channel.PHONE, "Shanghai Pudong"),
        (Category.PRODUCT_QUALITY, Channel.WEB, "=Xuhui"),
        (Category.PRICE, Channel.WEB, "Xuhui <north>"),
    ):
        case_no = await register_only(
            pool, policy, staff, month="200102", category=category, channel=channel, store=store
        )
        await pool.execute(
            "UPDATE complaints SET received_at = $2 WHERE case_no = $1",
            case_no,
            datetime(2001, 2, 10, 3, tzinfo=UTC),
        )
        rows.append(case_no)
    await pool.execute(
        "UPDATE complaints SET stage = 'closed', closed_at = $2 WHERE case_no = $1",
        rows[0],
        datetime(2001, 2, 12, 3, tzinfo=UTC),
    )
    return rows


async def _a_case_in_december_2000(pool: asyncpg.Pool, policy: Policy, staff: Actor) -> None:
    """Reports cover the periods from the company's first case: one before the periods
    these tests ask for, in a month none of them counts."""
    case_no = await register_only(pool, policy, staff, month="200012")
    await pool.execute(
        "UPDATE complaints SET received_at = $2 WHERE case_no = $1",
        case_no,
        datetime(2000, 12, 5, 3, tzinfo=UTC),
    )


async def test_a_manager_has_a_past_month_produced_and_reads_it_as_json_csv_and_html(
    api: httpx.AsyncClient, pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    cases = await _february_2001(pool, policy, staff)

    produced = await api.post(
        "/reports/monthly", json={"month": "2001-02"}, headers=auth("manager")
    )
    assert produced.status_code == 200, produced.text
    report = produced.json()
    assert (report["period"], report["complete"], report["figures"]["cases"]) == (
        "2001-02",
        True,
        3,
    )
    assert report["figures"]["by_category"] == {"price": 1, "product_quality": 2}
    assert report["revisit"] == {"period": "2001-02", "population": 1, "case_nos": [cases[0]]}
    # A second request re-runs the period: the same sample, no second task.
    again = await api.post("/reports/monthly", json={"month": "2001-02"}, headers=auth("senior"))
    assert again.json()["revisit"] == report["revisit"]
    tasks = await pool.fetchval("SELECT count(*) FROM follow_up_tasks WHERE period = '2001-02'")
    assert tasks == 1

    read = await api.get("/reports/monthly", params={"month": "2001-02"}, headers=auth("engineer"))
    assert read.status_code == 200
    assert read.json()["figures"] == report["figures"]

    as_csv = await api.get(
        "/reports/monthly",
        params={"month": "2001-02"},
        headers=auth("manager") | {"Accept": "text/csv"},
    )
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["section", "key", "value", "detail"]
    assert ["cases", "total", "3", ""] in rows
    assert ["by_store", "'=Xuhui", "1", ""] in rows  # never a spreadsheet formula
    assert ["rate", "contact", "0.0", "0/3"] in rows
    assert ["revisit_sample", cases[0], "", "of 1 closed"] in rows

    page = await api.get("/reports/monthly/2001-02.html", headers=auth("senior"))
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert html.count("<svg") >= 3 and "<script" not in html
    assert "Cases per category" in html and "Cases per grade" in html
    assert "Rates: 2001-02 against 2001-01" in html
    assert "Xuhui &lt;north&gt;" in html and "<north>" not in html


async def test_a_weekly_summary_is_produced_and_read_by_iso_week(
    api: httpx.AsyncClient, pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    await _a_case_in_december_2000(pool, policy, staff)
    produced = await api.post("/reports/weekly", json={"week": "2001-W07"}, headers=auth("senior"))
    assert produced.status_code == 200, produced.text
    assert produced.json()["previous"]["period"] == "2001-W06"
    read = await api.get("/reports/weekly", params={"week": "2001-W07"}, headers=auth("manager"))
    assert (read.status_code, read.json()["revisit"]) == (200, None)
    page = await api.get("/reports/weekly/2001-W07.html", headers=auth("manager"))
    assert page.status_code == 200 and "Weekly complaint report 2001-W07" in page.text


def _named(response: httpx.Response) -> list[str]:
    assert response.status_code == 422, response.text
    return [str(error["loc"][-1]) for error in response.json()["detail"]]


async def test_malformed_and_future_periods_are_422_naming_the_field(
    api: httpx.AsyncClient,
) -> None:
    manager = auth("manager")
    assert _named(
        await api.get("/reports/monthly", params={"month": "2026-13"}, headers=manager)
    ) == ["month"]
    assert _named(await api.get("/reports/monthly", params={"month": "Nov"}, headers=manager)) == [
        "month"
    ]
    assert _named(await api.get("/reports/monthly", headers=manager)) == ["month"]
    # 2025 has only 52 ISO weeks: well-formed, but no such week.
    assert _named(
        await api.get("/reports/weekly", params={"week": "2025-W53"}, headers=manager)
    ) == ["week"]
    assert _named(await api.get("/reports/monthly/2026-1.html", headers=manager)) == ["month"]
    future = await api.post("/reports/monthly", json={"month": "2999-01"}, headers=manager)
    assert _named(future) == ["month"]
    assert "not started" in future.json()["detail"][0]["msg"]
    assert _named(await api.post("/reports/weekly", json={"week": "2026-48"}, headers=manager)) == [
        "week"
    ]


async def test_staff_and_handlers_may_not_read_reports_and_engineers_may_not_produce_them(
    api: httpx.AsyncClient,
) -> None:
    for role in ("staff", "handler"):
        refused = await api.get("/reports/monthly", params={"month": "2001-02"}, headers=auth(role))
        assert refused.status_code == 403, role
        page = await api.get("/reports/monthly/2001-02.html", headers=auth(role))
        assert page.status_code == 403, role
    produce = await api.post(
        "/reports/monthly", json={"month": "2001-03"}, headers=auth("engineer")
    )
    assert produce.status_code == 403
    assert (await api.get("/reports/monthly", params={"month": "2001-02"})).status_code == 401


async def test_a_period_nobody_produced_is_404(
    api: httpx.AsyncClient, pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    await _a_case_in_december_2000(pool, policy, staff)
    missing = await api.get(
        "/reports/monthly", params={"month": "2001-04"}, headers=auth("manager")
    )
    assert missing.status_code == 404
    assert missing.json()["type"] == "ReportNotFound"
    assert "2001-04" in missing.json()["detail"]

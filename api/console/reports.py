"""The console's report pages (monthly and weekly, from GET /reports/*) and the stuck
cases list (GET /complaints/stuck, with its links into the Temporal Web UI)."""

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.console.i18n import N_
from api.console.web import call, page_for, problem_of, render
from domain.reports import READ_ROLES

router = APIRouter(prefix="/console", include_in_schema=False)

RATE_LABELS = {
    "timely_reply": N_("Timely-reply rate"),
    "contact": N_("Contact rate"),
    "result_reply": N_("Result-reply rate"),
    "satisfaction": N_("Satisfaction rate"),
    "second_complaint": N_("Second-complaint rate"),
}


def _this_period(zone: str) -> tuple[str, str]:
    """This month and this week in the company's time zone (a report of them so far)."""
    today = datetime.now(UTC).astimezone(ZoneInfo(zone)).date()
    year, week, _ = today.isocalendar()
    return f"{today:%Y-%m}", f"{year}-W{week:02d}"


@router.get("/reports")
async def reports_page(
    request: Request,
    month: Annotated[str | None, Query(max_length=7)] = None,
    week: Annotated[str | None, Query(max_length=8)] = None,
) -> Response:
    page = await page_for(request)
    if page.actor.role not in READ_ROLES:
        return render(page, "error.html", 403, message=page._("Reports are for managers."))
    default_month, default_week = _this_period(page.zone_of(None))
    report = problem = None
    kind = "weekly" if week else "monthly"
    period = week or month or default_month
    answer = await call(
        page, "GET", f"/reports/{kind}", params={"week" if week else "month": period}
    )
    if answer.ok:
        report = answer.body
    else:
        problem = problem_of(answer, page)
    # No report yet is an answer of the page (it says so), not a missing page.
    status = 422 if answer.status == 422 else 200
    return render(
        page,
        "reports.html",
        status,
        active="reports",
        report=report,
        problem=problem,
        kind=kind,
        period=period,
        month=month or default_month,
        week=week or default_week,
        rate_labels=RATE_LABELS,
    )


@router.get("/stuck")
async def stuck_page(request: Request) -> Response:
    page = await page_for(request)
    answer = await call(page, "GET", "/complaints/stuck")
    if not answer.ok:
        return render(page, "error.html", answer.status, problem=problem_of(answer, page))
    return render(page, "stuck.html", active="stuck", cases=answer.body)

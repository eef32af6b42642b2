"""/reports: the stored monthly reports and weekly summaries (DOMAIN section 9).

JSON by default, CSV with `Accept: text/csv`, an HTML page with charts at
`/reports/{monthly,weekly}/<period>.html`. A POST has the report workflow produce one now.
"""

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from temporalio.client import WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError

from api.deps import ActorDep, Resources, ResourcesDep
from api.errors import Problem
from api.openapi_errors import REPORT_ERRORS, REPORT_PAGE_ERRORS
from api.report_views import render_csv, render_html
from api.schemas import ReportPendingPublic
from domain.authority import Actor
from domain.reports import (
    MONTH_PATTERN,
    PRODUCE_ROLES,
    READ_ROLES,
    WEEK_PATTERN,
    InvalidPeriod,
    Period,
    PeriodKind,
    ProduceReport,
    Report,
    first_period_of,
    out_of_range,
)
from infra.register import stores_of
from infra.reports import find_report, first_received_at
from workflows.reports import ReportWorkflow

router = APIRouter(prefix="/reports", tags=["reports"], responses=REPORT_ERRORS)

# A report takes a second or two; past this the caller gets 202 and reads it later.
PRODUCE_WAIT_SECONDS = 30

MONTH_DOC = "A calendar month, YYYY-MM, in the policy calendar's time zone"
WEEK_DOC = "An ISO week, YYYY-Www (Monday to Sunday), in the policy calendar's time zone"
MonthQuery = Annotated[str, Query(pattern=MONTH_PATTERN, description=MONTH_DOC)]
WeekQuery = Annotated[str, Query(pattern=WEEK_PATTERN, description=WEEK_DOC)]
MonthPath = Annotated[str, Path(pattern=MONTH_PATTERN, description=MONTH_DOC)]
WeekPath = Annotated[str, Path(pattern=WEEK_PATTERN, description=WEEK_DOC)]
Accept = Annotated[str | None, Header()]

_AS_CSV = {200: {"content": {"text/csv": {}}, "description": "The report"}}
_PENDING = {202: {"model": ReportPendingPublic, "description": "Still being produced"}}


class MonthlyReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    month: str = Field(pattern=MONTH_PATTERN, description=MONTH_DOC, examples=["2026-10"])


class WeeklyReportCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    week: str = Field(pattern=WEEK_PATTERN, description=WEEK_DOC, examples=["2026-W48"])


def _bad_period(loc: tuple[str, str], key: str, message: str) -> RequestValidationError:
    return RequestValidationError(
        [{"type": "value_error", "loc": loc, "msg": message, "input": key}]
    )


def _period(kind: PeriodKind, key: str, loc: tuple[str, str]) -> Period:
    try:
        return Period.parse(kind, key)
    except InvalidPeriod as err:
        raise _bad_period(loc, key, str(err)) from err


async def _within_range(resources: Resources, period: Period, loc: tuple[str, str]) -> None:
    """Only periods from the company's first case (or the policy's `reports.first_period`)
    to now: `1000-01` is well formed, but nobody means it (422, naming the field)."""
    now = datetime.now(UTC)
    timezone = resources.policy.calendar.timezone
    first = first_period_of(
        period.kind,
        first_period=resources.policy.reports.first_period,
        first_case_at=await first_received_at(resources.pool),
        now=now,
        timezone=timezone,
    )
    problem = out_of_range(period, first=first, now=now, timezone=timezone)
    if problem is not None:
        raise _bad_period(loc, period.key, problem)


def _may_read(actor: Actor) -> None:
    if actor.role not in READ_ROLES:
        raise Problem("RoleNotAllowed", f"role {actor.role} may not read reports")


async def _stored(
    resources: Resources, actor: Actor, period: Period, loc: tuple[str, str]
) -> Report:
    _may_read(actor)
    await _within_range(resources, period, loc)
    report = await find_report(resources.pool, period.kind, period.key)
    if report is None:
        raise Problem("ReportNotFound", f"no {period.kind.value} report for {period.key} yet")
    return await _as_seen_by(resources, actor, report)


async def _as_seen_by(resources: Resources, actor: Actor, report: Report) -> Report:
    """A report is the company's (DOMAIN 9): its figures are the same for every reader.
    The cases it names (overdue ones, the re-visit sample) are listed to a manager only
    from their own stores, so nobody learns the case numbers of other stores."""
    if actor.stores is None:
        return report
    figures, revisit = report.figures, report.revisit
    named = [case.case_no for case in figures.overdue] + (revisit.case_nos if revisit else [])
    stores = await stores_of(resources.pool, named)
    mine = {case_no for case_no, store in stores.items() if actor.works_at(store)}
    overdue = [case for case in figures.overdue if case.case_no in mine]
    return report.model_copy(
        update={
            "figures": figures.model_copy(update={"overdue": overdue}),
            "revisit": revisit
            and revisit.model_copy(update={"case_nos": [n for n in revisit.case_nos if n in mine]}),
        }
    )


def _as_requested(report: Report, accept: str | None) -> Report | Response:
    if accept and "text/csv" in accept:
        filename = f"report-{report.kind.value}-{report.period}.csv"
        return Response(
            render_csv(report),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    return report


@router.get("/monthly", response_model=Report, responses=_AS_CSV)
async def get_monthly_report(
    month: MonthQuery, actor: ActorDep, resources: ResourcesDep, accept: Accept = None
) -> Report | Response:
    loc = ("query", "month")
    period = _period(PeriodKind.MONTHLY, month, loc)
    return _as_requested(await _stored(resources, actor, period, loc), accept)


@router.get("/weekly", response_model=Report, responses=_AS_CSV)
async def get_weekly_report(
    week: WeekQuery, actor: ActorDep, resources: ResourcesDep, accept: Accept = None
) -> Report | Response:
    loc = ("query", "week")
    period = _period(PeriodKind.WEEKLY, week, loc)
    return _as_requested(await _stored(resources, actor, period, loc), accept)


@router.get("/monthly/{month}.html", response_class=HTMLResponse, responses=REPORT_PAGE_ERRORS)
async def view_monthly_report(month: MonthPath, actor: ActorDep, resources: ResourcesDep) -> str:
    loc = ("path", "month")
    period = _period(PeriodKind.MONTHLY, month, loc)
    return render_html(await _stored(resources, actor, period, loc))


@router.get("/weekly/{week}.html", response_class=HTMLResponse, responses=REPORT_PAGE_ERRORS)
async def view_weekly_report(week: WeekPath, actor: ActorDep, resources: ResourcesDep) -> str:
    loc = ("path", "week")
    period = _period(PeriodKind.WEEKLY, week, loc)
    return render_html(await _stored(resources, actor, period, loc))


async def _produce(
    resources: Resources, actor: Actor, period: Period, loc: tuple[str, str]
) -> Report | JSONResponse:
    """Runs the report workflow for a period that has started; a running one is joined."""
    if actor.role not in PRODUCE_ROLES:
        raise Problem("RoleNotAllowed", f"role {actor.role} may not have reports produced")
    timezone = resources.policy.calendar.timezone
    await _within_range(resources, period, loc)
    handle = await resources.temporal.start_workflow(
        ReportWorkflow.run,
        ProduceReport(
            kind=period.kind,
            period=period.key,
            timezone=timezone,
            rules=resources.policy.reports.rules(),
        ),
        id=period.workflow_id,
        task_queue=resources.settings.temporal_task_queue,
        # Joining a running request makes a retry idempotent; a finished one may be re-run.
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
        static_summary=f"{period.kind.value} report {period.key} requested by {actor.user_id}",
    )
    try:
        report = await asyncio.wait_for(handle.result(), PRODUCE_WAIT_SECONDS)
    except TimeoutError:
        return JSONResponse(
            status_code=202,
            content={"detail": "the report is still being produced", "workflow_id": handle.id},
        )
    except WorkflowFailureError as err:
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type == "PeriodInFuture":
            raise _bad_period(loc, period.key, cause.message) from err
        raise
    return await _as_seen_by(resources, actor, report)


@router.post("/monthly", response_model=Report, responses=_PENDING)
async def produce_monthly_report(
    body: MonthlyReportCreate, actor: ActorDep, resources: ResourcesDep
) -> Report | JSONResponse:
    period = _period(PeriodKind.MONTHLY, body.month, ("body", "month"))
    return await _produce(resources, actor, period, ("body", "month"))


@router.post("/weekly", response_model=Report, responses=_PENDING)
async def produce_weekly_report(
    body: WeeklyReportCreate, actor: ActorDep, resources: ResourcesDep
) -> Report | JSONResponse:
    period = _period(PeriodKind.WEEKLY, body.week, ("body", "week"))
    return await _produce(resources, actor, period, ("body", "week"))

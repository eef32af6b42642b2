"""Activities of the report workflow: figures from the register, the re-visit sample, storage."""

import asyncpg
import structlog
from temporalio import activity

from domain.reports import (
    Comparison,
    ComputeReport,
    DrawRevisit,
    PeriodKind,
    Report,
    RevisitCompletion,
    RevisitSample,
    StoreReport,
    compute_figures,
    compute_rates,
    draw_revisit_sample,
    rate,
)
from infra import reports as store
from infra.revisits import sample_completion

log = structlog.get_logger(__name__)


class ReportActivities:
    """DOMAIN section 9: the monthly report, the weekly summary and the re-visit sample (the
    policy's `reports` numbers, carried in each run's input)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn
    async def compute_report(self, req: ComputeReport) -> Report:
        """The period's figures, and the previous period's rates to compare with."""
        period, tz = req.period, req.timezone
        cases = await store.fetch_case_facts(
            self._pool, period.starts_at(tz), period.ends_at(tz), req.as_of
        )
        before = period.previous()
        earlier = await store.fetch_case_facts(
            self._pool, before.starts_at(tz), before.ends_at(tz), req.as_of
        )
        report = Report(
            kind=period.kind,
            period=period.key,
            timezone=tz,
            starts_at=period.starts_at(tz),
            ends_at=period.ends_at(tz),
            generated_at=req.as_of,
            complete=req.as_of >= period.ends_at(tz),
            figures=compute_figures(cases, req.rules),
            previous=Comparison(
                period=before.key, cases=len(earlier), rates=compute_rates(earlier, req.rules)
            ),
        )
        if period.kind is PeriodKind.MONTHLY:
            done, drawn = await sample_completion(self._pool, before.key)
            report.revisit_completion = RevisitCompletion(
                period=before.key, completion=rate(done, drawn)
            )
        log.info("report_computed", period=period.key, cases=len(cases))
        return report

    @activity.defn
    async def draw_revisit_sample(self, req: DrawRevisit) -> RevisitSample:
        """Draws the month's sample once; a re-run of the month returns the first draw."""
        period, tz = req.period, req.timezone
        async with self._pool.acquire() as conn, conn.transaction():
            await store.lock_period(conn, period.key)
            population, drawn = await store.drawn_sample(conn, period.key)
            if not drawn:
                closed = await store.closed_case_nos(conn, period.starts_at(tz), period.ends_at(tz))
                population = len(closed)
                drawn = draw_revisit_sample(period.key, closed, req.rules)
                await store.create_revisit_tasks(conn, period.key, population, drawn)
        log.info(
            "revisit_sample_drawn", period=period.key, population=population, sampled=len(drawn)
        )
        return RevisitSample(period=period.key, population=population, case_nos=drawn)

    @activity.defn
    async def store_report(self, req: StoreReport) -> None:
        await store.store_report(self._pool, req.report, req.workflow_id)

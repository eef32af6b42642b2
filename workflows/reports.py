"""The report workflow: one run produces one period's report (DOMAIN section 9).

Started by the monthly and weekly Temporal Schedules (infra/schedules.py) with no period,
meaning "the period before the scheduled time", or by a manager for a named period.
"""

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.reports import ReportActivities
    from domain.reports import (
        ComputeReport,
        DrawRevisit,
        InvalidPeriod,
        Period,
        PeriodKind,
        ProduceReport,
        Report,
        StoreReport,
    )

# Set by the schedule on the runs it starts: a run started late (the worker was down on
# the 1st) still reports the period its scheduled time falls after.
SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
_ACTIVITY_TIMEOUT = timedelta(minutes=5)
_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@workflow.defn
class ReportWorkflow:
    """The monthly report or weekly summary, and for a finished month its re-visit sample."""

    @workflow.run
    async def run(self, req: ProduceReport) -> Report:
        as_of = workflow.now()
        period = self._period(req, as_of)
        if period.starts_at(req.timezone) > as_of:
            raise ApplicationError(
                f"{period.key} has not started yet", type="PeriodInFuture", non_retryable=True
            )
        report = await workflow.execute_activity_method(
            ReportActivities.compute_report,
            ComputeReport(period=period, timezone=req.timezone, as_of=as_of, rules=req.rules),
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_RETRY,
            summary=f"compute the figures of {period.key}",
        )
        # A running month's closed cases are not all known yet: sample it once it is over.
        if period.kind is PeriodKind.MONTHLY and report.complete:
            report.revisit = await workflow.execute_activity_method(
                ReportActivities.draw_revisit_sample,
                DrawRevisit(period=period, timezone=req.timezone, rules=req.rules),
                start_to_close_timeout=_ACTIVITY_TIMEOUT,
                retry_policy=_RETRY,
                summary=f"draw the {period.key} re-visit sample",
            )
        await workflow.execute_activity_method(
            ReportActivities.store_report,
            StoreReport(report=report, workflow_id=workflow.info().workflow_id),
            start_to_close_timeout=_ACTIVITY_TIMEOUT,
            retry_policy=_RETRY,
            summary=f"store the {period.kind.value} report {period.key}",
        )
        workflow.logger.info("report produced", extra={"period": period.key})
        return report

    @staticmethod
    def _period(req: ProduceReport, as_of: datetime) -> Period:
        if req.period is None:
            scheduled = workflow.info().typed_search_attributes.get(SCHEDULED_START)
            return Period.containing(req.kind, scheduled or as_of, req.timezone).previous()
        try:
            return Period.parse(req.kind, req.period)
        except InvalidPeriod as err:
            raise ApplicationError(str(err), type="InvalidPeriod", non_retryable=True) from err

"""The schedules: the monthly report on the 1st, the weekly summary every Monday, and the
daily retention run that anonymises expired cases (README "Retention").

Created or brought up to date at every worker start-up (worker.py), so `make run` has
them; on a cluster run `python -m infra.schedules` once per deployment (README "Reports").
Times are in the policy calendar's time zone, which also decides the period boundaries.
"""

import asyncio

import structlog
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from domain.policy import Policy
from domain.reports import PeriodKind, ProduceReport, ReportsPolicy
from domain.retention import ApplyRetention
from workflows.reports import ReportWorkflow
from workflows.retention import RetentionWorkflow

log = structlog.get_logger(__name__)


def _when(kind: PeriodKind, hour: int) -> ScheduleCalendarSpec:
    """The policy's `reports.run_at_hour` (01:00: an hour's grace for the period's last
    cases to be written) on the 1st, or on Mondays."""
    if kind is PeriodKind.MONTHLY:
        return ScheduleCalendarSpec(
            day_of_month=(ScheduleRange(1),),
            hour=(ScheduleRange(hour),),
            comment="monthly complaint report for the previous month",
        )
    return ScheduleCalendarSpec(
        day_of_week=(ScheduleRange(1),),  # 0 is Sunday
        hour=(ScheduleRange(hour),),
        comment="weekly complaint summary for the previous ISO week",
    )


def schedule_id(kind: PeriodKind, task_queue: str) -> str:
    """One schedule per deployment (task queue) and kind: `complaints-report-monthly`."""
    return f"{task_queue}-report-{kind.value}"


def report_schedule(
    kind: PeriodKind, task_queue: str, timezone: str, reports: ReportsPolicy
) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ReportWorkflow.run,
            ProduceReport(kind=kind, period=None, timezone=timezone, rules=reports.rules()),
            id=f"{task_queue}-report-{kind.value}-scheduled",  # the server appends the time
            task_queue=task_queue,
            static_summary=f"{kind.value} complaint report (scheduled)",
        ),
        spec=ScheduleSpec(calendars=[_when(kind, reports.run_at_hour)], time_zone_name=timezone),
    )


def retention_schedule_id(task_queue: str) -> str:
    return f"{task_queue}-retention"


def retention_schedule(task_queue: str, policy: Policy) -> Schedule:
    # A closed case that may still be reopened keeps its data, whatever keep_days says.
    keep_days = max(policy.retention.keep_days, policy.reopen_window_days)
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionWorkflow.run,
            ApplyRetention(keep_days=keep_days),
            id=f"{task_queue}-retention-scheduled",  # the server appends the time
            task_queue=task_queue,
            static_summary=f"anonymise cases closed more than {keep_days} days ago",
        ),
        spec=ScheduleSpec(
            calendars=[
                ScheduleCalendarSpec(
                    hour=(ScheduleRange(policy.retention.run_at_hour),),
                    comment="daily: anonymise the personal data of expired closed cases",
                )
            ],
            time_zone_name=policy.calendar.timezone,
        ),
    )


async def _ensure(client: Client, sid: str, wanted: Schedule, timezone: str) -> None:
    """Creates the schedule, or updates it to this code's definition; keeps a pause."""
    try:
        await client.create_schedule(sid, wanted)
        log.info("schedule_created", schedule_id=sid, timezone=timezone)
    except ScheduleAlreadyRunningError:

        def _update(current: ScheduleUpdateInput) -> ScheduleUpdate:
            # An operator's pause (and its note) survives a worker restart.
            wanted.state = current.description.schedule.state
            return ScheduleUpdate(schedule=wanted)

        await client.get_schedule_handle(sid).update(_update)
        log.info("schedule_updated", schedule_id=sid, timezone=timezone)


async def ensure_report_schedules(
    client: Client, task_queue: str, timezone: str, reports: ReportsPolicy
) -> list[str]:
    """Both report schedules, with the policy's report numbers and run time."""
    ids = []
    for kind in PeriodKind:
        sid = schedule_id(kind, task_queue)
        await _ensure(client, sid, report_schedule(kind, task_queue, timezone, reports), timezone)
        ids.append(sid)
    return ids


async def ensure_schedules(client: Client, task_queue: str, policy: Policy) -> list[str]:
    """Every schedule of the deployment, from the policy the worker runs with."""
    ids = await ensure_report_schedules(
        client, task_queue, policy.calendar.timezone, policy.reports
    )
    sid = retention_schedule_id(task_queue)
    await _ensure(client, sid, retention_schedule(task_queue, policy), policy.calendar.timezone)
    return [*ids, sid]


async def _main() -> None:
    from infra.logging import configure_logging
    from infra.policy_file import load_policy
    from infra.settings import get_settings
    from infra.temporal import connect

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    policy = load_policy(settings.policy_file)
    await ensure_schedules(await connect(settings), settings.temporal_task_queue, policy)


if __name__ == "__main__":
    asyncio.run(_main())

"""The report schedules: the monthly report on the 1st, the weekly summary every Monday.

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

from domain.reports import PeriodKind, ProduceReport
from workflows.reports import ReportWorkflow

log = structlog.get_logger(__name__)

# 01:00 local: an hour's grace for the last cases of the period to be written.
RUN_AT_HOUR = 1
_WHEN = {
    PeriodKind.MONTHLY: ScheduleCalendarSpec(
        day_of_month=(ScheduleRange(1),),
        hour=(ScheduleRange(RUN_AT_HOUR),),
        comment="monthly complaint report for the previous month",
    ),
    PeriodKind.WEEKLY: ScheduleCalendarSpec(
        day_of_week=(ScheduleRange(1),),  # 0 is Sunday
        hour=(ScheduleRange(RUN_AT_HOUR),),
        comment="weekly complaint summary for the previous ISO week",
    ),
}


def schedule_id(kind: PeriodKind, task_queue: str) -> str:
    """One schedule per deployment (task queue) and kind: `complaints-report-monthly`."""
    return f"{task_queue}-report-{kind.value}"


def report_schedule(kind: PeriodKind, task_queue: str, timezone: str) -> Schedule:
    return Schedule(
        action=ScheduleActionStartWorkflow(
            ReportWorkflow.run,
            ProduceReport(kind=kind, period=None, timezone=timezone),
            id=f"{task_queue}-report-{kind.value}-scheduled",  # the server appends the time
            task_queue=task_queue,
            static_summary=f"{kind.value} complaint report (scheduled)",
        ),
        spec=ScheduleSpec(calendars=[_WHEN[kind]], time_zone_name=timezone),
    )


async def ensure_report_schedules(client: Client, task_queue: str, timezone: str) -> list[str]:
    """Creates both schedules, or updates them to this code's definition; keeps a pause."""
    ids = []
    for kind in PeriodKind:
        sid = schedule_id(kind, task_queue)
        wanted = report_schedule(kind, task_queue, timezone)
        try:
            await client.create_schedule(sid, wanted)
            log.info("report_schedule_created", schedule_id=sid, timezone=timezone)
        except ScheduleAlreadyRunningError:

            def _update(current: ScheduleUpdateInput, wanted: Schedule = wanted) -> ScheduleUpdate:
                # An operator's pause (and its note) survives a worker restart.
                wanted.state = current.description.schedule.state
                return ScheduleUpdate(schedule=wanted)

            await client.get_schedule_handle(sid).update(_update)
            log.info("report_schedule_updated", schedule_id=sid, timezone=timezone)
        ids.append(sid)
    return ids


async def _main() -> None:
    from infra.logging import configure_logging
    from infra.policy_file import load_policy
    from infra.settings import get_settings
    from infra.temporal import connect

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    policy = load_policy(settings.policy_file)
    await ensure_report_schedules(
        await connect(settings), settings.temporal_task_queue, policy.calendar.timezone
    )


if __name__ == "__main__":
    asyncio.run(_main())

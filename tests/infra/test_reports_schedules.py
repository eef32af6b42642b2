"""The report schedules: created by the real worker process at start-up, on the dev server."""

import asyncio
import os
import signal
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime

import asyncpg
import pytest
from temporalio.client import (
    Client,
    ScheduleActionExecutionStartWorkflow,
    ScheduleActionStartWorkflow,
    ScheduleDescription,
)
from temporalio.service import RPCError

from devstack.run import worker_command
from devstack.temporal import TemporalDevServer
from domain.policy import Policy
from domain.reports import Period, PeriodKind, ProduceReport, Report, ReportsPolicy
from infra.reports import find_report
from infra.schedules import ensure_report_schedules, retention_schedule_id, schedule_id
from infra.settings import ROOT
from tests.conftest import TEST_CODEC_KEYS
from workflows.reports import SCHEDULED_START


@pytest.fixture
def worker_process(
    dev_server: TemporalDevServer, database_url: str, task_queue: str
) -> Iterator[subprocess.Popen]:
    """`python worker.py` as `make run` starts it, on this test's task queue."""
    env = os.environ | {
        "DATABASE_URL": database_url,
        "TEMPORAL_ADDRESS": dev_server.address,
        "TEMPORAL_TASK_QUEUE": task_queue,
        "CODEC_KEYS": TEST_CODEC_KEYS,
        "CODEC_KEY_FILE": "",
    }
    process = subprocess.Popen(
        worker_command(), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    yield process
    process.send_signal(signal.SIGKILL)
    process.wait(10)


async def _described(client: Client, sid: str) -> ScheduleDescription:
    for _ in range(300):
        try:
            return await client.get_schedule_handle(sid).describe()
        except RPCError:
            await asyncio.sleep(0.1)
    raise AssertionError(f"schedule {sid} was not created")


async def _first_run_id(client: Client, sid: str) -> str:
    for _ in range(300):
        for action in (await client.get_schedule_handle(sid).describe()).info.recent_actions:
            if isinstance(action.action, ScheduleActionExecutionStartWorkflow):
                return action.action.workflow_id
        await asyncio.sleep(0.1)
    raise AssertionError(f"schedule {sid} started nothing")


async def test_worker_start_up_creates_both_schedules_and_a_trigger_reports_last_month(
    worker_process: subprocess.Popen,
    dev_client: Client,
    pool: asyncpg.Pool,
    task_queue: str,
    policy: Policy,
) -> None:
    tz = policy.calendar.timezone
    monthly_id = schedule_id(PeriodKind.MONTHLY, task_queue)
    weekly_id = schedule_id(PeriodKind.WEEKLY, task_queue)
    retention_id = retention_schedule_id(task_queue)
    try:
        monthly = await _described(dev_client, monthly_id)
        weekly = await _described(dev_client, weekly_id)
        # 01:00 on the 1st and on Mondays, in the policy calendar's zone.
        assert monthly.schedule.spec.time_zone_name == tz
        assert weekly.schedule.spec.time_zone_name == tz
        firsts = [policy.calendar.local(t) for t in monthly.info.next_action_times[:3]]
        assert {(t.day, t.hour, t.minute) for t in firsts} == {(1, 1, 0)}
        mondays = [policy.calendar.local(t) for t in weekly.info.next_action_times[:3]]
        assert {(t.isoweekday(), t.hour, t.minute) for t in mondays} == {(1, 1, 0)}

        before = Period.containing(PeriodKind.MONTHLY, datetime.now(UTC), tz).previous()
        await dev_client.get_schedule_handle(monthly_id).trigger()
        run = dev_client.get_workflow_handle(await _first_run_id(dev_client, monthly_id))
        report = Report.model_validate(await run.result())
        after = Period.containing(PeriodKind.MONTHLY, datetime.now(UTC), tz).previous()

        # The schedule stamps its runs with the scheduled time the workflow reports from.
        stamped = (await run.describe()).typed_search_attributes.get(SCHEDULED_START)
        assert stamped is not None
        assert report.period == Period.containing(PeriodKind.MONTHLY, stamped, tz).previous().key
        assert report.period in {before.key, after.key}
        assert report.complete
        assert await find_report(pool, PeriodKind.MONTHLY, report.period) == report
        # The same start-up creates the daily retention schedule (test_retention_schedule.py).
        assert (await _described(dev_client, retention_id)).schedule.state.paused is False
    finally:
        for sid in (monthly_id, weekly_id, retention_id):
            await dev_client.get_schedule_handle(sid).delete()


async def test_ensuring_the_schedules_again_keeps_one_of_each_and_an_operators_pause(
    dev_client: Client, task_queue: str, policy: Policy
) -> None:
    tz = policy.calendar.timezone
    ids = await ensure_report_schedules(dev_client, task_queue, tz, policy.reports)
    try:
        await dev_client.get_schedule_handle(ids[0]).pause(note="month-end freeze")
        # The policy now runs reports at 06:00 UTC and counts only a 5 as satisfied.
        later = ReportsPolicy(run_at_hour=6, satisfied_from=5)
        assert await ensure_report_schedules(dev_client, task_queue, "UTC", later) == ids
        described = await dev_client.get_schedule_handle(ids[0]).describe()
        assert described.schedule.state.paused
        assert described.schedule.spec.time_zone_name == "UTC"
        assert {t.hour for t in described.info.next_action_times[:3]} == {6}
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        (produce,) = await dev_client.data_converter.decode(action.args, [ProduceReport])
        assert produce.rules == later.rules()
        listed = [s.id async for s in await dev_client.list_schedules() if task_queue in s.id]
        assert sorted(listed) == sorted(ids)
    finally:
        for sid in ids:
            await dev_client.get_schedule_handle(sid).delete()

"""The daily retention schedule (DOMAIN section 8), as the worker creates it, on the dev server."""

from temporalio.client import Client, ScheduleActionStartWorkflow

from domain.policy import Policy
from domain.retention import ApplyRetention, RetentionPolicy
from infra.schedules import ensure_schedules, retention_schedule_id


async def test_retention_runs_daily_at_two_with_the_policys_keep_days(
    dev_client: Client, task_queue: str, policy: Policy
) -> None:
    ids = await ensure_schedules(dev_client, task_queue, policy)
    sid = retention_schedule_id(task_queue)
    try:
        assert sid in ids
        described = await dev_client.get_schedule_handle(sid).describe()
        assert described.schedule.spec.time_zone_name == policy.calendar.timezone
        runs = [policy.calendar.local(t) for t in described.info.next_action_times[:3]]
        assert {(t.hour, t.minute) for t in runs} == {(2, 0)}
        assert len({t.date() for t in runs}) == 3  # every day
        action = described.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        (req,) = await dev_client.data_converter.decode(action.args, [ApplyRetention])
        assert req.keep_days == 365

        # A reopen window longer than the retention wins: a case that may still come back
        # keeps its customer's data.
        longer = policy.model_copy(
            update={"reopen_window_days": 400, "retention": RetentionPolicy(keep_days=380)}
        )
        assert await ensure_schedules(dev_client, task_queue, longer) == ids
        action = (await dev_client.get_schedule_handle(sid).describe()).schedule.action
        (req,) = await dev_client.data_converter.decode(action.args, [ApplyRetention])
        assert req.keep_days == 400
    finally:
        for schedule in ids:
            await dev_client.get_schedule_handle(schedule).delete()

"""What the case and its sub-processes share: refusing a command, a timer to a moment,
and how a change is recorded (its audit entry and the recording activity's options)."""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.exceptions import TimeoutError as TemporalTimeoutError

from workflows import patches

with workflow.unsafe.imports_passed_through():
    from domain.authority import Actor
    from domain.models import AuditEntry
    from domain.rules import Refusal

# A timer for a moment already past still fires, at once, so the breach is recorded.
_SHORTEST_TIMER = timedelta(seconds=1)
_RECORD_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)
# One local attempt, well inside the workflow task's timeout; a slower database falls
# back to the regular activity.
_LOCAL_ATTEMPT = RetryPolicy(maximum_attempts=1)
_LOCAL_TIMEOUT = timedelta(seconds=5)


def refuse(refusal: Refusal | None) -> None:
    """Only an ApplicationError fails an update; the API maps its type to a status."""
    if refusal is not None:
        raise ApplicationError(refusal.message, type=refusal.type.value, non_retryable=True)


async def sleep_until(due: datetime, summary: str) -> None:
    await workflow.sleep(max(due - workflow.now(), _SHORTEST_TIMER), summary=summary)


def settle_timer(timer: "asyncio.Task[None] | None") -> None:
    """A timer whose deadline is met, cancelled or superseded is cancelled, so the pending
    timers an engineer reads are exactly the pending deadlines and reminders.

    Runs recorded between KEEP_SETTLED_TIMERS and CANCEL_SETTLED_TIMERS left such timers
    to fire and be ignored (each watcher checks its deadline is still due), to dodge a
    time-skipping test server defect; they replay that way. The new patch is asked first:
    in those histories it has no marker, so the old one decides."""
    if timer is None or timer.done():
        return
    if not patches.applies(patches.CANCEL_SETTLED_TIMERS) and patches.applies(
        patches.KEEP_SETTLED_TIMERS
    ):
        return
    timer.cancel()


def audit_entry(
    action: str,
    actor: Actor | None,
    *,
    at: datetime,
    reason: str,
    data: dict | None,
    who: tuple[str, str] | None = None,
) -> AuditEntry:
    """None as actor is the system; `who` (id, role) someone who is no user, the customer
    through a signed survey link."""
    actor_id, role = (actor.user_id, actor.role.value) if actor else ("system", "system")
    if who is not None:
        actor_id, role = who
    return AuditEntry(
        event_id=str(workflow.uuid4()),
        at=at,
        actor_id=actor_id,
        actor_role=role,
        action=action,
        reason=reason,
        data=data or {},
    )


async def record_with(activity: Callable[..., Any], event: Any, action: str) -> None:
    """Runs a recording activity; its writes are idempotent, so it retries until done."""
    await locally_first(
        activity,
        event,
        patch=patches.RECORD_LOCALLY,
        summary=f"record {action}",
        start_to_close_timeout=timedelta(seconds=30),
        retry_policy=_RECORD_RETRY,
    )


async def locally_first(
    activity: Callable[..., Any], arg: Any, *, patch: str, summary: str, **remote: Any
) -> Any:
    """An idempotent activity run first as one local attempt in the command's own workflow
    task (one marker event, no second task); if that fails, as a regular activity with the
    `remote` options, so a database that stays down shows as the case's pending activity
    with its last failure (the stuck view and `describe`). Runs before `patch` go straight
    to the regular activity, as they always did."""
    if patches.applies(patch):
        try:
            return await workflow.execute_local_activity_method(
                activity,
                arg,
                start_to_close_timeout=_LOCAL_TIMEOUT,
                retry_policy=_LOCAL_ATTEMPT,
                summary=summary,
            )
        except (ActivityError, TemporalTimeoutError, ApplicationError) as err:
            # The SDK tells one failure apart by when it is seen: a local attempt that timed
            # out is an ActivityError when it happens and a TimeoutError when replayed, and
            # one that raised is an ApplicationError both times (it escaped the command
            # before LOCAL_FAILURES_CAUGHT). Caught alike, a replay takes the same path.
            if isinstance(err, ApplicationError) and not patches.applies(
                patches.LOCAL_FAILURES_CAUGHT
            ):
                raise
            workflow.logger.warning("%s locally failed; retrying as an activity", summary)
    return await workflow.execute_activity_method(activity, arg, summary=summary, **remote)

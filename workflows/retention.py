"""The retention workflow: anonymises the personal data of cases closed longer ago than the
policy keeps it (DOMAIN section 8). Started daily by a Temporal Schedule (infra/schedules.py).
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.retention import RetentionActivities
    from domain.retention import AnonymiseExpired, ApplyRetention, RetentionResult

# A day's run does at most this many batches; whatever is left waits for the next day,
# so one run's history stays small even on the first run over years of cases.
MAX_BATCHES = 100
_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


@workflow.defn
class RetentionWorkflow:
    """Anonymises closed cases past `retention.keep_days`, batch by batch; idempotent."""

    @workflow.run
    async def run(self, req: ApplyRetention) -> RetentionResult:
        # One cut-off for the whole run: batches agree on which cases are due.
        closed_before = workflow.now() - timedelta(days=req.keep_days)
        anonymised = 0
        for _ in range(MAX_BATCHES):
            batch = await workflow.execute_activity_method(
                RetentionActivities.anonymise_expired_cases,
                AnonymiseExpired(
                    closed_before=closed_before, keep_days=req.keep_days, limit=req.batch_size
                ),
                start_to_close_timeout=timedelta(minutes=5),
                retry_policy=_RETRY,
                summary=f"anonymise cases closed before {closed_before:%Y-%m-%d}",
            )
            anonymised += len(batch.case_nos)
            if len(batch.case_nos) < req.batch_size:
                more_left = False
                break
        else:
            more_left = True
        workflow.logger.info(
            "retention applied", extra={"anonymised": anonymised, "more_left": more_left}
        )
        return RetentionResult(
            closed_before=closed_before, anonymised=anonymised, more_left=more_left
        )

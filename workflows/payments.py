"""How a case asks finance to pay: the activity and the options that make a dead worker's
request retried within seconds, and any retry harmless."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows import patches
from workflows.common import locally_first

with workflow.unsafe.imports_passed_through():
    from activities.finance import FinanceDesk
    from domain.models import Proposal
    from domain.payments import PaymentReceipt, PaymentRequest, payment_for

# Asked first by one local attempt (`locally_first`); if that fails, as the activity:
# it heartbeats every second while it waits (activities/finance.py): a worker
# killed mid-request is noticed after 5 s and the request runs again on another worker.
# A live worker on a slow finance keeps heartbeating and is never cut off; start-to-close
# only bounds an attempt that hangs while heartbeating. Retries never stop (no maximum
# attempts, no schedule-to-close): money owed is asked for until finance has it, and the
# idempotency key makes every extra attempt a no-op.
_HEARTBEAT_TIMEOUT = timedelta(seconds=5)
_START_TO_CLOSE = timedelta(minutes=2)
_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


def payment_due(
    case_no: str, proposal: Proposal, *, agreement_ref: str, requested_by: str
) -> PaymentRequest | None:
    """The payment an accepted proposal owes, asked for at the case's time; None if none."""
    return payment_for(
        case_no,
        proposal,
        agreement_ref=agreement_ref,
        requested_by=requested_by,
        requested_at=workflow.now(),
    )


async def request_payment(request: PaymentRequest) -> PaymentReceipt:
    return await locally_first(
        FinanceDesk.request_payment,
        request,
        patch=patches.PAY_LOCALLY,
        summary=f"ask finance to pay CNY {request.amount} ({request.idempotency_key})",
        heartbeat_timeout=_HEARTBEAT_TIMEOUT,
        start_to_close_timeout=_START_TO_CLOSE,
        retry_policy=_RETRY,
    )

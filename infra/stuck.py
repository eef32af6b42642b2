"""Stuck cases, found through Temporal's visibility store (the same queries the README's
"Find a stuck case" gives for the Web UI): overdue, waiting on an outside party too
long, or a workflow task that keeps failing (a bug)."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
from temporalio.client import Client, WorkflowExecution

from workflows import search_attributes as sa

OUTSIDE_PARTIES = ("insurer", "police", "consumer-association")
RUNNING = 'ExecutionStatus = "Running"'
OVERDUE = f"{RUNNING} AND CaseOverdue = true"
FAILING = (
    f"{RUNNING} AND TemporalReportedProblems IN "
    '("category=WorkflowTaskFailed", "category=WorkflowTaskTimedOut")'
)


def waiting_outside_query(since_before: datetime) -> str:
    parties = ", ".join(f'"{party}"' for party in OUTSIDE_PARTIES)
    return (
        f"{RUNNING} AND CaseWaitingOn IN ({parties})"
        f' AND CaseWaitingSince < "{since_before.isoformat()}"'
    )


# Of overdue cases, by case number: (what was due, when). The search attributes say only
# that a deadline passed; the register says which.
DeadlinesOf = Callable[[list[str]], Awaitable[dict[str, tuple[str, datetime]]]]


def register_deadlines(pool: asyncpg.Pool, label: Callable[[str], str]) -> DeadlinesOf:
    """The register's next deadline of each case: for an overdue case the earliest open
    one, which is the one that passed. `label` names it as the Web UI's timer does."""

    async def deadlines(case_nos: list[str]) -> dict[str, tuple[str, datetime]]:
        rows = await pool.fetch(
            "SELECT case_no, next_deadline, next_deadline_at FROM complaints"
            " WHERE case_no = ANY($1::text[]) AND next_deadline_at IS NOT NULL",
            case_nos,
        )
        return {
            row["case_no"]: (label(row["next_deadline"]), row["next_deadline_at"]) for row in rows
        }

    return deadlines


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


@dataclass
class StuckCase:
    workflow_id: str
    workflow_type: str
    case_no: str
    reasons: list[str] = field(default_factory=list)
    stage: str | None = None
    waiting_on: list[str] = field(default_factory=list)
    waiting_since: datetime | None = None
    handler: str | None = None
    next_deadline: datetime | None = None
    failure: str | None = None
    # Notices the relay dead-lettered (infra/deliveries.py dead_letters), as the API shows them.
    dead_letters: list = field(default_factory=list)


async def find_stuck(
    client: Client,
    *,
    now: datetime,
    waiting_limit: timedelta,
    limit: int = 200,
    overdue_deadlines: DeadlinesOf | None = None,
    local: Callable[[datetime], str] = _utc,
) -> list[StuckCase]:
    found: dict[str, StuckCase] = {}

    async def collect(query: str, reason: Callable[[StuckCase], str]) -> None:
        async for execution in client.list_workflows(query, limit=limit):
            case = found.get(execution.id) or _stuck_case(execution)
            found[execution.id] = case
            case.reasons.append(reason(case))

    overdue = [
        found.setdefault(execution.id, _stuck_case(execution))
        async for execution in client.list_workflows(OVERDUE, limit=limit)
    ]
    passed = await overdue_deadlines([c.case_no for c in overdue]) if overdue_deadlines else {}
    for case in overdue:
        if case.case_no in passed:
            what, due = passed[case.case_no]
            case.reasons.append(f"overdue: {what} was due {local(due)}, {_ago(now, due)}")
        else:
            case.reasons.append(f"overdue: a deadline passed {_ago(now, case.next_deadline)}")
    await collect(
        waiting_outside_query(now - waiting_limit),
        lambda case: f"waiting on {', '.join(case.waiting_on)} {_ago(now, case.waiting_since)}",
    )
    async for execution in client.list_workflows(FAILING, limit=limit):
        case = found.get(execution.id) or _stuck_case(execution)
        found[execution.id] = case
        case.failure = await _last_task_failure(client, execution.id)
        case.reasons.append(f"workflow task failing: {case.failure}")
    return sorted(found.values(), key=lambda case: case.waiting_since or now)


def _stuck_case(execution: WorkflowExecution) -> StuckCase:
    attributes = execution.typed_search_attributes
    return StuckCase(
        workflow_id=execution.id,
        workflow_type=execution.workflow_type,
        case_no=attributes.get(sa.CASE_NO) or _case_no_from_id(execution.id),
        stage=attributes.get(sa.CASE_STAGE),
        waiting_on=list(attributes.get(sa.CASE_WAITING_ON) or []),
        waiting_since=attributes.get(sa.CASE_WAITING_SINCE),
        handler=attributes.get(sa.CASE_HANDLER),
        next_deadline=attributes.get(sa.CASE_NEXT_DEADLINE),
    )


def _case_no_from_id(workflow_id: str) -> str:
    # complaint-YYYYMM-NNNN[-insurance]: a task can fail before any attribute is set.
    parts = workflow_id.split("-")
    return "-".join(parts[1:3]) if len(parts) >= 3 else workflow_id


def _ago(now: datetime, since: datetime | None) -> str:
    if since is None:
        return ""
    hours = (now - since) / timedelta(hours=1)
    return f"{hours / 24:.1f} days ago" if hours >= 48 else f"{hours:.1f} hours ago"


async def _last_task_failure(client: Client, workflow_id: str) -> str:
    history = await client.get_workflow_handle(workflow_id).fetch_history()
    for event in reversed(history.events):
        if event.HasField("workflow_task_failed_event_attributes"):
            # The message is encrypted with the payloads (infra/temporal.py): decode it.
            failure = event.workflow_task_failed_event_attributes.failure
            return str(await client.data_converter.decode_failure(failure))
    return "workflow task keeps failing"

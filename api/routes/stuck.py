"""Stuck cases and the repair path (README "Find a stuck case")."""

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from pydantic import BaseModel, Field
from temporalio.service import RPCError, RPCStatusCode

from api.commands import case_row
from api.deps import ActorDep, ResourcesDep
from api.errors import Problem
from api.intake import restart_workflow
from api.openapi_errors import CASE_ERRORS
from domain.authority import Role
from domain.case_numbers import workflow_id_for
from domain.models import Notification
from domain.strict import StrictModel
from infra.audit import resend_notification
from infra.deliveries import dead_letters
from infra.register import stores_of
from infra.stuck import StuckCase, find_stuck, register_deadlines

router = APIRouter(prefix="/complaints", tags=["stuck cases"], responses=CASE_ERRORS)

REPAIR_ROLES = frozenset({Role.ENGINEER, Role.MANAGER, Role.SENIOR})


class DeadLetterPublic(BaseModel):
    """A notice the relay gave up on (docs/notifications.md): resend it by its id."""

    notification_id: str
    recipient: str
    subject: str
    channel: str
    destination: str
    attempts: int
    last_error: str | None
    queued_at: datetime


class StuckCasePublic(BaseModel):
    case_no: str
    workflow_id: str
    workflow_type: str
    reasons: list[str]
    stage: str | None
    waiting_on: list[str]
    waiting_since: datetime | None
    waiting_hours: float | None = Field(description="How long it has waited")
    handler: str | None
    next_deadline: datetime | None
    failure: str | None = Field(description="The failing workflow task's error, if any")
    web_ui: str
    dead_letters: list[DeadLetterPublic] = Field(
        default_factory=list,
        description="Notices not delivered after the policy's tries: resend-notification",
    )


class ResendBody(StrictModel):
    notification_id: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=2000)


class RestartBody(StrictModel):
    reason: str = Field(min_length=1, max_length=2000)


class RepairResult(BaseModel):
    case_no: str
    done: str


def _may_repair(actor) -> None:
    if actor.role not in REPAIR_ROLES:
        raise Problem("RoleNotAllowed", f"role {actor.role} may not look after stuck cases")


@router.get("/stuck", response_model=list[StuckCasePublic])
async def list_stuck(actor: ActorDep, resources: ResourcesDep) -> list[StuckCasePublic]:
    _may_repair(actor)
    settings = resources.settings
    now = datetime.now(UTC)
    policy = resources.policy

    def label(name: str) -> str:
        rule = policy.deadlines.get(name)
        return rule.label if rule is not None else name.replace("_", " ")

    cases = await find_stuck(
        resources.temporal,
        now=now,
        waiting_limit=timedelta(days=policy.stuck_after_days),
        overdue_deadlines=register_deadlines(resources.pool, label),
        local=lambda moment: policy.calendar.local(moment).strftime("%Y-%m-%d %H:%M %Z"),
    )
    cases = await _with_dead_letters(resources, cases)
    if actor.stores is not None:
        # A manager's own stores only, by the register (a workflow with no row is none's).
        stores = await stores_of(resources.pool, sorted({case.case_no for case in cases}))
        cases = [c for c in cases if c.case_no in stores and actor.works_at(stores[c.case_no])]
    ui = f"{settings.temporal_ui_url.rstrip('/')}/namespaces/{settings.temporal_namespace}"
    return [
        StuckCasePublic(
            case_no=case.case_no,
            workflow_id=case.workflow_id,
            workflow_type=case.workflow_type,
            reasons=case.reasons,
            stage=case.stage,
            waiting_on=case.waiting_on,
            waiting_since=case.waiting_since,
            waiting_hours=(
                round((now - case.waiting_since) / timedelta(hours=1), 1)
                if case.waiting_since
                else None
            ),
            handler=case.handler,
            next_deadline=case.next_deadline,
            failure=case.failure,
            web_ui=f"{ui}/workflows/{case.workflow_id}",
            dead_letters=case.dead_letters,
        )
        for case in cases
    ]


async def _with_dead_letters(resources, cases: list[StuckCase]) -> list[StuckCase]:
    """Cases with a dead-lettered notice are stuck too: nobody was told."""
    by_case = {case.case_no: case for case in cases}
    for row in await dead_letters(resources.pool):
        case = by_case.get(row["case_no"])
        if case is None:
            case = StuckCase(
                workflow_id=workflow_id_for(row["case_no"]),
                workflow_type="ComplaintWorkflow",
                case_no=row["case_no"],
            )
            by_case[case.case_no] = case
            cases.append(case)
        case.dead_letters.append(
            DeadLetterPublic(
                notification_id=row["notification_id"],
                recipient=row["recipient"],
                subject=row["subject"],
                channel=row["channel"],
                destination=row["destination"],
                attempts=row["attempts"],
                last_error=row["last_error"],
                queued_at=row["created_at"],
            )
        )
        case.reasons.append(
            f"notification {row['notification_id']} to {row['recipient']} not delivered"
            f" by {row['channel']} ({row['destination']}) after {row['attempts']} attempts:"
            f" {row['last_error']}"
        )
    return cases


@router.post("/{case_no}/repair/resend-notification", response_model=RepairResult)
async def resend(
    case_no: str, body: ResendBody, actor: ActorDep, resources: ResourcesDep
) -> RepairResult:
    """Queues a lost notification again, as a new outbox entry, on the audit trail."""
    _may_repair(actor)
    await case_row(resources, case_no, actor)
    copy: Notification | None = await resend_notification(
        resources.pool, case_no, body.notification_id, actor=actor, reason=body.reason
    )
    if copy is None:
        raise Problem(
            "NotificationNotFound", f"case {case_no} has no notification {body.notification_id}"
        )
    return RepairResult(case_no=case_no, done=f"queued again as {copy.notification_id}")


@router.post("/{case_no}/repair/restart", response_model=RepairResult)
async def restart(
    case_no: str, body: RestartBody, actor: ActorDep, resources: ResourcesDep
) -> RepairResult:
    """Starts the workflow of a registered case that has none (intake failed between
    writing the register row and starting it)."""
    _may_repair(actor)
    row = await case_row(resources, case_no, actor)
    handle = resources.temporal.get_workflow_handle(workflow_id_for(case_no))
    try:
        await handle.describe()
    except RPCError as err:
        if err.status is not RPCStatusCode.NOT_FOUND:
            raise
    else:
        raise Problem("WorkflowRunning", f"case {case_no} has its workflow; nothing to restart")
    await restart_workflow(
        temporal=resources.temporal,
        task_queue=resources.settings.temporal_task_queue,
        policy=resources.policy,
        row=row,
        actor=actor,
        reason=body.reason,
    )
    return RepairResult(case_no=case_no, done="workflow started from the register")

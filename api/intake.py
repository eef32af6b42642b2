"""Opening a case: grade it, give it the month's next number, start its workflow."""

from datetime import UTC, datetime

import asyncpg
import structlog
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.schemas import ComplaintCreated
from domain.authority import Actor
from domain.case_numbers import workflow_id_for
from domain.grades import Grade, grade_at_intake
from domain.models import ComplaintStart, Intake
from domain.policy import Policy
from infra.register import count_repeats, register_complaint
from workflows.complaint import ComplaintWorkflow

log = structlog.get_logger(__name__)


async def open_complaint(
    *,
    pool: asyncpg.Pool,
    temporal: Client,
    task_queue: str,
    policy: Policy,
    intake: Intake,
    actor: Actor,
    idempotency_key: str | None = None,
) -> ComplaintCreated:
    """Registers the complaint and starts its workflow; safe to retry with the same key.

    The register row is written first, so a crash before the workflow starts leaves a
    row that the retry finds and starts, never a second case.
    """
    now = datetime.now(UTC)
    repeats = await count_repeats(
        pool, intake, received_at=now, policy=policy.grading, idempotency_key=idempotency_key
    )
    decision = grade_at_intake(
        category=intake.category.value,
        people_affected=intake.people_affected,
        claimed_amount=intake.claimed_amount,
        media_attention=intake.media_attention,
        litigation_threatened=intake.litigation_threatened,
        policy=policy.grading,
        repeats=repeats,
    )
    case = await register_complaint(
        pool,
        intake=intake,
        grade=decision.grade,
        registered_by=actor,
        received_at=now,
        month=policy.calendar.month_of(now),
        policy_version=policy.version,
        idempotency_key=idempotency_key,
    )
    start = ComplaintStart(
        case_no=case.case_no,
        intake=case.intake,
        grade=case.grade,
        grade_reasons=decision.reasons,
        registered_at=case.received_at,
        registered_by=actor,
        policy=policy.for_store(case.intake.store),
    )
    await _start_workflow(temporal, task_queue, start)
    log.info("complaint_registered", case_no=case.case_no, replayed=not case.created)
    return ComplaintCreated(
        case_no=case.case_no,
        workflow_id=workflow_id_for(case.case_no),
        grade=start.grade,
        grade_reasons=start.grade_reasons,
        received_at=start.registered_at,
        replayed=not case.created,
    )


async def restart_workflow(
    *,
    temporal: Client,
    task_queue: str,
    policy: Policy,
    row: asyncpg.Record,
    actor: Actor,
    reason: str,
) -> None:
    """The repair path: a register row whose workflow never started gets it now, with
    its original registration time, so its deadlines run from then."""
    start = ComplaintStart(
        case_no=row["case_no"],
        intake=Intake.model_validate(row["intake"]),
        grade=Grade(row["grade"]),
        grade_reasons=[f"workflow started by {actor.user_id} from the register: {reason}"],
        registered_at=row["received_at"],
        registered_by=actor,
        policy=policy.for_store(row["store"]),
    )
    await _start_workflow(temporal, task_queue, start)
    log.info("complaint_workflow_restarted", case_no=start.case_no, by=actor.user_id)


async def _start_workflow(temporal: Client, task_queue: str, start: ComplaintStart) -> None:
    try:
        await temporal.start_workflow(
            ComplaintWorkflow.run,
            start,
            id=workflow_id_for(start.case_no),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            static_summary=(
                f"Complaint {start.case_no}: grade {start.grade.value}, "
                f"{start.intake.category.value} at {start.intake.store}"
            ),
        )
    except WorkflowAlreadyStartedError:
        pass  # started long ago and already finished: nothing to do

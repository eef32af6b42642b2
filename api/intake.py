"""Opening a case: grade it, give it the month's next number, start its workflow."""

from datetime import UTC, datetime

import asyncpg
import structlog
from fastapi.exceptions import RequestValidationError
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.schemas import ComplaintCreated
from domain.authority import Actor
from domain.case_numbers import workflow_id_for
from domain.grades import Grade, grade_at_intake
from domain.models import ComplaintStart, Intake
from domain.policy import Policy
from domain.stores import canonical_store
from infra.idempotency import earlier_use, request_hash
from infra.register import count_repeats, register_complaint
from workflows.complaint import ComplaintWorkflow

log = structlog.get_logger(__name__)


def in_policy_names(intake: Intake, policy: Policy) -> Intake:
    """The intake with its store under the policy's name ("  shanghai   PUDONG " is
    Shanghai Pudong), so the register, the reports and CaseStore count one store once.
    A store the policy does not list is refused, naming the ones it does (422). A policy
    that lists no store at all takes the name as typed, its spacing tidied."""
    known = list(policy.stores)
    if not known:
        return intake.model_copy(update={"store": " ".join(intake.store.split())})
    store = canonical_store(intake.store, known)
    if store is None:
        raise RequestValidationError(
            [
                {
                    "loc": ("body", "store"),
                    "msg": f"unknown store {intake.store!r}: the stores are {', '.join(known)}",
                    "type": "unknown_store",
                    "input": intake.store,
                    "ctx": {"stores": known},
                }
            ]
        )
    return intake.model_copy(update={"store": store})


def intake_request_hash(intake: Intake, actor: Actor) -> str:
    return request_hash("POST", "/complaints", actor.user_id, intake.model_dump(mode="json"))


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
    """Registers the complaint and starts its workflow; safe to retry with the same key
    (the actor's own), which another complaint may not reuse (IdempotencyKeyReused).

    The register row is written first, so a crash before the workflow starts leaves a
    row that the retry finds and starts, never a second case.
    """
    now = datetime.now(UTC)
    digest = intake_request_hash(intake, actor)
    earlier = None
    if idempotency_key:
        # Refused before grading when the key came with another request; the transaction
        # of register_complaint decides for good.
        earlier = await earlier_use(pool, actor.user_id, idempotency_key, digest)
    repeats = await count_repeats(
        pool,
        intake,
        received_at=now,
        policy=policy.grading,
        retry_of=earlier["case_no"] if earlier is not None else None,
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
        request_hash=digest,
    )
    start = ComplaintStart(
        case_no=case.case_no,
        intake=case.intake,
        grade=case.grade,
        grade_reasons=decision.reasons,
        registered_at=case.received_at,
        registered_by=actor,
        policy=policy.for_case(case.intake),
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
    intake = Intake.model_validate(row["intake"])
    start = ComplaintStart(
        case_no=row["case_no"],
        intake=intake,
        grade=Grade(row["grade"]),
        grade_reasons=[f"workflow started by {actor.user_id} from the register: {reason}"],
        registered_at=row["received_at"],
        registered_by=actor,
        policy=policy.for_case(intake),
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

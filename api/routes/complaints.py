"""/complaints: intake, the register, one endpoint per command, live state and audit trail."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import asyncpg
from fastapi import APIRouter, Query, Response
from temporalio.service import RPCError, RPCStatusCode

from api.bodies import (
    AcknowledgeBody,
    AdvanceDecisionBody,
    ApprovalBody,
    AttendanceBody,
    ComplaintCreate,
    CorrectiveActionBody,
    CorrectiveDoneBody,
    CrisisBody,
    CustomerResponseBody,
    DelayDecisionBody,
    DelayRequestBody,
    ExposureBody,
    FindingsBody,
    FollowUpBody,
    GradeChangeBody,
    HospitalDecisionBody,
    NoteBody,
    PauseBody,
    PromiseBody,
    ProposalBody,
    ReasonBody,
    ReassignBody,
    ResolutionBody,
    ResponsibleBody,
    ResumeBody,
    RevisitBody,
    SettleBody,
    SettleClockBody,
    StartClockBody,
)
from api.commands import IdempotencyKey, PreCheck, add_command_route, case_row
from api.deps import ActorDep, ReadResourcesDep, Resources, ResourcesDep
from api.errors import CaseArchived, CaseNotFound, Problem, Refused
from api.intake import in_policy_names, open_complaint
from api.notices import DELIVERY_STATE_ROLES, notifications_public
from api.openapi_errors import CASE_ERRORS, REGISTERED_BEFORE
from api.schemas import (
    AuditEventPublic,
    ComplaintCreated,
    ComplaintPublic,
    ComplaintSummaryPublic,
)
from domain.authority import Actor
from domain.case_numbers import workflow_id_for
from domain.grades import Grade
from domain.lifecycle import PERSONAL_DATA_ROLES, REGISTER_ROLES, CaseWait, Command, Stage
from domain.models import (
    Acknowledge,
    AcknowledgeEscalation,
    AddNote,
    CaseStatus,
    Category,
    ChangeGrade,
    ChangeResponsible,
    CommandResult,
    CompleteCorrectiveAction,
    Customer,
    DecideAdvance,
    DecideApproval,
    DecideDelay,
    DecideHospital,
    DeclareCrisis,
    DisputeDelay,
    Escalate,
    PauseClocks,
    PromiseCompletion,
    ProposeRemedy,
    ReassignHandler,
    RecordAttendance,
    RecordCorrectiveAction,
    RecordCustomerResponse,
    RecordFindings,
    RecordFollowUp,
    RecordResolution,
    Reopen,
    ReportExposure,
    RequestDelay,
    ResumeClocks,
    SettleOnTheSpot,
    SettleStatutoryClock,
    StartStatutoryClock,
    StatusQuery,
)
from domain.rules import RefusalType, approval_refusal, refusal_for
from domain.strict import Day
from domain.surveys import RecordRevisit
from domain.training import TrainingCase, training_case, training_refusal
from infra.audit import list_events
from infra.deliveries import deliveries_of
from infra.register import (
    RegisterFilter,
    RegisterSort,
    case_snapshot,
    list_cases,
    pending_proposer,
)
from workflows.complaint import ComplaintWorkflow

router = APIRouter(prefix="/complaints", tags=["complaints"], responses=CASE_ERRORS)


@router.post("", status_code=201, response_model=ComplaintCreated, responses=REGISTERED_BEFORE)
async def register(
    body: ComplaintCreate,
    actor: ActorDep,
    resources: ResourcesDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> ComplaintCreated:
    intake = in_policy_names(body.to_intake(), resources.policy)
    if actor.role not in REGISTER_ROLES:
        raise Problem("RoleNotAllowed", f"role {actor.role} may not register complaints")
    if not actor.works_at(intake.store):
        raise Problem(
            "StoreNotAllowed", f"{actor.user_id} may not register complaints for {intake.store}"
        )
    # A burst of intakes is worked a few at a time: each takes the event loop for a few
    # milliseconds a step, and sixty at once made a read wait a second for its turn.
    async with resources.intakes:
        created = await open_complaint(
            pool=resources.pool,
            temporal=resources.temporal,
            task_queue=resources.settings.temporal_task_queue,
            policy=resources.policy,
            intake=intake,
            actor=actor,
            idempotency_key=idempotency_key,
        )
    if created.replayed:
        # The user's own key found their earlier case: theirs to see, unless their stores
        # changed since.
        await _same_request(resources, created.case_no, actor)
        response.status_code = 200
    return created


async def _same_request(resources: Resources, case_no: str, actor: Actor) -> None:
    try:
        await case_row(resources, case_no, actor)
    except CaseNotFound:
        raise Problem(
            "IdempotencyKeyReused", "this Idempotency-Key was used for another request"
        ) from None


@router.get("", response_model=list[ComplaintSummaryPublic])
async def list_register(
    actor: ActorDep,
    resources: ReadResourcesDep,
    stage: Stage | None = None,
    grade: Grade | None = None,
    store: Annotated[
        str | None,
        Query(max_length=200, description="A store, in any case and spacing"),
    ] = None,
    category: Category | None = None,
    waiting_on: Annotated[
        CaseWait | None,
        Query(
            description="Anything the case waits on, as its `CaseWaitingOn` search attribute:"
            " its stage's wait, an open sub-process's (insurer, police, ...), paused clocks,"
            " a delay decision, an escalation's acknowledgement"
        ),
    ] = None,
    overdue: bool | None = None,
    handler: Annotated[
        str | None, Query(min_length=1, max_length=200, description="The handler's user id")
    ] = None,
    department: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=100,
            description="The responsible department (policy `routing`), e.g. quality_control",
        ),
    ] = None,
    case_no: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=20,
            pattern=r"^[0-9-]+$",
            description="The start of the case number: `202611` for November 2026's cases",
        ),
    ] = None,
    received_from: Annotated[
        Day | None, Query(description="Received on or after this day (the company's calendar)")
    ] = None,
    received_to: Annotated[
        Day | None, Query(description="Received on or before this day (the company's calendar)")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="A part of the subject, case, spacing and full-width forms aside",
        ),
    ] = None,
    sku: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="The product's SKU the intake named, case, spacing and full-width"
            " forms aside (a stop-sale order's cases)",
        ),
    ] = None,
    batch: Annotated[
        str | None,
        Query(min_length=1, max_length=200, description="The product's batch, as `sku`"),
    ] = None,
    sort: RegisterSort = RegisterSort.NEWEST,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,  # PostgreSQL's bigint
) -> list[ComplaintSummaryPublic]:
    zone = ZoneInfo(resources.policy.calendar.timezone)
    rows = await list_cases(
        resources.pool,
        RegisterFilter(
            stage=stage and stage.value,
            grade=grade and grade.value,
            store=store,
            category=category and category.value,
            waiting_on=waiting_on and waiting_on.value,
            overdue=overdue,
            handler=handler,
            department=department,
            case_no_prefix=case_no,
            received_from=_midnight(received_from, zone),
            received_before=_midnight(received_to and received_to + timedelta(days=1), zone),
            subject=q,
            sku=sku,
            batch=batch,
            sort=sort,
            stores=actor.stores,
            limit=limit,
            offset=offset,
        ),
    )
    return [ComplaintSummaryPublic.model_validate(dict(row)) for row in rows]


def _midnight(day: date | None, zone: ZoneInfo) -> datetime | None:
    return None if day is None else datetime.combine(day, time(), tzinfo=zone)


async def case_status(resources: Resources, case_no: str) -> CaseStatus:
    """The case as its last recorded change left it, from the register (written in the
    same transaction as the change's audit entry, so a command's answer is already there);
    a case the register holds no snapshot of is asked live."""
    status = await case_snapshot(resources.pool, case_no)
    if status is not None:
        return status
    handle = resources.temporal.get_workflow_handle(workflow_id_for(case_no))
    return await handle.query(ComplaintWorkflow.get_status, StatusQuery())


@router.get("/{case_no}", response_model=ComplaintPublic)
async def get_case(case_no: str, actor: ActorDep, resources: ReadResourcesDep) -> ComplaintPublic:
    row = await case_row(resources, case_no, actor)
    status = await case_status(resources, case_no)
    customer = None
    if actor.role in PERSONAL_DATA_ROLES:
        # The intake's record: with the contact consent and channel messages go by.
        customer = Customer.model_validate(row["intake"]["customer"])
    notifications = None
    if actor.role in DELIVERY_STATE_ROLES:
        notifications = notifications_public(await deliveries_of(resources.pool, case_no))
    return ComplaintPublic(
        summary=ComplaintSummaryPublic.model_validate(dict(row)),
        description=row["description"],
        customer=customer,
        status=status,
        notifications=notifications,
    )


@router.get("/{case_no}/training-case", response_model=TrainingCase)
async def get_training_case(
    case_no: str, actor: ActorDep, resources: ReadResourcesDep
) -> TrainingCase:
    """An A or B case as an anonymised training case (001; issue 19): managers only."""
    row = await case_row(resources, case_no, actor)
    status = await case_status(resources, case_no)
    refusal = training_refusal(actor, status.grade)
    if refusal is not None:
        raise Refused(refusal)
    return training_case(
        status, category=row["category"], store=row["store"], received_at=row["received_at"]
    )


@router.get("/{case_no}/events", response_model=list[AuditEventPublic])
async def get_events(
    case_no: str, actor: ActorDep, resources: ReadResourcesDep
) -> list[AuditEventPublic]:
    await case_row(resources, case_no, actor)
    return [
        AuditEventPublic.model_validate(dict(r)) for r in await list_events(resources.pool, case_no)
    ]


async def _not_the_proposer(resources: Resources, row: asyncpg.Record, actor: Actor) -> None:
    """Four-eyes (DOMAIN 7) before the approval reaches the case: the proposer of the
    pending payment may not decide it (403 SelfApproval). Read from the register's snapshot
    (two fields of it, not the whole case: an approval is answered at the speed of a bare
    update); a case without one is asked live. The workflow's validator checks again. An
    amount beyond the approver's limit is no refusal: the workflow passes the request one
    level up."""
    case_no = row["case_no"]
    facts = await pending_proposer(resources.pool, case_no)
    if facts is None:
        try:
            status = await case_status(resources, case_no)
        except RPCError as err:
            if err.status is RPCStatusCode.NOT_FOUND:
                return  # archived: the update answers that
            raise
        facts = status.stage, status.proposals[-1].proposed_by if status.proposals else None
    stage, proposed_by = facts
    # A wrong stage or role is the validator's answer (409, 403), as without this check.
    if proposed_by is not None and not refusal_for(
        Command.DECIDE_APPROVAL, stage=stage, actor=actor
    ):
        refusal = approval_refusal(actor, proposed_by=proposed_by)
        if refusal is not None and refusal.type is RefusalType.SELF_APPROVAL:
            raise Refused(refusal)


def _command_route(
    path: str,
    update: Callable[..., Any],
    body_type: type,
    input_type: type,
    check: PreCheck | None = None,
):
    add_command_route(
        router,
        path,
        update,
        body_type,
        input_type,
        response_model=CommandResult,
        workflow_id_of=workflow_id_for,
        gone=CaseArchived,
        check=check,
    )


for _path, _update, _body, _input in (
    ("acknowledge", ComplaintWorkflow.acknowledge, AcknowledgeBody, Acknowledge),
    ("findings", ComplaintWorkflow.record_findings, FindingsBody, RecordFindings),
    ("proposal", ComplaintWorkflow.propose_remedy, ProposalBody, ProposeRemedy),
    (
        "customer-response",
        ComplaintWorkflow.record_customer_response,
        CustomerResponseBody,
        RecordCustomerResponse,
    ),
    ("resolution", ComplaintWorkflow.record_resolution, ResolutionBody, RecordResolution),
    ("follow-up", ComplaintWorkflow.record_follow_up, FollowUpBody, RecordFollowUp),
    ("revisits", ComplaintWorkflow.record_revisit, RevisitBody, RecordRevisit),
    ("reopen", ComplaintWorkflow.reopen, ReasonBody, Reopen),
    ("escalate", ComplaintWorkflow.escalate, ReasonBody, Escalate),
    ("notes", ComplaintWorkflow.add_note, NoteBody, AddNote),
    ("reassign", ComplaintWorkflow.reassign_handler, ReassignBody, ReassignHandler),
    ("clocks/pause", ComplaintWorkflow.pause_clocks, PauseBody, PauseClocks),
    ("clocks/resume", ComplaintWorkflow.resume_clocks, ResumeBody, ResumeClocks),
    (
        "clocks/statutory",
        ComplaintWorkflow.start_statutory_clock,
        StartClockBody,
        StartStatutoryClock,
    ),
    (
        "clocks/statutory/settle",
        ComplaintWorkflow.settle_statutory_clock,
        SettleClockBody,
        SettleStatutoryClock,
    ),
    ("delay-request", ComplaintWorkflow.request_delay, DelayRequestBody, RequestDelay),
    ("delay-request/decision", ComplaintWorkflow.decide_delay, DelayDecisionBody, DecideDelay),
    ("delay-request/dispute", ComplaintWorkflow.dispute_delay, ReasonBody, DisputeDelay),
    ("grade", ComplaintWorkflow.change_grade, GradeChangeBody, ChangeGrade),
    ("exposure", ComplaintWorkflow.report_exposure, ExposureBody, ReportExposure),
    ("crisis", ComplaintWorkflow.declare_crisis, CrisisBody, DeclareCrisis),
    (
        "escalation/acknowledge",
        ComplaintWorkflow.acknowledge_escalation,
        ResumeBody,
        AcknowledgeEscalation,
    ),
    ("on-site/attendance", ComplaintWorkflow.record_attendance, AttendanceBody, RecordAttendance),
    ("settle", ComplaintWorkflow.settle_on_the_spot, SettleBody, SettleOnTheSpot),
    ("responsible", ComplaintWorkflow.change_responsible, ResponsibleBody, ChangeResponsible),
    ("injury/hospital", ComplaintWorkflow.decide_hospital, HospitalDecisionBody, DecideHospital),
    ("injury/advance", ComplaintWorkflow.decide_advance, AdvanceDecisionBody, DecideAdvance),
    (
        "corrective-action",
        ComplaintWorkflow.record_corrective_action,
        CorrectiveActionBody,
        RecordCorrectiveAction,
    ),
    (
        "corrective-action/done",
        ComplaintWorkflow.complete_corrective_action,
        CorrectiveDoneBody,
        CompleteCorrectiveAction,
    ),
    ("promise", ComplaintWorkflow.promise_completion, PromiseBody, PromiseCompletion),
):
    _command_route(_path, _update, _body, _input)
_command_route(
    "approval",
    ComplaintWorkflow.decide_approval,
    ApprovalBody,
    DecideApproval,
    check=_not_the_proposer,
)

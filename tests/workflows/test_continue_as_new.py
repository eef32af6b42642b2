"""A long case continues as new (policy history_limit) with its state, its pending
deadlines and its open sub-process carried over, and an update retried across the
hand-over applied once. Time-skipping server, real activities and Postgres."""

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal

import asyncpg
import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.authority import Actor
from domain.insurance import (
    DamageHead,
    OpinionDecision,
    RecordInsurerOpinion,
    ReportToInsurer,
)
from domain.mediation import Failure, MediationResult, RecordMediationOutcome
from domain.models import (
    Acknowledge,
    AddNote,
    Category,
    DeadlineState,
    Liability,
    RecordFindings,
    StatusQuery,
)
from domain.policy import DeadlineName, Policy
from domain.processes import ProcessKind, StartMediation, process_workflow_id
from domain.routing import route_case
from tests.support import Desk, audit_actions, case_no_of, intake
from worker import build_worker
from workflows.complaint import ComplaintWorkflow
from workflows.insurance import InsuranceClaimWorkflow
from workflows.mediation import MediationWorkflow

LIMIT = 120


@pytest.fixture
async def desk(
    time_skipping: WorkflowEnvironment, pool: asyncpg.Pool, task_queue: str, policy: Policy
) -> AsyncIterator[Desk]:
    short = policy.model_copy(update={"history_limit": LIMIT})
    async with build_worker(time_skipping.client, pool, task_queue):
        yield Desk(pool, time_skipping.client, task_queue, short)


async def _runs(client, workflow_id: str) -> list[str]:
    """The run IDs of a case, oldest first, following its continue-as-new chain."""
    handle = client.get_workflow_handle(workflow_id)
    first = (await handle.fetch_history()).events[0]
    run_ids = [first.workflow_execution_started_event_attributes.first_execution_run_id]
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_ids[-1]).fetch_history()
        last = history.events[-1]
        if last.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            return run_ids
        run_ids.append(
            last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
        )


async def _note(case: WorkflowHandle, actor: Actor, text: str, update_id: str | None = None):
    return await case.execute_update(
        ComplaintWorkflow.add_note, AddNote(actor=actor, text=text), id=update_id
    )


async def test_a_long_case_continues_as_new_and_keeps_its_state_timers_and_sub_process(
    desk: Desk, time_skipping: WorkflowEnvironment, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(
        staff,
        intake(category=Category.PERSONAL_INJURY, claimed_amount=Decimal("3000"), incident=None),
    )
    case_no = case_no_of(case)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=handler, valid=True, liability=Liability.COMPANY, summary="Wet floor"),
    )
    await _note(case, handler, "first call", update_id="note:first-call")

    # Notes until the history passes the limit: the case hands over to a new run.
    for number in range(40):
        await _note(case, handler, f"note {number}")
        if len(await _runs(desk.client, case.id)) > 1:
            break
    runs = await _runs(desk.client, case.id)
    assert len(runs) >= 2

    # The same update ID again, after the hand-over: applied once.
    again = await _note(case, handler, "first call", update_id="note:first-call")
    assert again.outcome == "noted"
    actions = await audit_actions(desk.pool, case_no)
    notes = await desk.pool.fetch(
        "SELECT reason FROM audit_events WHERE case_no = $1 AND action = 'note_added'", case_no
    )
    assert [r["reason"] for r in notes].count("first call") == 1

    status = await case.query(ComplaintWorkflow.get_status, StatusQuery())
    # Routed at intake to risk control's responsible person (policy `routing`), carried over.
    routed = route_case(
        desk.policy.for_store("Shanghai Pudong").routing, category="personal_injury", incident=None
    )
    assert routed is not None and routed.responsible
    assert status.handler == routed.responsible and status.stage.value == "liability_decided"
    assert status.department == "risk_control"
    assert any(h.action == "acknowledged" for h in status.history)  # the first run's
    insurance = next(p for p in status.processes if p.kind is ProcessKind.INSURANCE)
    assert insurance.open

    # The proposal deadline, armed by the first run, still falls due in the new one.
    await time_skipping.sleep(timedelta(hours=49))
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery())
    proposal = next(d for d in status.deadlines if d.name is DeadlineName.PROPOSAL)
    assert proposal.state is DeadlineState.MISSED

    # The sub-process outlived the run that started it, and its end reaches the case.
    claim = desk.client.get_workflow_handle(process_workflow_id(case_no, ProcessKind.INSURANCE))
    await claim.execute_update(
        InsuranceClaimWorkflow.report_to_insurer,
        ReportToInsurer(actor=handler, insurer="Ping An", claim_ref="PA-CAN"),
    )
    await claim.execute_update(
        InsuranceClaimWorkflow.record_opinion,
        RecordInsurerOpinion(
            actor=handler,
            decision=OpinionDecision.PAYS,
            written_ref="PA-CAN-1",
            amounts={DamageHead.MEDICAL: Decimal("800")},
        ),
    )
    for _ in range(100):
        actions = [a for a, _ in await audit_actions(desk.pool, case_no)]
        if "insurance_ended" in actions:
            break
        await time_skipping.sleep(timedelta(seconds=1))
    assert actions.count("insurance_ended") == 1
    assert actions.count("deadline_missed") >= 1


async def test_earlier_runs_of_a_sub_process_are_carried_over(
    desk: Desk, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff)
    mediation = desk.client.get_workflow_handle(
        process_workflow_id(case_no_of(case), ProcessKind.MEDIATION)
    )
    await case.execute_update(
        ComplaintWorkflow.start_mediation,
        StartMediation(actor=staff, association="PCA", notice_ref="N-1", accepted_on=date.today()),
    )
    await mediation.execute_update(
        MediationWorkflow.record_outcome,
        RecordMediationOutcome(
            actor=handler, result=MediationResult.FAILED, failure=Failure.NOT_SIGNED
        ),
    )
    for _ in range(100):  # the first run's end reaches the case, then a second one opens
        try:
            await case.execute_update(
                ComplaintWorkflow.start_mediation,
                StartMediation(
                    actor=staff, association="PCA", notice_ref="N-2", accepted_on=date.today()
                ),
            )
            break
        except WorkflowUpdateFailedError:
            await asyncio.sleep(0.1)
    for number in range(60):
        await _note(case, handler, f"note {number}")
        if len(await _runs(desk.client, case.id)) > 1:
            break
    assert len(await _runs(desk.client, case.id)) >= 2
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery())
    assert [(p.kind, p.open) for p in status.processes] == [
        (ProcessKind.MEDIATION, True),
        (ProcessKind.MEDIATION, False),
    ]

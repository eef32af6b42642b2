"""Pending timers are exactly the pending deadlines and reminders: a met, cancelled or
superseded deadline leaves no running timer (README "Find a stuck case": the pending
timers are the first thing an engineer reads). The time-skipping server's describe does
not list pending timers, so the tests read the history: a timer is pending when it was
started and has neither fired nor been cancelled."""

from decimal import Decimal

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle

from domain.authority import Actor
from domain.insurance import ReportToInsurer
from domain.models import (
    Acknowledge,
    Liability,
    ProposeRemedy,
    RecordFindings,
    RemedyKind,
)
from domain.policy import DeadlineName, Policy
from domain.processes import ProcessKind, process_workflow_id
from tests.support import Desk, case_no_of
from tests.workflows.test_processes import injury, process, until
from workflows.complaint import ComplaintWorkflow
from workflows.insurance import InsuranceClaimWorkflow


async def timers(client: Client, handle: WorkflowHandle) -> tuple[list[str], list[str]]:
    """(summaries of the pending timers, summaries of the cancelled ones)."""
    started: dict[int, str] = {}
    cancelled: list[str] = []
    async for event in handle.fetch_history_events():
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            summary = event.user_metadata.summary
            text = (await client.data_converter.decode([summary]))[0] if summary.data else ""
            started[event.event_id] = str(text)
        elif event.event_type == EventType.EVENT_TYPE_TIMER_FIRED:
            started.pop(event.timer_fired_event_attributes.started_event_id, None)
        elif event.event_type == EventType.EVENT_TYPE_TIMER_CANCELED:
            cancelled.append(started.pop(event.timer_canceled_event_attributes.started_event_id))
    return sorted(started.values()), cancelled


def _of(summaries: list[str], label: str) -> list[str]:
    return [s for s in summaries if s.startswith(f"{label} due ")]


async def test_met_deadlines_leave_no_running_timer_on_a_case_waiting_for_approval(
    desk: Desk, staff: Actor, handler: Actor, policy: Policy
) -> None:
    case = await desk.open(staff)
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=handler, valid=True, liability=Liability.COMPANY, summary="Ours"),
    )
    await case.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(
            actor=handler, kind=RemedyKind.REFUND, amount=Decimal("800"), details="Refund"
        ),
    )
    pending, cancelled = await timers(desk.client, case)
    label = {name: policy.deadlines[name].label for name in policy.deadlines}
    for met in (DeadlineName.ACKNOWLEDGE, DeadlineName.DEPARTMENT_REPLY, DeadlineName.PROPOSAL):
        assert _of(pending, label[met]) == [], pending
        assert len(_of(cancelled, label[met])) == 1, cancelled
    # What is still due is still timed, once each.
    for due in (DeadlineName.CLOSE, DeadlineName.NEGOTIATION):
        assert len(_of(pending, label[due])) == 1, pending


async def test_the_insurer_report_timer_is_cancelled_once_the_report_is_filed(
    desk: Desk, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff, injury(incident=None))
    # Started, and the claim has told its case so: its report deadline is armed.
    await until(case, lambda s: getattr(process(s, ProcessKind.INSURANCE), "version", 0) > 0)
    claim = desk.client.get_workflow_handle(
        process_workflow_id(case_no_of(case), ProcessKind.INSURANCE)
    )
    before, _ = await timers(desk.client, claim)
    assert len([s for s in before if s.startswith("report to the insurer due")]) == 1, before
    await claim.execute_update(
        InsuranceClaimWorkflow.report_to_insurer,
        ReportToInsurer(actor=handler, insurer="Ping An", claim_ref="PA-T1"),
    )
    pending, cancelled = await timers(desk.client, claim)
    assert [s for s in pending if s.startswith("report to the insurer due")] == []
    assert [s for s in cancelled if s.startswith("report to the insurer due")] != []
    assert [s for s in pending if s.startswith("insurer's written opinion due")] != []

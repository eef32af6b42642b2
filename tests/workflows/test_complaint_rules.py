"""Workflow rules with the recording activity replaced: what the case writes, and refuses."""

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.models import Escalate, StatusQuery
from domain.policy import Policy
from tests.workflows.scenarios import HANDLER, run_scenario
from workflows.complaint import ComplaintWorkflow


async def test_missed_deadlines_escalate_and_the_reopened_case_keeps_its_count(
    time_skipping: WorkflowEnvironment, policy: Policy
) -> None:
    async with run_scenario(time_skipping, policy, "missed_then_invalid_then_reopened") as (
        handle,
        recorded,
    ):
        status = await handle.query(ComplaintWorkflow.get_status, StatusQuery())
    # Unanswered escalations climbing between the misses are tested on their own.
    actions = [
        e.audit.action
        for e in recorded.events
        if e.audit.action not in ("on_site_assigned", "escalation_unanswered")
    ]
    assert actions[:3] == ["registered", "deadline_missed", "deadline_missed"]
    missed = [
        e.audit.data["deadline"] for e in recorded.events if e.audit.action == "deadline_missed"
    ]
    # acknowledge and close at 48 h, then after reopening the department reply and
    # the 15-day second-complaint reply.
    assert sorted(missed[:2]) == ["acknowledge", "close"]
    assert missed[2:] == ["department_reply", "reopen_reply"]
    assert recorded.events[-1].register_row.reopen_count == 1
    assert recorded.events[-1].register_row.overdue is True
    assert status.escalation_level.value == "senior_management"


async def test_escalation_stops_at_senior_management(
    time_skipping: WorkflowEnvironment, policy: Policy
) -> None:
    async with run_scenario(time_skipping, policy, "missed_then_invalid_then_reopened") as (
        handle,
        _,
    ):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                ComplaintWorkflow.escalate, Escalate(actor=HANDLER, reason="still stuck")
            )
    assert refused.value.cause.type == "TopOfChain"

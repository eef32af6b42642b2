"""A lawsuit on a case and its effective judgment, for the tests that need one."""

from datetime import date
from decimal import Decimal

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.authority import Actor
from domain.legal import JudgmentStatus, RecordJudgment, StartLawsuit
from domain.processes import ProcessKind, ProcessStatus, process_workflow_id
from tests.support import Desk, case_no_of
from workflows.complaint import ComplaintWorkflow
from workflows.lawsuit import LawsuitWorkflow

COURT_CASE_NO = "(2026)沪0115民初7号"


async def open_lawsuit(desk: Desk, case: WorkflowHandle, actor: Actor) -> WorkflowHandle:
    await case.execute_update(
        ComplaintWorkflow.start_lawsuit,
        StartLawsuit(
            actor=actor,
            court="Pudong People's Court",
            court_case_no=COURT_CASE_NO,
            filed_on=date.today(),
            claim="Compensation for a stolen bag",
            claimed_amount=Decimal("5000"),
        ),
    )
    return desk.client.get_workflow_handle(
        process_workflow_id(case_no_of(case), ProcessKind.LAWSUIT)
    )


async def effective_judgment(
    lawsuit: WorkflowHandle,
    actor: Actor,
    ref: str,
    orders: Decimal | None,
    env: WorkflowEnvironment | None = None,
) -> ProcessStatus:
    today = (await env.get_current_time()).date() if env else date.today()
    return await lawsuit.execute_update(
        LawsuitWorkflow.record_judgment,
        RecordJudgment(
            actor=actor,
            judgment_ref=ref,
            judged_on=today,
            status=JudgmentStatus.EFFECTIVE,
            orders_amount=orders,
        ),
    )

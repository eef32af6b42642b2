"""An accepted money remedy asks finance to pay, once, with the case's real activities."""

from decimal import Decimal

from temporalio.client import WorkflowHandle

from domain.models import (
    Acknowledge,
    DecideApproval,
    Liability,
    ProposeRemedy,
    RecordCustomerResponse,
    RecordFindings,
    RemedyKind,
    StatusQuery,
)
from infra.finance import payment_requests_of
from tests.support import Desk, audit_actions, case_no_of
from tests.workflows.scenarios import HANDLER, MANAGER, STAFF
from workflows.complaint import ComplaintWorkflow


async def _accepted(case: WorkflowHandle, kind: RemedyKind, amount: str) -> None:
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=HANDLER))
    await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=HANDLER, valid=True, liability=Liability.COMPANY, summary="Ours"),
    )
    await case.execute_update(
        ComplaintWorkflow.propose_remedy,
        ProposeRemedy(actor=HANDLER, kind=kind, amount=Decimal(amount), details="as agreed"),
    )
    await case.execute_update(
        ComplaintWorkflow.decide_approval, DecideApproval(actor=MANAGER, approve=True, comment="ok")
    )
    await case.execute_update(
        ComplaintWorkflow.record_customer_response,
        RecordCustomerResponse(actor=HANDLER, accepted=True, agreement_ref="AG-PAY-1"),
    )


async def test_an_accepted_refund_asks_finance_to_pay_once(desk: Desk) -> None:
    case = await desk.open(STAFF)
    case_no = case_no_of(case)

    await _accepted(case, RemedyKind.REFUND, "1800")

    rows = await payment_requests_of(desk.pool, case_no)
    assert [
        (r["idempotency_key"], r["amount"], r["agreement_ref"], r["requested_by"]) for r in rows
    ] == [(f"{case_no}:payment:1", Decimal("1800.00"), "AG-PAY-1", HANDLER.user_id)]
    actions = [action for action, _ in await audit_actions(desk.pool, case_no)]
    assert actions[-2:] == ["customer_accepted", "payment_requested"]
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery())
    assert status.proposals[-1].payment_request == f"{case_no}:payment:1"


async def test_an_accepted_repair_asks_finance_for_nothing(desk: Desk) -> None:
    case = await desk.open(STAFF)
    case_no = case_no_of(case)

    await _accepted(case, RemedyKind.REPAIR, "300")

    assert await payment_requests_of(desk.pool, case_no) == []
    assert "payment_requested" not in [a for a, _ in await audit_actions(desk.pool, case_no)]
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery())
    assert status.proposals[-1].payment_request is None

"""Issue 19 section 2 in the case workflow, on the time-skipping server with real activities
and Postgres: each case goes to its responsible department and named person (002, 003,
004); a change of responsible person needs the department head and tells customer service."""

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError

from domain.authority import Actor
from domain.incidents import Incident
from domain.models import (
    Acknowledge,
    Category,
    ChangeResponsible,
    Liability,
    RecordFindings,
    StatusQuery,
)
from infra.register import RegisterFilter, list_cases
from infra.reports import fetch_case_facts
from tests.support import Desk, case_no_of, intake, outbox_for, register_row
from workflows.complaint import ComplaintWorkflow
from workflows.search_attributes import CASE_DEPARTMENT


async def _registered(desk: Desk, case: WorkflowHandle) -> None:
    """The registration's entry is written after the start returns: wait for it."""
    for _ in range(100):
        if await desk.pool.fetchval(
            "SELECT count(*) FROM audit_events WHERE case_no = $1 AND action = 'registered'",
            case_no_of(case),
        ):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the registration was never recorded")


async def _search_attribute(case: WorkflowHandle, name: str) -> object:
    description = await case._client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=case._client.namespace, execution=WorkflowExecution(workflow_id=case.id)
        )
    )
    fields = description.workflow_execution_info.search_attributes.indexed_fields
    return json.loads(fields[name].data) if name in fields else None


async def test_a_product_complaint_goes_to_quality_control_and_its_responsible_person(
    desk: Desk, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff, intake(category=Category.PRODUCT_QUALITY))
    case_no = case_no_of(case)
    await _registered(desk, case)
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))
    assert status.department == "quality_control"
    assert status.handler == handler.user_id  # Shanghai Pudong's named responsible person

    row = await register_row(desk.pool, case_no)
    assert (row["department"], row["handler"]) == ("quality_control", handler.user_id)
    told = await outbox_for(desk.pool, case_no)
    assert any(
        r["recipient"] == f"user:{handler.user_id}" and "assigned" in r["subject"] for r in told
    )
    registered = await desk.pool.fetchval(
        "SELECT data FROM audit_events WHERE case_no = $1 AND action = 'registered'", case_no
    )
    data = registered if isinstance(registered, dict) else json.loads(registered)
    assert data["department"] == "quality_control"
    assert await _search_attribute(case, CASE_DEPARTMENT.name) == "quality_control"

    listed = await list_cases(desk.pool, RegisterFilter(department="quality_control", limit=500))
    assert case_no in [r["case_no"] for r in listed]
    elsewhere = await list_cases(desk.pool, RegisterFilter(department="finance", limit=500))
    assert case_no not in [r["case_no"] for r in elsewhere]
    facts = await fetch_case_facts(
        desk.pool,
        row["received_at"],
        row["received_at"] + timedelta(seconds=1),
        datetime.now(UTC),
    )
    assert [f.department for f in facts if f.case_no == case_no] == ["quality_control"]


async def test_a_theft_goes_to_risk_control_whatever_its_category(desk: Desk, staff: Actor) -> None:
    case = await desk.open(
        staff, intake(category=Category.PRODUCT_QUALITY, incident=Incident.THEFT)
    )
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))
    assert status.department == "risk_control" and status.handler == "duty.sun"


async def test_a_store_without_named_people_routes_to_the_department_only(
    desk: Desk, staff: Actor
) -> None:
    case = await desk.open(staff, intake(store="Shenzhen Futian", category=Category.PRICE))
    await _registered(desk, case)
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))
    assert (status.department, status.handler) == ("finance", None)
    told = await outbox_for(desk.pool, case_no_of(case))
    assert any(r["recipient"] == "finance" for r in told)  # the department's shared inbox


async def test_changing_the_responsible_person_needs_the_department_head_and_tells_customer_service(
    desk: Desk, staff: Actor, handler: Actor, manager: Actor
) -> None:
    case = await desk.open(staff, intake(category=Category.PRODUCT_QUALITY))
    change = ChangeResponsible(actor=handler, person="handler.liu", reason="On leave")
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await case.execute_update(ComplaintWorkflow.change_responsible, change)
    assert refused.value.cause.type == "RoleNotAllowed"
    assert "head of quality_control" in str(refused.value.cause)

    changed = await case.execute_update(
        ComplaintWorkflow.change_responsible,
        ChangeResponsible(actor=manager, person="handler.liu", reason="Wang on leave"),
    )
    assert changed.status.handler == "handler.liu"
    told = await outbox_for(desk.pool, case_no_of(case))
    assert any(r["recipient"] == "customer_service" and "handler.liu" in r["body"] for r in told)
    assert any(r["recipient"] == "user:handler.liu" for r in told)
    row = await desk.pool.fetchrow(
        "SELECT actor_id, data FROM audit_events WHERE case_no = $1"
        " AND action = 'responsible_changed'",
        case_no_of(case),
    )
    assert row["actor_id"] == manager.user_id


async def test_a_case_under_a_policy_without_routing_waits_for_whoever_acknowledges(
    desk: Desk, staff: Actor
) -> None:
    older = Desk(
        desk.pool,
        desk.client,
        desk.task_queue,
        desk.policy.model_copy(update={"version": "2026.11-unrouted", "routing": None}),
    )
    case = await older.open(staff, intake(category=Category.PRODUCT_QUALITY))
    status = await case.query(ComplaintWorkflow.get_status, StatusQuery(include_history=False))
    assert (status.department, status.handler) == (None, None)
    assert await _search_attribute(case, CASE_DEPARTMENT.name) is None


async def test_a_defect_the_findings_lay_on_the_supplier_goes_to_purchasing(
    desk: Desk, staff: Actor, handler: Actor
) -> None:
    case = await desk.open(staff, intake(category=Category.PRODUCT_QUALITY))
    await case.execute_update(ComplaintWorkflow.acknowledge, Acknowledge(actor=handler))
    found = await case.execute_update(
        ComplaintWorkflow.record_findings,
        RecordFindings(actor=handler, valid=True, liability=Liability.SUPPLIER, summary="Batch"),
    )
    assert (found.status.department, found.status.handler) == ("purchasing", "buyer.qian")
    told = await outbox_for(desk.pool, case_no_of(case))
    assert any(r["recipient"] == "user:buyer.qian" for r in told)
    assert any(r["recipient"] == "customer_service" and "purchasing" in r["subject"] for r in told)

"""Test helpers: sample intakes, opening cases, reading the register and audit trail."""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import asyncpg
from temporalio.client import Client, WorkflowHandle

from api.intake import open_complaint
from domain.authority import Actor
from domain.case_numbers import workflow_id_for
from domain.grades import Grade
from domain.models import Category, Channel, Customer, Intake, PurchaseProof
from domain.policy import Policy
from infra.register import register_complaint
from workflows.complaint import ComplaintWorkflow


def intake(**overrides: object) -> Intake:
    fields: dict[str, object] = {
        "channel": Channel.WALK_IN,
        "store": "Shanghai Pudong",
        "category": Category.PRODUCT_QUALITY,
        "description": "The sofa's left armrest cracked two weeks after delivery.",
        "requested_remedy": "refund",
        "claimed_amount": Decimal("1800.00"),
        "customer": Customer(name="Liu Yang", contact="138-0000-0000"),
        "people_affected": 1,
        "purchase_proof": PurchaseProof(receipt_no="R-20261101-88"),
    }
    fields.update(overrides)
    return Intake.model_validate(fields)


async def open_case(
    *,
    pool: asyncpg.Pool,
    client: Client,
    task_queue: str,
    policy: Policy,
    actor: Actor,
    complaint: Intake | None = None,
    idempotency_key: str | None = None,
) -> WorkflowHandle:
    created = await open_complaint(
        pool=pool,
        temporal=client,
        task_queue=task_queue,
        policy=policy,
        intake=complaint or intake(),
        actor=actor,
        idempotency_key=idempotency_key,
    )
    return client.get_workflow_handle_for(ComplaintWorkflow.run, workflow_id_for(created.case_no))


@dataclass
class Desk:
    """Where a test opens cases: Postgres, a Temporal client and the worker's task queue."""

    pool: asyncpg.Pool
    client: Client
    task_queue: str
    policy: Policy

    async def open(
        self, actor: Actor, complaint: Intake | None = None, key: str | None = None
    ) -> WorkflowHandle:
        return await open_case(
            pool=self.pool,
            client=self.client,
            task_queue=self.task_queue,
            policy=self.policy,
            actor=actor,
            complaint=complaint,
            idempotency_key=key,
        )


async def register_only(
    pool: asyncpg.Pool, policy: Policy, actor: Actor, *, month: str = "209901", **fields: object
) -> str:
    """A register row with no workflow behind it, for tests of the Postgres side alone."""
    case = await register_complaint(
        pool,
        intake=intake(**fields),
        grade=Grade.C,
        registered_by=actor,
        received_at=datetime.now(UTC),
        month=month,
        policy_version=policy.version,
        idempotency_key=None,
    )
    return case.case_no


def case_no_of(handle: WorkflowHandle) -> str:
    return handle.id.removeprefix("complaint-")


async def audit_actions(pool: asyncpg.Pool, case_no: str) -> list[tuple[str, str]]:
    rows = await pool.fetch(
        "SELECT action, actor_id FROM audit_events WHERE case_no = $1 ORDER BY seq", case_no
    )
    return [(row["action"], row["actor_id"]) for row in rows]


async def register_row(pool: asyncpg.Pool, case_no: str) -> asyncpg.Record:
    row = await pool.fetchrow("SELECT * FROM complaints WHERE case_no = $1", case_no)
    assert row is not None
    return row


async def outbox_for(pool: asyncpg.Pool, case_no: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT recipient, subject, body FROM outbox WHERE case_no = $1 ORDER BY created_at",
        case_no,
    )

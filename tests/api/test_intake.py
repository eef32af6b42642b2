"""Opening cases: case numbers, grades and idempotency, on real Postgres and Temporal."""

import asyncio
from collections.abc import Awaitable, Callable
from decimal import Decimal

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from api.intake import open_complaint
from api.schemas import ComplaintCreated
from domain.authority import Actor
from domain.models import Category
from domain.policy import Policy
from tests.support import intake


@pytest.fixture
def submit(
    time_skipping: WorkflowEnvironment,
    pool: asyncpg.Pool,
    task_queue: str,
    policy: Policy,
    staff: Actor,
) -> Callable[..., Awaitable[ComplaintCreated]]:
    def submit(key: str | None = None, **fields: object):
        return open_complaint(
            pool=pool,
            temporal=time_skipping.client,
            task_queue=task_queue,
            policy=policy,
            intake=intake(**fields),
            actor=staff,
            idempotency_key=key,
        )

    return submit


async def test_same_idempotency_key_twice_gives_one_case(
    submit, time_skipping: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    first = await submit("retry-me-7f3a")
    second = await submit("retry-me-7f3a")
    concurrent = await asyncio.gather(*(submit("retry-me-7f3a") for _ in range(5)))

    assert (first.replayed, second.replayed) == (False, True)
    assert {first.case_no, second.case_no} | {c.case_no for c in concurrent} == {first.case_no}
    count = await pool.fetchval(
        "SELECT count(*) FROM complaints WHERE idempotency_key = 'retry-me-7f3a'"
    )
    assert count == 1
    description = await time_skipping.client.get_workflow_handle(first.workflow_id).describe()
    assert description.id == f"complaint-{first.case_no}"


async def test_fifty_concurrent_intakes_get_fifty_consecutive_case_numbers(submit) -> None:
    created = await asyncio.gather(*(submit() for _ in range(50)))
    months = {c.case_no.split("-")[0] for c in created}
    serials = sorted(int(c.case_no.split("-")[1]) for c in created)
    assert len(months) == 1
    assert serials == list(range(serials[0], serials[0] + 50))


@pytest.mark.parametrize(
    ("fields", "grade"),
    [
        ({"people_affected": 12}, "A"),
        ({"category": Category.PERSONAL_INJURY}, "A"),
        ({"claimed_amount": Decimal("25000")}, "A"),
        ({"people_affected": 4}, "B"),
        ({"media_attention": True}, "B"),
        ({"category": Category.SUGGESTION_ENQUIRY}, "D"),
        ({}, "C"),
    ],
)
async def test_intake_grades_by_the_rules_intake_data_can_decide(submit, fields, grade) -> None:
    assert (await submit(**fields)).grade.value == grade

"""Opening cases: case numbers, grades and idempotency, on real Postgres and Temporal."""

import asyncio
from decimal import Decimal

import asyncpg
from temporalio.testing import WorkflowEnvironment

from api.intake import open_complaint
from domain.authority import Actor
from domain.models import Category
from domain.policy import Policy
from tests.support import intake


async def test_same_idempotency_key_twice_gives_one_case(
    time_skipping: WorkflowEnvironment,
    pool: asyncpg.Pool,
    task_queue: str,
    policy: Policy,
    staff: Actor,
) -> None:
    async def submit():
        return await open_complaint(
            pool=pool,
            temporal=time_skipping.client,
            task_queue=task_queue,
            policy=policy,
            intake=intake(),
            actor=staff,
            idempotency_key="retry-me-7f3a",
        )

    first = await submit()
    second = await submit()
    concurrent = await asyncio.gather(*(submit() for _ in range(5)))

    assert (first.replayed, second.replayed) == (False, True)
    assert {first.case_no, second.case_no} | {c.case_no for c in concurrent} == {first.case_no}
    count = await pool.fetchval(
        "SELECT count(*) FROM complaints WHERE idempotency_key = 'retry-me-7f3a'"
    )
    assert count == 1
    description = await time_skipping.client.get_workflow_handle(first.workflow_id).describe()
    assert description.id == f"complaint-{first.case_no}"


async def test_fifty_concurrent_intakes_get_fifty_consecutive_case_numbers(
    time_skipping: WorkflowEnvironment,
    pool: asyncpg.Pool,
    task_queue: str,
    policy: Policy,
    staff: Actor,
) -> None:
    created = await asyncio.gather(
        *(
            open_complaint(
                pool=pool,
                temporal=time_skipping.client,
                task_queue=task_queue,
                policy=policy,
                intake=intake(),
                actor=staff,
            )
            for _ in range(50)
        )
    )
    months = {c.case_no.split("-")[0] for c in created}
    serials = sorted(int(c.case_no.split("-")[1]) for c in created)
    assert len(months) == 1
    assert serials == list(range(serials[0], serials[0] + 50))


async def test_intake_grades_collective_and_injury_complaints(
    time_skipping: WorkflowEnvironment,
    pool: asyncpg.Pool,
    task_queue: str,
    policy: Policy,
    staff: Actor,
) -> None:
    async def grade_of(**fields):
        created = await open_complaint(
            pool=pool,
            temporal=time_skipping.client,
            task_queue=task_queue,
            policy=policy,
            intake=intake(**fields),
            actor=staff,
        )
        return created.grade.value

    assert await grade_of(people_affected=12) == "A"
    assert await grade_of(category=Category.PERSONAL_INJURY) == "A"
    assert await grade_of(claimed_amount=Decimal("25000")) == "A"
    assert await grade_of(people_affected=4) == "B"
    assert await grade_of(media_attention=True) == "B"
    assert await grade_of(category=Category.SUGGESTION_ENQUIRY) == "D"
    assert await grade_of() == "C"

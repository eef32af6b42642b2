"""Repeat complaints at intake (DOMAIN section 4): identical complaints from 3 or more
different customers within a month make grade B. Real Postgres register, intake as the API
runs it."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.intake import open_complaint
from api.schemas import ComplaintCreated
from domain.authority import Actor
from domain.models import Category, Customer
from domain.policy import Policy
from tests.api.conftest import auth
from tests.support import intake

Submit = Callable[..., Awaitable[ComplaintCreated]]


@pytest.fixture
def store() -> str:
    """A store of its own: the session's register holds other tests' complaints."""
    return f"Pudong {uuid.uuid4().hex[:6]}"


@pytest.fixture
def submit(
    time_skipping: WorkflowEnvironment,
    pool: asyncpg.Pool,
    task_queue: str,
    policy: Policy,
    staff: Actor,
    store: str,
) -> Submit:
    def submit(contact: str, *, subject: str | None = "sofa ZX-200 stitching", **fields):
        fields.setdefault("store", store)
        return open_complaint(
            pool=pool,
            temporal=time_skipping.client,
            task_queue=task_queue,
            policy=policy,
            intake=intake(
                customer=Customer(name="A customer", contact=contact), subject=subject, **fields
            ),
            actor=staff,
        )

    return submit


async def test_the_fourth_identical_complaint_in_a_month_is_grade_b_and_says_why(
    submit: Submit, store: str
) -> None:
    first = await submit("138-0000-0001")
    second = await submit("138-0000-0002", subject="Sofa  ZX-200 Stitching")
    third = await submit("138-0000-0003", subject="sofa ＺＸ-200 stitching")
    fourth = await submit("liu@example.com")

    assert [c.grade.value for c in (first, second, third, fourth)] == ["C", "C", "B", "B"]
    assert second.grade_reasons == ["general complaint"]
    assert fourth.grade_reasons == [
        f"4th complaint about 'sofa ZX-200 stitching' at {store} from 4 different customers"
        " in 30 days"
    ]


async def test_the_same_customer_complaining_again_is_no_repeat(submit: Submit) -> None:
    # One phone number, written three ways; then one other customer.
    for contact in ("138-0000-0007", "+86 138 0000 0007", "13800000007"):
        assert (await submit(contact)).grade.value == "C"
    assert (await submit("139-1111-2222")).grade.value == "C"


async def test_the_same_subject_at_another_store_or_in_another_category_is_no_repeat(
    submit: Submit, store: str
) -> None:
    await submit("138-0000-0011")
    await submit("138-0000-0012")
    elsewhere = await submit("138-0000-0013", store=f"{store} Xuhui")
    other_category = await submit("138-0000-0014", category=Category.DELIVERY_INSTALLATION)
    assert (elsewhere.grade.value, other_category.grade.value) == ("C", "C")
    # The third customer at the first store, in the first category, makes it a repeat.
    assert (await submit("138-0000-0015")).grade.value == "B"


async def test_complaints_outside_the_month_do_not_count(
    submit: Submit, pool: asyncpg.Pool, store: str
) -> None:
    earlier = [await submit("138-0000-0021"), await submit("138-0000-0022")]
    await pool.execute(
        "UPDATE complaints SET received_at = $2 WHERE case_no = ANY($1::text[])",
        [c.case_no for c in earlier],
        datetime.now(UTC) - timedelta(days=31),
    )
    assert (await submit("138-0000-0023")).grade.value == "C"


async def test_without_a_subject_nothing_is_a_repeat(submit: Submit) -> None:
    graded = [await submit(f"138-0000-003{n}", subject=None) for n in range(4)]
    assert {c.grade.value for c in graded} == {"C"}


async def test_a_repeat_of_suggestions_stays_a_suggestion(submit: Submit) -> None:
    category = Category.SUGGESTION_ENQUIRY
    graded = [await submit(f"138-0000-004{n}", category=category) for n in range(3)]
    assert [c.grade.value for c in graded] == ["D", "D", "D"]


async def test_over_http_the_third_customer_with_the_same_subject_gets_grade_b(
    api: httpx.AsyncClient,
) -> None:
    # Intake takes the stores the policy knows: a subject of its own instead.
    body = {
        "channel": "walk_in",
        "store": "Shenzhen Futian",
        "category": "product_quality",
        "description": "The stitching of the seat came apart.",
        "requested_remedy": "repair",
        "subject": f"sofa ZX-200 stitching {uuid.uuid4().hex[:6]}",
    }
    subject = body["subject"]
    grades = []
    for n in range(3):
        customer = {"name": "A customer", "contact": f"137-0000-000{n}"}
        response = await api.post(
            "/complaints", json=body | {"customer": customer}, headers=auth("senior")
        )
        assert response.status_code == 201, response.text
        grades.append(response.json()["grade"])
    assert grades == ["C", "C", "B"]
    assert f"3rd complaint about '{subject}'" in response.json()["grade_reasons"][0]

"""The register's read side on real Postgres."""

from datetime import UTC, datetime, timedelta

import asyncpg

from domain.authority import Actor
from domain.policy import Policy
from infra.register import RegisterFilter, list_cases
from tests.support import register_only


async def test_a_case_just_registered_lists_as_not_overdue(
    pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    # Before its workflow first writes, the row has no next deadline yet.
    case_no = await register_only(pool, policy, staff, month="209902", store="Fresh Store")
    rows = await list_cases(pool, RegisterFilter(store="Fresh Store"))
    assert [(r["case_no"], r["overdue"]) for r in rows] == [(case_no, False)]
    assert await list_cases(pool, RegisterFilter(store="Fresh Store", overdue=True)) == []


async def test_a_passed_next_deadline_lists_as_overdue(
    pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    case_no = await register_only(pool, policy, staff, month="209902", store="Late Store")
    await pool.execute(
        "UPDATE complaints SET next_deadline_at = $2 WHERE case_no = $1",
        case_no,
        datetime.now(UTC) - timedelta(minutes=5),
    )
    rows = await list_cases(pool, RegisterFilter(store="Late Store", overdue=True))
    assert [r["case_no"] for r in rows] == [case_no]

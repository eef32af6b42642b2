"""The audit trail is append-only in PostgreSQL itself (DOMAIN section 8), whoever writes."""

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from domain.authority import Actor
from domain.models import AuditEntry
from domain.policy import Policy
from infra.audit import append_audit
from tests.support import audit_actions, register_only

REFUSED = asyncpg.exceptions.InsufficientPrivilegeError


async def _case_with_a_note(pool: asyncpg.Pool, policy: Policy, staff: Actor) -> str:
    case_no = await register_only(pool, policy, staff, month="209903")
    entry = AuditEntry(
        event_id=str(uuid.uuid4()),
        at=datetime.now(UTC),
        actor_id=staff.user_id,
        actor_role=staff.role.value,
        action="note_added",
        reason="Called Liu Yang on 138-0000-0000",
        data={"summary": "customer called", "satisfaction": 4},
    )
    async with pool.acquire() as conn:
        await append_audit(conn, case_no, entry)
    return case_no


async def test_an_audit_entry_cannot_be_updated_or_deleted(
    pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    case_no = await _case_with_a_note(pool, policy, staff)
    with pytest.raises(REFUSED, match="append-only: UPDATE refused"):
        await pool.execute(
            "UPDATE audit_events SET reason = 'nothing happened' WHERE case_no = $1", case_no
        )
    with pytest.raises(REFUSED, match="append-only: UPDATE refused"):
        await pool.execute(
            "UPDATE audit_events SET actor_id = 'someone.else' WHERE case_no = $1", case_no
        )
    with pytest.raises(REFUSED, match="append-only: DELETE refused"):
        await pool.execute("DELETE FROM audit_events WHERE case_no = $1", case_no)
    assert await audit_actions(pool, case_no) == [("note_added", staff.user_id)]


async def test_the_audit_trail_cannot_be_truncated(
    pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    case_no = await _case_with_a_note(pool, policy, staff)
    async with pool.acquire() as conn:
        tx = conn.transaction()
        await tx.start()
        try:  # rolled back whatever happens: the session's other tests share this table
            with pytest.raises(REFUSED, match="append-only: TRUNCATE refused"):
                await conn.execute("TRUNCATE audit_events CASCADE")
        finally:
            await tx.rollback()
    assert await audit_actions(pool, case_no) == [("note_added", staff.user_id)]


async def test_only_an_anonymised_cases_free_text_may_be_blanked_and_only_to_the_marker(
    pool: asyncpg.Pool, policy: Policy, staff: Actor
) -> None:
    case_no = await _case_with_a_note(pool, policy, staff)
    blank = (
        "UPDATE audit_events SET reason = '[anonymised]',"
        ' data = data || \'{"summary": "[anonymised]"}\' WHERE case_no = $1'
    )
    with pytest.raises(REFUSED):  # its personal data is still kept
        await pool.execute(blank, case_no)

    await pool.execute("UPDATE complaints SET anonymised_at = now() WHERE case_no = $1", case_no)
    for tampering in (
        "UPDATE audit_events SET reason = 'rewritten' WHERE case_no = $1",
        "UPDATE audit_events SET data = data || '{\"satisfaction\": 5}' WHERE case_no = $1",
        "UPDATE audit_events SET data = data - 'summary' WHERE case_no = $1",
        "UPDATE audit_events SET at = at - interval '1 day', reason = '[anonymised]'"
        " WHERE case_no = $1",
    ):
        with pytest.raises(REFUSED):
            await pool.execute(tampering, case_no)
    await pool.execute(blank, case_no)

    row = await pool.fetchrow(
        "SELECT action, actor_id, reason, data FROM audit_events WHERE case_no = $1", case_no
    )
    assert (row["action"], row["actor_id"], row["reason"]) == (
        "note_added",
        staff.user_id,
        "[anonymised]",
    )
    assert row["data"] == {"summary": "[anonymised]", "satisfaction": 4}

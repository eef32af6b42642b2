"""The case register in Postgres: case numbers, intake rows and the read model of each case."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from domain.authority import Actor
from domain.case_numbers import format_case_no, workflow_id_for
from domain.grades import Grade, GradingPolicy, RepeatComplaints, customer_key, subject_key
from domain.lifecycle import WAITING_ON, Stage
from domain.models import Intake, RegisterSnapshot
from domain.stores import store_key


@dataclass(frozen=True)
class RegisteredCase:
    """The case as first registered: a retry gets the original, not its own request."""

    case_no: str
    created: bool
    received_at: datetime
    grade: Grade
    intake: Intake


async def _existing(conn: asyncpg.Connection, idempotency_key: str) -> RegisteredCase | None:
    row = await conn.fetchrow(
        "SELECT case_no, received_at, grade, intake FROM complaints WHERE idempotency_key = $1",
        idempotency_key,
    )
    if row is None:
        return None
    return RegisteredCase(
        case_no=row["case_no"],
        created=False,
        received_at=row["received_at"],
        grade=Grade(row["grade"]),
        intake=Intake.model_validate(row["intake"]),
    )


async def register_complaint(
    pool: asyncpg.Pool,
    *,
    intake: Intake,
    grade: Grade,
    registered_by: Actor,
    received_at: datetime,
    month: str,
    policy_version: str,
    idempotency_key: str | None,
) -> RegisteredCase:
    """Allocates the next serial of the month and writes the intake row, atomically.

    The counter row is locked until commit, so concurrent intakes queue for it and a
    failed insert rolls its serial back: numbers have neither gaps nor duplicates.
    """
    async with pool.acquire() as conn:
        if idempotency_key and (existing := await _existing(conn, idempotency_key)):
            return existing
        try:
            async with conn.transaction():
                serial = await conn.fetchval(
                    """
                    INSERT INTO case_counters (month, last_serial) VALUES ($1, 1)
                    ON CONFLICT (month) DO UPDATE SET last_serial = case_counters.last_serial + 1
                    RETURNING last_serial
                    """,
                    month,
                )
                case_no = format_case_no(month, serial)
                await conn.execute(
                    """
                    INSERT INTO complaints (
                        case_no, workflow_id, idempotency_key, received_at, registered_by,
                        channel, store, category, description, requested_remedy,
                        claimed_amount, people_affected, customer_name, customer_contact,
                        intake, policy_version, grade, stage, waiting_on,
                        subject_key, customer_key
                    ) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,
                              $20,$21)
                    """,
                    case_no,
                    workflow_id_for(case_no),
                    idempotency_key,
                    received_at,
                    registered_by.user_id,
                    intake.channel.value,
                    intake.store,
                    intake.category.value,
                    intake.description,
                    intake.requested_remedy,
                    intake.claimed_amount,
                    intake.people_affected,
                    intake.customer.name,
                    intake.customer.contact,
                    intake.model_dump(mode="json"),
                    policy_version,
                    grade.value,
                    Stage.RECEIVED.value,
                    WAITING_ON[Stage.RECEIVED].value,
                    subject_key(intake.subject) if intake.subject else None,
                    customer_key(intake.customer.contact),
                )
        except asyncpg.UniqueViolationError:
            # A concurrent retry with the same key committed first: that case is ours.
            if idempotency_key and (existing := await _existing(conn, idempotency_key)):
                return existing
            raise
        return RegisteredCase(
            case_no=case_no, created=True, received_at=received_at, grade=grade, intake=intake
        )


async def count_repeats(
    pool: asyncpg.Pool,
    intake: Intake,
    *,
    received_at: datetime,
    policy: GradingPolicy,
    idempotency_key: str | None,
) -> RepeatComplaints | None:
    """The register's identical complaints (same store, category and subject) received in
    the repeat window, counted with this one; None when the intake names no subject.

    Not serialised with concurrent intakes: two identical complaints registered in the same
    instant may not see each other, and the next one within the window counts both.
    """
    if not intake.subject:
        return None
    customer = customer_key(intake.customer.contact)
    row = await pool.fetchrow(
        """
        SELECT count(*) AS earlier,
               count(DISTINCT customer_key) FILTER (WHERE customer_key <> $6) AS others
        FROM complaints
        WHERE store = $1 AND category = $2 AND subject_key = $3
          AND received_at >= $4 AND received_at <= $5
          -- a retried intake does not count its own first attempt
          AND ($7::text IS NULL OR idempotency_key IS DISTINCT FROM $7)
        """,
        intake.store,
        intake.category.value,
        subject_key(intake.subject),
        received_at - timedelta(days=policy.repeat_window_days),
        received_at,
        customer,
        idempotency_key,
    )
    return RepeatComplaints(
        subject=intake.subject,
        store=intake.store,
        complaints=row["earlier"] + 1,
        customers=row["others"] + 1,
        window_days=policy.repeat_window_days,
    )


async def apply_snapshot(conn: asyncpg.Connection, case_no: str, row: RegisterSnapshot) -> None:
    """Updates the read model unless a later change of the case is already there."""
    await conn.execute(
        """
        UPDATE complaints SET
            stage = $2, grade = $3, escalation_level = $4, handler = $5, waiting_on = $6,
            waiting_on_who = $7, next_deadline = $8, next_deadline_at = $9, overdue = $10,
            reopen_count = $11, closed_at = $12, state_version = $13, updated_at = now()
        WHERE case_no = $1 AND state_version < $13
        """,
        case_no,
        row.stage.value,
        row.grade.value,
        row.escalation_level.value,
        row.handler,
        row.waiting_on.value,
        row.waiting_on_who,
        row.next_deadline.value if row.next_deadline else None,
        row.next_deadline_at,
        row.overdue,
        row.reopen_count,
        row.closed_at,
        row.version,
    )


# Overdue: a deadline was missed, or the next one has passed since the workflow last wrote.
OVERDUE = "(overdue OR COALESCE(closed_at IS NULL AND next_deadline_at < now(), false))"

REGISTER_COLUMNS = f"""
    case_no, workflow_id, received_at, registered_by, channel, store, category,
    requested_remedy, claimed_amount, people_affected, policy_version, grade, stage,
    escalation_level, handler, waiting_on, waiting_on_who, next_deadline, next_deadline_at,
    {OVERDUE} AS overdue,
    reopen_count, closed_at, updated_at
"""


async def find_case(pool: asyncpg.Pool, case_no: str) -> asyncpg.Record | None:
    return await pool.fetchrow(
        f"SELECT {REGISTER_COLUMNS}, customer_name, customer_contact, description, intake"
        " FROM complaints WHERE case_no = $1",
        case_no,
    )


async def stores_of(pool: asyncpg.Pool, case_nos: list[str]) -> dict[str, str]:
    """The store of each registered case among `case_nos`; unknown numbers are left out."""
    rows = await pool.fetch(
        "SELECT case_no, store FROM complaints WHERE case_no = ANY($1::text[])", case_nos
    )
    return {row["case_no"]: row["store"] for row in rows}


# domain.stores.store_key in SQL: case and spacing aside (lower() where Python casefolds:
# the same for store names short of a few letters such as ß).
STORE_KEY = r"lower(btrim(regexp_replace(store, '\s+', ' ', 'g')))"


@dataclass(frozen=True)
class RegisterFilter:
    stage: str | None = None
    grade: str | None = None
    store: str | None = None
    category: str | None = None
    waiting_on: str | None = None
    overdue: bool | None = None
    # The stores the caller works at (Actor.stores): None for every store, empty for none.
    stores: tuple[str, ...] | None = None
    limit: int = 50
    offset: int = 0


async def list_cases(pool: asyncpg.Pool, flt: RegisterFilter) -> list[asyncpg.Record]:
    clauses: list[str] = []
    args: list[object] = []
    for column in ("stage", "grade", "store", "category", "waiting_on"):
        value = getattr(flt, column)
        if value is not None:
            args.append(value)
            clauses.append(f"{column} = ${len(args)}")
    if flt.stores is not None:
        args.append(sorted({store_key(store) for store in flt.stores}))
        clauses.append(f"{STORE_KEY} = ANY(${len(args)}::text[])")
    if flt.overdue is not None:
        args.append(flt.overdue)
        clauses.append(f"{OVERDUE} = ${len(args)}")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    args.extend([flt.limit, flt.offset])
    return await pool.fetch(
        f"SELECT {REGISTER_COLUMNS} FROM complaints {where}"
        f" ORDER BY received_at DESC, case_no DESC LIMIT ${len(args) - 1} OFFSET ${len(args)}",
        *args,
    )

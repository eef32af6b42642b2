"""The case register in Postgres: case numbers, intake rows and the read model of each case."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import asyncpg

from domain.authority import Actor
from domain.case_numbers import format_case_no, workflow_id_for
from domain.grades import Grade, GradingPolicy, RepeatComplaints, customer_key, subject_key
from domain.lifecycle import WAITING_ON, Stage
from domain.models import CaseStatus, HistoryEntry, Intake, RegisterSnapshot
from domain.products import product_key
from domain.stores import store_key
from infra.idempotency import claim_key, record_case


@dataclass(frozen=True)
class RegisteredCase:
    """The case as first registered: a retry gets the original, not its own request."""

    case_no: str
    created: bool
    received_at: datetime
    grade: Grade
    intake: Intake


async def _registered(conn: asyncpg.Connection, case_no: str) -> RegisteredCase:
    row = await conn.fetchrow(
        "SELECT case_no, received_at, grade, intake FROM complaints WHERE case_no = $1",
        case_no,
    )
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
    request_hash: str = "",
) -> RegisteredCase:
    """Allocates the next serial of the month and writes the intake row, atomically.

    The counter row is locked until commit, so concurrent intakes queue for it and a
    failed insert rolls its serial back: numbers have neither gaps nor duplicates. The
    idempotency key (the registering user's) is claimed in the same transaction: a
    retry of the same request gets the case the key opened, another request under it
    raises IdempotencyKeyReused (infra/idempotency.py).
    """
    async with pool.acquire() as conn, conn.transaction():
        if idempotency_key:
            earlier = await claim_key(conn, registered_by.user_id, idempotency_key, request_hash)
            if earlier is not None and earlier["case_no"] is not None:
                return await _registered(conn, earlier["case_no"])
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
                subject_key, customer_key, waits
            ) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,
                      $20,$21,$22)
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
            [WAITING_ON[Stage.RECEIVED].value],
        )
        if idempotency_key:
            await record_case(conn, registered_by.user_id, idempotency_key, case_no)
    return RegisteredCase(
        case_no=case_no, created=True, received_at=received_at, grade=grade, intake=intake
    )


async def count_repeats(
    pool: asyncpg.Pool,
    intake: Intake,
    *,
    received_at: datetime,
    policy: GradingPolicy,
    retry_of: str | None = None,
) -> RepeatComplaints | None:
    """The register's identical complaints (same store, category and subject) received in
    the repeat window, counted with this one; None when the intake names no subject.
    `retry_of`: the case this intake's first attempt opened, which does not count.

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
          AND ($7::text IS NULL OR case_no <> $7)
        """,
        intake.store,
        intake.category.value,
        subject_key(intake.subject),
        received_at - timedelta(days=policy.repeat_window_days),
        received_at,
        customer,
        retry_of,
    )
    return RepeatComplaints(
        subject=intake.subject,
        store=intake.store,
        complaints=row["earlier"] + 1,
        customers=row["others"] + 1,
        window_days=policy.repeat_window_days,
    )


async def apply_snapshot(
    conn: asyncpg.Connection,
    case_no: str,
    row: RegisterSnapshot,
    status: CaseStatus | None = None,
    entry: HistoryEntry | None = None,
    history_length: int | None = None,
) -> None:
    """Updates the read model unless a later change of the case is already there: the
    register row, and the case's state for reads (migrations/009_case_snapshot.sql) with
    its history grown by `entry`, the `history_length`-th. A history that missed an entry
    (a case begun before snapshots) is given up: NULL, read live."""
    await conn.execute(
        """
        UPDATE complaints SET
            stage = $2, grade = $3, escalation_level = $4, handler = $5, waiting_on = $6,
            waiting_on_who = $7, next_deadline = $8, next_deadline_at = $9, overdue = $10,
            reopen_count = $11, closed_at = $12, state_version = $13, updated_at = now(),
            -- a snapshot of a worker before `waits` leaves the column to the stage's wait
            waits = CASE WHEN cardinality($14::text[]) > 0 THEN $14::text[] ELSE ARRAY[$6] END,
            snapshot = COALESCE($15::jsonb, snapshot),
            department = COALESCE($18, department),
            snapshot_history = CASE
                WHEN $15::jsonb IS NULL THEN NULL
                WHEN jsonb_array_length(snapshot_history) = $17::int - 1
                    THEN snapshot_history || jsonb_build_array($16::jsonb)
                ELSE NULL END
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
        row.waits,
        status.model_dump(mode="json", exclude={"history"}) if status is not None else None,
        entry.model_dump(mode="json") if entry is not None else None,
        history_length,
        row.department,
    )


# Overdue: a deadline was missed, or the next one has passed since the workflow last wrote.
OVERDUE = "(overdue OR COALESCE(closed_at IS NULL AND next_deadline_at < now(), false))"

REGISTER_COLUMNS = f"""
    case_no, workflow_id, received_at, registered_by, channel, store, category,
    requested_remedy, claimed_amount, people_affected, policy_version, grade, stage,
    escalation_level, handler, waiting_on, waiting_on_who, next_deadline, next_deadline_at,
    -- the case's own waits, then those of its open sub-processes (as CaseWaitingOn)
    waits || COALESCE((SELECT array_agg(p.waiting_on ORDER BY p.started_at)
                       FROM case_processes p
                       WHERE p.case_no = complaints.case_no AND p.is_open), '{{}}') AS waits,
    {OVERDUE} AS overdue,
    reopen_count, closed_at, updated_at, department
"""


async def find_case(pool: asyncpg.Pool, case_no: str) -> asyncpg.Record | None:
    return await pool.fetchrow(
        f"SELECT {REGISTER_COLUMNS}, customer_name, customer_contact, description, intake"
        " FROM complaints WHERE case_no = $1",
        case_no,
    )


async def pending_proposer(pool: asyncpg.Pool, case_no: str) -> tuple[Stage, str | None] | None:
    """The case's stage and who proposed its latest remedy, as its last recorded change
    left them, read out of the snapshot without decoding the rest; None without one. Both
    change only by a recorded command, so a sub-process's unrecorded signal leaves them."""
    row = await pool.fetchrow(
        "SELECT snapshot->>'stage' AS stage,"
        " snapshot->'proposals'->-1->>'proposed_by' AS proposed_by"
        " FROM complaints WHERE case_no = $1 AND snapshot IS NOT NULL",
        case_no,
    )
    if row is None or row["stage"] is None:
        return None
    return Stage(row["stage"]), row["proposed_by"]


async def case_snapshot(pool: asyncpg.Pool, case_no: str) -> CaseStatus | None:
    """The case's state as its last recorded change left it, history included; None where
    the register cannot hold it (a case begun before snapshots, or anonymised): ask the
    workflow."""
    row = await pool.fetchrow(
        "SELECT snapshot, snapshot_history FROM complaints WHERE case_no = $1", case_no
    )
    if row is None or row["snapshot"] is None or row["snapshot_history"] is None:
        return None
    status = CaseStatus.model_validate({**row["snapshot"], "history": row["snapshot_history"]})
    # A sub-process tells the case of its changes by a signal, which the case does not
    # record: where a sub-process has moved on since, the snapshot is behind.
    for process in await pool.fetch(
        "SELECT workflow_id, started_at, state_version FROM case_processes WHERE case_no = $1",
        case_no,
    ):
        known = [p for p in status.processes if p.workflow_id == process["workflow_id"]]
        latest = max(known, key=lambda p: (p.started_at, p.version), default=None)
        if latest is None or (process["started_at"], process["state_version"]) > (
            latest.started_at,
            latest.version,
        ):
            return None
    return status


async def stores_of(pool: asyncpg.Pool, case_nos: list[str]) -> dict[str, str]:
    """The store of each registered case among `case_nos`; unknown numbers are left out."""
    rows = await pool.fetch(
        "SELECT case_no, store FROM complaints WHERE case_no = ANY($1::text[])", case_nos
    )
    return {row["case_no"]: row["store"] for row in rows}


# domain.stores.store_key in SQL: case and spacing aside (lower() where Python casefolds:
# the same for store names short of a few letters such as ß).
STORE_KEY = r"lower(btrim(regexp_replace(store, '\s+', ' ', 'g')))"


class RegisterSort(StrEnum):
    """The register's orders; each breaks ties by case number, the same way round."""

    NEWEST = "-received_at"
    OLDEST = "received_at"
    CASE_NO = "case_no"
    CASE_NO_DESC = "-case_no"
    NEXT_DEADLINE = "next_deadline"  # the most urgent first; none last
    GRADE = "grade"  # A first


_ORDER = {
    RegisterSort.NEWEST: "received_at DESC, case_no DESC",
    RegisterSort.OLDEST: "received_at, case_no",
    RegisterSort.CASE_NO: "case_no",
    RegisterSort.CASE_NO_DESC: "case_no DESC",
    RegisterSort.NEXT_DEADLINE: "next_deadline_at NULLS LAST, case_no",
    RegisterSort.GRADE: "grade, received_at DESC, case_no DESC",
}


def _like(text: str) -> str:
    """`text` matched literally inside a LIKE pattern."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class RegisterFilter:
    stage: str | None = None
    grade: str | None = None
    # Any spelling of the store: matched case and spacing aside.
    store: str | None = None
    category: str | None = None
    # Any CaseWait: the case's own waits or one of its open sub-processes'.
    waiting_on: str | None = None
    overdue: bool | None = None
    handler: str | None = None
    department: str | None = None  # issue 19: the responsible department
    case_no_prefix: str | None = None
    received_from: datetime | None = None  # inclusive
    received_before: datetime | None = None  # exclusive
    subject: str | None = None  # a part of the subject, as domain.grades.subject_key reads it
    # Issue 16: the product the intake named, its SKU or batch as domain.products.product_key
    # reads a code (case, spacing and full-width forms aside).
    sku: str | None = None
    batch: str | None = None
    sort: RegisterSort = RegisterSort.NEWEST
    # The stores the caller works at (Actor.stores): None for every store, empty for none.
    stores: tuple[str, ...] | None = None
    limit: int = 50
    offset: int = 0


async def list_cases(pool: asyncpg.Pool, flt: RegisterFilter) -> list[asyncpg.Record]:
    clauses: list[str] = []
    args: list[object] = []

    def arg(value: object) -> str:
        args.append(value)
        return f"${len(args)}"

    for column in ("stage", "grade", "category", "handler", "department"):
        value = getattr(flt, column)
        if value is not None:
            clauses.append(f"{column} = {arg(value)}")
    if flt.store is not None:
        clauses.append(f"{STORE_KEY} = {arg(store_key(flt.store))}")
    if flt.sku is not None:
        clauses.append(f"product_sku_key = {arg(product_key(flt.sku))}")
    if flt.batch is not None:
        clauses.append(f"product_batch_key = {arg(product_key(flt.batch))}")
    if flt.stores is not None:
        clauses.append(f"{STORE_KEY} = ANY({arg(sorted({store_key(s) for s in flt.stores}))})")
    if flt.waiting_on is not None:
        wait = arg(flt.waiting_on)
        clauses.append(
            f"({wait} = ANY(waits) OR EXISTS (SELECT 1 FROM case_processes p"
            f" WHERE p.case_no = complaints.case_no AND p.is_open AND p.waiting_on = {wait}))"
        )
    if flt.overdue is not None:
        clauses.append(f"{OVERDUE} = {arg(flt.overdue)}")
    if flt.case_no_prefix:
        clauses.append(f"case_no LIKE {arg(_like(flt.case_no_prefix) + '%')}")
    if flt.received_from is not None:
        clauses.append(f"received_at >= {arg(flt.received_from)}")
    if flt.received_before is not None:
        clauses.append(f"received_at < {arg(flt.received_before)}")
    if flt.subject is not None:
        clauses.append(f"subject_key LIKE {arg('%' + _like(subject_key(flt.subject)) + '%')}")
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    limit, offset = arg(flt.limit), arg(flt.offset)
    return await pool.fetch(
        f"SELECT {REGISTER_COLUMNS} FROM complaints {where}"
        f" ORDER BY {_ORDER[flt.sort]} LIMIT {limit} OFFSET {offset}",
        *args,
    )

"""The stop-sale order register (docs/stop-sale-orders.md): its rows, its links to cases,
and its entries in the audit trail and the outbox (infra/audit.py, under `order_no`)."""

from datetime import date

import asyncpg

from domain.models import AuditEntry, Notification
from domain.products import ProductRef, product_key
from domain.stop_sale import (
    OrderEvent,
    OrderStatus,
    StopSaleOrderLink,
)
from domain.stores import store_key
from infra.audit import append_audit, queue_notification
from infra.idempotency import IdempotencyKeyReused, claim_key


async def claim_order_no(
    pool: asyncpg.Pool, user_id: str, key: str | None, digest: str | None
) -> tuple[int, bool]:
    """The order's number, and whether it is a retry's (the same request under the key
    had it). A new number is written on the key's row in the transaction that claims the
    key, so it is never lost between the claim and the order's start. Raises
    IdempotencyKeyReused if the key came with another request."""
    if key is None or digest is None:
        return await pool.fetchval("SELECT nextval('stop_sale_order_no_seq')"), False
    async with pool.acquire() as conn, conn.transaction():
        earlier = await claim_key(conn, user_id, key, digest)
        if earlier is not None:
            if earlier["order_no"] is None:
                # The key is an intake's: another request.
                raise IdempotencyKeyReused(key)
            return earlier["order_no"], True
        order_no = await conn.fetchval("SELECT nextval('stop_sale_order_no_seq')")
        await conn.execute(
            "UPDATE idempotency_keys SET order_no = $3 WHERE user_id = $1 AND key = $2",
            user_id,
            key,
            order_no,
        )
        return order_no, False


async def apply_order_event(conn: asyncpg.Connection, event: OrderEvent) -> None:
    """The row as the workflow last saw it (an older change never overwrites a newer),
    the audit entry and the notices, in the caller's transaction; written once each."""
    record = event.record
    await conn.execute(
        """
        INSERT INTO stop_sale_orders (
            order_no, workflow_id, issuer, issuer_kind, reference, form, ordered_on,
            product_sku, product_batch, product_name, sku_key, batch_key, stores, status,
            written_order_due, written_order_at, written_order_ref, written_order_overdue,
            recorded_by, recorded_at, lifted_at, lifted_by, record, state_version)
        VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,
                $21,$22,$23,$24)
        ON CONFLICT (order_no) DO UPDATE SET
            reference = EXCLUDED.reference, status = EXCLUDED.status,
            written_order_due = EXCLUDED.written_order_due,
            written_order_at = EXCLUDED.written_order_at,
            written_order_ref = EXCLUDED.written_order_ref,
            written_order_overdue = EXCLUDED.written_order_overdue,
            lifted_at = EXCLUDED.lifted_at, lifted_by = EXCLUDED.lifted_by,
            record = EXCLUDED.record, state_version = EXCLUDED.state_version
        WHERE stop_sale_orders.state_version < EXCLUDED.state_version
        """,
        record.order_no,
        record.workflow_id,
        record.issuer,
        record.issuer_kind.value,
        record.reference,
        record.form.value,
        record.ordered_on,
        record.product.sku,
        record.product.batch,
        record.product.name,
        product_key(record.product.sku),
        product_key(record.product.batch),
        record.stores,
        record.status.value,
        record.written_order_due,
        record.written_order_at,
        record.written_order_ref,
        record.written_order_overdue,
        record.recorded_by,
        record.recorded_at,
        record.lifted_at,
        record.lifted_by,
        record.model_dump(mode="json", exclude={"history"}),
        record.version,
    )
    audit = AuditEntry.model_validate(event.audit.model_dump())
    await append_audit(conn, None, audit, order_no=event.order_no)
    for note in event.notifications:
        await queue_notification(
            conn,
            None,
            Notification(
                notification_id=note.notification_id,
                recipient=note.recipient,
                subject=note.subject,
                body=note.body,
            ),
            order_no=event.order_no,
            store=note.store,
        )


def _scope_sql(product: ProductRef, first: int) -> tuple[str, list[object]]:
    """Conditions on complaints.product_*_key for the codes the order names."""
    conditions, args = [], []
    for column, value in (("product_sku_key", product.sku), ("product_batch_key", product.batch)):
        key = product_key(value)
        if key is not None:
            args.append(key)
            conditions.append(f"c.{column} = ${first + len(args) - 1}")
    return " AND ".join(conditions) or "false", args


async def link_open_cases(
    conn: asyncpg.Connection, order_no: int, product: ProductRef, stores: list[str], at
) -> list[str]:
    """Links the open cases about the product at the stores in scope; every case linked
    to the order by now (a retry finds those it linked before)."""
    where, args = _scope_sql(product, 4)
    keys = [store_key(s) for s in stores]
    await conn.execute(
        f"""
        INSERT INTO stop_sale_order_cases (order_no, case_no, linked_at, linked_by)
        SELECT $1, c.case_no, $2, 'order'
        FROM complaints c
        WHERE c.closed_at IS NULL AND c.anonymised_at IS NULL
          AND lower(btrim(regexp_replace(c.store, '\\s+', ' ', 'g'))) = ANY($3::text[])
          AND {where}
        ON CONFLICT DO NOTHING
        """,
        order_no,
        at,
        keys,
        *args,
    )
    return await cases_of_order(conn, order_no)


async def cases_of_order(conn: asyncpg.Connection, order_no: int) -> list[str]:
    rows = await conn.fetch(
        "SELECT case_no FROM stop_sale_order_cases WHERE order_no = $1 ORDER BY case_no",
        order_no,
    )
    return [row["case_no"] for row in rows]


async def link_new_case(
    conn: asyncpg.Connection, case_no: str, product: ProductRef, store: str, at
) -> list[StopSaleOrderLink]:
    """Links a new case to every order in force over its product at its store."""
    conditions, args = [], []
    for column, value in (("sku_key", product.sku), ("batch_key", product.batch)):
        key = product_key(value)
        args.append(key)
        # An order's code must be the case's; a code the order leaves out matches any.
        conditions.append(f"(o.{column} IS NULL OR o.{column} = ${len(args)}::text)")
    rows = await conn.fetch(
        f"""
        SELECT o.order_no, o.issuer, o.reference, o.form, o.product_sku, o.product_batch,
               o.product_name, o.stores, o.recorded_at
        FROM stop_sale_orders o
        WHERE o.status = 'in_force' AND (o.sku_key IS NOT NULL OR o.batch_key IS NOT NULL)
          AND {" AND ".join(conditions)}
        ORDER BY o.order_no
        """,
        *args,
    )
    linked = []
    for row in rows:
        if store_key(store) not in {store_key(s) for s in row["stores"]}:
            continue
        await conn.execute(
            "INSERT INTO stop_sale_order_cases (order_no, case_no, linked_at, linked_by)"
            " VALUES ($1, $2, $3, 'intake') ON CONFLICT DO NOTHING",
            row["order_no"],
            case_no,
            at,
        )
        # On the order's own trail too: the case was linked at its intake.
        await append_audit(
            conn,
            None,
            AuditEntry(
                event_id=f"stop-sale-{row['order_no']}-intake-{case_no}",
                at=at,
                actor_id="system",
                actor_role="system",
                action="stop_sale_case_linked",
                reason=f"case {case_no} registered about the product at {store}",
                data={"case_no": case_no},
            ),
            order_no=row["order_no"],
        )
        linked.append(
            StopSaleOrderLink(
                order_no=row["order_no"],
                issuer=row["issuer"],
                reference=row["reference"],
                form=row["form"],
                product=ProductRef(
                    sku=row["product_sku"], batch=row["product_batch"], name=row["product_name"]
                ),
                linked_at=at,
                event_id=f"stop-sale-{row['order_no']}-intake-{case_no}",
            )
        )
    return linked


async def list_orders(
    pool: asyncpg.Pool,
    *,
    status: OrderStatus | None = None,
    sku: str | None = None,
    batch: str | None = None,
    store: str | None = None,
    issuer: str | None = None,
    ordered_from: date | None = None,
    ordered_to: date | None = None,
    overdue: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[asyncpg.Record]:
    conditions, args = [], []

    def add(condition: str, value: object) -> None:
        args.append(value)
        conditions.append(condition.format(f"${len(args)}"))

    if status is not None:
        add("status = {}", status.value)
    if sku:
        add("sku_key = {}", product_key(sku))
    if batch:
        add("batch_key = {}", product_key(batch))
    if store:
        add(
            "{} = ANY(SELECT lower(btrim(regexp_replace(s, '\\s+', ' ', 'g')))"
            " FROM unnest(stores) s)",
            store_key(store),
        )
    if issuer:
        add("issuer ILIKE '%' || {} || '%'", issuer)
    if ordered_from:
        add("ordered_on >= {}", ordered_from)
    if ordered_to:
        add("ordered_on <= {}", ordered_to)
    if overdue is not None:
        add("written_order_overdue = {}", overdue)
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    args += [limit, offset]
    return await pool.fetch(
        f"""
        SELECT o.*, (SELECT count(*) FROM stop_sale_order_cases l
                     WHERE l.order_no = o.order_no) AS cases
        FROM stop_sale_orders o {where}
        ORDER BY order_no DESC LIMIT ${len(args) - 1} OFFSET ${len(args)}
        """,
        *args,
    )


async def get_order(pool: asyncpg.Pool, order_no: int) -> asyncpg.Record | None:
    return await pool.fetchrow("SELECT * FROM stop_sale_orders WHERE order_no = $1", order_no)


async def order_cases(pool: asyncpg.Pool, order_no: int) -> list[asyncpg.Record]:
    return await pool.fetch(
        """
        SELECT l.case_no, l.linked_at, l.linked_by, c.store, c.stage, c.closed_at
        FROM stop_sale_order_cases l JOIN complaints c USING (case_no)
        WHERE l.order_no = $1 ORDER BY l.case_no
        """,
        order_no,
    )


async def order_audit(pool: asyncpg.Pool, order_no: int) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT at, actor_id, actor_role, action, reason, data FROM audit_events"
        " WHERE order_no = $1 ORDER BY seq",
        order_no,
    )


async def orders_of_case(pool: asyncpg.Pool, case_no: str) -> list[asyncpg.Record]:
    """The orders a case is linked to, as the register has them now."""
    return await pool.fetch(
        """
        SELECT o.order_no, o.issuer, o.reference, o.form, o.status, o.product_sku,
               o.product_batch, o.product_name, o.ordered_on, l.linked_at, l.linked_by
        FROM stop_sale_order_cases l JOIN stop_sale_orders o USING (order_no)
        WHERE l.case_no = $1 ORDER BY o.order_no
        """,
        case_no,
    )

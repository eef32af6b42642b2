"""Activities of stop-sale orders (000 四.18; DOMAIN 6): the order's register row, audit
entries and notices, and its links to cases. Writes are idempotent (ids from the
workflow, links keyed by order and case), so each activity retries until done."""

import asyncpg
import structlog
from temporalio import activity

from domain.stop_sale import (
    CasesOfOrder,
    LinkedCases,
    LinkedOrders,
    LinkNewCase,
    LinkOpenCases,
    OrderEvent,
)
from infra import stop_sale as register

log = structlog.get_logger(__name__)


class StopSaleDesk:
    """Writes what an order's workflow decides, and links cases to orders."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn
    async def record_order_event(self, event: OrderEvent) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await register.apply_order_event(conn, event)
        log.info(
            "stop_sale_order_event_recorded", order_no=event.order_no, action=event.audit.action
        )

    @activity.defn
    async def link_open_cases(self, request: LinkOpenCases) -> LinkedCases:
        """The open cases about the ordered product at the stores in scope (000 四.18)."""
        async with self._pool.acquire() as conn, conn.transaction():
            case_nos = await register.link_open_cases(
                conn, request.order_no, request.product, request.stores, request.at
            )
        return LinkedCases(case_nos=case_nos)

    @activity.defn
    async def cases_of_order(self, request: CasesOfOrder) -> LinkedCases:
        """Every case linked to the order: at its recording and since, at intake."""
        async with self._pool.acquire() as conn:
            return LinkedCases(case_nos=await register.cases_of_order(conn, request.order_no))

    @activity.defn
    async def link_new_case(self, request: LinkNewCase) -> LinkedOrders:
        """A new case about a product under an order in force at its store is linked to it."""
        async with self._pool.acquire() as conn, conn.transaction():
            orders = await register.link_new_case(
                conn, request.case_no, request.product, request.store, request.at
            )
        return LinkedOrders(orders=orders)

"""The stop-sale orders a case is linked to, part of ComplaintWorkflow (000 四.18; issue
16): an order links the open cases about its product when it is recorded (its signal),
and a case registered later about a product under an order in force is linked at its
intake. The orders themselves run in their own workflows (workflows/stop_sale.py)."""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.stop_sale import StopSaleDesk
    from domain.models import ComplaintStart
    from domain.stop_sale import (
        ORDER_CHANGED_SIGNAL,
        LinkNewCase,
        OrderStatus,
        StopSaleOrderLink,
    )

from workflows import patches

_LINK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)


class CaseStopSale:
    """Mixed into ComplaintWorkflow, whose state and recording it uses."""

    @workflow.signal(name=ORDER_CHANGED_SIGNAL)
    async def stop_sale_order_changed(self, link: StopSaleOrderLink) -> None:
        """An order linked the case, or was lifted. A new signal: no recorded history has
        it. Sent twice (a retried signal), it is recorded once."""
        async with self._turn():
            if link.event_id in self._signals_seen:
                return
            self._signals_seen.add(link.event_id)
            await self._note_order(link)

    async def _link_orders_at_intake(self, start: ComplaintStart) -> None:
        """A case about a product under an order in force at its store is linked to it."""
        product = start.intake.product
        if product is None or (product.sku is None and product.batch is None):
            return
        if not patches.applies(patches.STOPSALE_LINK_AT_INTAKE):
            return
        await self._flush_recorded()
        linked = await workflow.execute_activity_method(
            StopSaleDesk.link_new_case,
            LinkNewCase(
                case_no=start.case_no,
                product=product,
                store=start.intake.store,
                at=start.registered_at,
            ),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_LINK_RETRY,
            summary="link stop-sale orders in force over the product",
        )
        for link in linked.orders:
            self._signals_seen.add(link.event_id)
            await self._note_order(link)

    async def _note_order(self, link: StopSaleOrderLink) -> None:
        known = self._stop_sale_orders.get(link.order_no)
        if known is not None and known.status is link.status:
            return
        self._stop_sale_orders[link.order_no] = link
        reason = (
            f"stop-sale order {link.order_no} of {link.issuer}"
            f" ({link.reference or link.form.value}) on {link.product.label()}"
        )
        data = {"order_no": link.order_no, "status": link.status.value}
        if link.status is OrderStatus.LIFTED:
            await self._record("stop_sale_order_lifted_for_case", None, reason=reason, data=data)
        else:
            await self._record("stop_sale_order_linked", None, reason=reason, data=data)

    def _linked_orders(self) -> list[StopSaleOrderLink]:
        return [self._stop_sale_orders[n] for n in sorted(self._stop_sale_orders)]

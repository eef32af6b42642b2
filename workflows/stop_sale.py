"""An authority's stop-sale order: one workflow per order, `stop-sale-<n>` (000 四.18;
DOMAIN 6 "Others"). Orders are not cases and this is no child of one: it has its own
register row, its own audit trail entries, its own timer."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from activities.stop_sale import StopSaleDesk
    from domain.authority import Actor
    from domain.case_numbers import workflow_id_for
    from domain.stop_sale import (
        ORDER_CHANGED_SIGNAL,
        CasesOfOrder,
        LiftOrder,
        LinkOpenCases,
        OrderAudit,
        OrderEvent,
        OrderForm,
        OrderHistoryEntry,
        OrderNotification,
        OrderQuery,
        OrderRecipient,
        OrderStatus,
        RecordWrittenOrder,
        StopSaleOrderLink,
        StopSaleOrderRecord,
        StopSaleOrderStart,
        lift_refusal,
        written_order_refusal,
    )

from workflows.common import audit_entry, record_with, refuse, settle_timer, sleep_until

_LINK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1)
)


@workflow.defn
class StopSaleOrderWorkflow:
    """Records the order and obeys it at once: purchasing and every store in scope are
    told, the open cases about the product are linked; an oral order waits for its
    written order until its deadline (then those the policy names are told) and after;
    it ends when senior management records that the authority lifted it."""

    @workflow.init
    def __init__(self, start: StopSaleOrderStart) -> None:
        self._start = start
        self._policy = start.policy
        self._order = StopSaleOrderRecord(
            order_no=start.order_no,
            workflow_id=workflow.info().workflow_id,
            issuer=start.issuer,
            issuer_kind=start.issuer_kind,
            reference=start.reference,
            form=start.form,
            ordered_on=start.ordered_on,
            product=start.product,
            stores=list(start.stores),
            stores_named=start.stores_named,
            note=start.note,
            recorded_by=start.recorded_by.user_id,
            recorded_at=start.recorded_at,
            policy_version=start.policy_version,
            recipients=list(start.recipients),
        )
        self._lock = asyncio.Lock()
        self._recorded = False
        self._timer: asyncio.Task[None] | None = None

    @workflow.run
    async def run(self, start: StopSaleOrderStart) -> StopSaleOrderRecord:
        async with self._lock:
            await self._record_order(start)
            self._recorded = True
        await workflow.wait_condition(lambda: self._order.status is OrderStatus.LIFTED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._order

    async def _record_order(self, start: StopSaleOrderStart) -> None:
        order = self._order
        oral = start.form is OrderForm.ORAL
        if oral:
            # 000 四.18: an oral order is followed at once by the request for it in writing.
            order.written_order_requested_at = start.recorded_at
            order.written_order_due = self._policy.written_order_within.after(
                start.recorded_at, start.calendar
            )
        await self._record(
            "stop_sale_order_recorded",
            start.recorded_by,
            reason=f"{start.form.value} order of {start.issuer}"
            f" ({start.reference or 'no reference'}): stop selling {start.product.label()}"
            f" at {', '.join(order.stores)}",
            data={
                "issuer": start.issuer,
                "issuer_kind": start.issuer_kind.value,
                "reference": start.reference,
                "form": start.form.value,
                "stores": order.stores,
                "sku": start.product.sku,
                "batch": start.product.batch,
            },
            notifications=self._notices(
                "停止销售 / stop selling",
                f"{start.issuer} ordered ({start.form.value}) on {start.ordered_on}: stop"
                f" selling {start.product.label()} at once; pull it from sale at {{store}}.",
                start.recipients,
            ),
        )
        if oral:
            await self._record(
                "stop_sale_written_order_requested",
                start.recorded_by,
                reason=f"{start.issuer} asked for the order in writing, due"
                f" {self._local(order.written_order_due)}",
                data={"due": order.written_order_due.isoformat()},
            )
            self._timer = asyncio.create_task(self._watch_written_order(order.written_order_due))
        linked = await workflow.execute_activity_method(
            StopSaleDesk.link_open_cases,
            LinkOpenCases(
                order_no=order.order_no,
                product=order.product,
                stores=order.stores,
                at=start.recorded_at,
            ),
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=_LINK_RETRY,
            summary="link the open cases about the product",
        )
        order.linked_cases = list(linked.case_nos)
        await self._tell_cases(order.linked_cases, "linked")
        await self._record(
            "stop_sale_cases_linked",
            None,
            reason=f"{len(order.linked_cases)} open case(s) about the product"
            + (f": {', '.join(order.linked_cases)}" if order.linked_cases else ""),
            data={"case_nos": order.linked_cases},
        )

    # --- queries and updates -----------------------------------------------------------

    @workflow.query
    def get_order(self, query: OrderQuery) -> StopSaleOrderRecord:
        if query.include_history:
            return self._order
        return self._order.model_copy(update={"history": []})

    @workflow.update
    async def record_written_order(self, cmd: RecordWrittenOrder) -> StopSaleOrderRecord:
        async with self._turn():
            refuse(written_order_refusal(self._order, cmd.actor))
            order = self._order
            order.written_order_ref = cmd.reference
            order.written_order_at = workflow.now()
            if order.reference is None:
                order.reference = cmd.reference
            late = order.written_order_overdue
            settle_timer(self._timer)
            self._timer = None
            await self._record(
                "stop_sale_written_order_recorded",
                cmd.actor,
                reason=f"written order {cmd.reference}"
                + (f" received {cmd.received_on}" if cmd.received_on else "")
                + (" (after its deadline)" if late else ""),
                data={"reference": cmd.reference, "late": late},
            )
            return self._order

    @record_written_order.validator
    def _validate_written_order(self, cmd: RecordWrittenOrder) -> None:
        refuse(written_order_refusal(self._order, cmd.actor))

    @workflow.update
    async def lift_order(self, cmd: LiftOrder) -> StopSaleOrderRecord:
        async with self._turn():
            refuse(lift_refusal(self._order, cmd.actor))
            order = self._order
            order.status = OrderStatus.LIFTED
            order.lifted_at = workflow.now()
            order.lifted_by = cmd.actor.user_id
            order.lift_reason = cmd.reason
            order.lift_reference = cmd.reference
            settle_timer(self._timer)
            self._timer = None
            await self._record(
                "stop_sale_order_lifted",
                cmd.actor,
                reason=cmd.reason,
                data={"reference": cmd.reference},
                notifications=self._notices(
                    "停售令解除 / stop-sale order lifted",
                    f"{order.issuer} lifted its order on {order.product.label()}"
                    f" ({cmd.reason}); it may be sold again at {{store}}.",
                    order.recipients,
                ),
            )
            cases = await workflow.execute_activity_method(
                StopSaleDesk.cases_of_order,
                CasesOfOrder(order_no=order.order_no),
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=_LINK_RETRY,
                summary="the cases linked to the order",
            )
            await self._tell_cases(cases.case_nos, "lifted")
            return self._order

    @lift_order.validator
    def _validate_lift(self, cmd: LiftOrder) -> None:
        refuse(lift_refusal(self._order, cmd.actor))

    # --- the written order's deadline -----------------------------------------------------

    async def _watch_written_order(self, due: datetime) -> None:
        await sleep_until(due, "written stop-sale order due from the authority")
        async with self._lock:
            order = self._order
            if order.written_order_ref is not None or order.status is not OrderStatus.IN_FORCE:
                return
            order.written_order_overdue = True
            await self._record(
                "stop_sale_written_order_overdue",
                None,
                reason=f"no written order from {order.issuer} by {self._local(due)}",
                notifications=self._notices(
                    "书面停售文件逾期 / written order overdue",
                    f"{order.issuer} has not given its stop-sale order on"
                    f" {order.product.label()} in writing (due {self._local(due)}):"
                    " ask again, and tell senior management.",
                    self._start.overdue_recipients,
                ),
            )

    # --- recording ---------------------------------------------------------------------

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        """One change at a time, and none before the order is on record."""
        await workflow.wait_condition(lambda: self._recorded)
        async with self._lock:
            yield

    def _local(self, moment: datetime) -> str:
        return self._start.calendar.local(moment).strftime("%Y-%m-%d %H:%M %Z")

    def _notices(
        self, subject: str, body: str, recipients: list[OrderRecipient]
    ) -> list[OrderNotification]:
        order = self._order
        return [
            OrderNotification(
                notification_id=str(workflow.uuid4()),
                recipient=one.recipient,
                store=one.store,
                subject=f"停售令 {order.order_no} / stop-sale order {order.order_no}: {subject}",
                body=body.format(store=one.store or "every store in its scope")
                + f" Stores: {', '.join(order.stores)}.",
            )
            for one in recipients
        ]

    async def _record(
        self,
        action: str,
        actor: Actor | None,
        *,
        reason: str = "",
        data: dict | None = None,
        notifications: list[OrderNotification] | None = None,
    ) -> None:
        """The order's audit entry, register row and notices, in one activity."""
        # The case's audit entry (who the system is, the event id), in the order's model:
        # domain.models imports domain.stop_sale, so the order cannot use AuditEntry.
        audit = audit_entry(action, actor, at=workflow.now(), reason=reason, data=data)
        self._order.version += 1
        self._order.history.append(
            OrderHistoryEntry(at=audit.at, actor=audit.actor_id, action=action, detail=reason)
        )
        workflow.set_current_details(
            f"Stop-sale order {self._order.order_no} ({self._order.status.value}):"
            f" {self._order.product.label()}"
        )
        event = OrderEvent(
            order_no=self._order.order_no,
            audit=OrderAudit.model_validate(audit.model_dump()),
            record=self._order,
            notifications=notifications or [],
        )
        await record_with(StopSaleDesk.record_order_event, event, action)

    async def _tell_cases(self, case_nos: list[str], change: str) -> None:
        """Each case shows the order (ComplaintWorkflow.stop_sale_order_changed); a case
        whose workflow has ended cannot listen, and its link stays in the register."""
        order = self._order
        for case_no in case_nos:
            link = StopSaleOrderLink(
                order_no=order.order_no,
                issuer=order.issuer,
                reference=order.reference,
                form=order.form,
                product=order.product,
                status=order.status,
                linked_at=workflow.now(),
                event_id=f"stop-sale-{order.order_no}-{change}-{case_no}",
            )
            case = workflow.get_external_workflow_handle(workflow_id_for(case_no))
            try:
                await case.signal(ORDER_CHANGED_SIGNAL, link)
            except Exception as err:  # noqa: BLE001 - an ended case cannot listen
                workflow.logger.warning("case %s not told of the order: %s", case_no, err)

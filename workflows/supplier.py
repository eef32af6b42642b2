"""A claim against the supplier: a child workflow of its complaint (000 四.17; issue 16)."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.lifecycle import CaseWait
    from domain.processes import (
        EndProcess,
        ProcessCommand,
        ProcessKind,
        ProcessStatus,
        ProcessSummary,
    )
    from domain.supplier import (
        AskCompensation,
        Notice,
        Payment,
        Pulled,
        PullFromSale,
        RecordCompensation,
        RecordRefusal,
        Returned,
        ReturnGoods,
        SendNotice,
        SupplierRecord,
        SupplierStage,
        SupplierStart,
        claim_outcome,
        demand_refusal,
        payment_refusal,
        refusal_refusal,
    )

from workflows.common import refuse
from workflows.process_journal import ProcessJournal

_CHASE = "chase"
PURCHASING = "purchasing"


@workflow.defn
class SupplierClaimWorkflow:
    """Purchasing deals with the supplier: notice of the defect, the goods pulled from
    sale and returned, compensation asked and received (in part or in full) or refused.
    A supplier silent after a notice or a demand is chased; after the policy's chases
    the case escalates."""

    @workflow.init
    def __init__(self, start: SupplierStart) -> None:
        assert start.policy.supplier is not None, "started only under a policy with supplier"
        self._policy = start.policy.supplier
        self._claim = SupplierRecord(
            supplier=start.supplier, product=start.product, defect=start.defect
        )
        self._j = ProcessJournal(
            start,
            ProcessKind.SUPPLIER,
            stage=SupplierStage.REPORTED,
            waiting_on=CaseWait.PURCHASING.value,
            who=PURCHASING,
            record_of=lambda: self._claim,
        )

    @workflow.run
    async def run(self, start: SupplierStart) -> ProcessSummary:
        return await self._j.run(
            "supplier_claim_started",
            data={
                "supplier": start.supplier,
                "product": start.product.model_dump() if start.product else None,
            },
            on_started=lambda: None,
            notifications=lambda: [
                self._j.notice(
                    role,
                    f"a defect to claim from {start.supplier}",
                    f"{start.product.label() if start.product else 'The product'}: send the"
                    " supplier notice, pull the goods from sale, return them and ask for"
                    " compensation.",
                )
                for role in self._policy.notify
            ],
        )

    @workflow.query
    def get_status(self) -> ProcessStatus:
        return self._j.status()

    @workflow.signal
    def end_process(self, request: EndProcess) -> None:
        self._j.request_end(request)

    # --- messages -------------------------------------------------------------------

    @workflow.update
    async def send_notice(self, cmd: SendNotice) -> ProcessStatus:
        async with self._j.turn():
            self._check_notice(cmd)
            self._claim.notice = Notice(
                reference=cmd.reference, sent_on=cmd.sent_on, sent_by=cmd.actor.user_id
            )
            self._await_supplier(SupplierStage.NOTIFIED)
            await self._j.record(
                "supplier_notified",
                cmd.actor,
                reason=f"notice {cmd.reference} sent to {self._claim.supplier}",
                data={"reference": cmd.reference, "sent_on": cmd.sent_on.isoformat()},
            )
            return self._j.status()

    @send_notice.validator
    def _validate_notice(self, cmd: SendNotice) -> None:
        self._check_notice(cmd)

    @workflow.update
    async def pull_from_sale(self, cmd: PullFromSale) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.SUPPLIER_PULLED, cmd.actor)
            pulled = Pulled(
                **cmd.model_dump(exclude={"actor"}),
                pulled_by=cmd.actor.user_id,
                pulled_at=workflow.now(),
            )
            self._claim.pulled.append(pulled)
            what = ", ".join(
                p for p in (cmd.sku and f"SKU {cmd.sku}", cmd.batch and f"batch {cmd.batch}") if p
            )
            await self._j.record(
                "supplier_goods_pulled",
                cmd.actor,
                reason=f"{what or 'the goods'} pulled from sale at {cmd.store}",
                data=cmd.model_dump(mode="json", exclude={"actor"}, exclude_none=True),
            )
            return self._j.status()

    @pull_from_sale.validator
    def _validate_pull(self, cmd: PullFromSale) -> None:
        self._j.check(ProcessCommand.SUPPLIER_PULLED, cmd.actor)

    @workflow.update
    async def return_goods(self, cmd: ReturnGoods) -> ProcessStatus:
        async with self._j.turn():
            self._j.check(ProcessCommand.SUPPLIER_RETURNED, cmd.actor)
            self._claim.returned.append(
                Returned(quantity=cmd.quantity, reference=cmd.reference, returned_at=workflow.now())
            )
            await self._j.record(
                "supplier_goods_returned",
                cmd.actor,
                reason=f"{cmd.quantity} returned to {self._claim.supplier} ({cmd.reference})",
                data={"quantity": cmd.quantity, "reference": cmd.reference},
            )
            return self._j.status()

    @return_goods.validator
    def _validate_return(self, cmd: ReturnGoods) -> None:
        self._j.check(ProcessCommand.SUPPLIER_RETURNED, cmd.actor)

    @workflow.update
    async def ask_compensation(self, cmd: AskCompensation) -> ProcessStatus:
        async with self._j.turn():
            self._check_demand(cmd)
            self._claim.asked = cmd.amount
            self._claim.asked_reference = cmd.reference
            self._j.summary.claimed_amount = cmd.amount
            self._await_supplier(SupplierStage.COMPENSATION_ASKED)
            await self._j.record(
                "supplier_compensation_asked",
                cmd.actor,
                reason=f"CNY {cmd.amount} asked of {self._claim.supplier} ({cmd.reference})",
                data={"amount": str(cmd.amount), "reference": cmd.reference},
            )
            return self._j.status()

    @ask_compensation.validator
    def _validate_demand(self, cmd: AskCompensation) -> None:
        self._check_demand(cmd)

    @workflow.update
    async def record_compensation(self, cmd: RecordCompensation) -> ProcessStatus:
        async with self._j.turn():
            self._check_payment(cmd)
            self._claim.payments.append(
                Payment(amount=cmd.amount, reference=cmd.reference, received_at=workflow.now())
            )
            recovered = self._claim.recovered()
            self._j.summary.recovered_amount = recovered
            assert self._claim.asked is not None
            in_full = recovered >= self._claim.asked
            if in_full or cmd.final:
                self._j.end(claim_outcome(self._claim))
            else:
                self._await_supplier(SupplierStage.PARTLY_RECOVERED)
            await self._j.record(
                "supplier_compensation_received",
                cmd.actor,
                reason=f"CNY {cmd.amount} received from {self._claim.supplier} ({cmd.reference})",
                data={
                    "amount": str(cmd.amount),
                    "recovered": str(recovered),
                    "asked": str(self._claim.asked),
                    "final": in_full or cmd.final,
                    "reference": cmd.reference,
                },
            )
            return self._j.status()

    @record_compensation.validator
    def _validate_payment(self, cmd: RecordCompensation) -> None:
        self._check_payment(cmd)

    @workflow.update
    async def record_refusal(self, cmd: RecordRefusal) -> ProcessStatus:
        async with self._j.turn():
            self._check_refusal(cmd)
            self._claim.refused = cmd.reason
            self._j.summary.recovered_amount = self._claim.recovered()
            self._j.end(claim_outcome(self._claim))
            await self._j.record(
                "supplier_refused",
                cmd.actor,
                reason=cmd.reason,
                data={"recovered": str(self._claim.recovered())},
            )
            return self._j.status()

    @record_refusal.validator
    def _validate_refusal(self, cmd: RecordRefusal) -> None:
        self._check_refusal(cmd)

    # --- rules ----------------------------------------------------------------------

    def _check_notice(self, cmd: SendNotice) -> None:
        self._j.check(ProcessCommand.SUPPLIER_NOTICE, cmd.actor)

    def _check_demand(self, cmd: AskCompensation) -> None:
        self._j.check(ProcessCommand.SUPPLIER_DEMAND, cmd.actor)
        refuse(demand_refusal(self._claim))

    def _check_payment(self, cmd: RecordCompensation) -> None:
        self._j.check(ProcessCommand.SUPPLIER_PAYMENT, cmd.actor)
        refuse(payment_refusal(self._claim, cmd.amount))

    def _check_refusal(self, cmd: RecordRefusal) -> None:
        self._j.check(ProcessCommand.SUPPLIER_REFUSAL, cmd.actor)
        refuse(refusal_refusal(self._claim))

    # --- chasing a silent supplier ----------------------------------------------------

    def _await_supplier(self, stage: SupplierStage) -> None:
        """The supplier owes an answer: chased if it stays silent."""
        self._j.move(stage, CaseWait.SUPPLIER.value, self._claim.supplier)
        self._claim.chases = 0
        self._arm_chase()

    def _arm_chase(self) -> None:
        due = self._policy.chase_after.after(workflow.now(), self._j.start.calendar)
        self._claim.answer_due = due
        self._j.arm(
            _CHASE,
            due,
            f"{self._claim.supplier}'s answer due {self._j.local(due)}"
            f" (chase {self._claim.chases + 1})",
            self._chase,
        )

    async def _chase(self) -> None:
        """The supplier is silent: purchasing is told to chase it; after the policy's
        chases, the case escalates."""
        self._claim.chases += 1
        chases = self._claim.chases
        await self._j.record(
            "supplier_chased",
            None,
            reason=f"chase {chases}: no answer from {self._claim.supplier}",
            data={"chase": chases},
            notifications=[
                self._j.notice(
                    role,
                    f"chase the supplier (chase {chases})",
                    f"{self._claim.supplier} has not answered since"
                    f" {self._j.local(self._j.summary.waiting_since or workflow.now())}.",
                )
                for role in self._policy.notify
            ],
        )
        if chases == self._policy.chases_before_escalation:
            await self._j.escalate_case(
                f"the supplier {self._claim.supplier} has not answered after {chases} chases"
            )
        self._arm_chase()

"""Continue-as-new, part of ComplaintWorkflow: a long case hands its whole state to a new
run before its history grows large (policy `history_limit`). Pending deadlines are armed
again from the state, sub-processes live on (they outlive the run that started them and
talk to the case by its workflow ID), and an update retried across the hand-over is
applied once (the update IDs applied are carried)."""

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.models import CarriedState, CommandResult, DeadlineState
    from domain.processes import ProcessKind, ProcessSummary

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[CommandResult]])
Validator = TypeVar("Validator", bound=Callable[..., None])


def applied_once(handler: Handler) -> Handler:
    """An update whose ID a previous run applied answers as it did then, changing nothing."""

    @functools.wraps(handler)
    async def once(self: Any, cmd: Any) -> CommandResult:
        info = workflow.current_update_info()
        if info is not None and info.id in self._applied_before:
            return self._result(self._applied_before[info.id])
        result = await handler(self, cmd)
        if info is not None and self._policy.history_limit is not None:
            self._applied[info.id] = result.outcome
        return result

    return once  # type: ignore[return-value]


def unless_applied(validator: Validator) -> Validator:
    """A retried update that a previous run applied is not refused by today's stage."""

    @functools.wraps(validator)
    def check(self: Any, cmd: Any) -> None:
        info = workflow.current_update_info()
        if info is not None and info.id in self._applied_before:
            return
        validator(self, cmd)

    return check  # type: ignore[return-value]


class CaseContinuation:
    """Mixed into ComplaintWorkflow, whose state it hands over and takes back."""

    def _restore(self, carried: CarriedState) -> None:
        self._stage = carried.stage
        self._grade = carried.grade
        self._level = carried.level
        self._handler = carried.handler
        self._waiting_since = carried.waiting_since
        self._deadlines = {d.name: d for d in carried.deadlines}
        self._proposals = list(carried.proposals)
        self._history = list(carried.history)
        self._agreement_ref = carried.agreement_ref
        self._satisfaction = carried.satisfaction
        self._reopen_count = carried.reopen_count
        self._closed_reason = carried.closed_reason
        self._closed_at = carried.closed_at
        self._version = carried.version
        self._processes = {p.kind: p for p in carried.processes}
        self._earlier_processes = list(carried.earlier_processes)
        self._stop_sale_orders = {o.order_no: o for o in carried.stop_sale_orders}
        self._paused_for = carried.paused_for
        self._delay = carried.delay
        self._escalation = carried.escalation
        self._crisis = carried.crisis
        self._on_site = carried.on_site
        self._department = carried.department
        self._spot_decisions = list(carried.spot_decisions)
        self._cause = carried.cause
        self._responsible_unit = carried.responsible_unit
        self._corrective = list(carried.corrective_actions)
        self._applied_before = dict(carried.applied_updates)
        self._runs = carried.runs + 1
        self._signals_seen = set(carried.signals_seen)
        self._revisits = list(carried.revisits)

    def _resume_carried(self) -> None:
        """The timers of the previous run, armed again from the state it handed over."""
        self._registered = True
        for name, deadline in self._deadlines.items():
            if deadline.state is DeadlineState.PENDING and not deadline.paused:
                self._arm(name)
        if self._escalation is not None:
            asyncio.create_task(self._climb_if_unanswered(self._escalation))
        self._watch_ages(only_future=True)

    def _continue_due(self) -> bool:
        limit = self._policy.history_limit
        if limit is None:
            return False
        info = workflow.info()
        return info.get_current_history_length() >= limit or info.is_continue_as_new_suggested()

    async def _continue_as_new(self) -> None:
        """Waits for every change in progress to be recorded, then hands over."""
        await workflow.wait_condition(
            lambda: workflow.all_handlers_finished() and not self._lock.locked()
        )
        carried = CarriedState(
            stage=self._stage,
            grade=self._grade,
            level=self._level,
            handler=self._handler,
            waiting_since=self._waiting_since,
            deadlines=list(self._deadlines.values()),
            proposals=self._proposals,
            history=self._history,
            agreement_ref=self._agreement_ref,
            satisfaction=self._satisfaction,
            reopen_count=self._reopen_count,
            closed_reason=self._closed_reason,
            closed_at=self._closed_at,
            version=self._version,
            processes=list(self._processes.values()),
            earlier_processes=list(self._earlier_processes),
            paused_for=self._paused_for,
            delay=self._delay,
            escalation=self._escalation,
            crisis=self._crisis,
            on_site=self._on_site,
            department=self._department,
            spot_decisions=list(self._spot_decisions),
            cause=self._cause,
            responsible_unit=self._responsible_unit,
            corrective_actions=list(self._corrective),
            applied_updates=self._applied_before | self._applied,
            runs=self._runs,
            signals_seen=sorted(self._signals_seen),
            revisits=list(self._revisits),
            stop_sale_orders=self._linked_orders(),
        )
        workflow.continue_as_new(self._start.model_copy(update={"carried": carried}))

    def _child_handle(self, kind: ProcessKind) -> Any:
        """The sub-process's handle: this run's, or by its ID if an earlier run started it."""
        if kind in self._children:
            return self._children[kind]
        return workflow.get_external_workflow_handle(self._processes[kind].workflow_id)

    async def _ended_elsewhere(self, summary: ProcessSummary) -> None:
        """A sub-process an earlier run started has ended: its result reaches this run
        only by its last signal, and goes on record as `_follow` records it."""
        async with self._lock:
            await self._record_process_end(summary.kind, summary)

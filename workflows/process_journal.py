"""What every sub-process workflow shares: its summary, one change at a time, named
timers, and recording each change (audit entry filed with the case, the process's
record, notifications) before telling the case."""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.case_records import CaseRecorder
    from domain.authority import Actor
    from domain.lifecycle import CaseWait
    from domain.models import Notification, ProcessEvent, SignedAgreement
    from domain.processes import (
        LABELS,
        PROCESS_CHANGED_SIGNAL,
        PROCESS_CLOCKS_SIGNAL,
        PROCESS_ESCALATION_SIGNAL,
        EndProcess,
        ProcessClocks,
        ProcessCommand,
        ProcessEscalation,
        ProcessKind,
        ProcessStart,
        ProcessStatus,
        ProcessSummary,
        process_refusal,
    )

from workflows import patches
from workflows import search_attributes as sa
from workflows.common import audit_entry, record_with, refuse, settle_timer, sleep_until

ENDED = "ended"
NOTHING = CaseWait.NOTHING.value


class ProcessJournal:
    def __init__(
        self,
        start: ProcessStart,
        kind: ProcessKind,
        *,
        stage: str,
        waiting_on: str,
        who: str,
        record_of: Callable[[], BaseModel],
    ) -> None:
        self.start = start
        self.kind = kind
        self.label = LABELS[kind]
        self.summary = ProcessSummary(
            kind=kind,
            workflow_id=workflow.info().workflow_id,
            run_id=workflow.info().run_id,
            stage=stage,
            waiting_on=waiting_on,
            waiting_on_who=who,
            waiting_since=start.started_at,
            started_at=start.started_at,
        )
        self._record_of = record_of
        self._history: list[dict] = []
        self._lock = asyncio.Lock()
        self._started = False
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._due: dict[str, datetime] = {}
        self._end_request: EndProcess | None = None

    @property
    def case_no(self) -> str:
        return self.start.case_no

    @property
    def open(self) -> bool:
        return self.summary.open

    # --- one change at a time ------------------------------------------------------

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        await workflow.wait_condition(lambda: self._started)
        async with self._lock:
            yield

    def check(self, command: ProcessCommand, actor: Actor) -> None:
        refuse(process_refusal(command, actor=actor, open=self.open))

    def move(self, stage: str, waiting_on: str, who: str) -> None:
        if (waiting_on, who) != (self.summary.waiting_on, self.summary.waiting_on_who):
            self.summary.waiting_since = workflow.now()
        self.summary.stage = stage
        self.summary.waiting_on = waiting_on
        self.summary.waiting_on_who = who

    def end(self, outcome: str) -> None:
        self.move(ENDED, NOTHING, "")
        self.summary.open = False
        self.summary.outcome = outcome
        self.summary.ended_at = workflow.now()
        for name in list(self._timers):
            self.disarm(name)

    # --- the run ---------------------------------------------------------------------

    async def run(
        self,
        action: str,
        *,
        data: dict,
        on_started: Callable[[], None],
        notifications: Callable[[], list[Notification]] | None = None,
    ) -> ProcessSummary:
        async with self._lock:
            await self.record(
                action,
                self.start.started_by,
                reason=self.start.reason,
                data=data,
                # Issue 16: who must act is told at the start (none before it: no uuid drawn).
                notifications=notifications() if notifications else None,
            )
            self._started = True
            on_started()
        try:
            await workflow.wait_condition(lambda: not self.open or self._end_request is not None)
        except asyncio.CancelledError:
            # The case was closed or cancelled under us: say so, then end quietly.
            self._end_request = EndProcess(reason="the case ended")
        # Under the lock: a timer that ended the process may still be recording it.
        async with self._lock:
            request = self._end_request
            if self.open and request is not None:
                verb = "withdrawn" if request.withdrawn else "ended"
                self.end(f"{verb}: {request.reason}")
                self.summary.withdrawn = request.withdrawn
                await self.record(f"{self.kind.value}_{verb}", request.actor, reason=request.reason)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.summary

    def request_end(self, request: EndProcess) -> None:
        if self._end_request is None:
            self._end_request = request

    # --- timers ------------------------------------------------------------------------

    def arm(self, name: str, due: datetime, summary: str, fire: Callable[[], Awaitable[None]]):
        self.disarm(name)
        self._due[name] = due
        self._timers[name] = asyncio.create_task(self._watch(name, due, summary, fire))

    def disarm(self, name: str) -> None:
        self._due.pop(name, None)
        settle_timer(self._timers.pop(name, None))

    async def _watch(
        self, name: str, due: datetime, summary: str, fire: Callable[[], Awaitable[None]]
    ) -> None:
        await sleep_until(due, summary)
        async with self._lock:
            if self._due.get(name) != due or not self.open:
                return
            self._due.pop(name, None)
            self._timers.pop(name, None)
            await fire()

    def local(self, moment: datetime) -> str:
        return self.start.calendar.local(moment).strftime("%Y-%m-%d %H:%M %Z")

    # --- records -------------------------------------------------------------------------

    def notice(self, recipient: str, subject: str, body: str) -> Notification:
        return Notification(
            notification_id=str(workflow.uuid4()),
            recipient=recipient,
            subject=f"Case {self.case_no}, {self.label}: {subject}",
            body=body,
        )

    async def record(
        self,
        action: str,
        actor: Actor | None,
        *,
        reason: str = "",
        data: dict | None = None,
        notifications: list[Notification] | None = None,
        agreement: SignedAgreement | None = None,
    ) -> None:
        """Writes the change, then tells the case; None as actor is the system."""
        now = workflow.now()
        actor_id = actor.user_id if actor else "system"
        self.summary.version += 1
        self._publish()
        self._history.append({"at": now, "actor": actor_id, "action": action, "detail": reason})
        event = ProcessEvent(
            case_no=self.case_no,
            kind=self.kind,
            audit=audit_entry(action, actor, at=now, reason=reason, data=data),
            summary=self.summary,
            record=self._record_of().model_dump(mode="json"),
            notifications=notifications or [],
            agreement=agreement,
        )
        await record_with(CaseRecorder.record_process_event, event, action)
        await self._tell_case(PROCESS_CHANGED_SIGNAL, self.summary.model_copy(deep=True))

    def _publish(self) -> None:
        summary = self.summary
        since = summary.waiting_since or summary.started_at
        if summary.open:
            details = (
                f"Case {self.case_no}, {self.label}: waiting on "
                f"{summary.waiting_on_who or summary.waiting_on} ({summary.waiting_on})"
                f" since {self.local(since)}."
            )
        else:
            details = f"Case {self.case_no}, {self.label}: {summary.outcome}."
        workflow.set_current_details(details)
        if not patches.applies(patches.SEARCH_ATTRIBUTES):
            return
        workflow.upsert_search_attributes(
            [
                sa.CASE_NO.value_set(self.case_no),
                sa.CASE_CATEGORY.value_set(self.start.category),
                sa.CASE_STAGE.value_set(summary.stage),
                sa.CASE_WAITING_ON.value_set([summary.waiting_on]),
                sa.CASE_WAITING_SINCE.value_set(since),
            ]
        )

    async def escalate_case(self, reason: str) -> None:
        # The event ID comes from the change that escalates: a signal delivered twice
        # (a retried signal command) escalates the case once.
        event_id = f"{self.kind.value}:{self.summary.started_at.isoformat()}:{self.summary.version}"
        await self._tell_case(
            PROCESS_ESCALATION_SIGNAL,
            ProcessEscalation(kind=self.kind, reason=reason, event_id=event_id),
        )

    async def ask_case_clocks(self, request: ProcessClocks) -> None:
        """Issue 16: the case stops or restarts its clocks (an outside test lab works)."""
        await self._tell_case(PROCESS_CLOCKS_SIGNAL, request)

    async def _tell_case(self, signal: str, arg: BaseModel) -> None:
        case = workflow.get_external_workflow_handle(self.start.parent_workflow_id)
        try:
            await case.signal(signal, arg)
        except Exception as err:  # noqa: BLE001 - a case that has ended cannot listen
            workflow.logger.warning("case %s not told of %s: %s", self.case_no, signal, err)

    def status(self) -> ProcessStatus:
        return ProcessStatus(
            summary=self.summary,
            record=self._record_of().model_dump(mode="json"),
            history=list(self._history),
        )

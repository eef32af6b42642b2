"""The case's clocks, part of ComplaintWorkflow: store deadlines and statutory clocks as
named timers, pausing them while the case waits on the customer or an appraisal, and
delay requests that move them (DOMAIN section 5; policy sections `deadlines` and
`statutory`)."""

import asyncio
from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.authority import Actor
    from domain.clocks import Pause, due_after_pauses, read_clock
    from domain.customer_messages import MessageMoment
    from domain.delays import (
        DelayRequest,
        DelayState,
        decision_refusal,
        dispute_refusal,
        request_refusal,
    )
    from domain.grades import more_severe
    from domain.lifecycle import Command, Stage
    from domain.models import (
        CommandResult,
        DeadlineState,
        DeadlineView,
        DecideDelay,
        DisputeDelay,
        PauseClocks,
        RequestDelay,
        ResumeClocks,
        SettleStatutoryClock,
        StartStatutoryClock,
    )
    from domain.policy import DeadlineName
    from domain.rules import Refusal, RefusalType

from workflows import patches
from workflows.case_continuation import applied_once, unless_applied
from workflows.common import refuse, settle_timer, sleep_until

_OPEN = (DeadlineState.PENDING, DeadlineState.MISSED)


class CaseClocks:
    """Mixed into ComplaintWorkflow, whose state and recording it uses."""

    # --- deadlines ---------------------------------------------------------------

    def _set_deadline(self, name: DeadlineName, start: datetime, *, arm: bool = False) -> None:
        rule = self._policy.deadlines[name]
        duration = rule.duration_for(
            category=self._start.intake.category.value,
            grade=self._grade,
            # Only policies with `by_channel` (from the customer's page on) read it: a
            # case pinned to an older one gets the same duration as before, so no patch.
            channel=self._start.intake.channel.value,
        )
        due = duration.after(start, self._policy.calendar)
        self._deadlines[name] = DeadlineView(
            name=name,
            label=rule.label,
            due_at=due,
            state=DeadlineState.PENDING,
            budget=duration,
            started_at=start,
            base_due=due,
        )
        if arm:
            self._arm(name)

    def _start_of(self, name: DeadlineName) -> datetime:
        """When a deadline set now starts: now, or the complaint's registration (or its
        reopening as a second complaint) where the rule counts from the complaint."""
        now = workflow.now()
        rule = self._policy.deadlines[name]
        if not rule.from_complaint or not patches.applies(patches.DEADLINES_FROM_COMPLAINT):
            return now
        complaint = self._start.registered_at
        reopened = self._deadlines.get(DeadlineName.REOPEN_REPLY)
        if self._reopen_count and reopened is not None and reopened.started_at is not None:
            complaint = reopened.started_at
        return rule.counts_from(complaint=complaint, event=now)

    def _arm(self, name: DeadlineName) -> None:
        due = self._deadlines[name].due_at
        running = self._timers.get(name)
        if (
            running is not None
            and not running.done()
            and self._armed_due.get(name) == due
            and patches.applies(patches.CANCEL_SETTLED_TIMERS)
        ):
            # Recomputed to the same moment (a grade raised by a breach at the instant this
            # deadline falls due): its timer stands; a cancel would race its own firing.
            return
        self._disarm(name)
        self._armed_due[name] = due
        self._timers[name] = asyncio.create_task(self._watch(name, due))

    def _disarm(self, name: DeadlineName) -> None:
        settle_timer(self._timers.pop(name, None))

    async def _watch(self, name: DeadlineName, due: datetime) -> None:
        deadline = self._deadlines[name]
        await sleep_until(due, f"{deadline.label} due {self._local(due)}")
        async with self._lock:
            current = self._deadlines.get(name)
            if (
                current is None
                or current.state is not DeadlineState.PENDING
                or current.due_at != due
                or current.paused
            ):
                return
            self._timers.pop(name, None)
            if current.statutory:
                await self._expire(current)
            else:
                await self._breach(current)

    def _meet(self, name: DeadlineName) -> None:
        deadline = self._deadlines.get(name)
        if deadline is None or deadline.state not in _OPEN:
            return
        late = deadline.state is DeadlineState.MISSED
        deadline.state = DeadlineState.MET_LATE if late else DeadlineState.MET
        deadline.settled_at = workflow.now()
        self._close_pause(deadline)
        self._disarm(name)

    async def _breach(self, deadline: DeadlineView) -> None:
        """A missed deadline: recorded, escalated one level (or told to the policy's
        contacts), grade raised where policy says."""
        deadline.state = DeadlineState.MISSED
        deadline.settled_at = workflow.now()
        rule = self._policy.deadlines[deadline.name]
        raised_from = self._grade
        if rule.raise_grade_to is not None:
            self._grade = more_severe(self._grade, rule.raise_grade_to)
        if self._grade is not raised_from:
            self._reschedule(DeadlineName.CLOSE)
        reason = f"{deadline.label} was due {self._local(deadline.due_at)}"
        if self._grade is not raised_from:
            reason += f"; grade raised from {raised_from.value} to {self._grade.value}"
        data = {"deadline": deadline.name.value, "grade": self._grade.value}
        notices = [
            self._notice(r, f"Case {self._case_no}: {deadline.label} missed", reason)
            for role in rule.notify_on_miss
            for r in self._policy.recipients(role)
        ]
        if rule.escalate_on_miss:
            await self._escalate_one_level(
                None, "deadline_missed", reason=reason, data=data, extra=notices
            )
        else:
            await self._record(
                "deadline_missed", None, reason=reason, data=data, notifications=notices
            )
        if self._grade is not raised_from:
            await self._grade_changed_on_site()

    def _reschedule(self, name: DeadlineName) -> None:
        """Recompute a pending deadline after a grade change, from its original start;
        the time it was paused still pushes it back, and an accepted delay stands."""
        deadline = self._deadlines.get(name)
        if deadline is None or deadline.state is not DeadlineState.PENDING:
            return
        if deadline.delayed or deadline.started_at is None:
            return
        rule = self._policy.deadlines[name]
        duration = rule.duration_for(
            category=self._start.intake.category.value,
            grade=self._grade,
            # Only policies with `by_channel` (from the customer's page on) read it: a
            # case pinned to an older one gets the same duration as before, so no patch.
            channel=self._start.intake.channel.value,
        )
        deadline.budget = duration
        deadline.base_due = duration.after(deadline.started_at, self._policy.calendar)
        self._push_back(deadline)

    def _push_back(self, deadline: DeadlineView) -> None:
        """Due = base due + closed pauses; a running clock gets a timer for it."""
        assert deadline.budget is not None and deadline.base_due is not None
        deadline.due_at = due_after_pauses(
            deadline.budget, self._policy.calendar, deadline.base_due, deadline.pauses
        )
        if not deadline.paused:
            self._arm(deadline.name)

    def _close_pause(self, deadline: DeadlineView) -> None:
        if deadline.paused:
            deadline.pauses[-1].until = workflow.now()
            deadline.paused = False

    def _clock_rule_pausable(self, deadline: DeadlineView) -> bool:
        if deadline.statutory:
            return self._policy.statutory[deadline.name].pausable
        return self._policy.deadlines[deadline.name].pausable

    def _running_clocks(self) -> list[DeadlineView]:
        return [
            d
            for d in self._deadlines.values()
            if d.state is DeadlineState.PENDING and not d.paused and d.budget is not None
        ]

    def _paused_clocks(self) -> list[DeadlineView]:
        return [d for d in self._deadlines.values() if d.paused]

    def _clock_views(self) -> list[DeadlineView]:
        """Each clock with its budget, used, left and paused, as of the last change."""
        views = []
        now = workflow.now()
        for deadline in sorted(self._deadlines.values(), key=lambda d: d.due_at):
            view = deadline.model_copy()
            if deadline.budget is not None and deadline.started_at is not None:
                if deadline.state is DeadlineState.PENDING:
                    reading = read_clock(
                        deadline.budget,
                        self._policy.calendar,
                        started_at=deadline.started_at,
                        due_at=deadline.due_at,
                        pauses=deadline.pauses,
                        now=now,
                    )
                    view.used, view.left = reading.used, reading.left
            view.due_local = self._local(deadline.due_at)
            views.append(view)
        return views

    # --- pausing -------------------------------------------------------------------

    @workflow.update
    @applied_once
    async def pause_clocks(self, cmd: PauseClocks) -> CommandResult:
        async with self._turn():
            self._check_pause(cmd)
            paused = []
            for deadline in self._running_clocks():
                if self._clock_rule_pausable(deadline):
                    deadline.pauses.append(
                        Pause(reason=cmd.reason, since=workflow.now(), note=cmd.note)
                    )
                    deadline.paused = True
                    self._disarm(deadline.name)
                    paused.append(deadline.name.value)
            self._paused_for = cmd.reason
            await self._record(
                "clocks_paused",
                cmd.actor,
                reason=cmd.note,
                data={"waiting_on": cmd.reason.value, "clocks": paused},
            )
            return self._result(f"clocks paused: {', '.join(paused)}")

    @pause_clocks.validator
    @unless_applied
    def _validate_pause(self, cmd: PauseClocks) -> None:
        self._check_pause(cmd)

    def _check_pause(self, cmd: PauseClocks) -> None:
        self._check(Command.PAUSE_CLOCKS, cmd.actor)
        if self._paused_clocks():
            refuse(Refusal(RefusalType.CONDITION_NOT_MET, "the clocks are already paused"))
        if not any(self._clock_rule_pausable(d) for d in self._running_clocks()):
            refuse(Refusal(RefusalType.CONDITION_NOT_MET, "no running clock may be paused"))

    @workflow.update
    @applied_once
    async def resume_clocks(self, cmd: ResumeClocks) -> CommandResult:
        async with self._turn():
            self._check_resume(cmd)
            resumed = {}
            for deadline in self._paused_clocks():
                self._close_pause(deadline)
                self._push_back(deadline)
                resumed[deadline.name.value] = self._local(deadline.due_at)
            self._paused_for = None
            await self._record(
                "clocks_resumed", cmd.actor, reason=cmd.note or "", data={"due": resumed}
            )
            return self._result("clocks resumed")

    @resume_clocks.validator
    @unless_applied
    def _validate_resume(self, cmd: ResumeClocks) -> None:
        self._check_resume(cmd)

    def _check_resume(self, cmd: ResumeClocks) -> None:
        self._check(Command.RESUME_CLOCKS, cmd.actor)
        if not self._paused_clocks():
            refuse(Refusal(RefusalType.CONDITION_NOT_MET, "no clock is paused"))

    # --- delay requests ------------------------------------------------------------

    @workflow.update
    @applied_once
    async def request_delay(self, cmd: RequestDelay) -> CommandResult:
        async with self._turn():
            self._check_delay_request(cmd)
            deadline = self._deadlines[cmd.deadline]
            self._delay = DelayRequest(
                number=(self._delay.number + 1) if self._delay else 1,
                deadline=cmd.deadline.value,
                due_before=deadline.due_at,
                new_due=self._policy.calendar.end_of_day(cmd.new_due_on),
                reason=cmd.reason,
                requested_by=cmd.actor.user_id,
                requested_at=workflow.now(),
            )
            await self._record_delay("delay_requested", cmd.actor, cmd.reason, "customer_service")
            return self._result("delay requested from customer service")

    @request_delay.validator
    @unless_applied
    def _validate_delay_request(self, cmd: RequestDelay) -> None:
        self._check_delay_request(cmd)

    def _check_delay_request(self, cmd: RequestDelay) -> None:
        self._check(Command.REQUEST_DELAY, cmd.actor)
        deadline = self._deadlines.get(cmd.deadline)
        # Statutory clocks are set by law or an authority: no one here can move them.
        running = (
            deadline is not None
            and deadline.state is DeadlineState.PENDING
            and deadline.budget is not None
            and not deadline.statutory
        )
        refuse(
            request_refusal(
                cmd.actor,
                current=self._delay,
                due_at=deadline.due_at if running else None,
                new_due=self._policy.calendar.end_of_day(cmd.new_due_on),
            )
        )

    @workflow.update
    @applied_once
    async def decide_delay(self, cmd: DecideDelay) -> CommandResult:
        async with self._turn():
            self._check_delay_decision(cmd)
            delay = self._delay
            assert delay is not None
            final = delay.state is DelayState.DISPUTED
            delay.decided_by = cmd.actor.user_id
            delay.comment = cmd.comment
            if not cmd.accept:
                delay.state = DelayState.REFUSED_FINALLY if final else DelayState.REFUSED
                await self._record_delay("delay_refused", cmd.actor, cmd.comment, None)
                return self._result(f"delay {delay.state.value.replace('_', ' ')}")
            delay.state = DelayState.ACCEPTED
            deadline = self._deadlines[DeadlineName(delay.deadline)]
            if deadline.state is DeadlineState.PENDING:
                deadline.base_due = delay.new_due
                deadline.delayed = True
                # Pauses before the delay are spent: the new date is what was agreed.
                deadline.pauses = [p for p in deadline.pauses if p.until is None]
                self._push_back(deadline)
            await self._record_delay("delay_accepted", cmd.actor, cmd.comment, None)
            if deadline.state is DeadlineState.PENDING:
                # 004: the delay is explained to the customer, with the new date.
                await self._tell_customer(
                    MessageMoment.DELAY_AGREED,
                    lambda lang: {"new_date": self._due_local(deadline.name)(lang)},
                )
            return self._result(f"{deadline.label} now due {self._local(deadline.due_at)}")

    @decide_delay.validator
    @unless_applied
    def _validate_delay_decision(self, cmd: DecideDelay) -> None:
        self._check_delay_decision(cmd)

    def _check_delay_decision(self, cmd: DecideDelay) -> None:
        self._check(Command.DECIDE_DELAY, cmd.actor)
        refuse(decision_refusal(cmd.actor, self._delay))

    @workflow.update
    @applied_once
    async def dispute_delay(self, cmd: DisputeDelay) -> CommandResult:
        async with self._turn():
            self._check_dispute(cmd)
            assert self._delay is not None
            self._delay.state = DelayState.DISPUTED
            self._delay.disputed_by = cmd.actor.user_id
            self._delay.dispute_reason = cmd.reason
            await self._record_delay("delay_disputed", cmd.actor, cmd.reason, "general_manager")
            return self._result("delay disputed: the general manager decides")

    @dispute_delay.validator
    @unless_applied
    def _validate_dispute(self, cmd: DisputeDelay) -> None:
        self._check_dispute(cmd)

    def _check_dispute(self, cmd: DisputeDelay) -> None:
        self._check(Command.REQUEST_DELAY, cmd.actor)
        refuse(dispute_refusal(cmd.actor, self._delay))

    async def _record_delay(
        self, action: str, actor: Actor, reason: str, decider: str | None
    ) -> None:
        delay = self._delay
        assert delay is not None
        summary = (
            f"delay {delay.number} of {delay.deadline} to {self._local(delay.new_due)}: "
            f"{delay.state.value.replace('_', ' ')}"
        )
        if decider is not None:
            notices = [
                self._notice(r, f"Case {self._case_no}: delay request", f"{summary}. {reason}")
                for r in self._policy.recipients(decider)
            ]
        else:
            notices = [self._to_handler("Delay request", f"{summary}. {reason}")]
        await self._record(
            action,
            actor,
            reason=reason,
            data={
                "delay": delay.number,
                "deadline": delay.deadline,
                "new_due": delay.new_due.isoformat(),
                "state": delay.state.value,
            },
            notifications=notices,
        )

    # --- statutory clocks -------------------------------------------------------------

    @workflow.update
    @applied_once
    async def start_statutory_clock(self, cmd: StartStatutoryClock) -> CommandResult:
        async with self._turn():
            self._check_statutory_start(cmd)
            await self._start_statutory(
                cmd.clock,
                cmd.started_at or workflow.now(),
                cmd.actor,
                due_on=cmd.due_on,
                reference=cmd.reference,
            )
            clock = self._deadlines[cmd.clock]
            return self._result(f"{clock.label} due {self._local(clock.due_at)}")

    @start_statutory_clock.validator
    @unless_applied
    def _validate_statutory_start(self, cmd: StartStatutoryClock) -> None:
        self._check_statutory_start(cmd)

    def _check_statutory_start(self, cmd: StartStatutoryClock) -> None:
        self._check(Command.START_STATUTORY_CLOCK, cmd.actor)
        rule = self._policy.statutory.get(cmd.clock)
        if rule is None:
            refuse(
                Refusal(
                    RefusalType.CONDITION_NOT_MET,
                    f"{cmd.clock.value} is not a statutory clock of policy {self._policy.version}",
                )
            )
            return
        current = self._deadlines.get(cmd.clock)
        if current is not None and current.state in _OPEN:
            refuse(Refusal(RefusalType.CONDITION_NOT_MET, f"{rule.label} is already running"))
        if rule.duration is None and cmd.due_on is None:
            refuse(
                Refusal(RefusalType.CONDITION_NOT_MET, f"{rule.label}: give the date it is due on")
            )
        if cmd.started_at is not None and cmd.started_at > workflow.now():
            refuse(Refusal(RefusalType.CONDITION_NOT_MET, "started_at is in the future"))
        today = self._policy.calendar.local(workflow.now()).date()
        if cmd.due_on is not None and cmd.due_on < today:
            refuse(Refusal(RefusalType.CONDITION_NOT_MET, f"{cmd.due_on} has passed"))

    async def _start_statutory(
        self,
        name: DeadlineName,
        started_at: datetime,
        actor: Actor | None,
        *,
        due_on=None,
        reference: str | None = None,
    ) -> None:
        rule = self._policy.statutory[name]
        calendar = self._policy.calendar
        if due_on is not None:
            due = calendar.end_of_day(due_on)
            budget = None
        else:
            assert rule.duration is not None
            due = rule.duration.after(started_at, calendar)
            budget = rule.duration
        self._deadlines[name] = DeadlineView(
            name=name,
            label=rule.label,
            due_at=due,
            state=DeadlineState.PENDING,
            statutory=True,
            budget=budget,
            started_at=started_at,
            base_due=due,
        )
        self._arm(name)
        await self._record(
            "statutory_clock_started",
            actor,
            reason=f"{rule.label} due {self._local(due)}",
            data={"clock": name.value, "due": due.isoformat(), "reference": reference},
        )

    @workflow.update
    @applied_once
    async def settle_statutory_clock(self, cmd: SettleStatutoryClock) -> CommandResult:
        async with self._turn():
            self._check_statutory_settle(cmd)
            self._meet(cmd.clock)
            deadline = self._deadlines[cmd.clock]
            await self._record(
                "statutory_clock_settled",
                cmd.actor,
                reason=cmd.note,
                data={"clock": cmd.clock.value, "state": deadline.state.value},
            )
            return self._result(f"{deadline.label}: {deadline.state.value}")

    @settle_statutory_clock.validator
    @unless_applied
    def _validate_statutory_settle(self, cmd: SettleStatutoryClock) -> None:
        self._check_statutory_settle(cmd)

    def _check_statutory_settle(self, cmd: SettleStatutoryClock) -> None:
        self._check(Command.SETTLE_STATUTORY_CLOCK, cmd.actor)
        current = self._deadlines.get(cmd.clock)
        if current is None or not current.statutory or current.state not in _OPEN:
            refuse(Refusal(RefusalType.CONDITION_NOT_MET, f"{cmd.clock.value} is not running"))

    async def _expire(self, deadline: DeadlineView) -> None:
        """A statutory clock ran out: on record with what it means, told to the handler
        and the policy's contacts; escalated where the policy says."""
        rule = self._policy.statutory[deadline.name]
        deadline.state = DeadlineState.MISSED
        deadline.settled_at = workflow.now()
        reason = f"{rule.label} was due {self._local(deadline.due_at)}: {rule.on_expiry}"
        notices = [self._to_handler(rule.label, reason)] + [
            self._notice(r, f"Case {self._case_no}: {rule.label}", reason)
            for role in rule.notify
            for r in self._policy.recipients(role)
        ]
        data = {"clock": deadline.name.value}
        if rule.escalate and self._stage is not Stage.CLOSED:
            await self._escalate_one_level(
                None, "statutory_clock_expired", reason=reason, data=data, extra=notices
            )
            return
        await self._record(
            "statutory_clock_expired", None, reason=reason, data=data, notifications=notices
        )

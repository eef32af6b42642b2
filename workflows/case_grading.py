"""Grade, crisis level and on-site attendance, part of ComplaintWorkflow (DOMAIN sections
4 and 5): every grade change is audited with its reason and moves the close deadline;
lowering needs a manager; a crisis reaches the incident team at once; the grade decides
who attends on site."""

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.authority import Actor
    from domain.grade_changes import crisis_refusal, grade_change_refusal
    from domain.grades import AgeRaise, Grade, more_severe
    from domain.lifecycle import Command, Stage
    from domain.models import (
        ChangeGrade,
        CommandResult,
        DeclareCrisis,
        OnSiteView,
        RecordAttendance,
        ReportExposure,
    )
    from domain.policy import DeadlineName
    from domain.rules import Refusal, RefusalType

from workflows.case_continuation import applied_once, unless_applied
from workflows.common import refuse, sleep_until


class CaseGrading:
    """Mixed into ComplaintWorkflow, whose state and recording it uses."""

    async def _change_grade(
        self, new: Grade, actor: Actor | None, *, action: str, reason: str, data: dict | None = None
    ) -> None:
        previous = self._grade
        self._grade = new
        self._reschedule(DeadlineName.CLOSE)
        await self._record(
            action,
            actor,
            reason=reason,
            data=(data or {}) | {"from_grade": previous.value, "to_grade": new.value},
        )
        await self._grade_changed_on_site()

    @workflow.update
    @applied_once
    async def change_grade(self, cmd: ChangeGrade) -> CommandResult:
        async with self._turn():
            self._check_grade_change(cmd)
            await self._change_grade(
                cmd.grade, cmd.actor, action="grade_changed", reason=cmd.reason
            )
            return self._result(f"grade {cmd.grade.value}")

    @change_grade.validator
    @unless_applied
    def _validate_grade_change(self, cmd: ChangeGrade) -> None:
        self._check_grade_change(cmd)

    def _check_grade_change(self, cmd: ChangeGrade) -> None:
        self._check(Command.CHANGE_GRADE, cmd.actor)
        refuse(grade_change_refusal(cmd.actor, current=self._grade, new=cmd.grade))

    @workflow.update
    @applied_once
    async def report_exposure(self, cmd: ReportExposure) -> CommandResult:
        """Media coverage or a lawsuit raises the case to A (DOMAIN section 4)."""
        async with self._turn():
            self._check(Command.REPORT_EXPOSURE, cmd.actor)
            reason = f"{cmd.kind.value}: {cmd.detail}"
            data = {"exposure": cmd.kind.value}
            if self._grade is Grade.A:
                await self._record("exposure_reported", cmd.actor, reason=reason, data=data)
            else:
                await self._change_grade(
                    Grade.A, cmd.actor, action="exposure_reported", reason=reason, data=data
                )
            await self._exposure_tells_senior_management(cmd)  # issue 19: off in older policies
            return self._result(f"grade {self._grade.value}")

    @report_exposure.validator
    @unless_applied
    def _validate_exposure(self, cmd: ReportExposure) -> None:
        self._check(Command.REPORT_EXPOSURE, cmd.actor)

    def _watch_ages(self, *, only_future: bool = False) -> None:
        for rule in self._policy.grading.raise_when_open:
            due = rule.after.after(self._start.registered_at, self._policy.calendar)
            if only_future and due <= workflow.now():
                continue  # an earlier run's timer: it has fired already
            if self._start.intake.people_affected >= rule.min_people:
                asyncio.create_task(self._raise_when_still_open(rule))

    async def _raise_when_still_open(self, rule: AgeRaise) -> None:
        due = rule.after.after(self._start.registered_at, self._policy.calendar)
        await sleep_until(due, f"grade {rule.to.value} if still open {self._local(due)}")
        async with self._lock:
            if self._stage is Stage.CLOSED or more_severe(self._grade, rule.to) is self._grade:
                return
            await self._change_grade(
                rule.to,
                None,
                action="grade_changed",
                reason=(
                    f"still open {rule.after.amount} {rule.after.unit.value.replace('_', ' ')} "
                    "after registration"
                ),
            )

    # --- crisis --------------------------------------------------------------------

    @workflow.update
    @applied_once
    async def declare_crisis(self, cmd: DeclareCrisis) -> CommandResult:
        async with self._turn():
            self._check_crisis(cmd)
            assert self._policy.crisis is not None
            self._crisis = cmd.level
            subject = f"Crisis level {cmd.level.value}: case {self._case_no}"
            await self._record(
                "crisis_declared",
                cmd.actor,
                reason=cmd.reason,
                data={"crisis_level": cmd.level.value},
                notifications=[
                    self._notice(r, subject, cmd.reason)
                    for role in self._policy.crisis.notify[cmd.level]
                    for r in self._policy.recipients(role)
                ],
            )
            return self._result(f"crisis level {cmd.level.value}: incident team notified")

    @declare_crisis.validator
    @unless_applied
    def _validate_crisis(self, cmd: DeclareCrisis) -> None:
        self._check_crisis(cmd)

    def _check_crisis(self, cmd: DeclareCrisis) -> None:
        self._check(Command.DECLARE_CRISIS, cmd.actor)
        if self._policy.crisis is None:
            refuse(
                Refusal(
                    RefusalType.CONDITION_NOT_MET,
                    f"policy {self._policy.version} defines no crisis levels",
                )
            )
        refuse(crisis_refusal(self._crisis, cmd.level))

    # --- on-site attendance ------------------------------------------------------------

    async def _grade_changed_on_site(self) -> None:
        """The grade decides who attends on site; a new grade may call someone else."""
        rule = self._policy.on_site
        if rule is None:
            return
        contact = rule.by_grade.get(self._grade)
        current = self._on_site
        if contact is None or (current is not None and current.contact == contact):
            return
        if current is not None and current.attended_at is not None:
            return
        self._on_site = OnSiteView(
            contact=contact,
            recipients=self._policy.recipients(contact),
            grade=self._grade,
            assigned_at=workflow.now(),
        )
        reason = f"grade {self._grade.value}: {contact.replace('_', ' ')} attends on site"
        await self._record(
            "on_site_assigned",
            None,
            reason=reason,
            data={"contact": contact, "recipients": self._on_site.recipients},
            notifications=[
                self._notice(r, f"Case {self._case_no}: attend on site", reason)
                for r in self._on_site.recipients
            ],
        )

    @workflow.update
    @applied_once
    async def record_attendance(self, cmd: RecordAttendance) -> CommandResult:
        async with self._turn():
            self._check_attendance(cmd)
            assert self._on_site is not None
            self._on_site.attended_by = cmd.actor.user_id
            self._on_site.attended_at = workflow.now()
            await self._record(
                "on_site_attended",
                cmd.actor,
                reason=cmd.note,
                data={"contact": self._on_site.contact},
            )
            return self._result("attendance recorded")

    @record_attendance.validator
    @unless_applied
    def _validate_attendance(self, cmd: RecordAttendance) -> None:
        self._check_attendance(cmd)

    def _check_attendance(self, cmd: RecordAttendance) -> None:
        self._check(Command.RECORD_ATTENDANCE, cmd.actor)
        if self._on_site is None:
            refuse(Refusal(RefusalType.CONDITION_NOT_MET, "no one is assigned to attend on site"))
        elif self._on_site.attended_at is not None:
            refuse(Refusal(RefusalType.CONDITION_NOT_MET, "attendance is already on record"))

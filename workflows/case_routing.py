"""Routing to the responsible department and person, part of ComplaintWorkflow (issue 19;
002, 003, 004): intake assigns the case to its department and, where one is named, to its
responsible person, who is told; a change of responsible person needs the department
head's approval and tells customer service. The rules are domain/routing.py's."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.models import (
        ChangeResponsible,
        CommandResult,
        ComplaintStart,
        Notification,
        RecordFindings,
    )
    from domain.routing import Route, responsible_change_refusal, route_case, route_on_findings

from workflows import patches
from workflows import search_attributes as sa
from workflows.case_continuation import applied_once, unless_applied
from workflows.common import refuse


class CaseRouting:
    """Mixed into ComplaintWorkflow, whose state and recording it uses."""

    def _route_at_intake(self, start: ComplaintStart) -> Route | None:
        """The case's department and responsible person; none under a policy without
        routing. Taken before the registration is recorded, so its entry names them."""
        routing = self._policy.routing
        if routing is None or not patches.applies(patches.ROUTING):
            return None
        route = route_case(
            routing, category=start.intake.category.value, incident=start.intake.incident
        )
        if route is None:
            return None
        self._department = route.department
        if route.responsible:
            self._handler = route.responsible
        return route

    def _route_on_findings(self, cmd: RecordFindings) -> tuple[dict, list[Notification]]:
        """The findings' liability may move the case (a supplier defect: purchasing)."""
        routing = self._policy.routing
        if routing is None or not routing.by_liability or self._department is None:
            return {}, []
        route = route_on_findings(
            routing, liability=cmd.liability.value, department=self._department
        )
        if route is None or not patches.applies(patches.ROUTING):
            return {}, []
        moved_from = self._department
        self._department = route.department
        if route.responsible:
            self._handler = route.responsible
        data = {"department": route.department, "moved_from": moved_from}
        notices = self._routing_notices(route) + [
            self._notice(
                r,
                f"Case {self._case_no}: moved to {route.department}",
                f"findings: {cmd.liability.value}; from {moved_from}",
            )
            for r in self._policy.recipients("customer_service")
        ]
        return data, notices

    def _routing_notices(self, route: Route | None) -> list[Notification]:
        if route is None:
            return []
        recipient = f"user:{route.responsible}" if route.responsible else route.department
        return [
            self._notice(
                recipient,
                f"Case {self._case_no}: assigned to you / 投诉已转派给您",
                f"{self._start.intake.category.value} at {self._start.intake.store}:"
                f" responsible department {route.department}",
            )
        ]

    def _routing_attributes(self) -> list:
        if self._department is None:
            return []
        return [sa.CASE_DEPARTMENT.value_set(self._department)]

    def _responsible_refusal(self, cmd: ChangeResponsible):
        return responsible_change_refusal(
            self._policy.routing,
            department=self._department,
            stage=self._stage,
            actor=cmd.actor,
            person=cmd.person,
            current=self._handler,
        )

    @workflow.update
    @applied_once
    async def change_responsible(self, cmd: ChangeResponsible) -> CommandResult:
        """004: the department head approves a new responsible person (by making the
        change); customer service and the new person are told."""
        async with self._turn():
            refuse(self._responsible_refusal(cmd))
            previous = self._handler
            self._handler = cmd.person
            body = f"{previous or 'nobody'} -> {cmd.person}: {cmd.reason}"
            notices = [
                self._notice(r, f"Case {self._case_no}: responsible person changed", body)
                for r in self._policy.recipients("customer_service")
            ]
            notices.append(
                self._notice(
                    f"user:{cmd.person}", f"Case {self._case_no}: assigned to you", cmd.reason
                )
            )
            await self._record(
                "responsible_changed",
                cmd.actor,
                reason=cmd.reason,
                data={
                    "from": previous,
                    "to": cmd.person,
                    "department": self._department,
                    "approved_by": cmd.actor.user_id,
                },
                notifications=notices,
            )
            return self._result(f"responsible person {cmd.person}")

    @change_responsible.validator
    @unless_applied
    def _validate_change_responsible(self, cmd: ChangeResponsible) -> None:
        refuse(self._responsible_refusal(cmd))

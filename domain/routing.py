"""Routing a case to its responsible department and person (002, 003, 004; DOMAIN 5).

The policy maps each category (and incident, which wins: a theft is risk control's
whatever the category) to a responsible department, and each department per store to its
named responsible person and head. Intake assigns the case to that department and, where
one is named, to its responsible person, who is told. Changing the responsible person
needs the department head's approval (004: the head makes the change, or senior
management) and tells customer service.
"""

from dataclasses import dataclass

from pydantic import BaseModel, Field, model_validator

from domain.authority import Actor, Role
from domain.incidents import Incident
from domain.lifecycle import Stage
from domain.rules import Refusal, RefusalType
from domain.stores import store_key


class DepartmentPeople(BaseModel):
    """A department's named people at one store (user ids)."""

    responsible: str | None = Field(None, description="The responsible person (004 责任人)")
    head: str | None = Field(None, description="The department head, who approves a change")


class RoutingPolicy(BaseModel):
    departments: dict[str, str] = Field(description="Department key -> its name, Chinese first")
    by_category: dict[str, str] = Field(description="Category -> responsible department")
    by_incident: dict[Incident, str] = Field(
        default_factory=dict, description="Incident -> department; wins over the category"
    )
    by_liability: dict[str, str] = Field(
        default_factory=dict,
        description="Liability found -> department the case moves to (supplier: purchasing)",
    )
    people: dict[str, dict[str, DepartmentPeople]] = Field(
        default_factory=dict,
        description="Store (as entered at intake) -> department -> its named people",
    )

    @model_validator(mode="after")
    def _departments_named(self) -> "RoutingPolicy":
        used = [*self.by_category.values(), *self.by_incident.values()]
        used += list(self.by_liability.values())
        used += [d for store in self.people.values() for d in store]
        unknown = sorted(set(used) - set(self.departments))
        if unknown:
            raise ValueError(f"routing names undefined departments: {', '.join(unknown)}")
        return self

    def for_store(self, store: str) -> "RoutingPolicy":
        """Only the store's people: the workflow input stays small."""
        people = {n: p for n, p in self.people.items() if store_key(n) == store_key(store)}
        return self.model_copy(update={"people": people})

    def people_of(self, department: str) -> DepartmentPeople:
        for store_people in self.people.values():
            if department in store_people:
                return store_people[department]
        return DepartmentPeople()


@dataclass(frozen=True)
class Route:
    department: str
    responsible: str | None
    head: str | None


def route_case(
    routing: RoutingPolicy | None, *, category: str, incident: Incident | None
) -> Route | None:
    """The responsible department of a case (the incident's, else the category's) and its
    people at the case's store (`routing` made for the store); None without routing."""
    if routing is None:
        return None
    department = routing.by_incident.get(incident) if incident is not None else None
    department = department or routing.by_category.get(category)
    if department is None:
        return None
    people = routing.people_of(department)
    return Route(department=department, responsible=people.responsible, head=people.head)


def route_on_findings(
    routing: RoutingPolicy | None, *, liability: str, department: str | None
) -> Route | None:
    """000: a defect the findings lay on the supplier goes to purchasing, which deals with
    the supplier; None when the liability moves nothing."""
    if routing is None:
        return None
    moved = routing.by_liability.get(liability)
    if moved is None or moved == department:
        return None
    people = routing.people_of(moved)
    return Route(department=moved, responsible=people.responsible, head=people.head)


def responsible_change_refusal(
    routing: RoutingPolicy | None,
    *,
    department: str | None,
    stage: Stage,
    actor: Actor,
    person: str,
    current: str | None,
) -> Refusal | None:
    """004: a change of responsible person needs the department head's approval."""
    if stage is Stage.CLOSED:
        return Refusal(RefusalType.STAGE_NOT_ALLOWED, "the case is closed: reopen it first")
    if routing is None or department is None:
        return Refusal(
            RefusalType.CONDITION_NOT_MET, "the case has no responsible department to change"
        )
    if person == current:
        return Refusal(RefusalType.CONDITION_NOT_MET, f"{person} is the responsible person already")
    head = routing.people_of(department).head
    if actor.role is Role.SENIOR or (head is not None and actor.user_id == head):
        return None
    return Refusal(
        RefusalType.ROLE_NOT_ALLOWED,
        f"changing the responsible person needs the head of {department}"
        f" ({head or 'none named'}) to approve it (004)",
    )

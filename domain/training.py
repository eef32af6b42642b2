"""A and B cases as training cases (001: "投诉记录…A、B 级投诉作为培训案例"; issue 19
section 6), anonymised: what happened to the case and what was learnt, with no customer
personal data, no free text a person typed (any field marked PERSONAL) and no staff names.
"""

from datetime import datetime
from decimal import Decimal

from pydantic import BaseModel

from domain.authority import Actor, Role
from domain.grades import Grade
from domain.models import CaseStatus
from domain.rules import Refusal, RefusalType

TRAINING_ROLES = frozenset({Role.MANAGER, Role.SENIOR})
TRAINING_GRADES = frozenset({Grade.A, Grade.B})


class TrainingStep(BaseModel):
    hours_after_intake: float
    action: str


class TrainingRemedy(BaseModel):
    kind: str
    amount: Decimal
    decision: str | None
    customer_response: str | None
    on_the_spot: bool


class TrainingCase(BaseModel):
    """No case number either: the register could lead back to the customer."""

    category: str
    grade: Grade
    store: str
    department: str | None
    cause: str | None
    responsible_unit: str | None
    steps: list[TrainingStep]
    remedies: list[TrainingRemedy]
    missed_deadlines: list[str]
    corrective_actions: int
    satisfaction: int | None
    second_complaints: int


def training_refusal(actor: Actor, grade: Grade) -> Refusal | None:
    if actor.role not in TRAINING_ROLES:
        return Refusal(RefusalType.ROLE_NOT_ALLOWED, "training cases are for managers")
    if grade not in TRAINING_GRADES:
        return Refusal(
            RefusalType.CONDITION_NOT_MET, f"only A and B cases are training cases, not {grade}"
        )
    return None


def training_case(
    status: CaseStatus, *, category: str, store: str, received_at: datetime
) -> TrainingCase:
    return TrainingCase(
        category=category,
        grade=status.grade,
        store=store,
        department=status.department,
        cause=status.cause,
        responsible_unit=status.responsible_unit,
        steps=[
            TrainingStep(
                hours_after_intake=round((h.at - received_at).total_seconds() / 3600, 1),
                action=h.action,
            )
            for h in status.history
        ],
        remedies=[
            TrainingRemedy(
                kind=p.kind.value,
                amount=p.amount,
                decision=p.decision,
                customer_response=p.customer_response,
                on_the_spot=p.on_the_spot,
            )
            for p in status.proposals
        ],
        missed_deadlines=sorted(
            d.name.value for d in status.deadlines if d.state.value in ("missed", "met_late")
        ),
        corrective_actions=len(status.corrective_actions),
        satisfaction=status.satisfaction,
        second_complaints=status.reopen_count,
    )

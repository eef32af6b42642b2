"""Re-visits that are overdue (issue 19 section 5, DOMAIN section 9): the cases whose re-visit
deadline passed without a re-visit (after the remedy, or after closing), and the monthly
sample's tasks still open past the policy's `reports.revisit_within_days`. Recording one is
POST /complaints/{case_no}/revisits (api/routes/complaints.py)."""

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import ActorDep, ResourcesDep
from api.errors import Problem
from api.openapi_errors import LIST_ERRORS
from domain.surveys import REVISIT_READERS
from infra.revisits import overdue_deadlines, overdue_sample_tasks

router = APIRouter(prefix="/revisits", tags=["re-visits"], responses=LIST_ERRORS)


class OverdueRevisitPublic(BaseModel):
    case_no: str
    store: str
    stage: str
    handler: str | None
    deadline: str = Field(description="revisit_after_remedy (004: 72 h) or revisit (after closing)")
    due_at: datetime
    missed: bool = Field(description="The deadline's timer fired: customer service was told")


class OverdueSampleTaskPublic(BaseModel):
    task_id: str
    period: str = Field(description="The month whose closed cases were sampled")
    case_no: str
    store: str
    created_at: datetime
    due_at: datetime


class OverdueRevisitsPublic(BaseModel):
    as_of: datetime
    deadlines: list[OverdueRevisitPublic]
    sample_tasks: list[OverdueSampleTaskPublic]


@router.get("/overdue", response_model=OverdueRevisitsPublic)
async def list_overdue(actor: ActorDep, resources: ResourcesDep) -> OverdueRevisitsPublic:
    if actor.role not in REVISIT_READERS:
        raise Problem("RoleNotAllowed", f"role {actor.role} may not list re-visits")
    now = datetime.now(UTC)
    within = timedelta(days=resources.policy.reports.revisit_within_days)
    deadlines = [
        OverdueRevisitPublic(
            **{k: v for k, v in dict(row).items() if k != "state"}, missed=row["state"] == "missed"
        )
        for row in await overdue_deadlines(resources.pool, now)
        if actor.works_at(row["store"])
    ]
    tasks = [
        OverdueSampleTaskPublic(**dict(row))
        for row in await overdue_sample_tasks(resources.pool, now, within)
        if actor.works_at(row["store"])
    ]
    return OverdueRevisitsPublic(as_of=now, deadlines=deadlines, sample_tasks=tasks)

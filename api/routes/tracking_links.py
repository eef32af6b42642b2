"""Revoking a customer's tracking link (docs/customer-page.md): the desk stops a link that
reached the wrong person. The link opens nothing from then on; the customer gets a new one
only by asking the desk (not built: the page gives one at registration)."""

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter
from pydantic import BaseModel

from api.bodies import ReasonBody
from api.commands import case_row
from api.deps import ActorDep, ResourcesDep
from api.errors import Problem
from api.openapi_errors import CASE_ERRORS
from domain.authority import Role
from domain.models import AuditEntry
from infra.audit import append_audit
from infra.tracking_links import revoke_link

router = APIRouter(prefix="/complaints", tags=["customer page"], responses=CASE_ERRORS)

REVOKE_ROLES = frozenset({Role.STAFF, Role.HANDLER, Role.MANAGER, Role.SENIOR})


class TrackingLinkRevoked(BaseModel):
    revoked: bool  # false: the case had no live link


@router.post("/{case_no}/tracking-link/revoke", response_model=TrackingLinkRevoked)
async def revoke_tracking_link(
    case_no: str, body: ReasonBody, actor: ActorDep, resources: ResourcesDep
) -> TrackingLinkRevoked:
    if actor.role not in REVOKE_ROLES:
        raise Problem("RoleNotAllowed", f"role {actor.role} may not revoke tracking links")
    await case_row(resources, case_no, actor)
    now = datetime.now(UTC)
    async with resources.pool.acquire() as conn, conn.transaction():
        revoked = await revoke_link(conn, case_no, now)
        if revoked:
            await append_audit(
                conn,
                case_no,
                AuditEntry(
                    event_id=str(uuid.uuid4()),
                    at=now,
                    actor_id=actor.user_id,
                    actor_role=actor.role.value,
                    action="tracking_link_revoked",
                    reason=body.reason,
                    data={},
                ),
            )
    return TrackingLinkRevoked(revoked=revoked)

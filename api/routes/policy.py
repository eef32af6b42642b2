"""/policy: the active policy version, the stored versions, and a new version posted.

The body of a POST is a policy file, as `policy/default.yaml`: YAML (`application/yaml`,
`application/x-yaml`, `text/yaml`, `text/plain` or no content type) or JSON
(`application/json`, read as the YAML it also is). A bad file is refused with 422 naming
the line and the field of each problem; the same version with other content with 409.
An accepted one is stored and active for new cases; running cases keep theirs.
"""

import asyncio
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import ActorDep, ResourcesDep
from api.errors import Problem, problem
from api.openapi_errors import POLICY_ERRORS, ErrorPublic
from domain.authority import Role
from infra.policy_file import PolicyFileError, parse_policy
from infra.policy_versions import ActivePolicy, PolicyVersion, VersionConflict, list_versions
from infra.policy_versions import find_version as find_stored_version

router = APIRouter(prefix="/policy", tags=["policy"], responses=POLICY_ERRORS)

POST_ROLES = frozenset({Role.SENIOR, Role.ENGINEER})
YAML_TYPES = frozenset(
    {"", "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"}
)
JSON_TYPES = frozenset({"application/json"})
MAX_BYTES = 1_000_000

_BODY = {
    "requestBody": {
        "required": True,
        "description": "A policy file, as policy/default.yaml",
        "content": {
            "application/yaml": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


def get_active_policy(request: Request) -> ActivePolicy:
    return request.app.state.active_policy


ActivePolicyDep = Annotated[ActivePolicy, Depends(get_active_policy)]


class PolicyVersionSummary(BaseModel):
    version: str
    active: bool
    activated_at: datetime = Field(description="When it last became the active version")
    activated_by: str = Field(description="User id, or policy-file for the file at start-up")
    stored_at: datetime
    stored_by: str


class PolicyVersionPublic(PolicyVersionSummary):
    policy: dict[str, Any] = Field(description="The policy, holidays resolved to dates")


class StoredPolicyVersion(PolicyVersionPublic):
    source: str = Field(description="The file as it was given")


def _public(current: PolicyVersion) -> PolicyVersionPublic:
    return PolicyVersionPublic(
        version=current.version,
        active=True,
        activated_at=current.activated_at,
        activated_by=current.activated_by,
        stored_at=current.stored_at,
        stored_by=current.stored_by,
        policy=current.policy.model_dump(mode="json"),
    )


@router.get("", response_model=PolicyVersionPublic)
async def get_policy(_: ActorDep, active: ActivePolicyDep) -> PolicyVersionPublic:
    """The version new cases get now."""
    return _public(await active.refresh())


@router.get("/versions", response_model=list[PolicyVersionSummary])
async def get_versions(_: ActorDep, resources: ResourcesDep) -> list[PolicyVersionSummary]:
    """Every stored version, the active one first, then by when each was last active."""
    rows = await list_versions(resources.pool)
    return [
        PolicyVersionSummary.model_validate({**dict(row), "active": i == 0})
        for i, row in enumerate(rows)
    ]


@router.get("/versions/{version}", response_model=StoredPolicyVersion)
async def get_version(
    version: Annotated[str, Path(max_length=200)],
    _: ActorDep,
    resources: ResourcesDep,
    active: ActivePolicyDep,
) -> StoredPolicyVersion:
    """One stored version as it was stored: its policy then, and its file."""
    row = await find_stored_version(resources.pool, version)
    if row is None:
        raise Problem("PolicyVersionNotFound", f"no policy version {version}")
    current = await active.refresh()
    return StoredPolicyVersion.model_validate(
        {**dict(row), "active": row["activation"] == current.activation}
    )


def _problem(status: int, detail: str, kind: str, **more: Any) -> JSONResponse:
    return problem(kind, detail, status, **more)


@router.post(
    "",
    response_model=PolicyVersionPublic,
    status_code=201,
    openapi_extra=_BODY,
    responses={
        200: {"description": "This version was stored already: it is the active one again"},
        409: {"model": ErrorPublic, "description": "This version is stored with other content"},
        413: {"model": ErrorPublic, "description": "The file is larger than 1,000,000 bytes"},
        415: {"model": ErrorPublic, "description": "Neither YAML nor JSON"},
        422: {"model": ErrorPublic, "description": "Invalid policy: each problem, line and field"},
    },
)
async def post_policy(
    request: Request, actor: ActorDep, active: ActivePolicyDep, response: Response
) -> PolicyVersionPublic | JSONResponse:
    """Validates a policy file and makes it the active version: senior management and
    engineers. As with every other body, the file is validated before the role is checked."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in YAML_TYPES | JSON_TYPES:
        return _problem(
            415, "send the policy as application/yaml or application/json", "UnsupportedMedia"
        )
    body = await request.body()
    if len(body) > MAX_BYTES:
        return _problem(413, f"a policy file has at most {MAX_BYTES} bytes", "TooLarge")
    try:
        # In a thread: resolving the public holidays takes a moment of CPU.
        document = await asyncio.to_thread(parse_policy, body.decode("utf-8"), source="policy")
    except UnicodeDecodeError:
        return _problem(422, "the policy file is not UTF-8 text", "InvalidPolicy", problems=[])
    except PolicyFileError as err:
        problems = [{"line": p.line, "field": p.field, "message": p.message} for p in err.problems]
        detail = "; ".join(str(p) for p in err.problems) or str(err)
        return _problem(422, detail, "InvalidPolicy", problems=problems)
    if actor.role not in POST_ROLES:
        raise Problem("RoleNotAllowed", f"role {actor.role} may not change the policy")
    try:
        current, created = await active.activate(document, by=actor.user_id)
    except VersionConflict as err:
        return _problem(409, str(err), "PolicyVersionConflict")
    if not created:
        response.status_code = 200
    return _public(current)

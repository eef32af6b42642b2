"""What each request gets injected: the shared resources and the acting user."""

from dataclasses import dataclass
from typing import Annotated

import asyncpg
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from temporalio.client import Client

from api.identity import Identity
from domain.authority import Actor
from domain.policy import Policy
from infra.evidence_store import EvidenceFiles
from infra.settings import Settings


@dataclass
class Resources:
    settings: Settings
    policy: Policy
    users: Identity
    pool: asyncpg.Pool
    temporal: Client
    files: EvidenceFiles | None = None  # evidence (infra/evidence_store.py)


def get_resources(request: Request) -> Resources:
    return request.app.state.resources


_bearer = HTTPBearer(auto_error=False)


def get_actor(
    resources: Annotated[Resources, Depends(get_resources)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    actor = credentials and resources.users.actor_for(credentials.credentials)
    if not actor:
        raise HTTPException(
            status_code=401,
            detail="a valid bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return actor


ResourcesDep = Annotated[Resources, Depends(get_resources)]
ActorDep = Annotated[Actor, Depends(get_actor)]

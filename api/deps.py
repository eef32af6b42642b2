"""What each request gets injected: the shared resources and the acting user."""

import asyncio
from dataclasses import dataclass, field, replace
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
    # Connections of the reads' own (GET a case, the register, its trail): a burst of
    # intakes holding every connection of `pool` never makes a read queue behind it.
    reads: asyncpg.Pool | None = None
    # How many intakes this process works on at once (Settings.api_intake_concurrency);
    # the rest wait their turn before any work, so the event loop stays free for reads.
    intakes: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(4))

    def for_reads(self) -> "Resources":
        return replace(self, pool=self.reads) if self.reads is not None else self


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


def get_read_resources(request: Request) -> Resources:
    return get_resources(request).for_reads()


ResourcesDep = Annotated[Resources, Depends(get_resources)]
ReadResourcesDep = Annotated[Resources, Depends(get_read_resources)]
ActorDep = Annotated[Actor, Depends(get_actor)]

"""Sending a command to a case's workflow (or one of its sub-processes) as an update.

Each command route pairs an HTTP body (api/bodies.py: strict, may tighten) with the
workflow message its history holds (the domain's: tolerant, changed only with replay in
mind). `to_message` is the one mapping between them: the body's fields, the route's
fixed ones and the acting user. tests/api/test_bodies_and_messages.py checks that every
pair of the routes maps field for field.
"""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Header
from pydantic import BaseModel
from temporalio.service import RPCError, RPCStatusCode

from api.deps import ActorDep, Resources, ResourcesDep
from api.errors import CaseNotFound
from domain.authority import Actor
from infra.idempotency import claim_key, request_hash
from infra.register import find_case

IdempotencyKey = Annotated[
    str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
]


@dataclass(frozen=True)
class CommandPair:
    """One command route's body and the message it maps to."""

    path: str
    update: Callable[..., Any]
    body_type: type[BaseModel]
    message_type: type[BaseModel]
    fixed: tuple[str, ...]


# Every command route registered, for the tests that check each mapping.
COMMAND_PAIRS: list[CommandPair] = []


# Runs before the update is sent, with the case's register row: refuses by raising.
PreCheck = Callable[[Resources, asyncpg.Record, Actor], Awaitable[None]]
# Runs before the update is sent, with the case number and the message: refuses by raising.
MessageCheck = Callable[[Resources, str, BaseModel], Awaitable[None]]


def to_message(
    body: BaseModel,
    message_type: type[BaseModel],
    actor: Actor,
    fixed: dict[str, Any] | None = None,
) -> BaseModel:
    """The workflow message of a command: what the body says, the route's fixed fields
    and who acts. The message reads the body's values as they are (enums, amounts, dates)."""
    return message_type.model_validate({**body.model_dump(), **(fixed or {}), "actor": actor})


async def case_row(resources: Resources, case_no: str, actor: Actor) -> asyncpg.Record:
    """The case's register row, if the actor works at its store. A case of another store is
    answered as one that does not exist, so nobody learns other stores' case numbers."""
    row = await find_case(resources.pool, case_no)
    if row is None or not actor.works_at(row["store"]):
        raise CaseNotFound(case_no)
    return row


async def send_update(
    resources: Resources,
    case_no: str,
    workflow_id: str,
    update: Callable[..., Any],
    arg: Any,
    idempotency_key: str | None,
    *,
    actor: Actor,
    gone: Exception,
    check: PreCheck | None = None,
) -> Any:
    """`gone` is raised when the case exists but the workflow no longer runs."""
    row = await case_row(resources, case_no, actor)
    if check is not None:
        await check(resources, row, actor)
    handle = resources.temporal.get_workflow_handle(workflow_id)
    update_id = None
    if idempotency_key:
        update_id = await _claim_for_update(
            resources, workflow_id, update, arg, idempotency_key, actor
        )
    try:
        return await handle.execute_update(update, arg, id=update_id)
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            raise gone from err
        raise


async def _claim_for_update(
    resources: Resources,
    workflow_id: str,
    update: Callable[..., Any],
    arg: Any,
    key: str,
    actor: Actor,
) -> str:
    """The update ID a keyed command is sent under, once the key is on record with this
    request (before the update is sent: a retry after a crash compares against it). The
    same request again is the same update, which Temporal applies once and answers as the
    first time; another request under the key is refused (IdempotencyKeyReused)."""
    path = f"/workflows/{workflow_id}/{update.__name__}"
    # The body as sent (and fixed fields): who sends it is the user id, not the actor's
    # details of the day (a changed authority limit is no other request).
    body = arg.model_dump(mode="json", exclude={"actor"})
    digest = request_hash("POST", path, actor.user_id, body)
    async with resources.pool.acquire() as conn:
        await claim_key(conn, actor.user_id, key, digest)
    # Keys are the user's: another user's same key is another update.
    return f"{update.__name__}:{hashlib.sha256(f'{actor.user_id} {key}'.encode()).hexdigest()}"


def add_command_route(
    router: APIRouter,
    path: str,
    update: Callable[..., Any],
    body_type: type,
    input_type: type,
    *,
    response_model: type,
    workflow_id_of: Callable[[str], str],
    gone: Callable[[str], Exception],
    fixed: dict[str, Any] | None = None,
    name: str | None = None,
    check: PreCheck | None = None,
    message_check: MessageCheck | None = None,
) -> None:
    """Registers POST {prefix}/{case_no}/<path>: body + acting user (+ fixed fields) -> update.

    The route keeps its pair (`COMMAND_PAIRS` lists them all for the tests)."""

    async def endpoint(
        case_no: str,
        body: body_type,  # type: ignore[valid-type]
        actor: ActorDep,
        resources: ResourcesDep,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        arg = to_message(body, input_type, actor, fixed)
        if message_check is not None:
            await case_row(resources, case_no, actor)  # another store's case: 404 first
            await message_check(resources, case_no, arg)
        return await send_update(
            resources,
            case_no,
            workflow_id_of(case_no),
            update,
            arg,
            idempotency_key,
            actor=actor,
            gone=gone(case_no),
            check=check,
        )

    endpoint.__name__ = name or update.__name__
    COMMAND_PAIRS.append(CommandPair(path, update, body_type, input_type, tuple(fixed or ())))
    router.add_api_route(
        f"/{{case_no}}/{path}",
        endpoint,
        methods=["POST"],
        response_model=response_model,
        summary=update.__name__.replace("_", " ").capitalize(),
    )

"""One place that turns failures into HTTP answers: 401, 403, 404, 409, 422, 503.

Every error answer has one body, modelled on RFC 9457 problem details: `type` (a name
from PROBLEM_TYPES, listed in docs/errors.md), `title` (the type in words), `status` and
`detail` (this occurrence in words; for an invalid request, each field with its problem,
as FastAPI has always sent it). That includes FastAPI's and Starlette's own answers: an
invalid request, no such route, a method the route does not have.
"""

from http import HTTPStatus
from typing import Any

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.rules import Refusal, RefusalType
from infra.idempotency import IdempotencyKeyReused

STATUS_BY_REFUSAL = {
    RefusalType.ROLE_NOT_ALLOWED.value: 403,
    RefusalType.SELF_APPROVAL.value: 403,
    RefusalType.STAGE_NOT_ALLOWED.value: 409,
    RefusalType.TOP_OF_CHAIN.value: 409,
    RefusalType.PROCESS_ALREADY_OPEN.value: 409,
    RefusalType.PROCESS_NOT_OPEN.value: 409,
    RefusalType.PROCESSES_OPEN.value: 409,
    RefusalType.CONDITION_NOT_MET.value: 409,
    # CCTV goes to the police, regulators or courts only (DOMAIN section 6).
    RefusalType.RECIPIENT_NOT_ALLOWED.value: 403,
    RefusalType.OVER_AUTHORITY.value: 403,
    RefusalType.COMPENSATION_RULE.value: 403,
}


# type -> (status, title). docs/errors.md lists them (tests/api/test_error_bodies.py keeps
# the two in step); a refusal of the case's validator keeps the name domain/rules.py gives.
PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "UnreadableBody": (400, "The body could not be read"),
    "Unauthenticated": (401, "A valid bearer token is required"),
    RefusalType.ROLE_NOT_ALLOWED.value: (403, "The role or level may not do this"),
    RefusalType.SELF_APPROVAL.value: (403, "Nobody decides their own request"),
    RefusalType.RECIPIENT_NOT_ALLOWED.value: (403, "CCTV goes to the police, regulators or courts"),
    RefusalType.OVER_AUTHORITY.value: (403, "Beyond the user's own authority"),
    RefusalType.COMPENSATION_RULE.value: (403, "The category's compensation rule forbids it"),
    "StoreNotAllowed": (403, "The user does not work at that store"),
    "NotFound": (404, "No such resource"),
    "CaseNotFound": (404, "No such case"),
    "ProcessNotFound": (404, "The case has no such sub-process"),
    "ReportNotFound": (404, "No report for that period yet"),
    "PolicyVersionNotFound": (404, "No such policy version"),
    "NotificationNotFound": (404, "The case has no such notification"),
    "EvidenceNotFound": (404, "The case has no such evidence file"),
    "HoldNotFound": (404, "The case has no such legal hold"),
    "InboxEntryNotFound": (404, "No such notification in your inbox"),
    "StopSaleOrderNotFound": (404, "No such stop-sale order"),
    "MailNotFound": (404, "No such message in the local mailbox"),
    "MethodNotAllowed": (405, "The route does not take this method"),
    RefusalType.STAGE_NOT_ALLOWED.value: (409, "Not in the case's current stage"),
    RefusalType.TOP_OF_CHAIN.value: (409, "Already at the top of the escalation chain"),
    RefusalType.PROCESS_ALREADY_OPEN.value: (409, "That sub-process is open already"),
    RefusalType.PROCESS_NOT_OPEN.value: (409, "That sub-process is not open"),
    RefusalType.PROCESSES_OPEN.value: (409, "Sub-processes are still open"),
    RefusalType.CONDITION_NOT_MET.value: (409, "A condition of the case is not met"),
    "CaseArchived": (409, "The case is archived"),
    "IdempotencyKeyReused": (409, "The Idempotency-Key was used for another request"),
    "PolicyVersionConflict": (409, "That policy version is stored with other content"),
    "WorkflowRunning": (409, "The case has its workflow"),
    "StopSaleOff": (409, "The policy has no stop_sale section"),
    "TooLarge": (413, "The body or a file in it is too large"),
    "UnsupportedMedia": (415, "The body's or a file's content type is not accepted"),
    "InvalidRequest": (422, "The request is invalid"),
    "InvalidPolicy": (422, "The policy file is invalid"),
    "UpdateFailed": (500, "The case could not apply the command"),
    "DatabaseUnavailable": (503, "The database is unavailable"),
    "TemporalUnavailable": (503, "Temporal is unavailable"),
}
# A plain HTTPException (FastAPI's, Starlette's or a route's) has the type of its status.
TYPE_BY_STATUS = {
    400: "UnreadableBody",
    401: "Unauthenticated",
    404: "NotFound",
    405: "MethodNotAllowed",
    413: "TooLarge",
    415: "UnsupportedMedia",
    422: "InvalidRequest",
}


def problem_body(kind: str, detail: Any, status: int | None = None, **more: Any) -> dict[str, Any]:
    known = PROBLEM_TYPES.get(kind)
    status = status or (known[0] if known else 500)
    title = known[1] if known else HTTPStatus(status).phrase
    return {"type": kind, "title": title, "status": status, "detail": detail, **more}


def problem(
    kind: str,
    detail: Any,
    status: int | None = None,
    headers: dict[str, str] | None = None,
    **more: Any,
) -> JSONResponse:
    body = problem_body(kind, detail, status, **more)
    return JSONResponse(status_code=body["status"], content=body, headers=headers)


class Problem(StarletteHTTPException):
    """An HTTP error a route raises, with its type: `raise Problem("ReportNotFound", ...)`."""

    def __init__(self, kind: str, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(PROBLEM_TYPES[kind][0], detail, headers)
        self.kind = kind


class Refused(Exception):
    """A refusal the API finds itself before a command reaches the case, answered as the
    case's validator would answer it."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.message)
        self.refusal = refusal


class CaseNotFound(Exception):
    def __init__(self, case_no: str) -> None:
        super().__init__(f"no complaint {case_no}")


class CaseArchived(Exception):
    def __init__(self, case_no: str) -> None:
        super().__init__(f"complaint {case_no} is archived: its reopen window has passed")


class ProcessNotOpen(Exception):
    def __init__(self, case_no: str, label: str) -> None:
        super().__init__(f"complaint {case_no} has no open {label}")


class ProcessNotFound(Exception):
    def __init__(self, case_no: str, label: str) -> None:
        super().__init__(f"complaint {case_no} has no {label}")


def _problem(status: int, detail: str, kind: str) -> JSONResponse:
    return problem(kind, detail, status)


async def _http_error(_: Request, err: StarletteHTTPException) -> JSONResponse:
    kind = getattr(err, "kind", None) or TYPE_BY_STATUS.get(err.status_code)
    if kind is None:
        kind = "".join(w.capitalize() for w in HTTPStatus(err.status_code).phrase.split())
    return problem(kind, err.detail, err.status_code, headers=err.headers)


async def _invalid_request(_: Request, err: RequestValidationError) -> JSONResponse:
    return problem("InvalidRequest", jsonable_encoder(err.errors()))


async def _update_failed(_: Request, err: WorkflowUpdateFailedError) -> JSONResponse:
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type in STATUS_BY_REFUSAL:
        return _problem(STATUS_BY_REFUSAL[cause.type], cause.message, cause.type)
    return _problem(500, "the case could not apply the command", "UpdateFailed")


async def _refused(_: Request, err: Refused) -> JSONResponse:
    kind = err.refusal.type.value
    return _problem(STATUS_BY_REFUSAL[kind], err.refusal.message, kind)


async def _rpc_failed(_: Request, err: RPCError) -> JSONResponse:
    if err.status is RPCStatusCode.NOT_FOUND:
        return _problem(404, err.message, "NotFound")
    return _problem(503, f"Temporal is unavailable: {err.message}", "TemporalUnavailable")


# What asyncpg raises while PostgreSQL is down, starting, shutting down or full, or cuts a
# connection off mid-query; a socket that cannot connect (refused, reset, unreachable, a
# name that does not resolve, a connect timeout) is an OSError. The API does no other
# socket I/O in a request, and Temporal fails with RPCError (above).
DATABASE_UNAVAILABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)
# Long enough for a restart; a client that retries sooner is answered the same.
RETRY_AFTER_SECONDS = 5

log = structlog.get_logger(__name__)


async def _database_unavailable(_: Request, err: Exception) -> JSONResponse:
    """Nothing half-done stays behind: intake writes its number and register row in one
    transaction, before the workflow starts, and reads change nothing."""
    if isinstance(err, OSError) and err.filename is not None:
        raise err  # a file, not the database: a bug, answered 500
    log.warning("database_unavailable", error=type(err).__name__)
    answer = _problem(
        503,
        f"the database is unavailable, try again shortly: {type(err).__name__}",
        "DatabaseUnavailable",
    )
    answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return answer


async def _not_found(_: Request, err: CaseNotFound) -> JSONResponse:
    return _problem(404, str(err), "CaseNotFound")


async def _archived(_: Request, err: CaseArchived) -> JSONResponse:
    return _problem(409, str(err), "CaseArchived")


async def _process_not_open(_: Request, err: ProcessNotOpen) -> JSONResponse:
    return _problem(409, str(err), "ProcessNotOpen")


async def _process_not_found(_: Request, err: ProcessNotFound) -> JSONResponse:
    return _problem(404, str(err), "ProcessNotFound")


async def _key_reused(_: Request, err: IdempotencyKeyReused) -> JSONResponse:
    return _problem(422, str(err), "IdempotencyKeyReused")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(WorkflowUpdateFailedError, _update_failed)
    app.add_exception_handler(Refused, _refused)
    app.add_exception_handler(RPCError, _rpc_failed)
    for kind in DATABASE_UNAVAILABLE:
        app.add_exception_handler(kind, _database_unavailable)
    app.add_exception_handler(CaseNotFound, _not_found)
    app.add_exception_handler(CaseArchived, _archived)
    app.add_exception_handler(ProcessNotOpen, _process_not_open)
    app.add_exception_handler(ProcessNotFound, _process_not_found)
    app.add_exception_handler(IdempotencyKeyReused, _key_reused)

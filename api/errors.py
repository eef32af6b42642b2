"""One place that turns failures into HTTP answers: 401, 403, 404, 409, 422, 503."""

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
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
}


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
    return JSONResponse(status_code=status, content={"detail": detail, "type": kind})


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

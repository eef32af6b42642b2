"""The error answers of the API as its OpenAPI schema documents them: one body for all of
them (what api/errors.py, FastAPI's validation and `HTTPException` send) and, for each
group of routes, the status codes it may answer. Routers take these as `responses=`, so
that a client (and tests/api/test_schema_fuzz.py) finds every status code it can get."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import ComplaintCreated


class FieldProblem(BaseModel):
    """One problem of a 422: where (`["body", "amount"]`) and what."""

    model_config = ConfigDict(extra="allow")

    loc: list[str | int]
    msg: str
    type: str


class ErrorPublic(BaseModel):
    """Every error answer, after RFC 9457 problem details. `type` names a refusal of the
    case (`RoleNotAllowed`, `SelfApproval`, `StageNotAllowed`, `ConditionNotMet`, ...) or
    another error (`CaseNotFound`, `InvalidRequest`, `DatabaseUnavailable`, ...): the list
    with what each means is docs/errors.md."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="What kind of error, for programs: one of docs/errors.md",
        examples=["RoleNotAllowed"],
    )
    title: str = Field(description="The type in words, the same for every occurrence")
    status: int = Field(description="The HTTP status code, repeated")
    detail: str | list[FieldProblem] = Field(
        description="What went wrong this time; for an invalid request, each field with its problem"
    )


def _answer(description: str, **headers: str) -> dict[str, Any]:
    answer: dict[str, Any] = {"model": ErrorPublic, "description": description}
    if headers:
        answer["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return answer


BAD_BODY = {400: _answer("The body could not be read: not UTF-8, or not JSON")}
UNAUTHENTICATED = {
    401: _answer(
        "No bearer token, or one nobody issued",
        **{"WWW-Authenticate": "Bearer"},
    )
}
FORBIDDEN = {
    403: _answer(
        "The role, the level or the store does not allow it (`RoleNotAllowed`), or the user"
        " may not do it to their own request (`SelfApproval`)"
    )
}
NOT_FOUND = {404: _answer("No such case, sub-process, report or version")}
CONFLICT = {
    409: _answer(
        "Not in this stage or state of the case (`StageNotAllowed`, `ConditionNotMet`,"
        " `TopOfChain`, `ProcessNotOpen`, `ProcessAlreadyOpen`, `ProcessesOpen`,"
        " `CaseArchived`)"
    )
}
INVALID = {
    422: _answer(
        "The request is invalid (`InvalidRequest`): each field with its problem, a rule"
        " between fields on the field it asks for, unknown body fields and query parameters"
        " included; or its Idempotency-Key came with another request before"
        " (`IdempotencyKeyReused`)"
    )
}
UNAVAILABLE = {
    503: _answer(
        "The database or Temporal is unavailable: try again shortly",
        **{"Retry-After": "Seconds to wait, when the database is the one unavailable"},
    )
}

# /complaints and everything below it: cases, their commands and sub-processes, repairs.
CASE_ERRORS = BAD_BODY | UNAUTHENTICATED | FORBIDDEN | NOT_FOUND | CONFLICT | INVALID | UNAVAILABLE
REPORT_ERRORS = BAD_BODY | UNAUTHENTICATED | FORBIDDEN | NOT_FOUND | INVALID | UNAVAILABLE
# POST /policy reads its body itself: a file that is not UTF-8 is an invalid policy (422).
POLICY_ERRORS = UNAUTHENTICATED | FORBIDDEN | NOT_FOUND | INVALID | UNAVAILABLE
# Lists that read Postgres alone (GET /revisits/overdue): no body, no case in the path.
LIST_ERRORS = UNAUTHENTICATED | FORBIDDEN | INVALID | UNAVAILABLE
# The codec server works on the payloads it is sent: no database, no Temporal.
CODEC_ERRORS = BAD_BODY | UNAUTHENTICATED | FORBIDDEN | INVALID


# Not an error, but not the route's own 201 either: intake again with the same
# Idempotency-Key answers the case it made.
REGISTERED_BEFORE = {
    200: {
        "model": ComplaintCreated,
        "description": "Registered before with this Idempotency-Key: that case",
    }
}


def as_json(responses: dict[int, dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The same answers for a route whose own answer is not JSON (an HTML page): FastAPI
    would document a model's error body in the route's media type, so the JSON is named
    here (the component exists: the JSON routes beside it use the model)."""
    error = {"schema": {"$ref": "#/components/schemas/ErrorPublic"}}
    return {
        code: {key: value for key, value in answer.items() if key != "model"}
        | {"content": {"application/json": error}}
        for code, answer in responses.items()
    }


REPORT_PAGE_ERRORS = as_json(REPORT_ERRORS)

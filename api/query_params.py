"""Unknown query parameters are refused (422 naming each), as unknown body fields are.

`GET /complaints?case_no=…` answered 50 unrelated cases: the register has no `case_no`
filter, and FastAPI ignores what a route does not declare, so a typo or a filter the
client only assumed looked like an answer. What a route accepts is what it declares (its
own parameters and its dependencies'), read from the route itself: a route that gains a
parameter accepts it with no change here.
"""

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel

_DECLARED: dict[int, frozenset[str]] = {}


def _query_names(dependant: Dependant) -> set[str]:
    names: set[str] = set()
    for param in dependant.query_params:
        model = param.field_info.annotation
        if isinstance(model, type) and issubclass(model, BaseModel):  # a query model
            names |= {field.alias or name for name, field in model.model_fields.items()}
        else:
            names.add(param.alias)
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _declared(route: APIRoute) -> frozenset[str]:
    if id(route) not in _DECLARED:
        _DECLARED[id(route)] = frozenset(_query_names(route.dependant))
    return _DECLARED[id(route)]


async def refuse_unknown_query_parameters(request: Request) -> None:
    """An app-wide dependency: runs before the route's own, so before its token is checked,
    as a malformed request is malformed whoever sends it."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    declared = _declared(route)
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in declared]
    if unknown:
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": "Extra inputs are not permitted",
                    "input": request.query_params.getlist(name)[0],
                }
                for name in unknown
            ]
        )

"""A NUL character (`%00`) in a path or query is refused with 422 before any route runs.

PostgreSQL text cannot hold one, so a case number, a policy version or a store filter with
it failed the route's query with a 500. Bodies are refused by the request models
(domain/strict.py), with the field named.
"""

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import problem
from domain.strict import NUL

MESSAGE = "text may not contain NUL characters (\\u0000)"


class RefuseNul:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            where = None
            if NUL in scope["path"]:
                where = "path"
            elif b"%00" in scope.get("query_string", b""):
                where = "query"
            if where is not None:
                field = {"type": "value_error", "loc": [where], "msg": MESSAGE}
                answer = problem("InvalidRequest", [field])
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install_nul_guard(app: FastAPI) -> None:
    app.add_middleware(RefuseNul)

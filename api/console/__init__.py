"""The desk's web console, served by the API process beside the API (docs/console.md).

`install_console(app)` adds its pages under /console/ (and / sends there), its own static
files, and the redirect to sign-in for a request without a session. Later capabilities
add to it through its registries: `nav.add` (navigation), `panels.add` (a case page's
panels), `actions.FORMS` (a command's form).
"""

import json
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.console.web import Answer, SignInRequired, page_for, problem_of, render

STATIC = Path(__file__).parent / "static"


def _as_page(api_handler):
    async def handle(request: Request, err: Exception) -> Response:
        answer = await api_handler(request, err)
        if not request.url.path.startswith("/console/"):
            return answer
        page = await page_for(request, signed_in=False)
        problem = problem_of(Answer(answer.status_code, json.loads(answer.body), None), page)
        return render(page, "error.html", answer.status_code, problem=problem)

    return handle


def install_console(app: FastAPI) -> None:
    from api.console import (
        evidence,
        notices,
        oidc,
        pages,
        quality,  # noqa: F401 - its case panel (issue 16)
        reports,
        revisits,
        stop_sale,
        store_pages,
    )

    async def sign_in_first(request: Request, _: SignInRequired) -> RedirectResponse:
        """Back to where one was after signing in (a form's page for a post)."""
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/console/sign-in?next={quote(target)}", status_code=302)
        return RedirectResponse("/console/sign-in?next=/console/", status_code=303)

    app.add_exception_handler(SignInRequired, sign_in_first)
    # The API answers a bad query or an unknown path with a problem in JSON; under
    # /console/ a person reads it, so it is a page in words.
    for kind in (RequestValidationError, StarletteHTTPException):
        app.add_exception_handler(kind, _as_page(app.exception_handlers.get(kind)))
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.include_router(pages.root)
    app.include_router(reports.router)
    app.include_router(store_pages.router)
    app.include_router(oidc.router)
    app.include_router(notices.router)
    app.include_router(evidence.router)
    app.include_router(revisits.router)
    app.include_router(stop_sale.router)
    app.include_router(pages.router)

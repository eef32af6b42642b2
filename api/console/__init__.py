"""The desk's web console, served by the API process beside the API (docs/console.md).

`install_console(app)` adds its pages under /console/ (and / sends there), its own static
files, and the redirect to sign-in for a request without a session. Later capabilities
add to it through its registries: `nav.add` (navigation), `panels.add` (a case page's
panels), `actions.FORMS` (a command's form).
"""

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.console.web import SignInRequired

STATIC = Path(__file__).parent / "static"


def install_console(app: FastAPI) -> None:
    from api.console import notices, oidc, pages, reports

    async def sign_in_first(request: Request, _: SignInRequired) -> RedirectResponse:
        """Back to where one was after signing in (a form's page for a post)."""
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/console/sign-in?next={quote(target)}", status_code=302)
        return RedirectResponse("/console/sign-in?next=/console/", status_code=303)

    app.add_exception_handler(SignInRequired, sign_in_first)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")
    app.include_router(pages.root)
    app.include_router(reports.router)
    app.include_router(oidc.router)
    app.include_router(notices.router)
    app.include_router(pages.router)

"""Overdue re-visits (issue 19 section 5): the API's `GET /revisits/overdue` as a page, in
the navigation of the roles that may record a re-visit (`domain.surveys.REVISIT_ROLES`);
each row links to its case, where the call is recorded (`actions.CaseAction.RECORD_REVISIT`)."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console import nav
from api.console.i18n import N_
from api.console.web import call, page_for, problem_of, render
from domain.policy import DeadlineName
from domain.surveys import REVISIT_ROLES

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("/revisits")
async def overdue_revisits(request: Request) -> Response:
    page = await page_for(request)
    if page.actor.role not in REVISIT_ROLES:
        return render(
            page, "error.html", 403, message=page._("Re-visits are recorded by customer service.")
        )
    answer = await call(page, "GET", "/revisits/overdue")
    if not answer.ok:
        return render(page, "error.html", answer.status, problem=problem_of(answer, page))
    return render(
        page,
        "revisits.html",
        deadlines=answer.body["deadlines"],
        tasks=answer.body["sample_tasks"],
        deadline_names_enum=DeadlineName,
    )


nav.add(
    nav.NavItem(
        "revisits",
        "/console/revisits",
        N_("Overdue re-visits"),
        lambda actor: actor.role in REVISIT_ROLES,
    )
)

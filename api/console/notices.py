"""The console's notifications (docs/notifications.md): the bell (the inbox's unread count
in the navigation), the inbox page with "mark as read", the delivery state panel of a
case's page, and make run's local mailbox. Each reads and acts through the API's routes
(`/me/notifications`, `/complaints/{case_no}`, `/local-mailbox`) as the signed-in user."""

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.console import nav, panels
from api.console.i18n import N_
from api.console.pages import _form, _with_counts
from api.console.web import Page, call, page_for, problem_of, render, see_other
from api.notices import DELIVERY_STATE_ROLES

router = APIRouter(prefix="/console", include_in_schema=False)


async def unread(page: Page) -> int:
    answer = await call(page, "GET", "/me/notifications", params={"limit": 1})
    return answer.body["unread"] if answer.ok else 0


@router.get("/notifications")
async def inbox_page(request: Request) -> Response:
    page = await page_for(request)
    await _with_counts(page)
    answer = await call(page, "GET", "/me/notifications", params={"limit": 200})
    if not answer.ok:
        return render(page, "error.html", answer.status, problem=problem_of(answer, page))
    mailbox = await call(page, "GET", "/local-mailbox", params={"limit": 1})
    return render(
        page,
        "notifications.html",
        active="notifications",
        inbox=answer.body,
        mailbox=mailbox.ok,
        zone=page.zone_of(None),
    )


@router.post("/notifications/{entry_id}/read")
async def mark_read(request: Request, entry_id: int) -> Response:
    page = await page_for(request)
    form = await _form(request, page)
    if isinstance(form, Response):
        return form
    answer = await call(page, "POST", f"/me/notifications/{entry_id}/read")
    if not answer.ok:
        return render(page, "error.html", answer.status, problem=problem_of(answer, page))
    return see_other("/console/notifications")


@router.get("/mailbox")
async def mailbox_page(request: Request) -> Response:
    page = await page_for(request)
    await _with_counts(page)
    answer = await call(page, "GET", "/local-mailbox", params={"limit": 200})
    if not answer.ok:
        return render(page, "error.html", answer.status, problem=problem_of(answer, page))
    return render(
        page, "mailbox.html", active="notifications", mails=answer.body, zone=page.zone_of(None)
    )


@router.get("/mailbox/{message_id}")
async def mail_page(request: Request, message_id: str) -> Response:
    page = await page_for(request)
    await _with_counts(page)
    answer = await call(page, "GET", f"/local-mailbox/{quote(message_id)}")
    if not answer.ok:
        return render(page, "error.html", answer.status, problem=problem_of(answer, page))
    return render(
        page, "mail.html", active="notifications", mail=answer.body, zone=page.zone_of(None)
    )


# The bell: everyone has an inbox.
nav.add(
    nav.NavItem(
        "notifications", "/console/notifications", N_("Notifications"), count="notifications"
    )
)
# Delivery state: the roles the API shows it to (api/notices.py).
panels.add(
    panels.Panel(
        "notifications",
        "panels/notifications.html",
        lambda actor: actor.role in DELIVERY_STATE_ROLES,
    )
)

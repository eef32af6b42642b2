"""The customer's tracking page (docs/customer-page.md): `/t/<token>`, the link the
complaint page answered with. It shows the case in plain words (domain/customer_page.py
`customer_view`: never a handler, an amount under approval, a note or a sub-process), and
lets the customer send a message or a file, answer a proposal the policy lets them answer
online, and rate the handling (the survey page, through the case's own survey link).

Every refusal is one of two pages: "this link does not work" (404: forged, tampered,
revoked, a case number, anything) and "this link has expired" (410: the case has been
closed for the policy's time, or archived). Neither names a case.
"""

import hashlib
from datetime import UTC, datetime
from typing import Any

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import ResourcesDep
from api.public.complain import message_page, too_many, web_actor
from api.public.pages import client_address, gettext_for, language_of, render
from api.public.uploads import keep_files, read_form
from api.routes.complaints import case_status
from domain.case_numbers import workflow_id_for
from domain.contact import CustomerLanguage
from domain.customer_page import AskedOfCustomer, customer_view, tracking_expired
from domain.models import AddNote, RecordCustomerResponse
from domain.surveys import survey_language
from infra.rate_limits import hit, limit_key
from infra.register import find_case
from infra.survey_links import SurveyLinkSigner
from infra.tracking_links import TrackingLinkSigner, TrackingRefused, find_link
from workflows.complaint import ComplaintWorkflow

log = structlog.get_logger(__name__)

router = APIRouter(tags=["customer page"], include_in_schema=False)

TOKEN_LIMIT = 200
MESSAGE_LIMIT = 2000


class LinkExpired(Exception):
    pass


def _invalid(language: CustomerLanguage) -> HTMLResponse:
    _ = gettext_for(language)
    return message_page(
        language,
        404,
        _("This link does not work"),
        _(
            "Please check that the whole link was copied. The case number alone does not open"
            " a case: use the link we gave you, or ask at the service desk."
        ),
    )


def _expired(language: CustomerLanguage) -> HTMLResponse:
    _ = gettext_for(language)
    return message_page(
        language,
        410,
        _("This link has expired"),
        _("The time to follow a complaint with this link is over. Please ask at the service desk."),
    )


async def _open(resources: Any, token: str) -> tuple[Any, Any, Any]:
    """The link's row, the case's register row and its status; TrackingRefused or
    LinkExpired otherwise. The signature is checked first (in constant time), so a made-up
    token reaches no table."""
    if len(token) > TOKEN_LIMIT:
        raise TrackingRefused
    link_id = TrackingLinkSigner.from_settings(resources.settings).check(token)
    link = await find_link(resources.pool, link_id)
    case = await find_case(resources.pool, link["case_no"])
    if case is None:
        raise TrackingRefused
    page = resources.policy.customer_page
    if page is None:
        raise TrackingRefused
    try:
        status = await case_status(resources, link["case_no"])
    except RPCError as err:
        if err.status is RPCStatusCode.NOT_FOUND:
            raise LinkExpired from None
        raise
    calendar = resources.policy.for_store(case["store"]).calendar
    if tracking_expired(status.closed_at, datetime.now(UTC), page, calendar):
        raise LinkExpired
    return link, case, status


async def _survey_path(resources: Any, case_no: str) -> str | None:
    """The case's unused, unexpired survey link, signed again (its token is never stored)."""
    row = await resources.pool.fetchrow(
        "SELECT link_id, expires_at FROM survey_links WHERE case_no = $1 AND used_at IS NULL"
        " AND expires_at > now() ORDER BY issued_at DESC LIMIT 1",
        case_no,
    )
    if row is None:
        return None
    signer = SurveyLinkSigner.from_settings(resources.settings)
    return "/survey/" + signer.token(row["link_id"], row["expires_at"])


def _language(lang: str | None, link: Any) -> CustomerLanguage:
    return language_of(lang) if lang else survey_language(link["language"])


async def _page(
    resources: Any, token: str, lang: str | None, status_code: int = 200, **more: Any
) -> HTMLResponse:
    try:
        link, case, status = await _open(resources, token)
    except TrackingRefused:
        return _invalid(language_of(lang))
    except LinkExpired:
        return _expired(language_of(lang))
    language = _language(lang, link)
    page = resources.policy.customer_page
    view = customer_view(status, page)
    zone = resources.policy.for_store(case["store"]).calendar.timezone
    suffix = "?lang=en" if language is CustomerLanguage.EN else ""
    return render(
        "track.html",
        language,
        status_code,
        case_no=case["case_no"],
        store=case["store"],
        view=view,
        asked=AskedOfCustomer,
        next_date=_local(view.next_date, zone, language),
        survey_path=await _survey_path(resources, case["case_no"]),
        base=f"/t/{token}",
        suffix=suffix,
        other_language=f"/t/{token}" + ("" if language is CustomerLanguage.EN else "?lang=en"),
        files_max=page.files_max,
        message_max=MESSAGE_LIMIT,
        errors=more.get("errors", {}),
        done=more.get("done"),
        message=more.get("message", ""),
    )


def _local(moment: datetime | None, zone: str, language: CustomerLanguage) -> str | None:
    if moment is None:
        return None
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(zone))
    if language is CustomerLanguage.ZH:
        return f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%d %B %Y, %H:%M}"


@router.get("/t/{token}", response_class=HTMLResponse)
async def track(
    token: str,
    resources: ResourcesDep,
    lang: str | None = Query(None, max_length=5),
    done: str | None = Query(None, max_length=20),
) -> HTMLResponse:
    return await _page(resources, token, lang, done=done)


async def _limited(request: Request, resources: Any, language: CustomerLanguage):
    page = resources.policy.customer_page
    verdict = await hit(
        resources.pool, limit_key("address", client_address(request)), page.per_address
    )
    return None if verdict.allowed else too_many(language, verdict.retry_after)


def _back(token: str, lang: str | None, done: str) -> RedirectResponse:
    query = f"?done={done}" + ("&lang=en" if lang == "en" else "")
    return RedirectResponse(f"/t/{token}{query}", status_code=303)


@router.post("/t/{token}/message", response_class=HTMLResponse)
async def send_message(
    token: str, request: Request, lang: str | None = Query(None, max_length=5)
) -> HTMLResponse:
    """A message or files from the customer: the message goes to the case's trail as a
    note by the page (the desk reads it as text), the files into its evidence."""
    resources = request.app.state.resources
    try:
        link, case, _status = await _open(resources, token)
    except TrackingRefused:
        return _invalid(language_of(lang))
    except LinkExpired:
        return _expired(language_of(lang))
    language = _language(lang, link)
    refused = await _limited(request, resources, language)
    if refused is not None:
        return refused
    _ = gettext_for(language)
    page = resources.policy.customer_page
    read = await read_form(
        request, page, resources, {"message": MESSAGE_LIMIT}, "customer_statement"
    )
    try:
        text = read.values.get("message", "").strip()
        errors: dict[str, str] = {}
        if read.problem:
            errors["file"] = _(read.problem)
        elif not text and not read.files:
            errors["message"] = _("Write a message or choose a file to send")
        if errors:
            return await _page(resources, token, lang, 422, errors=errors, message=text)
        actor = web_actor(case["store"])
        workflow_id = workflow_id_for(case["case_no"])
        if text:
            handle = resources.temporal.get_workflow_handle(workflow_id)
            # The same message again through the same link (a double tap, a retried post)
            # is the same update: one note.
            digest = hashlib.sha256(f"{link['link_id']}\x00{text}".encode()).hexdigest()
            await handle.execute_update(
                ComplaintWorkflow.add_note,
                AddNote(text=f"[customer, web] {text}", actor=actor),
                id=f"customer-note-{digest[:40]}",
            )
        await keep_files(resources, case["case_no"], workflow_id, read.files, actor)
    finally:
        read.discard()
    log.info("customer_page_message", case_no=case["case_no"], files=len(read.files))
    return _back(token, lang, "sent")


@router.post("/t/{token}/answer", response_class=HTMLResponse)
async def answer_proposal(
    token: str, request: Request, lang: str | None = Query(None, max_length=5)
) -> HTMLResponse:
    """Accept or refuse the approved proposal, where the policy lets the customer answer
    online: the desk's own command (record_customer_response), its channel `web`."""
    resources = request.app.state.resources
    try:
        link, case, status = await _open(resources, token)
    except TrackingRefused:
        return _invalid(language_of(lang))
    except LinkExpired:
        return _expired(language_of(lang))
    language = _language(lang, link)
    refused = await _limited(request, resources, language)
    if refused is not None:
        return refused
    _ = gettext_for(language)
    view = customer_view(status, resources.policy.customer_page)
    from urllib.parse import parse_qs

    form = parse_qs((await request.body()).decode("utf-8", "replace")[:4000], max_num_fields=5)
    answer = (form.get("answer") or [""])[0]
    reason = (form.get("reason") or [""])[0].replace("\x00", "").strip()[:MESSAGE_LIMIT]
    if view.proposal is None:
        return message_page(
            language,
            409,
            _("There is nothing to answer now"),
            _("Please ask at the service desk."),
        )
    if answer not in {"accept", "refuse"}:
        return await _page(
            resources, token, lang, 422, errors={"answer": _("Choose to accept or refuse")}
        )
    command = RecordCustomerResponse(
        accepted=answer == "accept",
        reason=reason or None,
        channel="web",
        actor=web_actor(case["store"]),
    )
    handle = resources.temporal.get_workflow_handle(workflow_id_for(case["case_no"]))
    try:
        await handle.execute_update(
            ComplaintWorkflow.record_customer_response,
            command,
            # One answer per proposal: a double tap is the same update.
            id=f"customer-answer-{case['case_no']}-{len(status.proposals)}",
        )
    except WorkflowUpdateFailedError:
        return message_page(
            language,
            409,
            _("There is nothing to answer now"),
            _("Please ask at the service desk."),
        )
    log.info("customer_page_answer", case_no=case["case_no"], accepted=command.accepted)
    return _back(token, lang, "answered")

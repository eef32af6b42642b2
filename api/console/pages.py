"""The console's pages (docs/console.md): sign-in, My work, registering a complaint, a
case's page with its commands, approvals, the register, reports and stuck cases. Each
reads and acts through the API's own routes (web.call) as the signed-in user."""

import asyncio
import csv
import io
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from api.console import i18n
from api.console.actions import (
    FORMS,
    MORE_FORMS,
    PROCESS_SLUGS,
    CaseAction,
    action_shown,
    allowed_actions,
    allowed_commands,
    form_of,
)
from api.console.evidence import evidence_lists
from api.console.legal import legal_records
from api.console.panels import panels_for
from api.console.sessions import LANG_COOKIE, clear_cookie, csrf_ok, set_cookie
from api.console.web import Page, call, page_for, problem_of, render, see_other, store
from api.console.work import counts, my_work
from api.deps import Resources
from api.identity import UserDirectory
from api.report_views import spreadsheet_safe
from domain.grades import Grade
from domain.incidents import Incident
from domain.lifecycle import ALLOWED_ROLES, REGISTER_ROLES, CaseWait, Command, Stage
from domain.models import Category, Channel
from domain.rules import within_authority
from infra.register import RegisterSort

router = APIRouter(prefix="/console", include_in_schema=False)
root = APIRouter(include_in_schema=False)

CSRF_REFUSED = i18n.N_("This form has expired or did not come from this console. Please try again.")


@root.get("/")
async def home() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=302)


def _safe_next(target: str | None) -> str:
    """Only a path of this console: never another site."""
    if not target:
        return "/console/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/console/"):
        return "/console/"
    return target


async def _form(request: Request, page: Page) -> dict[str, str] | Response:
    """The posted form, if it carries the session's CSRF token; else the refusal page."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    if not csrf_ok(page.session, form.get("csrf_token")):
        return render(page, "error.html", 403, message=page._(CSRF_REFUSED))
    return form


async def _with_counts(page: Page) -> list:
    sections = await my_work(page)
    page.counts = counts(sections)
    # The bell: the inbox's unread count (api/console/notices.py).
    from api.console.notices import unread

    page.counts["notifications"] = await unread(page)
    return sections


# --- sign-in -----------------------------------------------------------------------


@router.get("/sign-in")
async def sign_in_page(request: Request, next: str | None = None) -> Response:
    page = await page_for(request, signed_in=False)
    if page.actor is not None:
        return RedirectResponse(_safe_next(next), status_code=302)
    fresh = None
    if page.session is None:
        fresh, page.session = await store(request).create()
    resources: Resources = request.app.state.resources
    users = resources.users.listed() if isinstance(resources.users, UserDirectory) else []
    response = render(
        page,
        "sign_in.html",
        users=users,
        next=_safe_next(next),
        oidc=resources.settings.identity == "jwt",
    )
    if fresh:
        set_cookie(request, response, fresh)
    return response


@router.post("/sign-in")
async def sign_in(request: Request) -> Response:
    page = await page_for(request, signed_in=False)
    form = await _form(request, page)
    if isinstance(form, Response):
        return form
    resources: Resources = request.app.state.resources
    token = (form.get("token") or "").strip()
    if not token and form.get("user") and isinstance(resources.users, UserDirectory):
        # A demo user picked by id: the page never shows their token.
        token = next((u.token for u in resources.users.listed() if u.user_id == form["user"]), "")
    actor = resources.users.actor_for(token) if token else None
    if actor is None:
        users = resources.users.listed() if isinstance(resources.users, UserDirectory) else []
        return render(
            page,
            "sign_in.html",
            401,
            users=users,
            next=_safe_next(form.get("next")),
            oidc=resources.settings.identity == "jwt",
            error=page._("That user or token is not known."),
        )
    return await start_session(request, page, token, actor.user_id, form.get("next"))


async def start_session(
    request: Request, page: Page, token: str, user_id: str, target: str | None, name: str = ""
) -> Response:
    """A new session for the signed-in user (a new id: the pre-sign-in one is dropped)."""
    if page.session is not None:
        await store(request).delete(page.session)
    resources: Resources = request.app.state.resources
    if not name and isinstance(resources.users, UserDirectory):
        name = next((u.name for u in resources.users.listed() if u.user_id == user_id), "")
    session_id, _ = await store(request).create(
        token=token, user_id=user_id, user_name=name or user_id, lang=page.lang
    )
    response = see_other(_safe_next(target))
    set_cookie(request, response, session_id)
    return response


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    page = await page_for(request, signed_in=False)
    form = await _form(request, page)
    if isinstance(form, Response):
        return form
    if page.session is not None:
        await store(request).delete(page.session)
    response = see_other("/console/sign-in")
    clear_cookie(response)
    return response


@router.post("/language")
async def choose_language(request: Request) -> Response:
    page = await page_for(request, signed_in=False)
    form = await _form(request, page)
    if isinstance(form, Response):
        return form
    lang = i18n.chosen(form.get("lang")) or i18n.DEFAULT
    if page.session is not None:
        await store(request).set_lang(page.session, lang)
    response = see_other(_safe_next(form.get("next")))
    response.set_cookie(LANG_COOKIE, lang, samesite="lax", max_age=365 * 86400, path="/")
    return response


# --- My work -----------------------------------------------------------------------


@router.get("/")
async def my_work_page(request: Request) -> Response:
    page = await page_for(request)
    sections = await _with_counts(page)
    return render(page, "my_work.html", sections=sections)


@router.get("/my-work/list")
async def my_work_fragment(request: Request) -> Response:
    """The lists alone, for the page's script to refresh them in place."""
    page = await page_for(request, fragment=True)
    sections = await _with_counts(page)
    response = render(page, "my_work_list.html", sections=sections)
    response.headers["X-Counts"] = ",".join(f"{k}={v}" for k, v in page.counts.items())
    return response


@router.get("/my-work/counts")
async def my_work_counts(request: Request) -> JSONResponse:
    page = await page_for(request, fragment=True)
    await _with_counts(page)
    return JSONResponse(page.counts)


# --- registering a complaint -------------------------------------------------------


INTAKE_CHOICES = {"channel": Channel, "category": Category, "incident": Incident}


def _stores(page: Page) -> list[str]:
    resources: Resources = page.request.app.state.resources
    if page.actor.stores is not None:
        return list(page.actor.stores)
    return list(resources.policy.stores)


def _intake_body(form: dict[str, str], page: Page) -> dict[str, Any]:
    """The form as POST /complaints's body: empty optional fields left out."""

    def text(name: str) -> str | None:
        value = (form.get(name) or "").strip()
        return value or None

    body: dict[str, Any] = {
        "channel": text("channel"),
        "store": text("store"),
        "category": text("category"),
        "description": text("description"),
        "requested_remedy": text("requested_remedy"),
        "customer": {
            key: text(f"customer.{key}")
            for key in ("name", "contact")
            if text(f"customer.{key}") is not None
        },
        "media_attention": form.get("media_attention") == "true",
        "litigation_threatened": form.get("litigation_threatened") == "true",
    }
    for name in ("subject", "incident", "claimed_amount"):
        if text(name) is not None:
            body[name] = text(name)
    if text("people_affected") is not None:
        try:
            body["people_affected"] = int(text("people_affected"))
        except ValueError:
            body["people_affected"] = text("people_affected")
    if text("occurred_at") is not None:
        # The form's local time is the store's.
        try:
            local = datetime.fromisoformat(text("occurred_at"))
            zone = ZoneInfo(page.zone_of(text("store")))
            body["occurred_at"] = local.replace(tzinfo=local.tzinfo or zone).isoformat()
        except ValueError:
            body["occurred_at"] = text("occurred_at")
    proof = {
        key: text(f"purchase_proof.{key}")
        for key in ("receipt_no", "purchase_date")
        if text(f"purchase_proof.{key}") is not None
    }
    if proof:
        body["purchase_proof"] = proof
    # Issue 16: the product, which links the case to a stop-sale order over it.
    product = {k: text(f"product.{k}") for k in ("sku", "batch", "name") if text(f"product.{k}")}
    if product:
        body["product"] = product
    return {k: v for k, v in body.items() if v is not None}


def _register_form(page: Page, status: int = 200, **context: Any) -> Response:
    context.setdefault("values", {"people_affected": "1", "claimed_amount": "0"})
    context.setdefault("key", page.new_key())
    return render(
        page, "register_form.html", status, stores=_stores(page), choices=INTAKE_CHOICES, **context
    )


def _may_register(page: Page) -> Response | None:
    if page.actor.role not in REGISTER_ROLES:
        return render(
            page, "error.html", 403, message=page._("Your role may not register complaints.")
        )
    return None


@router.get("/cases/new")
async def register_form(request: Request) -> Response:
    page = await page_for(request)
    return _may_register(page) or _register_form(page)


@router.post("/cases/new")
async def register_complaint(request: Request) -> Response:
    page = await page_for(request)
    if refused := _may_register(page):
        return refused
    form = await _form(request, page)
    if isinstance(form, Response):
        return form
    answer = await call(
        page,
        "POST",
        "/complaints",
        json=_intake_body(form, page),
        idempotency_key=form.get("idempotency_key") or None,
    )
    if answer.ok:
        case_no = answer.body["case_no"]
        await store(request).set_flash(
            page.session, page._("Complaint %(case_no)s registered.") % {"case_no": case_no}
        )
        return see_other(f"/console/cases/{quote(case_no)}")
    problem = problem_of(answer, page)
    return _register_form(
        page, answer.status, values=form, problem=problem, key=form.get("idempotency_key")
    )


# --- a case's page -----------------------------------------------------------------


async def _case_page(
    page: Page,
    case_no: str,
    *,
    status: int = 200,
    problem=None,
    failed: str | None = None,
    values: dict[str, str] | None = None,
) -> Response:
    case = await call(page, "GET", f"/complaints/{quote(case_no)}")
    if case.status == 404:
        return render(page, "error.html", 404, message=page._("No such case."))
    if not case.ok:
        return render(page, "error.html", case.status, problem=problem_of(case, page))
    events = await call(page, "GET", f"/complaints/{quote(case_no)}/events")
    status_ = case.body["status"]
    stage = Stage(status_["stage"])
    resources: Resources = page.request.app.state.resources
    commands: list[Command | CaseAction] = [
        *allowed_commands(stage, page.actor),
        *allowed_actions(status_, page.actor, resources.policy.routing),
    ]
    files = await evidence_lists(page, case_no, status_)
    routing = resources.policy.routing
    await _with_counts(page)
    return render(
        page,
        "case.html",
        status,
        case=case.body,
        summary=case.body["summary"],
        status_=status_,
        events=events.body if events.ok else [],
        steps=list(Stage),
        stage=stage,
        commands=commands,
        forms={**FORMS, **MORE_FORMS},
        more_forms=MORE_FORMS,
        process_slugs=PROCESS_SLUGS,
        commands_more={
            action
            for action in CaseAction
            if action_shown(action, status_, page.actor, resources.policy.routing)
        },
        departments=dict(routing.departments) if routing else {},
        option_sets={
            **files.pop("option_sets"),
            "causes": _causes(page),
            # Issue 16: the department a quality ruling lays liability on.
            "departments": dict(routing.departments) if routing else {},
        },
        **files,
        **await legal_records(page, case_no, status_),
        panels=panels_for(page.actor),
        problem=problem,
        failed=failed,
        values=values or {},
        zone=page.zone_of(case.body["summary"]["store"]),
        within_authority=lambda amount: within_authority(page.actor, amount),
    )


def _causes(page: Page) -> dict[str, str]:
    """The policy's causes (`lessons.causes`, "中文 / English"), in the user's language."""
    resources: Resources = page.request.app.state.resources
    lessons = resources.policy.lessons
    if lessons is None:
        return {}
    words = {}
    for key, text in lessons.causes.items():
        zh, _, en = str(text).partition(" / ")
        words[key] = (en or zh) if page.lang == "en" else zh
    return words


@router.get("/cases/{case_no}")
async def case_page(request: Request, case_no: str) -> Response:
    page = await page_for(request)
    return await _case_page(page, case_no)


@router.post("/cases/{case_no}/{command}")
async def send_command(request: Request, case_no: str, command: str) -> Response:
    page = await page_for(request)
    form = await _form(request, page)
    if isinstance(form, Response):
        return form
    spec = form_of(command)
    if spec is None:
        return render(page, "error.html", 404, message=page._("No such command."))
    posted = await request.form()
    for f in spec.fields:
        if f.kind == "multiselect":
            form[f.name] = [v for v in posted.getlist(f.name) if isinstance(v, str)]
    zone = None
    if spec.has_moments:  # a local time is the store's
        case = await call(page, "GET", f"/complaints/{quote(case_no)}")
        zone = page.zone_of(case.body["summary"]["store"]) if case.ok else None
    answer = await call(
        page,
        "POST",
        f"/complaints/{quote(case_no)}/{spec.route(form)}",
        json=spec.body(form, zone),
        idempotency_key=form.get("idempotency_key") or None,
    )
    back = _safe_next(form.get("next")) if form.get("next") else f"/console/cases/{quote(case_no)}"
    if answer.ok:
        done = page._("Done: %(action)s.") % {"action": page.label(spec.enum, spec.command)}
        await store(request).set_flash(page.session, done)
        return see_other(back)
    return await _case_page(
        page,
        case_no,
        status=answer.status,
        problem=problem_of(answer, page),
        failed=spec.command.value,
        values=form,
    )


# --- approvals ---------------------------------------------------------------------


@router.get("/approvals")
async def approvals(request: Request) -> Response:
    page = await page_for(request)
    if page.actor.role not in ALLOWED_ROLES[Command.DECIDE_APPROVAL]:
        return render(page, "error.html", 403, message=page._("Approvals are for managers."))
    sections = await _with_counts(page)
    rows = next(s for s in sections if s.key == "approvals").rows
    # One read per case, side by side, each given a while: a case whose state does not
    # answer (its snapshot behind and no worker to ask) is listed without its details
    # rather than holding up the manager's whole queue.
    items = await asyncio.gather(*(_approval_item(page, row) for row in rows))
    return render(
        page,
        "approvals.html",
        items=[item for item in items if item is not None],
        form=FORMS[Command.DECIDE_APPROVAL],
    )


APPROVAL_READ_SECONDS = 5.0


async def _approval_item(page: Page, row: dict[str, Any]) -> dict[str, Any] | None:
    try:
        case = await asyncio.wait_for(
            call(page, "GET", f"/complaints/{quote(row['case_no'])}"), APPROVAL_READ_SECONDS
        )
    except TimeoutError:
        return {"row": row, "proposal": None}
    if not (case.ok and case.body["status"]["proposals"]):
        return None
    proposal = case.body["status"]["proposals"][-1]
    amount = proposal.get("company_pays") or proposal["amount"]
    return {
        "row": row,
        "proposal": proposal,
        "climbs": not within_authority(page.actor, _decimal(amount)),
        "amount": amount,
    }


def _decimal(value: Any) -> Decimal:
    return Decimal(str(value))


# --- the register ------------------------------------------------------------------

FILTERS = (
    "stage",
    "grade",
    "store",
    "category",
    "waiting_on",
    "overdue",
    "handler",
    "case_no",
    "received_from",
    "received_to",
    "q",
    "sort",
)
PAGE_SIZE = 25


def _filters(**given: str | None) -> dict[str, str]:
    return {k: v for k, v in given.items() if v not in (None, "")}


Q = Annotated[str | None, Query()]


async def register_filters(
    stage: Q = None,
    grade: Q = None,
    store: Q = None,
    category: Q = None,
    waiting_on: Q = None,
    overdue: Q = None,
    handler: Q = None,
    department: Q = None,
    case_no: Q = None,
    received_from: Q = None,
    received_to: Q = None,
    q: Q = None,
    sku: Q = None,
    batch: Q = None,
    sort: Q = None,
) -> dict[str, str]:
    """The filters of `GET /complaints` that the register view and its CSV pass on, as
    the API names them (blank ones left out)."""
    return _filters(
        stage=stage,
        grade=grade,
        store=store,
        category=category,
        waiting_on=waiting_on,
        overdue=overdue,
        handler=handler,
        department=department,
        case_no=case_no,
        received_from=received_from,
        received_to=received_to,
        q=q,
        sku=sku,
        batch=batch,
        sort=sort,
    )


Filters = Annotated[dict[str, str], Depends(register_filters)]


@router.get("/register")
async def register_view(
    request: Request,
    filters: Filters,
    page_no: Annotated[int, Query(alias="page", ge=1, le=100000)] = 1,
) -> Response:
    page = await page_for(request)
    answer = await call(
        page,
        "GET",
        "/complaints",
        params={**filters, "limit": PAGE_SIZE + 1, "offset": (page_no - 1) * PAGE_SIZE},
    )
    await _with_counts(page)
    problem = None if answer.ok else problem_of(answer, page)
    rows = answer.body[:PAGE_SIZE] if answer.ok else []
    more = answer.ok and len(answer.body) > PAGE_SIZE
    return render(
        page,
        "register.html",
        200 if answer.ok else answer.status,
        rows=rows,
        filters=filters,
        page_no=page_no,
        more=more,
        problem=problem,
        choices={
            "stage": Stage,
            "grade": Grade,
            "category": Category,
            "waiting_on": CaseWait,
            "sort": RegisterSort,
        },
        query=lambda **change: _query({**filters, **change}),
    )


def _query(params: dict[str, Any]) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


@router.get("/register.csv")
async def register_csv(
    request: Request,
    filters: Filters,
) -> Response:
    """Every row the filters select (500 a request, the API's page size), labels in the
    user's language, times in the store's zone."""
    page = await page_for(request)
    rows: list[dict[str, Any]] = []
    while True:
        answer = await call(
            page, "GET", "/complaints", params={**filters, "limit": 500, "offset": len(rows)}
        )
        if not answer.ok:
            return render(page, "error.html", answer.status, problem=problem_of(answer, page))
        rows += answer.body
        if len(answer.body) < 500:
            break
    out = io.StringIO()
    writer = csv.writer(out)
    _ = page._
    writer.writerow(
        [
            _("Case"),
            _("Received"),
            _("Store"),
            _("Channel"),
            _("Category"),
            _("Grade"),
            _("Stage"),
            _("Waiting on"),
            _("Handler"),
            _("Next deadline"),
            _("Overdue"),
            _("Claimed amount"),
        ]
    )
    for row in rows:
        zone = page.zone_of(row["store"])
        # Every cell as text in a spreadsheet (api/report_views.py): none runs as a formula.
        writer.writerow(
            [
                spreadsheet_safe(str(cell))
                for cell in [
                    row["case_no"],
                    page.fmt.when(row["received_at"], zone),
                    row["store"],
                    page.label(Channel, row["channel"]),
                    page.label(Category, row["category"]),
                    page.label(Grade, row["grade"]),
                    page.label(Stage, row["stage"]),
                    page.label(CaseWait, row["waiting_on"]),
                    row["handler"] or "",
                    page.fmt.when(row["next_deadline_at"], zone),
                    page.yesno(row["overdue"]),
                    page.fmt.money(row["claimed_amount"]),
                ]
            ]
        )
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM: spreadsheet programs then read UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="register.csv"'},
    )

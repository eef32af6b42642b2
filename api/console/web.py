"""The console's plumbing: the session of a request, its language, rendering a page, and
calling the API in-process.

Every read and command goes to the API's own routes through an in-process ASGI call
(httpx's ASGITransport on this same app) with the signed-in user's bearer token: the
same validation, rules and RFC 9457 problems as over HTTP, nothing re-implemented. The
console only turns a problem into words beside its field (422) or on the page (403, 404,
409).
"""

import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.console import i18n, labels
from api.console.actions import CaseAction
from api.console.nav import items_for
from api.console.sessions import COOKIE, LANG_COOKIE, Session, SessionStore
from api.deps import Resources
from domain.approvals import ApprovalOutcome
from domain.authority import Actor, Level, Role
from domain.crisis import CrisisLevel
from domain.evidence import EvidenceKind, HoldSource
from domain.grades import Grade
from domain.legal import JudgmentStatus, LegalDocumentKind, LegalDocumentState
from domain.lifecycle import CaseWait, Command, Stage
from domain.mediation import ReplyForm
from domain.models import Category, Channel, DeadlineState, RemedyKind
from domain.notifications import DeliveryState, NoticeState
from domain.policy import DeadlineName
from domain.processes import ProcessKind
from domain.settlement import Consent
from domain.surveys import CallResult

TEMPLATES = Path(__file__).parent / "templates"
INTERNAL = "http://console.internal"


class SignInRequired(Exception):
    """No live session: the page answers with a redirect to the sign-in page."""


def store(request: Request) -> SessionStore:
    resources: Resources = request.app.state.resources
    cached = getattr(request.app.state, "console_sessions", None)
    if cached is None:
        cached = SessionStore(
            resources.pool, timedelta(minutes=resources.settings.console_session_idle_minutes)
        )
        request.app.state.console_sessions = cached
    return cached


_ENVS: dict[str, Environment] = {}
# The enums a template labels values of, by the names templates use.
TEMPLATE_GLOBALS = {
    "stages": Stage,
    "waits": CaseWait,
    "grades": Grade,
    "roles": Role,
    "levels": Level,
    "channels": Channel,
    "categories": Category,
    "remedies": RemedyKind,
    "crisis_levels": CrisisLevel,
    "deadline_names": DeadlineName,
    "deadline_states": DeadlineState,
    "process_kinds": ProcessKind,
    "commands_enum": Command,
    "outcomes": ApprovalOutcome,
    "notice_states": NoticeState,
    "delivery_states": DeliveryState,
    "case_actions": CaseAction,
    "evidence_kinds": EvidenceKind,
    "hold_sources": HoldSource,
    "call_results": CallResult,
    "consents": Consent,
    # Issue 16 (panels/legal.html).
    "legal_document_kinds": LegalDocumentKind,
    "legal_document_states": LegalDocumentState,
    "judgment_statuses": JudgmentStatus,
    "reply_forms": ReplyForm,
    "page_titles": labels.PROBLEM_TITLES,
    # Each language by its own name: never translated.
    "language_names": {"zh_Hans": "中文", "en": "English"},
}


def environment(lang: str) -> Environment:
    if lang not in _ENVS:
        env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(i18n.translations(lang), newstyle=True)
        env.globals.update(TEMPLATE_GLOBALS)
        env.filters["todecimal"] = Decimal
        _ENVS[lang] = env
    return _ENVS[lang]


@dataclass
class Problem:
    """An API refusal as the page shows it."""

    status: int
    type: str
    detail: str
    fields: dict[str, list[str]] = field(default_factory=dict)  # field name -> messages


@dataclass
class Answer:
    status: int
    body: Any
    headers: httpx.Headers

    @property
    def ok(self) -> bool:
        return self.status < 400


@dataclass
class Page:
    """What every template gets: who, in which language, and the helpers to say it."""

    request: Request
    session: Session | None
    actor: Actor | None
    lang: str
    fmt: i18n.Formats
    counts: dict[str, int] = field(default_factory=dict)
    flash: str | None = None  # the one-time message of the last POST-redirect-GET
    now: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def _(self):
        return self.fmt._

    def label(self, kind, value: Any) -> str:
        if value is None or value == "":
            return ""
        return self._(labels.label_msgid(kind, str(value)))

    def action(self, name: str) -> str:
        return self._(labels.ACTION_MEANINGS.get(name, name))

    def yesno(self, value: Any) -> str:
        return self._("Yes") if value else self._("No")

    def zone_of(self, store_name: str | None) -> str:
        resources: Resources = self.request.app.state.resources
        if not store_name:
            return resources.policy.calendar.timezone
        return resources.policy.for_store(store_name).calendar.timezone

    @property
    def nav(self):
        return items_for(self.actor) if self.actor else []

    @property
    def csrf(self) -> str:
        return self.session.csrf if self.session else ""

    def new_key(self) -> str:
        """A fresh idempotency key for a form: a double click sends the same one."""
        return secrets.token_urlsafe(16)


async def page_for(request: Request, *, signed_in: bool = True, fragment: bool = False) -> Page:
    """The request's page context; `signed_in` pages redirect to sign-in without a session.
    A whole page (not a `fragment`) takes the session's one-time message."""
    session = await store(request).load(request.cookies.get(COOKIE))
    actor = None
    resources: Resources = request.app.state.resources
    if session is not None and session.signed_in:
        actor = resources.users.actor_for(session.token)
        if actor is None:  # the token expired or its user is gone
            await store(request).delete(session)
            session = None
    if signed_in and actor is None:
        raise SignInRequired()
    lang = (
        i18n.chosen(session and session.lang)
        or i18n.chosen(request.cookies.get(LANG_COOKIE))
        or i18n.negotiate(request.headers.get("accept-language"))
    )
    flash = None
    if session is not None and session.flash and not fragment:
        flash = session.flash
        await store(request).set_flash(session, None)
    return Page(
        request=request,
        session=session,
        actor=actor,
        lang=lang,
        fmt=i18n.Formats(lang, resources.policy.calendar.timezone),
        flash=flash,
    )


def render(page: Page, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = environment(page.lang).get_template(template).render(page=page, **context)
    return HTMLResponse(html, status_code=status)


def see_other(url: str) -> RedirectResponse:
    """POST-redirect-GET."""
    return RedirectResponse(url, status_code=303)


async def call(
    page: Page,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: Any = None,
    idempotency_key: str | None = None,
) -> Answer:
    """The API's answer to this user's request, in-process."""
    headers = {"Authorization": f"Bearer {page.session.token}"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    transport = httpx.ASGITransport(app=page.request.app)
    async with httpx.AsyncClient(transport=transport, base_url=INTERNAL, timeout=60) as client:
        response = await client.request(method, path, json=json, params=params, headers=headers)
    if response.status_code == 401:
        raise SignInRequired()
    content_type = response.headers.get("content-type", "")
    body = response.json() if "json" in content_type else response.text
    return Answer(response.status_code, body, response.headers)


# Pydantic's error types in words; anything else is "Check this field" and the API's text.
_FIELD_MESSAGES = {
    "missing": i18n.N_("Required"),
    "string_too_short": i18n.N_("Required"),
    "string_too_long": i18n.N_("Too long"),
    "enum": i18n.N_("Choose one of the choices"),
    "literal_error": i18n.N_("Choose one of the choices"),
    "bool_parsing": i18n.N_("Choose yes or no"),
    "bool_type": i18n.N_("Choose yes or no"),
    "decimal_parsing": i18n.N_("Enter an amount, such as 150.00"),
    "decimal_type": i18n.N_("Enter an amount, such as 150.00"),
    "decimal_max_places": i18n.N_("At most two decimals"),
    "greater_than_equal": i18n.N_("Too small"),
    "greater_than": i18n.N_("Too small"),
    "less_than_equal": i18n.N_("Too large"),
    "int_parsing": i18n.N_("Enter a whole number"),
    "int_type": i18n.N_("Enter a whole number"),
    "date_parsing": i18n.N_("Enter a date"),
    "date_from_datetime_parsing": i18n.N_("Enter a date"),
    "datetime_parsing": i18n.N_("Enter a date and time"),
    "datetime_from_date_parsing": i18n.N_("Enter a date and time"),
}
CHECK_FIELD = i18n.N_("Check this field")


def problem_of(answer: Answer, page: Page) -> Problem:
    """The API's problem body, its field errors in words (field name: `customer.name`)."""
    body = answer.body if isinstance(answer.body, dict) else {}
    kind = body.get("type", "")
    detail = body.get("detail", "")
    fields: dict[str, list[str]] = {}
    if answer.status == 422 and isinstance(detail, list):
        for error in detail:
            loc = [str(part) for part in error.get("loc", []) if part not in ("body", "query")]
            name = ".".join(loc) or "_"
            message = _FIELD_MESSAGES.get(error.get("type", ""))
            words = page._(message) if message else f"{page._(CHECK_FIELD)}: {error.get('msg', '')}"
            fields.setdefault(name, []).append(words)
        detail = ""
    return Problem(answer.status, kind, str(detail), fields)

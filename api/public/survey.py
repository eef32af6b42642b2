"""The satisfaction survey page (DOMAIN section 9; docs/customer-messages.md): public, no
sign-in, phone-sized, in the customer's language (Chinese by default), no JavaScript.

GET shows the form of a good link; POST records the answer. The link is checked (its
signature, then its expiry: infra/survey_links.py), then claimed in the transaction that
records the answer in the case (the `answer_survey` update, sent under the link's id, so
a retry after a crash is the same update). A used, expired or forged link gets a page
that says so: 410 for used and expired, 403 for a forged signature, 404 for anything
else; none of them names a case, so nobody learns whether one exists.
"""

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import ResourcesDep
from api.public.texts import TEXTS, texts_for
from domain.case_numbers import workflow_id_for
from domain.contact import CustomerLanguage
from domain.strict import NUL
from domain.surveys import AnswerSurvey, SurveyPurpose, survey_language
from infra.survey_links import (
    ExpiredLink,
    LinkRefused,
    MalformedLink,
    SurveyLinkSigner,
    UsedLink,
    claim_link,
    find_link,
)
from workflows.complaint import ComplaintWorkflow

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/survey", tags=["survey"], include_in_schema=False)

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
COMMENT_LIMIT = 2000
# Link tokens are short; anything longer is not one of ours (and is not looked up).
TOKEN_LIMIT = 200
_HEADERS = {
    # A survey link is a credential: never cached, never sent on as a referrer.
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
}


def _page(template: str, status: int, **context: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _message(
    key: str, status: int, language: CustomerLanguage | None, **values: str
) -> HTMLResponse:
    """A page that says one thing: in the link's language, or (a link we cannot read) in
    Chinese with English below."""
    shown = language or CustomerLanguage.ZH
    others = [
        {
            "language": other.value,
            "heading": TEXTS[f"{key}_title"][other],
            "body": TEXTS[f"{key}_body"][other].format(**values),
        }
        for other in CustomerLanguage
        if language is None and other is not shown
    ]
    t = texts_for(shown)
    return _page(
        "message.html",
        status,
        language=shown.value,
        t=t,
        heading=t[f"{key}_title"],
        body=t[f"{key}_body"].format(**values),
        others=others,
    )


def _refused(refusal: LinkRefused, language: CustomerLanguage | None) -> HTMLResponse:
    key = {UsedLink: "used", ExpiredLink: "expired"}.get(type(refusal), "invalid")
    return _message(key, refusal.status, language)


def _signer(resources: Any) -> SurveyLinkSigner:
    return SurveyLinkSigner.from_settings(resources.settings)


async def _checked(resources: Any, token: str) -> Any:
    """The link's row, if the token is ours, unexpired and names a stored link."""
    if len(token) > TOKEN_LIMIT or NUL in token:
        raise MalformedLink
    checked = _signer(resources).check(token, now=datetime.now(UTC))
    async with resources.pool.acquire() as conn:
        row = await find_link(conn, checked.link_id)
    if row is None:
        raise MalformedLink
    return row


def _form(row: Any, token: str, status: int = 200, **context: Any) -> HTMLResponse:
    language = survey_language(row["language"])
    return _page(
        "survey.html",
        status,
        language=language.value,
        t=texts_for(language),
        case_no=row["case_no"],
        action=f"/survey/{token}",
        errors=context.get("errors", {}),
        chosen=context.get("chosen"),
        comment=context.get("comment", ""),
    )


@router.get("/{token}", response_class=HTMLResponse)
async def survey_form(token: str, resources: ResourcesDep) -> HTMLResponse:
    try:
        row = await _checked(resources, token)
    except LinkRefused as refusal:
        return _refused(refusal, None)
    language = survey_language(row["language"])
    if row["used_at"] is not None:
        return _refused(UsedLink(), language)
    return _form(row, token)


def _read_answer(
    form: dict[str, list[str]], language: CustomerLanguage
) -> tuple[int | None, str, dict[str, str]]:
    t = texts_for(language)
    errors: dict[str, str] = {}
    raw = (form.get("satisfaction") or [""])[0]
    satisfaction = int(raw) if raw in {"1", "2", "3", "4", "5"} else None
    if satisfaction is None:
        errors["satisfaction"] = t["error_rating"]
    comment = (form.get("comment") or [""])[0].replace(NUL, "").strip()
    if len(comment) > COMMENT_LIMIT:
        errors["comment"] = t["error_comment"]
    return satisfaction, comment, errors


@router.post("/{token}", response_class=HTMLResponse)
async def answer_survey(token: str, request: Request, resources: ResourcesDep) -> HTMLResponse:
    try:
        row = await _checked(resources, token)
    except LinkRefused as refusal:
        return _refused(refusal, None)
    language = survey_language(row["language"])
    if row["used_at"] is not None:
        return _refused(UsedLink(), language)
    # A plain HTML form (no JavaScript, no multipart): the body is URL-encoded.
    form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=10)
    satisfaction, comment, errors = _read_answer(form, language)
    if errors or satisfaction is None:
        return _form(row, token, 422, errors=errors, chosen=satisfaction, comment=comment)
    answer = AnswerSurvey(
        link_id=row["link_id"],
        purpose=SurveyPurpose(row["purpose"]),
        satisfaction=satisfaction,
        comment=comment or None,
    )
    handle = resources.temporal.get_workflow_handle(workflow_id_for(row["case_no"]))
    async with resources.pool.acquire() as conn:
        claim = conn.transaction()
        await claim.start()
        try:
            await claim_link(conn, row["link_id"], datetime.now(UTC))
            await handle.execute_update(
                ComplaintWorkflow.answer_survey, answer, id=f"survey-{row['link_id']}"
            )
        except LinkRefused as refusal:
            # Another answer with this link came first (it held the row until it committed).
            await claim.rollback()
            return _refused(refusal, language)
        except WorkflowUpdateFailedError:
            # The case is not where a rating goes now (reopened, say): the link stays unused.
            await claim.rollback()
            return _message("later", 409, language)
        except RPCError as err:
            await claim.rollback()
            if err.status is RPCStatusCode.NOT_FOUND:
                # The case is archived: it takes no answers any more.
                return _message("expired", 410, language)
            raise
        except BaseException:
            await claim.rollback()
            raise
        await claim.commit()
    log.info("survey_answered", case_no=row["case_no"], purpose=row["purpose"])
    return _message("thanks", 200, language, case_no=row["case_no"])

"""A case's evidence, witnesses and legal holds on its page (docs/console.md, issue 15).

The lists are the API's (`GET /complaints/{case_no}/evidence`, `…/witnesses`, `…/holds`),
read as the user; a file's link or thumbnail shows only where `domain.evidence.read_refusal`
lets the user open it, and both go through the API's own routes (its audit entries,
digests and refusals). An upload is the browser's multipart form posted here, its CSRF
token checked, then sent on to the API's upload route in-process: Starlette spools each
file to disk past 1 MiB and httpx sends it on in chunks, so no file is held whole in
memory. Witnesses and holds are forms of `actions.MORE_FORMS`, posted like commands.
"""

import secrets
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse
from starlette.datastructures import UploadFile

from api.console.i18n import N_
from api.console.panels import PANELS, Panel, add
from api.console.sessions import csrf_ok
from api.console.web import INTERNAL, Answer, Page, call, page_for, problem_of, render, see_other
from api.console.web import store as sessions
from domain.evidence import EvidenceKind, may_upload, read_refusal

router = APIRouter(prefix="/console", include_in_schema=False)

CSRF_REFUSED = N_("This form has expired or did not come from this console. Please try again.")
THUMBNAILED = frozenset({EvidenceKind.PHOTO})


async def evidence_lists(page: Page, case_no: str, status: dict[str, Any]) -> dict[str, Any]:
    """The case page's evidence, witnesses and holds, and which files the user may open."""
    base = f"/complaints/{quote(case_no)}"
    evidence = await call(page, "GET", f"{base}/evidence")
    witnesses = await call(page, "GET", f"{base}/witnesses")
    holds = await call(page, "GET", f"{base}/holds")
    files = evidence.body if evidence.ok else []
    handler = status.get("handler")

    def may_open(item: dict[str, Any]) -> bool:
        if item.get("deleted"):
            return False
        return read_refusal(page.actor, EvidenceKind(item["kind"]), handler) is None

    statements = {
        item["evidence_id"]: f"{page.label(EvidenceKind, item['kind'])} · {item['caption']}"
        for item in files
        if item["kind"] in (EvidenceKind.WITNESS_STATEMENT, EvidenceKind.CUSTOMER_STATEMENT)
    }
    return {
        "evidence": files,
        "witnesses": witnesses.body if witnesses.ok else [],
        "holds": holds.body if holds.ok else [],
        "may_open": may_open,
        "may_upload": may_upload(page.actor) is None,
        "thumbnailed": THUMBNAILED,
        "evidence_kinds_enum": EvidenceKind,
        "option_sets": {"statements": statements},
    }


@router.post("/cases/{case_no}/evidence/upload")
async def upload(request: Request, case_no: str) -> Response:
    """The form's files and their kind and caption, sent on to the API's upload route."""
    page = await page_for(request)
    posted = await request.form(max_files=100)
    token = posted.get("csrf_token")
    if not csrf_ok(page.session, token if isinstance(token, str) else None):
        return render(page, "error.html", 403, message=page._(CSRF_REFUSED))
    fields = [
        (name, value)
        for name in ("kind", "caption", "taken_by")
        if isinstance(value := posted.get(name), str) and value
    ]
    chosen = [f for f in posted.getlist("file") if isinstance(f, UploadFile) and f.filename]
    from api.console.pages import _case_page

    if not chosen:
        return await _case_page(
            page,
            case_no,
            status=422,
            problem=problem_of(
                Answer(422, {"detail": [{"loc": ["file"], "type": "missing"}]}, None), page
            ),
            failed="upload",
            values={k: v for k, v in posted.items() if isinstance(v, str)},
        )
    boundary = secrets.token_hex(16)
    headers = {
        "Authorization": f"Bearer {page.session.token}",
        "Content-Type": f"multipart/form-data; boundary={boundary}",
    }
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url=INTERNAL, timeout=300) as client:
        response = await client.post(
            f"/complaints/{quote(case_no)}/evidence",
            content=_multipart(boundary, fields, chosen),
            headers=headers,
        )
    await posted.close()
    if response.status_code < 400:
        done = page._("%(n)s file(s) added to the case.") % {"n": len(response.json())}
        await sessions(request).set_flash(page.session, done)
        return see_other(f"/console/cases/{quote(case_no)}#p-evidence")
    body = response.json() if "json" in response.headers.get("content-type", "") else {}
    return await _case_page(
        page,
        case_no,
        status=response.status_code,
        problem=problem_of(Answer(response.status_code, body, response.headers), page),
        failed="upload",
        values={k: v for k, v in posted.items() if isinstance(v, str)},
    )


def _quoted(text: str | None) -> str:
    """A name for a part's Content-Disposition (WHATWG's form encoding of quotes, CR, LF)."""
    return (text or "").replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


async def _multipart(
    boundary: str, fields: list[tuple[str, str]], files: list[UploadFile]
) -> AsyncIterator[bytes]:
    """The upload as the API's route reads it: the fields first (they apply to the files
    after them), then each file in 64 KiB pieces from its spooled copy."""
    for name, value in fields:
        yield (
            (f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n').encode()
            + value.encode()
            + b"\r\n"
        )
    for upload in files:
        name = _quoted(upload.filename)
        yield (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="file"; filename="{name}"\r\n'
            f"Content-Type: {upload.content_type or 'application/octet-stream'}\r\n\r\n"
        ).encode()
        await upload.seek(0)
        while chunk := await upload.read(65536):
            yield chunk
        yield b"\r\n"
    yield f"--{boundary}--\r\n".encode()


async def _relay(request: Request, path: str) -> Response:
    """The API's file or thumbnail, streamed through as it is (its digest headers kept);
    a refusal is a page in words."""
    page = await page_for(request)
    headers = {"Authorization": f"Bearer {page.session.token}"}
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=request.app), base_url=INTERNAL, timeout=300
    )
    answer = await client.send(client.build_request("GET", path, headers=headers), stream=True)
    if answer.status_code >= 400:
        await answer.aread()
        await answer.aclose()
        await client.aclose()
        body = answer.json() if "json" in answer.headers.get("content-type", "") else {}
        problem = problem_of(Answer(answer.status_code, body, answer.headers), page)
        return render(page, "error.html", answer.status_code, problem=problem)

    async def chunks():
        try:
            async for chunk in answer.aiter_raw():
                yield chunk
        finally:
            await answer.aclose()
            await client.aclose()

    kept = {
        k: v
        for k, v in answer.headers.items()
        if k.lower()
        in (
            "content-type",
            "content-length",
            "content-disposition",
            "etag",
            "digest",
            "repr-digest",
        )
    }
    return StreamingResponse(chunks(), status_code=answer.status_code, headers=kept)


@router.get("/cases/{case_no}/evidence/{evidence_id}")
async def download(request: Request, case_no: str, evidence_id: str) -> Response:
    return await _relay(request, f"/complaints/{quote(case_no)}/evidence/{quote(evidence_id)}")


@router.get("/cases/{case_no}/evidence/{evidence_id}/thumbnail")
async def thumbnail(request: Request, case_no: str, evidence_id: str) -> Response:
    return await _relay(
        request, f"/complaints/{quote(case_no)}/evidence/{quote(evidence_id)}/thumbnail"
    )


add(Panel("desk", "panels/desk.html"))
add(Panel("evidence", "panels/evidence.html"))
add(Panel("witnesses", "panels/witnesses.html"))
add(Panel("holds", "panels/holds.html"))
PANELS.sort(key=lambda panel: panel.key == "timeline")  # the trail stays last

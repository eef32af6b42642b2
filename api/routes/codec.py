"""The codec server: Temporal's remote codec protocol, so the Web UI and the `temporal` CLI
show decrypted payloads (DOMAIN section 8).

`POST /codec/encode` and `POST /codec/decode` take and return `{"payloads": [...]}`, each
payload in protobuf JSON (base64 `metadata` values and `data`); `{}` is no payloads, as
the CLI sends it. Callers send the namespace in `X-Namespace`. They run the API's own
Temporal client's codec, so they use exactly the keys the API and the worker use.

Who: a bearer token of the users file, as everywhere in the API, or, for a browser whose
Web UI has no token to pass, the same token kept in an HttpOnly cookie that
`/codec/session` sets. Every known user decodes. A role of `PERSONAL_DATA_ROLES` sees
the payloads whole; anyone else (engineers) sees them with every field the models mark
as personal data replaced by a fixed marker (domain/personal_data.py): the current
details, summaries, inputs, results and failure messages, and none of the customer.
Encoding gives nothing away and needs any known user.

Browsers may call these endpoints from the Web UI's origin (`TEMPORAL_UI_URL`, under
both names of the loopback address when it is local) only.
"""

import base64
import html
import json
from functools import lru_cache
from typing import Annotated
from urllib.parse import parse_qs, urlsplit

import structlog
from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from google.protobuf import json_format
from pydantic import BaseModel, ConfigDict, Field
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.converter import PayloadCodec

from api.deps import Resources, ResourcesDep
from api.openapi_errors import CODEC_ERRORS
from domain.authority import Actor
from domain.lifecycle import PERSONAL_DATA_ROLES
from domain.personal_data import Catalogue
from infra.codec import TamperedPayloadError, UnknownKeyError, redact_payload
from infra.settings import Settings

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/codec", tags=["codec"], responses=CODEC_ERRORS)

SESSION_COOKIE = "complaints_codec_token"
SESSION_SECONDS = 8 * 3600  # a working day
# What the Web UI sends: JSON bodies, the namespace, and a token when it passes one.
CORS_HEADERS = ["Authorization", "Content-Type", "X-Namespace"]

_bearer = HTTPBearer(auto_error=False)


class CodecPayload(BaseModel):
    """A Temporal payload in protobuf JSON: base64 metadata values and data."""

    model_config = ConfigDict(extra="allow")
    metadata: dict[str, str] = Field(default_factory=dict)
    data: str = ""


class CodecPayloads(BaseModel):
    # Protobuf JSON leaves an empty list out: `{}` (the CLI's query without arguments,
    # `temporal workflow metadata`) is no payloads.
    payloads: list[CodecPayload] = Field(default_factory=list)


@lru_cache(maxsize=1)
def personal_data_catalogue() -> Catalogue:
    """Built once from the worker's workflows, activities and domain models."""
    from worker import personal_data_catalogue as build  # the worker's own list

    return build()


def _token(credentials: HTTPAuthorizationCredentials | None, request: Request) -> str | None:
    return credentials.credentials if credentials else request.cookies.get(SESSION_COOKIE)


def get_codec_user(
    resources: ResourcesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    request: Request,
) -> Actor:
    token = _token(credentials, request)
    actor = token and resources.users.actor_for(token)
    if not actor:
        raise HTTPException(
            status_code=401,
            detail="a valid bearer token (or a /codec/session sign-in) is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return actor


CodecUserDep = Annotated[Actor, Depends(get_codec_user)]
NamespaceHeader = Annotated[str | None, Header(alias="X-Namespace")]


def _codec(resources: ResourcesDep) -> PayloadCodec:
    codec = resources.temporal.data_converter.payload_codec
    assert codec is not None, "infra.temporal.connect always sets the payload codec"
    return codec


def _to_proto(body: CodecPayloads) -> Payloads:
    try:
        return json_format.ParseDict(body.model_dump(), Payloads(), ignore_unknown_fields=True)
    except json_format.ParseError as err:
        raise HTTPException(422, f"payloads: {err}") from None


def _to_json(payloads: list[Payload]) -> CodecPayloads:
    return CodecPayloads(
        payloads=[CodecPayload.model_validate(json_format.MessageToDict(p)) for p in payloads]
    )


@router.post("/encode", response_model=CodecPayloads)
async def encode(
    body: CodecPayloads,
    actor: CodecUserDep,
    resources: ResourcesDep,
    namespace: NamespaceHeader = None,
) -> CodecPayloads:
    encoded = await _codec(resources).encode(_to_proto(body).payloads)
    return _to_json(encoded)


# The `temporal` CLI (Go's HTTP client) retries a failed decode until its 10 s deadline
# and then reports only "context deadline exceeded": to it, a refused decode answers each
# payload with the refusal itself, which it prints. Browsers (the Web UI) get the status.
_RETRYING_CLIENTS = ("Go-http-client/",)


def _retries_refusals(request: Request) -> bool:
    return request.headers.get("user-agent", "").startswith(_RETRYING_CLIENTS)


def get_decoding_user(
    resources: ResourcesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    request: Request,
) -> Actor | HTTPException:
    """The user, or (for the CLI only) the refusal to answer with; others get it raised."""
    try:
        return get_codec_user(resources, credentials, request)
    except HTTPException as refusal:
        if _retries_refusals(request):
            return refusal
        raise


def _refusal_for_cli(body: CodecPayloads, refusal: HTTPException) -> CodecPayloads:
    text = f"codec server refused: {refusal.status_code} {refusal.detail}"
    payload = CodecPayload(
        metadata={"encoding": base64.b64encode(b"json/plain").decode()},
        data=base64.b64encode(json.dumps(text).encode()).decode(),
    )
    return CodecPayloads(payloads=[payload] * len(body.payloads))


@router.post("/decode", response_model=CodecPayloads)
async def decode(
    body: CodecPayloads,
    resources: ResourcesDep,
    user: Annotated[Actor | HTTPException, Depends(get_decoding_user)],
    request: Request,
    namespace: NamespaceHeader = None,
) -> CodecPayloads:
    try:
        if isinstance(user, HTTPException):
            raise user
        return await _decode(body, resources, user, namespace)
    except HTTPException as refusal:  # 401 no or unknown token, 422 a key we lack
        if not _retries_refusals(request):
            raise
        log.info("codec_refused", status=refusal.status_code, client="cli", namespace=namespace)
        return _refusal_for_cli(body, refusal)


async def _decode(
    body: CodecPayloads, resources: Resources, actor: Actor, namespace: str | None
) -> CodecPayloads:
    payloads = _to_proto(body).payloads
    try:
        decoded = await _codec(resources).decode(payloads)
    except (UnknownKeyError, TamperedPayloadError) as err:
        raise HTTPException(422, str(err)) from None
    redacted = actor.role not in PERSONAL_DATA_ROLES
    if redacted:
        catalogue = personal_data_catalogue()
        decoded = [redact_payload(payload, catalogue) for payload in decoded]
    # Who looked at personal data, and how much: the payloads themselves stay out of logs.
    log.info(
        "codec_decoded",
        user_id=actor.user_id,
        role=actor.role.value,
        namespace=namespace,
        payloads=len(decoded),
        personal_data="redacted" if redacted else "shown",
    )
    return _to_json(decoded)


# --- a browser sign-in for the Web UI -------------------------------------------------


def _page(body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html><head><meta charset='utf-8'><title>Codec sign-in</title></head>"
        f"<body style='font-family: sans-serif; max-width: 40em; margin: 2em'>{body}</body></html>",
        status_code=status,
    )


_FORM = """
<h1>Decrypted payloads in the Temporal Web UI</h1>
<p>{status}</p>
<form method="post" action="/codec/session">
  <label>Your API token <input type="password" name="token" autocomplete="off"></label>
  <button type="submit">Sign in</button>
</form>
<form method="post" action="/codec/session/sign-out"><button type="submit">Sign out</button></form>
<p>Then, in the Web UI's codec server settings, use this endpoint with
"include cross-origin credentials" on.</p>
"""


@router.get("/session", response_class=HTMLResponse, include_in_schema=False)
async def session_page(resources: ResourcesDep, request: Request) -> HTMLResponse:
    token = request.cookies.get(SESSION_COOKIE)
    actor = token and resources.users.actor_for(token)
    if not actor:
        status = "Not signed in."
    else:
        sees = (
            "sees decrypted payloads whole"
            if actor.role in PERSONAL_DATA_ROLES
            else "sees decrypted payloads with the customer's personal data replaced"
        )
        status = f"Signed in as {html.escape(actor.user_id)} ({actor.role.value}), who {sees}."
    return _page(_FORM.format(status=status))


@router.post("/session", include_in_schema=False)
async def sign_in(resources: ResourcesDep, request: Request) -> Response:
    form = parse_qs((await request.body()).decode(errors="replace"))
    token = (form.get("token") or [""])[0].strip()
    if not resources.users.actor_for(token):
        return _page("<p>Unknown token.</p><p><a href='/codec/session'>Back</a></p>", 401)
    response = RedirectResponse("/codec/session", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        path="/codec",
        httponly=True,
        samesite="strict",  # the Web UI is on the same site (host), another port
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/session/sign-out", include_in_schema=False)
async def sign_out() -> Response:
    response = RedirectResponse("/codec/session", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/codec")
    return response


# --- wiring ---------------------------------------------------------------------------


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


_LOOPBACK = ("localhost", "127.0.0.1")


def ui_origins(url: str) -> list[str]:
    """The Web UI's origin; a local UI under both names of the loopback address, since a
    browser may open it as either (the dev server prints 127.0.0.1, people type localhost)."""
    origin = origin_of(url)
    if not origin:
        return []
    parts = urlsplit(url)
    if parts.hostname not in _LOOPBACK:
        return [origin]
    port = f":{parts.port}" if parts.port else ""
    return [f"{parts.scheme}://{host}{port}" for host in _LOOPBACK]


class CodecCors:
    """CORS for /codec/* only, from the Web UI's origin: the rest of the API stays
    same-origin for browsers."""

    def __init__(self, app: ASGIApp, origins: list[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app,
            allow_origins=origins,
            allow_methods=["POST"],
            allow_headers=CORS_HEADERS,
            allow_credentials=True,  # the session cookie
            max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(router.prefix + "/"):
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def install_codec_server(app: FastAPI, settings: Settings) -> None:
    app.include_router(router)
    app.add_middleware(CodecCors, origins=ui_origins(settings.temporal_ui_url))

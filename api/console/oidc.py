"""IDENTITY=jwt: the console signs in through the company's OpenID Connect provider,
authorization code with PKCE (S256), with Authlib's OAuth 2 client. The console never sees
a password: the provider's token is the bearer token the console then calls the API with,
so the API's JwtIdentity (api/identity.py) maps its claims to the user, as for any
caller. Endpoints come from the provider's discovery document (OIDC_ISSUER)."""

from typing import Annotated, Any

import httpx
import jwt
import structlog
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.console.sessions import set_cookie
from api.console.web import page_for, render, store
from api.deps import Resources
from infra.settings import Settings

log = structlog.get_logger(__name__)
router = APIRouter(prefix="/console/oidc", include_in_schema=False)

Q = Annotated[str | None, Query(max_length=4000)]


async def discovery(settings: Settings) -> dict[str, Any]:
    url = settings.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(url)
        response.raise_for_status()
        return response.json()


def client_for(settings: Settings, redirect_uri: str) -> AsyncOAuth2Client:
    secret = settings.oidc_client_secret.get_secret_value() or None
    return AsyncOAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=secret,
        scope=settings.oidc_scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
    )


def redirect_uri(request: Request) -> str:
    return str(request.url_for("oidc_callback"))


def _settings(request: Request) -> Settings:
    resources: Resources = request.app.state.resources
    return resources.settings


def _nonce(id_token: str) -> str | None:
    """The nonce of an ID token whose signature JwtIdentity has just verified."""
    return jwt.decode(id_token, options={"verify_signature": False}).get("nonce")


@router.get("/start")
async def oidc_start(request: Request, next: Q = None) -> Response:
    """To the provider's sign-in, with a state, a nonce and a PKCE challenge kept in the
    (pre-sign-in) session."""
    settings = _settings(request)
    page = await page_for(request, signed_in=False)
    if settings.identity != "jwt" or not settings.oidc_issuer:
        return render(page, "error.html", 404, message=page._("Single sign-on is not set up."))
    meta = await discovery(settings)
    verifier = generate_token(64)
    client = client_for(settings, redirect_uri(request))
    nonce = generate_token(24)
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    flow = {"state": state, "verifier": verifier, "nonce": nonce, "next": next or "/console/"}
    fresh = None
    if page.session is None:
        fresh, _ = await store(request).create(oidc=flow, lang=page.lang)
    else:
        await store(request).set_oidc(page.session, flow)
    response = RedirectResponse(url, status_code=302)
    if fresh:
        set_cookie(request, response, fresh)
    return response


@router.get("/callback", name="oidc_callback")
async def oidc_callback(
    request: Request,
    code: Q = None,
    state: Q = None,
    error: Q = None,
    error_description: Q = None,
    iss: Q = None,
    session_state: Q = None,
    scope: Q = None,
) -> Response:
    from api.console.pages import start_session

    settings = _settings(request)
    page = await page_for(request, signed_in=False)
    flow = page.session.oidc if page.session else None
    refused = page._("Sign-in with the company account failed. Please try again.")
    if error or not code or not flow or state != flow.get("state"):
        return render(page, "error.html", 403, message=refused)
    await store(request).set_oidc(page.session, None)  # a code is used once
    meta = await discovery(settings)
    client = client_for(settings, redirect_uri(request))
    try:
        token = await client.fetch_token(
            meta["token_endpoint"], code=code, code_verifier=flow["verifier"]
        )
    except Exception as err:  # the provider refused the code: no session
        log.warning("oidc_token_refused", error=str(err))
        return render(page, "error.html", 403, message=refused)
    resources: Resources = request.app.state.resources
    # The access token is the bearer token if the API accepts it; else the ID token.
    for bearer in (token.get("access_token"), token.get("id_token")):
        actor = bearer and resources.users.actor_for(bearer)
        if actor and bearer == token.get("id_token") and _nonce(bearer) != flow.get("nonce"):
            actor = None  # an ID token of another sign-in, replayed
        if actor:
            return await start_session(request, page, bearer, actor.user_id, flow.get("next"))
    message = page._("Your company account is not set up for the complaint desk.")
    return render(page, "error.html", 403, message=message)

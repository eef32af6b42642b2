"""IDENTITY=jwt: the console signs in through an OpenID Connect provider with the
authorization code and PKCE. The provider is a real local HTTP server (uvicorn) that
publishes its discovery document and keys, issues a code for the user it is told has
signed in, and exchanges it for tokens signed with its test key only against the right
PKCE verifier. The API then reads the token's claims as for any bearer caller."""

import asyncio
import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import jwt
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from devstack.ports import free_port
from tests.api.conftest import serving

AUDIENCE = "complaint-desk"
CLIENT_ID = "desk-console"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
USER = {
    "sub": "handler.gu",
    "name": "Gu Yan",
    "role": "handler",
    "level": "handler",
    "stores": ["Shenzhen Futian"],
}


def provider_app(issuer: str) -> FastAPI:
    app = FastAPI()
    codes: dict[str, dict[str, Any]] = {}

    @app.get("/.well-known/openid-configuration")
    async def discovery() -> dict[str, Any]:
        return {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token",
            "jwks_uri": f"{issuer}/jwks",
            "code_challenge_methods_supported": ["S256"],
        }

    @app.get("/jwks")
    async def jwks() -> dict[str, Any]:
        public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
        return {"keys": [public | {"kid": "test-1", "use": "sig"}]}

    @app.get("/authorize")
    async def authorize(request: Request) -> RedirectResponse:
        q = request.query_params
        # A PKCE client only: no S256 challenge, no code.
        if q.get("code_challenge_method") != "S256" or not q.get("code_challenge"):
            raise HTTPException(400, "PKCE required")
        if q.get("client_id") != CLIENT_ID or q.get("response_type") != "code":
            raise HTTPException(400, "unknown client")
        code = secrets.token_urlsafe(16)
        codes[code] = {
            "challenge": q["code_challenge"],
            "redirect_uri": q["redirect_uri"],
            "nonce": q.get("nonce"),
        }
        return RedirectResponse(
            f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}"
        )

    @app.post("/token")
    async def token(
        grant_type: str = Form(),
        code: str = Form(),
        redirect_uri: str = Form(),
        code_verifier: str = Form(),
        client_id: str = Form(),
    ) -> dict[str, Any]:
        issued = codes.pop(code, None)  # a code is used once
        digest = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest())
        if (
            issued is None
            or grant_type != "authorization_code"
            or client_id != CLIENT_ID
            or redirect_uri != issued["redirect_uri"]
            or digest.rstrip(b"=").decode() != issued["challenge"]
        ):
            raise HTTPException(400, "invalid_grant")
        now = int(time.time())
        claims = {"iss": issuer, "iat": now, "exp": now + 300, **USER}
        sign = lambda aud, **more: jwt.encode(  # noqa: E731
            claims | {"aud": aud} | more, KEY, "RS256", headers={"kid": "test-1"}
        )
        return {
            "access_token": sign(AUDIENCE),
            "id_token": sign(CLIENT_ID, nonce=issued["nonce"]),
            "token_type": "Bearer",
            "expires_in": 300,
        }

    return app


@pytest.fixture
async def provider() -> AsyncIterator[str]:
    """In a thread of its own: the API fetches the provider's keys with a blocking client
    (PyJWKClient), as it would from a provider on another host."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    server = uvicorn.Server(
        uvicorn.Config(provider_app(issuer), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        await asyncio.sleep(0.05)
    yield issuer
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
async def sso_console(dev_server, dev_client, pool, settings_for, provider):
    settings = settings_for(dev_server.address).model_copy(
        update={
            "identity": "jwt",
            "jwt_issuer": provider,
            "jwt_audience": AUDIENCE,
            "jwt_jwks_url": f"{provider}/jwks",
            "oidc_issuer": provider,
            "oidc_client_id": CLIENT_ID,
        }
    )
    async with serving(settings, dev_client, pool) as http:
        yield http


async def test_the_console_signs_in_through_the_provider_with_pkce(
    sso_console: httpx.AsyncClient, provider: str
) -> None:
    browser = httpx.AsyncClient(base_url=str(sso_console.base_url), timeout=30)
    sign_in = await browser.get("/console/sign-in")
    assert sign_in.status_code == 200 and "/console/oidc/start" in sign_in.text
    assert "demo-" not in sign_in.text  # no demo users to pick

    start = await browser.get("/console/oidc/start", params={"next": "/console/register"})
    assert start.status_code == 302
    to_provider = urlsplit(start.headers["location"])
    asked = parse_qs(to_provider.query)
    assert f"{to_provider.scheme}://{to_provider.netloc}" == provider
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"]
    assert asked["client_id"] == [CLIENT_ID] and "openid" in asked["scope"][0]

    # The provider signs the user in and sends the browser back with a code.
    back = await httpx.AsyncClient().get(start.headers["location"])
    assert back.status_code == 307
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/console/oidc/callback"

    # A callback with another state is refused (and spends nothing).
    forged = parse_qs(callback.query) | {"state": ["forged"]}
    refused = await browser.get(callback.path, params={k: v[0] for k, v in forged.items()})
    assert refused.status_code == 403

    # The real callback: the code exchanged with the verifier; a new session.
    done = await browser.get(f"{callback.path}?{callback.query}")
    assert done.status_code == 303 and done.headers["location"] == "/console/register"
    home = await browser.get("/console/")
    assert home.status_code == 200
    assert "handler.gu" in home.text or "Gu Yan" in home.text
    # The API's claim mapping: a handler of Shenzhen Futian, as its bearer callers are.
    assert "登记投诉" in home.text  # a handler may register
    assert (await browser.get("/console/approvals")).status_code == 403

"""The console served with the API by uvicorn over real HTTP (tests/api/conftest.py's
`serving`), a worker, the Temporal dev server and Postgres; clients that sign in."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.api.conftest import serving

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


async def sign_in(http: httpx.AsyncClient, token: str, lang: str = "zh_Hans") -> httpx.AsyncClient:
    """A browser-like client of the same server, signed in with `token` (pasted, as the
    sign-in page allows)."""
    client = httpx.AsyncClient(base_url=str(http.base_url), timeout=60, follow_redirects=False)
    page = await client.get("/console/sign-in")
    assert page.status_code == 200, page.text
    answer = await client.post(
        "/console/sign-in", data={"csrf_token": csrf_of(page.text), "token": token}
    )
    assert answer.status_code == 303, answer.text
    if lang != "zh_Hans":
        home = await client.get("/console/")
        await client.post(
            "/console/language",
            data={"csrf_token": csrf_of(home.text), "lang": lang, "next": "/console/"},
        )
    return client


@pytest.fixture
async def console(dev_server, dev_client, pool, settings_for) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(settings_for(dev_server.address), dev_client, pool) as http:
        yield http

"""/docs and /redoc render with no internet: the pages name no outside host, and the API
serves their script, stylesheet and icon itself (api/docs.py)."""

import re

import httpx
import pytest

from api.app import create_app
from infra.settings import Settings

_ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
_CONTENT_TYPES = {".js": "javascript", ".css": "text/css", ".png": "image/png"}


@pytest.fixture
async def http() -> httpx.AsyncClient:
    # The pages need no database or Temporal: the app without its lifespan serves them.
    app = create_app(Settings(codec_keys="test-1:" + "A" * 43 + "="))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://desk.internal") as client:
        yield client


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_the_api_docs_load_their_assets_from_the_api(
    http: httpx.AsyncClient, page: str
) -> None:
    response = await http.get(page)
    assert response.status_code == 200
    html = response.text
    assert "://" not in html.replace("/openapi.json", ""), "the page names an outside host"
    assets = _ASSET.findall(html)
    scripts = [url for url in assets if url.endswith(".js")]
    assert scripts, html
    if page == "/docs":
        assert any(url.endswith(".css") for url in assets)
    for url in assets:
        assert url.startswith("/"), url
        asset = await http.get(url)
        assert asset.status_code == 200, url
        kind = next(v for k, v in _CONTENT_TYPES.items() if url.endswith(k))
        assert kind in asset.headers["content-type"], (url, asset.headers["content-type"])
        assert len(asset.content) > 1000, url

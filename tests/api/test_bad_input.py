"""No input makes the API answer 500: every request body field of every endpoint, taken
from the OpenAPI document, is sent missing, null and of the wrong type."""

import httpx

from tests.api.conftest import auth
from tests.api.test_http_api import INTAKE

WRONG_VALUES = (None, [], {}, "", "x" * 6000, -1, 10**20, True, "2026-13-45")


def _bodies(schema: dict, components: dict) -> list[dict]:
    """Valid-looking skeleton of the body, then each field broken one way at a time."""
    if "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    fields = schema.get("properties", {})
    skeleton = {name: "x" for name in fields}
    broken = [{}, skeleton]
    for name in fields:
        broken.append({k: v for k, v in skeleton.items() if k != name})
        broken.extend(skeleton | {name: value} for value in WRONG_VALUES)
    return broken


async def test_no_malformed_body_on_any_endpoint_gives_a_server_error(
    api: httpx.AsyncClient,
) -> None:
    case_no = (await api.post("/complaints", json=INTAKE, headers=auth("staff"))).json()["case_no"]
    spec = (await api.get("/openapi.json")).json()
    components = spec["components"]["schemas"]
    sent = 0
    for path, operations in spec["paths"].items():
        post = operations.get("post")
        if not post or "requestBody" not in post:
            continue
        content = post["requestBody"]["content"]
        if "application/json" not in content:
            continue  # evidence uploads (multipart): tests/api/test_evidence_http.py
        schema = content["application/json"]["schema"]
        url = path.replace("{case_no}", case_no)
        for body in _bodies(schema, components):
            for role in ("handler", "manager"):
                response = await api.post(url, json=body, headers=auth(role))
                sent += 1
                assert response.status_code < 500, (url, body, response.text)
                assert response.status_code in (200, 201, 403, 404, 409, 422), (url, body)
        not_json = await api.post(url, content=b"{not json", headers=auth("handler"))
        assert not_json.status_code == 422
    assert sent > 500

"""The codec server (api/routes/codec.py): decrypted payloads, whole for those who may see
customer personal data and with it replaced for everyone else, for the Web UI's origin
only."""

import httpx
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.contrib.pydantic import pydantic_data_converter

from api.routes.codec import SESSION_COOKIE
from domain.personal_data import REDACTED
from infra.codec import EncryptionCodec, KeyRing, new_key
from tests.api.conftest import auth
from tests.conftest import TEST_CONVERTER

UI_ORIGIN = "http://localhost:8233"  # Settings.temporal_ui_url in the tests
UI_ORIGIN_BY_ADDRESS = "http://127.0.0.1:8233"  # the same UI, as the dev server prints it
CUSTOMER = {"name": "Liu Yang", "contact": "138-0000-0000"}
NAMESPACE = {"X-Namespace": "default"}


async def _sealed(value: object = CUSTOMER) -> dict:
    """A payload as the worker stores it, in the protocol's JSON."""
    return json_format.MessageToDict(Payloads(payloads=await TEST_CONVERTER.encode([value])))


def _values(body: dict) -> list[object]:
    payloads = json_format.ParseDict(body, Payloads()).payloads
    return [pydantic_data_converter.payload_converter.from_payload(p) for p in payloads]


async def test_decoding_without_a_token_is_401(api: httpx.AsyncClient) -> None:
    response = await api.post("/codec/decode", json=await _sealed(), headers=NAMESPACE)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_an_engineer_gets_the_payloads_decrypted_without_personal_data(
    api: httpx.AsyncClient,
) -> None:
    note = {"text": "Liu Yang called from 138-0000-0000", "actor": None}
    sentence = "Waiting for manager approval since 2026-11-30 10:12 CST."
    sealed = await _sealed(CUSTOMER)
    sealed["payloads"] += (await _sealed(note))["payloads"] + (await _sealed(sentence))["payloads"]
    response = await api.post("/codec/decode", json=sealed, headers=auth("engineer") | NAMESPACE)
    assert response.status_code == 200, response.text
    assert _values(response.json()) == [
        {"name": REDACTED, "contact": REDACTED},
        {"text": REDACTED, "actor": None},
        sentence,
    ]


async def test_a_handler_gets_the_payloads_decrypted(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/codec/decode", json=await _sealed(), headers=auth("handler") | NAMESPACE
    )
    assert response.status_code == 200, response.text
    assert _values(response.json()) == [CUSTOMER]


async def test_unencrypted_payloads_come_back_as_they_are(api: httpx.AsyncClient) -> None:
    plain = pydantic_data_converter.payload_converter.to_payload("recorded before encryption")
    body = json_format.MessageToDict(Payloads(payloads=[plain]))
    response = await api.post("/codec/decode", json=body, headers=auth("staff") | NAMESPACE)
    assert response.status_code == 200
    assert _values(response.json()) == ["recorded before encryption"]


async def test_a_payload_under_a_key_the_api_lacks_is_a_clear_422(api: httpx.AsyncClient) -> None:
    foreign = EncryptionCodec(KeyRing.parse(f"elsewhere:{new_key()}"))
    sealed = await foreign.encode([Payload(metadata={"encoding": b"json/plain"}, data=b"1")])
    body = json_format.MessageToDict(Payloads(payloads=sealed))
    response = await api.post("/codec/decode", json=body, headers=auth("manager") | NAMESPACE)
    assert response.status_code == 422
    assert "'elsewhere'" in response.json()["detail"]


async def test_the_cli_reads_a_refusal_in_place_of_each_payload(api: httpx.AsyncClient) -> None:
    """The temporal CLI (Go's HTTP client) retries a failed decode until its deadline and
    then shows only "context deadline exceeded"; others get the status."""
    cli = {"User-Agent": "Go-http-client/1.1"}
    foreign = EncryptionCodec(KeyRing.parse(f"elsewhere:{new_key()}"))
    sealed = await foreign.encode([Payload(metadata={"encoding": b"json/plain"}, data=b"1")])
    body = json_format.MessageToDict(Payloads(payloads=sealed * 2))
    for headers, status in [
        ({}, "401"),
        ({"Authorization": "Bearer not-a-token"}, "401"),
        (auth("engineer"), "422"),
    ]:
        refused = await api.post("/codec/decode", json=body, headers=headers | cli)
        assert refused.status_code == 200, refused.text
        [first, second] = _values(refused.json())
        assert first == second and first.startswith(f"codec server refused: {status} "), first
        plain = await api.post("/codec/decode", json=body, headers=headers)
        assert str(plain.status_code) == status


async def test_no_payloads_give_no_payloads(api: httpx.AsyncClient) -> None:
    # `{}` is how protobuf JSON writes an empty list: the CLI sends it for a query without
    # arguments and for `temporal workflow metadata`.
    for path in ("/codec/encode", "/codec/decode"):
        for role in ("handler", "engineer"):
            for body in ({"payloads": []}, {}):
                response = await api.post(path, json=body, headers=auth(role))
                assert response.status_code == 200, (path, role, body, response.text)
                assert response.json() == {"payloads": []}


async def test_encode_uses_the_current_key_of_the_worker(api: httpx.AsyncClient) -> None:
    plain = pydantic_data_converter.payload_converter.to_payload(CUSTOMER)
    body = json_format.MessageToDict(Payloads(payloads=[plain]))
    response = await api.post("/codec/encode", json=body, headers=auth("engineer") | NAMESPACE)
    assert response.status_code == 200
    [sealed] = json_format.ParseDict(response.json(), Payloads()).payloads
    assert sealed.metadata["encryption-key-id"] == b"test-1"
    assert b"Liu Yang" not in sealed.data
    assert await TEST_CONVERTER.decode([sealed]) == [CUSTOMER]


async def test_the_web_ui_origin_may_call_the_codec_from_the_browser(
    api: httpx.AsyncClient,
) -> None:
    response = await api.options(
        "/codec/decode",
        headers={
            "Origin": UI_ORIGIN,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
        },
    )
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == UI_ORIGIN
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    allowed = response.headers["Access-Control-Allow-Headers"].lower()
    assert {"authorization", "content-type", "x-namespace"} <= set(
        allowed.replace(" ", "").split(",")
    )

    decoded = await api.post(
        "/codec/decode",
        json=await _sealed(),
        headers=auth("handler") | NAMESPACE | {"Origin": UI_ORIGIN},
    )
    assert decoded.headers["Access-Control-Allow-Origin"] == UI_ORIGIN

    # The README's and the banner's link open the UI under its address, not "localhost".
    by_address = await api.options(
        "/codec/decode",
        headers={"Origin": UI_ORIGIN_BY_ADDRESS, "Access-Control-Request-Method": "POST"},
    )
    assert by_address.status_code == 200
    assert by_address.headers["Access-Control-Allow-Origin"] == UI_ORIGIN_BY_ADDRESS


async def test_another_origin_is_refused_and_the_rest_of_the_api_is_not_opened(
    api: httpx.AsyncClient,
) -> None:
    preflight = {"Access-Control-Request-Method": "POST"}
    other = await api.options(
        "/codec/decode", headers=preflight | {"Origin": "http://evil.example"}
    )
    assert other.status_code == 400
    assert "Access-Control-Allow-Origin" not in other.headers

    decoded = await api.post(
        "/codec/decode",
        json=await _sealed(),
        headers=auth("handler") | NAMESPACE | {"Origin": "http://evil.example"},
    )
    assert "Access-Control-Allow-Origin" not in decoded.headers

    complaints = await api.options("/complaints", headers=preflight | {"Origin": UI_ORIGIN})
    assert "Access-Control-Allow-Origin" not in complaints.headers


async def test_a_browser_signed_in_at_codec_session_decodes_with_its_cookie(
    api: httpx.AsyncClient,
) -> None:
    assert "Not signed in" in (await api.get("/codec/session")).text
    wrong = await api.post("/codec/session", data={"token": "not-a-token"})
    assert wrong.status_code == 401
    assert SESSION_COOKIE not in api.cookies

    signed_in = await api.post("/codec/session", data={"token": "demo-handler"})
    assert signed_in.status_code == 303
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/codec" in cookie
    assert "handler.wang" in (await api.get("/codec/session")).text

    decoded = await api.post("/codec/decode", json=await _sealed(), headers=NAMESPACE)
    assert decoded.status_code == 200
    assert _values(decoded.json()) == [CUSTOMER]

    await api.post("/codec/session/sign-out")
    assert (await api.post("/codec/decode", json=await _sealed())).status_code == 401

    await api.post("/codec/session", data={"token": "demo-engineer"})
    assert "personal data replaced" in (await api.get("/codec/session")).text
    redacted = await api.post("/codec/decode", json=await _sealed())
    assert redacted.status_code == 200, redacted.text
    assert _values(redacted.json()) == [{"name": REDACTED, "contact": REDACTED}]

"""Production identity (IDENTITY=jwt): bearer JWTs signed by the identity provider's key,
verified against its JWKS, issuer and audience; the claims name the user, role, level and
stores. A locally generated RSA key stands in for the provider."""

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from temporalio.client import Client

from api.identity import IdentityConfigError, JwtIdentity
from domain.authority import Actor, Role
from domain.policy import Policy
from infra.settings import Settings
from tests.api.conftest import serving
from tests.api.test_http_api import INTAKE

ISSUER = "https://login.example.com/realms/desk"
AUDIENCE = "complaint-desk"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


PROVIDER_KEY = _key()
OTHER_KEY = _key()


@pytest.fixture(scope="module")
def jwks_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(PROVIDER_KEY.public_key()))
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps({"keys": [public | {"kid": "desk-1", "use": "sig"}]}))
    return path


def _jwt_settings(jwks_file: Path, **more: Any) -> Settings:
    fields = {
        "identity": "jwt",
        "jwt_issuer": ISSUER,
        "jwt_audience": AUDIENCE,
        "jwt_jwks_file": jwks_file,
    }
    return Settings(**fields | more)


def token(key: rsa.RSAPrivateKey = PROVIDER_KEY, kid: str = "desk-1", **claims: Any) -> str:
    now = int(time.time())
    body = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "sub": "handler.gu",
        "role": "handler",
        "level": "handler",
        "stores": ["Shenzhen Futian"],
    } | claims
    return jwt.encode(
        {k: v for k, v in body.items() if v is not None}, key, "RS256", headers={"kid": kid}
    )


@pytest.fixture
def identity(jwks_file: Path, policy: Policy) -> JwtIdentity:
    return JwtIdentity(_jwt_settings(jwks_file), policy.authority)


def test_a_valid_token_acts_as_its_user_with_its_stores_and_the_policys_limit(
    identity: JwtIdentity, policy: Policy
) -> None:
    actor = identity.actor_for(
        token(sub="manager.gu", role="manager", level="department_manager", stores=["A", "B"])
    )
    assert actor == Actor(
        user_id="manager.gu",
        role=Role.MANAGER,
        level="department_manager",
        authority_limit=policy.authority.limits["department_manager"],
        stores=("A", "B"),
    )
    assert actor.works_at("a") and not actor.works_at("C")
    one_store = identity.actor_for(token(stores="Shenzhen Futian"))
    assert one_store.stores == ("Shenzhen Futian",)


def test_senior_management_and_engineers_from_a_token_see_every_store(
    identity: JwtIdentity,
) -> None:
    senior = identity.actor_for(
        token(sub="senior.gu", role="senior", level="senior_management", stores=["A"])
    )
    engineer = identity.actor_for(token(sub="eng.gu", role="engineer", level=None, stores=None))
    assert senior.stores is None and engineer.stores is None
    assert senior.works_at("anywhere")


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param({"exp": int(time.time()) - 3600}, id="expired"),
        pytest.param({"iss": "https://evil.example.com"}, id="wrong-issuer"),
        pytest.param({"aud": "another-app"}, id="wrong-audience"),
        pytest.param({"exp": None}, id="no-expiry"),
        pytest.param({"key": OTHER_KEY}, id="signed-by-another-key"),
        pytest.param({"kid": "unknown"}, id="unknown-key-id"),
        pytest.param({"role": "admin"}, id="unknown-role"),
        pytest.param({"stores": None}, id="handler-without-stores"),
        pytest.param({"role": "manager", "level": None}, id="manager-without-level"),
        pytest.param({"sub": None}, id="no-user"),
    ],
)
def test_a_token_that_does_not_verify_or_names_no_proper_user_is_refused(
    identity: JwtIdentity, bad: dict[str, Any]
) -> None:
    assert identity.actor_for(token(**bad)) is None


def test_a_tampered_or_unsigned_token_is_refused(identity: JwtIdentity) -> None:
    header, payload, signature = token().split(".")
    claims = json.loads(jwt.utils.base64url_decode(payload))
    raised = jwt.utils.base64url_encode(
        json.dumps(claims | {"role": "senior", "level": "senior_management"}).encode()
    ).decode()
    assert identity.actor_for(f"{header}.{raised}.{signature}") is None
    unsigned = jwt.encode({**claims}, None, "none")
    assert identity.actor_for(unsigned) is None
    assert identity.actor_for("demo-handler") is None


def test_claim_names_are_settings_and_may_be_namespaced_or_nested(
    jwks_file: Path, policy: Policy
) -> None:
    identity = JwtIdentity(
        _jwt_settings(
            jwks_file,
            jwt_user_claim="preferred_username",
            jwt_role_claim="https://desk.example.com/role",
            jwt_stores_claim="desk.stores",
        ),
        policy.authority,
    )
    actor = identity.actor_for(
        token(
            preferred_username="staff.gu",
            sub="f81d4fae",
            role=None,
            stores=None,
            level=None,
            desk={"stores": ["Chengdu Jinjiang"]},
            **{"https://desk.example.com/role": "staff"},
        )
    )
    assert (actor.user_id, actor.role, actor.stores) == (
        "staff.gu",
        Role.STAFF,
        ("Chengdu Jinjiang",),
    )


@pytest.mark.parametrize(
    "settings, problem",
    [
        pytest.param({"jwt_issuer": ""}, "JWT_ISSUER", id="no-issuer"),
        pytest.param({"jwt_jwks_url": "https://x/jwks"}, "one of", id="url-and-file"),
        pytest.param({"jwt_algorithms": "HS256"}, "asymmetric", id="shared-secret"),
        pytest.param({"jwt_algorithms": "none"}, "asymmetric", id="unsigned"),
    ],
)
def test_incomplete_jwt_settings_stop_start_up(
    jwks_file: Path, policy: Policy, settings: dict[str, Any], problem: str
) -> None:
    with pytest.raises(IdentityConfigError, match=problem):
        JwtIdentity(_jwt_settings(jwks_file, **settings), policy.authority)


@pytest.fixture
async def jwt_api(
    dev_server, dev_client: Client, pool: asyncpg.Pool, settings_for, jwks_file: Path
) -> AsyncIterator[httpx.AsyncClient]:
    settings = settings_for(dev_server.address).model_copy(
        update={
            "identity": "jwt",
            "jwt_issuer": ISSUER,
            "jwt_audience": AUDIENCE,
            "jwt_jwks_file": jwks_file,
        }
    )
    async with serving(settings, dev_client, pool) as http:
        yield http


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


async def test_over_http_a_token_acts_with_its_stores_and_a_bad_one_is_401(
    jwt_api: httpx.AsyncClient, pool: asyncpg.Pool
) -> None:
    desk = bearer(token(sub="staff.gu", role="staff", level=None))
    created = await jwt_api.post(
        "/complaints", json=INTAKE | {"store": "Shenzhen Futian"}, headers=desk
    )
    assert created.status_code == 201, created.text
    case_no = created.json()["case_no"]
    registered_by = "SELECT registered_by FROM complaints WHERE case_no = $1"
    assert await pool.fetchval(registered_by, case_no) == "staff.gu"
    assert (await jwt_api.get(f"/complaints/{case_no}", headers=desk)).status_code == 200
    elsewhere = await jwt_api.post(
        "/complaints", json=INTAKE | {"store": "Shanghai Pudong"}, headers=desk
    )
    assert elsewhere.status_code == 403

    other_store = bearer(token(stores=["Shanghai Pudong"]))
    assert (await jwt_api.get(f"/complaints/{case_no}", headers=other_store)).status_code == 404

    for refused in (
        token(exp=int(time.time()) - 60),
        token(iss="https://evil.example.com"),
        token(key=OTHER_KEY),
        "demo-senior",  # the demo tokens exist only with IDENTITY=demo
    ):
        response = await jwt_api.get(f"/complaints/{case_no}", headers=bearer(refused))
        assert response.status_code == 401, refused
        assert response.headers["www-authenticate"] == "Bearer"


async def test_the_relay_reaches_jwt_users_by_the_claims_they_last_signed_in_with(
    identity: JwtIdentity, postgres
) -> None:
    from infra.people import record_people
    from infra.relay import PeopleDirectory
    from tests.notify_support import fresh_database

    identity.actor_for(
        token(
            sub="duty.he", role="manager", level="duty_manager", email="he@shop.cn", locale="en-GB"
        )
    )
    identity.actor_for(token(sub="odd.one", email="not an address"))  # still signs in
    assert identity.actor_for(token(sub="odd.one", email="not an address")) is not None
    seen = {p.user_id: p for p in identity.take_seen()}
    assert (seen["duty.he"].email, seen["duty.he"].language) == ("he@shop.cn", "en")
    assert seen["odd.one"].email is None and identity.take_seen() == []

    async with fresh_database(postgres) as (_, pool):
        await record_people(pool, list(seen.values()))
        directory = PeopleDirectory()
        async with pool.acquire() as conn:
            await directory.refresh(conn)
    assert directory.person("duty.he").email == "he@shop.cn"
    assert directory.holders("duty_manager", "shenzhen futian") == ["duty.he"]
    assert directory.holders("duty_manager", "Urumqi Tianshan") == []

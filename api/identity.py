"""Who is calling: a bearer token resolved to an acting user, with the stores they work at.

Two ways, chosen by `IDENTITY` (infra/settings.py):

- `demo` (the embedded default of `make run` and the tests): opaque tokens listed in the
  users file (`USERS_FILE`, config/users.yaml). Anyone who reads the file can act as
  anyone in it, so it is for a laptop only.
- `jwt` (production): bearer JWTs of the company's identity provider, verified against
  its issuer, audience and signing keys (JWKS, by URL or file); the claims give the user
  id, role, level and stores.

Either way authority limits come from the policy by level (a users-file entry may set its
own), and senior management and engineers work at every store (`EVERY_STORE_ROLES`).
"""

from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import jwt
import structlog
import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from domain.authority import EVERY_STORE_ROLES, Actor, AuthorityPolicy, Level, Role
from infra.settings import Settings

log = structlog.get_logger(__name__)

_APPROVERS = {Role.MANAGER, Role.SENIOR}


class Person(BaseModel):
    """A user as the users file or a token's claims describe them."""

    user_id: str = Field(min_length=1, max_length=100)
    name: str = ""
    role: Role
    level: Level | None = None
    authority_limit: Decimal | None = None
    stores: list[str] = Field(
        default_factory=list,
        description="Store names, as the desk enters them at intake (case and spacing aside)",
    )

    @field_validator("stores")
    @classmethod
    def _named(cls, stores: list[str]) -> list[str]:
        if any(not store.strip() for store in stores):
            raise ValueError("a store needs a name")
        return stores

    @model_validator(mode="after")
    def _level_and_stores_fit_the_role(self) -> "Person":
        if self.role in _APPROVERS and self.level is None:
            raise ValueError(f"user {self.user_id}: role {self.role} needs a level")
        if self.role in EVERY_STORE_ROLES and self.stores:
            # A list here would look like a restriction that nothing enforces.
            raise ValueError(
                f"user {self.user_id}: role {self.role} works at every store; leave out stores"
            )
        if self.role not in EVERY_STORE_ROLES and not self.stores:
            raise ValueError(f"user {self.user_id}: role {self.role} needs its stores")
        return self

    def as_actor(self, authority: AuthorityPolicy) -> Actor:
        if "authority_limit" in self.model_fields_set:
            limit = self.authority_limit
        elif self.level is not None:
            limit = authority.limits[self.level]
        else:
            limit = Decimal("0")
        return Actor(
            user_id=self.user_id,
            role=self.role,
            level=self.level,
            authority_limit=limit,
            stores=None if self.role in EVERY_STORE_ROLES else tuple(self.stores),
        )


class User(Person):
    """An entry of the users file: a person and their opaque token."""

    token: str = Field(min_length=8)


class UsersFile(BaseModel):
    users: list[User]

    @model_validator(mode="after")
    def _unique(self) -> "UsersFile":
        tokens = [user.token for user in self.users]
        if len(set(tokens)) != len(tokens):
            raise ValueError("tokens must be unique")
        return self


class Identity(Protocol):
    """What the API asks of either way: the actor a bearer token stands for, or None."""

    def actor_for(self, token: str) -> Actor | None: ...

    def for_authority(self, authority: AuthorityPolicy) -> "Identity":
        """The same users under another policy's authority limits."""
        ...


class UserDirectory:
    """`IDENTITY=demo`: the tokens of the users file, read once at start-up."""

    def __init__(self, users: list[User], authority: AuthorityPolicy) -> None:
        self._users = users
        self._by_token = {user.token: user.as_actor(authority) for user in users}

    @classmethod
    def from_file(cls, path: Path, authority: AuthorityPolicy) -> "UserDirectory":
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(UsersFile.model_validate(raw).users, authority)

    def actor_for(self, token: str) -> Actor | None:
        return self._by_token.get(token)

    def listed(self) -> list[User]:
        """The users of the file, for the console's sign-in page (IDENTITY=demo only)."""
        return list(self._users)

    def for_authority(self, authority: AuthorityPolicy) -> "UserDirectory":
        return UserDirectory(self._users, authority)


class IdentityConfigError(ValueError):
    """The JWT settings are incomplete or the key file unusable: the API does not start."""


class _KeyFile:
    """Signing keys from a JWKS file, read once at start-up."""

    def __init__(self, path: Path) -> None:
        try:
            self._keys = jwt.PyJWKSet.from_json(path.read_text(encoding="utf-8"))
        except (OSError, jwt.PyJWTError, ValueError) as err:
            raise IdentityConfigError(f"JWT_JWKS_FILE {path}: {err}") from err

    def key_for(self, token: str) -> jwt.PyJWK:
        kid = jwt.get_unverified_header(token).get("kid")
        keys = list(self._keys)
        if kid is None and len(keys) == 1:
            return keys[0]
        match = next((key for key in keys if key.key_id == kid), None)
        if match is None:
            raise jwt.InvalidKeyError(f"no signing key {kid!r} in the key file")
        return match


class _KeyUrl:
    """Signing keys from the identity provider's JWKS endpoint, cached for 5 minutes (a
    token with an unknown key ID fetches them again, so a rotation is picked up)."""

    def __init__(self, url: str) -> None:
        self._client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=300, timeout=10)

    def key_for(self, token: str) -> jwt.PyJWK:
        return self._client.get_signing_key_from_jwt(token)


def claim(claims: dict[str, Any], name: str) -> Any:
    """A claim by its name (namespaced names such as `https://example.com/role` included),
    else by a dotted path into nested claims (`realm_access.role`)."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


class JwtIdentity:
    """`IDENTITY=jwt`: bearer JWTs verified for signature, expiry, issuer and audience;
    the user id, role, level and stores come from claims named in the settings."""

    def __init__(self, settings: Settings, authority: AuthorityPolicy, keys=None) -> None:
        missing = [
            name
            for name, value in (
                ("JWT_ISSUER", settings.jwt_issuer),
                ("JWT_AUDIENCE", settings.jwt_audience),
            )
            if not value
        ]
        if missing:
            raise IdentityConfigError(f"IDENTITY=jwt needs {' and '.join(missing)}")
        if bool(settings.jwt_jwks_url) == bool(settings.jwt_jwks_file):
            raise IdentityConfigError("IDENTITY=jwt needs one of JWT_JWKS_URL and JWT_JWKS_FILE")
        self._settings = settings
        self._authority = authority
        self._algorithms = [a.strip() for a in settings.jwt_algorithms.split(",") if a.strip()]
        unsafe = [a for a in self._algorithms if a.lower() == "none" or a.upper().startswith("HS")]
        if unsafe or not self._algorithms:
            # A provider signs with its private key; a shared secret or none proves nothing.
            raise IdentityConfigError(
                f"JWT_ALGORITHMS: asymmetric ones only (RS256, ES256, ...), not {unsafe}"
            )
        if keys is None:
            keys = (
                _KeyUrl(settings.jwt_jwks_url)
                if settings.jwt_jwks_url
                else _KeyFile(settings.jwt_jwks_file)
            )
        self._keys = keys

    def for_authority(self, authority: AuthorityPolicy) -> "JwtIdentity":
        # The same key source: its cache survives a policy change.
        return JwtIdentity(self._settings, authority, self._keys)

    def actor_for(self, token: str) -> Actor | None:
        settings = self._settings
        try:
            claims = jwt.decode(
                token,
                self._keys.key_for(token).key,
                algorithms=self._algorithms,
                audience=settings.jwt_audience,
                issuer=settings.jwt_issuer,
                leeway=settings.jwt_leeway_seconds,
                options={"require": ["exp", "iss", "aud"]},
            )
            role = claim(claims, settings.jwt_role_claim)
            stores = claim(claims, settings.jwt_stores_claim)
            person = Person.model_validate(
                {
                    "user_id": claim(claims, settings.jwt_user_claim),
                    "name": claims.get("name") or "",
                    "role": role,
                    "level": claim(claims, settings.jwt_level_claim),
                    # Every store for these roles, whatever the provider lists for them.
                    "stores": [] if _every_store(role) else _as_list(stores),
                }
            )
        except jwt.PyJWTError as err:
            # Why, for whoever runs the identity provider; never the token itself.
            log.info("token_refused", reason=str(err))
            return None
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'claims'}: {e['msg']}" for e in err.errors()
            )
            log.info("token_refused", reason=f"claims: {problems}")
            return None
        return person.as_actor(self._authority)


def _every_store(role: Any) -> bool:
    return isinstance(role, str) and role in EVERY_STORE_ROLES


def _as_list(value: Any) -> Any:
    """A stores claim as a list: a provider may send a single store as a string."""
    if isinstance(value, str):
        return [value]
    return [] if value is None else value


def identity_from_settings(settings: Settings, authority: AuthorityPolicy) -> Identity:
    if settings.identity == "jwt":
        return JwtIdentity(settings, authority)
    return UserDirectory.from_file(settings.users_file, authority)

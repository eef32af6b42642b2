"""Who is calling: a bearer token resolved to an acting user, with the stores they work at.

The tokens are those of the users file (`USERS_FILE`, config/users.yaml); a deployment
replaces the demo file with its own. Authority limits come from the policy by level
unless an entry sets its own; senior management and engineers work at every store
(`EVERY_STORE_ROLES`).
"""

from decimal import Decimal
from pathlib import Path
from typing import Protocol

import yaml
from pydantic import BaseModel, Field, field_validator, model_validator

from domain.authority import EVERY_STORE_ROLES, Actor, AuthorityPolicy, Level, Role
from infra.settings import Settings

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

    def for_authority(self, authority: AuthorityPolicy) -> "UserDirectory":
        return UserDirectory(self._users, authority)


def identity_from_settings(settings: Settings, authority: AuthorityPolicy) -> Identity:
    return UserDirectory.from_file(settings.users_file, authority)

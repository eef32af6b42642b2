"""Who is calling: bearer tokens from the users file, resolved to an acting user.

A deployment replaces the demo users file (USERS_FILE) with its own; authority limits
come from the policy by level unless a user's entry sets its own.
"""

from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, model_validator

from domain.authority import Actor, AuthorityPolicy, Level, Role

_APPROVERS = {Role.MANAGER, Role.SENIOR}


class User(BaseModel):
    token: str = Field(min_length=8)
    user_id: str = Field(min_length=1)
    name: str
    role: Role
    level: Level | None = None
    authority_limit: Decimal | None = None

    @model_validator(mode="after")
    def _approvers_have_a_level(self) -> "User":
        if self.role in _APPROVERS and self.level is None:
            raise ValueError(f"user {self.user_id}: role {self.role} needs a level")
        return self

    def as_actor(self, authority: AuthorityPolicy) -> Actor:
        if "authority_limit" in self.model_fields_set:
            limit = self.authority_limit
        elif self.level is not None:
            limit = authority.limits[self.level]
        else:
            limit = Decimal("0")
        return Actor(user_id=self.user_id, role=self.role, level=self.level, authority_limit=limit)


class UsersFile(BaseModel):
    users: list[User]

    @model_validator(mode="after")
    def _unique(self) -> "UsersFile":
        tokens = [user.token for user in self.users]
        if len(set(tokens)) != len(tokens):
            raise ValueError("tokens must be unique")
        return self


class UserDirectory:
    def __init__(self, users: list[User], authority: AuthorityPolicy) -> None:
        self._by_token = {user.token: user.as_actor(authority) for user in users}

    @classmethod
    def from_file(cls, path: Path, authority: AuthorityPolicy) -> "UserDirectory":
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(UsersFile.model_validate(raw).users, authority)

    def actor_for(self, token: str) -> Actor | None:
        return self._by_token.get(token)

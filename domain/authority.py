"""Roles, the escalation chain and authority limits (DOMAIN sections 1 and 7)."""

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from domain.stores import store_key


class Role(StrEnum):
    STAFF = "staff"
    HANDLER = "handler"
    MANAGER = "manager"
    SENIOR = "senior"
    ENGINEER = "engineer"


class Level(StrEnum):
    """The chain a case escalates along, lowest first."""

    HANDLER = "handler"
    DUTY_MANAGER = "duty_manager"
    DEPARTMENT_MANAGER = "department_manager"
    SENIOR_MANAGEMENT = "senior_management"


CHAIN: tuple[Level, ...] = tuple(Level)


def next_level(level: Level) -> Level | None:
    index = CHAIN.index(level)
    return CHAIN[index + 1] if index + 1 < len(CHAIN) else None


def rank(level: Level) -> int:
    return CHAIN.index(level)


class AuthorityPolicy(BaseModel):
    """How much each level may approve; None means no limit."""

    limits: dict[Level, Decimal | None] = Field(
        default_factory=lambda: {
            Level.HANDLER: Decimal("0"),
            Level.DUTY_MANAGER: Decimal("200"),
            Level.DEPARTMENT_MANAGER: Decimal("5000"),
            Level.SENIOR_MANAGEMENT: None,
        }
    )

    @model_validator(mode="after")
    def _every_level_and_top_unlimited(self) -> "AuthorityPolicy":
        missing = [level for level in CHAIN if level not in self.limits]
        if missing:
            raise ValueError(f"authority limits missing for {', '.join(missing)}")
        if self.limits[CHAIN[-1]] is not None:
            raise ValueError("the top of the chain must have no limit, or a request could stall")
        return self

    def covers(self, level: Level, amount: Decimal) -> bool:
        limit = self.limits[level]
        return limit is None or amount <= limit

    def approver_for(self, amount: Decimal, above: Level = Level.HANDLER) -> Level:
        """The lowest level above `above` whose limit covers the amount."""
        for level in CHAIN[rank(above) + 1 :]:
            if self.covers(level, amount):
                return level
        return CHAIN[-1]


# Senior management (the general manager's office) answers for every store, and engineers
# unstick cases wherever they are (customer personal data stays hidden from them all the
# same: PERSONAL_DATA_ROLES). Everyone else works at the stores they are given.
EVERY_STORE_ROLES = frozenset({Role.SENIOR, Role.ENGINEER})


class Actor(BaseModel):
    """Who is acting; resolved by the API from the bearer token."""

    user_id: str = Field(min_length=1, max_length=100)
    role: Role
    level: Level | None = None
    authority_limit: Decimal | None = None
    # The stores whose cases the user may see and act on; None: every store. Only the API's
    # access checks read it. Excluded from serialisation, so it never reaches a workflow's
    # history or decisions, and inputs written before it existed load as they are. The
    # default is no store at all: an actor nobody scoped sees nothing.
    stores: tuple[str, ...] | None = Field(default=(), exclude=True)

    def may_approve(self, amount: Decimal) -> bool:
        return self.authority_limit is None or amount <= self.authority_limit

    def works_at(self, store: str) -> bool:
        """Store names match as the policy matches them: case and spacing aside."""
        if self.stores is None:
            return True
        return store_key(store) in {store_key(name) for name in self.stores}

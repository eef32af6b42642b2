"""The console's navigation: one registry, so a page added later (notifications, evidence,
new desk commands) is one `add` call: its path, its label and who sees it."""

from collections.abc import Callable
from dataclasses import dataclass

from api.console.i18n import N_
from domain.authority import Actor, Role
from domain.lifecycle import ALLOWED_ROLES, REGISTER_ROLES, Command
from domain.reports import READ_ROLES


@dataclass(frozen=True)
class NavItem:
    key: str
    href: str
    label: str  # an English message id
    shown_to: Callable[[Actor], bool] = lambda actor: True
    count: str | None = None  # the name of a count the page context fills (my_work)


NAV: list[NavItem] = []


def add(item: NavItem) -> None:
    """Adds (or replaces, by key) a navigation entry, in the order added."""
    for i, existing in enumerate(NAV):
        if existing.key == item.key:
            NAV[i] = item
            return
    NAV.append(item)


def items_for(actor: Actor) -> list[NavItem]:
    return [item for item in NAV if item.shown_to(actor)]


def _roles(roles: frozenset[Role]) -> Callable[[Actor], bool]:
    """Who sees an entry is who the API lets use it (the same role sets)."""
    return lambda actor: actor.role in roles


# Where the stuck list's roles live (the API's route); imported late: it pulls in routes.
def _repairers(actor: Actor) -> bool:
    from api.routes.stuck import REPAIR_ROLES

    return actor.role in REPAIR_ROLES


add(NavItem("my_work", "/console/", N_("My work"), count="my_work"))
add(
    NavItem(
        "register_complaint",
        "/console/cases/new",
        N_("Register a complaint"),
        _roles(REGISTER_ROLES),
    )
)
add(
    NavItem(
        "approvals",
        "/console/approvals",
        N_("Approvals"),
        _roles(ALLOWED_ROLES[Command.DECIDE_APPROVAL]),
        count="approvals",
    )
)
add(NavItem("register", "/console/register", N_("Register")))
add(NavItem("reports", "/console/reports", N_("Reports"), _roles(READ_ROLES)))
add(NavItem("stuck", "/console/stuck", N_("Stuck cases"), _repairers))

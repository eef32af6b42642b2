"""A case's page is a list of panels, each a template under templates/panels/ that reads
the page's context (case, status, events, actor, fmt). A capability that shows on the case
page (evidence, notifications) adds a panel here; `shown_to` says who sees it."""

from collections.abc import Callable
from dataclasses import dataclass

from domain.authority import Actor
from domain.lifecycle import PERSONAL_DATA_ROLES


@dataclass(frozen=True)
class Panel:
    key: str
    template: str
    shown_to: Callable[[Actor], bool] = lambda actor: True


PANELS: list[Panel] = []


def add(panel: Panel) -> None:
    """Adds (or replaces, by key) a panel, in the order added."""
    for i, existing in enumerate(PANELS):
        if existing.key == panel.key:
            PANELS[i] = panel
            return
    PANELS.append(panel)


def panels_for(actor: Actor) -> list[Panel]:
    return [panel for panel in PANELS if panel.shown_to(actor)]


add(Panel("actions", "panels/actions.html"))
add(Panel("summary", "panels/summary.html"))
# Customer name and contact: the API's personal-data roles only (DOMAIN section 8).
add(Panel("customer", "panels/customer.html", lambda actor: actor.role in PERSONAL_DATA_ROLES))
add(Panel("deadlines", "panels/deadlines.html"))
add(Panel("proposals", "panels/proposals.html"))
add(Panel("processes", "panels/processes.html"))
# Issue 16: legal documents, the lawsuit, the regulator's inquiry (api/console/legal.py).
add(Panel("legal", "panels/legal.html"))
add(Panel("timeline", "panels/timeline.html"))

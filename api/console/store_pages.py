"""The printable QR code of each store's complaint page (docs/customer-page.md): one card a
store, the code (segno, as SVG) and the address under it, for the desk to print and put
up. Shown for the stores the user works at; the codes link to PUBLIC_BASE_URL."""

import io

import segno
from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from api.console.i18n import N_
from api.console.nav import NavItem, add
from api.console.web import page_for, render
from api.deps import Resources
from api.public.complain import slug
from domain.authority import Role

router = APIRouter(prefix="/console", include_in_schema=False)

# Who prints the codes: the desk and the managers (not engineers).
PRINT_ROLES = frozenset({Role.STAFF, Role.HANDLER, Role.MANAGER, Role.SENIOR})

add(
    NavItem(
        "store_codes",
        "/console/stores/codes",
        N_("Complaint page codes"),
        lambda actor: actor.role in PRINT_ROLES,
    )
)


def page_url(resources: Resources, store: str) -> str:
    return f"{resources.settings.public_base_url.rstrip('/')}/c/{slug(store)}"


def qr_svg(url: str) -> Markup:
    """The code as inline SVG: segno writes it; nothing in it comes from a user (the URL is
    the deployment's base and the policy's store name, slugged)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False, svgns=True)
    return Markup(out.getvalue().decode())


@router.get("/stores/codes")
async def store_codes(request: Request) -> Response:
    page = await page_for(request)
    if page.actor.role not in PRINT_ROLES:
        return render(page, "error.html", 403, message=page._("Your role may not print codes."))
    resources: Resources = request.app.state.resources
    stores = [name for name in resources.policy.stores if page.actor.works_at(name)]
    cards = [
        {
            "store": store,
            "url": page_url(resources, store),
            "svg": qr_svg(page_url(resources, store)),
        }
        for store in stores
    ]
    return render(page, "store_codes.html", active="store_codes", cards=cards)

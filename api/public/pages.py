"""What the customer's pages share (docs/customer-page.md): their language (Simplified
Chinese by default, English), their Babel catalogue (locale/<lang>/LC_MESSAGES/public.po,
the English text as message id, as the console's), rendering with autoescape, the headers
a public page carries, and the client's address for the rate limits."""

import gettext
import io
import secrets
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from domain.contact import CustomerLanguage

LOCALE_DIR = Path(__file__).parent / "locale"
TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = {"zh": CustomerLanguage.ZH, "en": CustomerLanguage.EN}


@cache
def catalogue(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "public.po").open("rb") as po:
        return read_po(po, locale=lang, domain="public")


@cache
def translations(language: CustomerLanguage) -> gettext.NullTranslations:
    """Chinese from its catalogue; English is the message ids themselves."""
    if language is CustomerLanguage.EN:
        return gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, catalogue("zh_Hans"))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def environment(language: CustomerLanguage) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)
    return env


def language_of(lang: str | None) -> CustomerLanguage:
    return LANGUAGES.get(lang or "", CustomerLanguage.ZH)


def gettext_for(language: CustomerLanguage):
    return translations(language).gettext


def render(
    template: str,
    language: CustomerLanguage,
    status: int = 200,
    *,
    script: str | None = None,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page; `script` is the one inline script a page may run (the proof of work), allowed
    by a nonce of this response only."""
    nonce = secrets.token_urlsafe(16)
    script_src = f"'nonce-{nonce}'" if script else "'none'"
    html = (
        environment(language)
        .get_template(template)
        .render(language=language.value, script=script, nonce=nonce, **context)
    )
    return HTMLResponse(
        html,
        status_code=status,
        headers={
            # A tracking link is a credential: never cached, never sent on as a referrer.
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "DENY",
            "Content-Security-Policy": (
                "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:;"
                f" script-src {script_src}; form-action 'self'; frame-ancestors 'none';"
                " base-uri 'none'"
            ),
            **(headers or {}),
        },
    )


def client_address(request: Request) -> str:
    """The peer uvicorn reports: behind the load balancer, run uvicorn with
    --proxy-headers and --forwarded-allow-ips so it is the customer's, not the proxy's."""
    return request.client.host if request.client else "unknown"

"""The console's languages: Babel catalogues (locale/<lang>/LC_MESSAGES/console.po, the
English text as message id), compiled when this module is imported, and Babel's formats
for dates, times, spans and CNY amounts.

Simplified Chinese is the default; a user's choice (session, cookie) comes first, then
the browser's Accept-Language.
"""

import gettext
import io
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("zh_Hans", "en")
DEFAULT = "zh_Hans"
DOMAIN = "console"


def N_(message: str) -> str:
    """Marks a message for the catalogue where it is defined; translated where shown."""
    return message


@cache
def catalogue(lang: str):
    with (LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as po:
        return read_po(po, locale=lang, domain=DOMAIN)


@cache
def translations(lang: str) -> gettext.GNUTranslations:
    """The catalogue compiled in memory: no .mo files to keep in step."""
    buffer = io.BytesIO()
    write_mo(buffer, catalogue(lang))
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def negotiate(accept_language: str | None) -> str:
    """The first language of Accept-Language we have (zh-CN, zh-Hans, zh → zh_Hans)."""
    tags: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            tags.append((-quality, position, tag.lower()))
    for _, _, tag in sorted(tags):
        if tag.startswith("zh"):
            return "zh_Hans"
        if tag.startswith("en"):
            return "en"
    return DEFAULT


def chosen(lang: str | None) -> str | None:
    return lang if lang in LANGUAGES else None


class Formats:
    """Formatting for one language; times in a store's time zone (or the company's)."""

    def __init__(self, lang: str, company_zone: str) -> None:
        self.lang = lang
        self.locale = Locale.parse(lang)
        self.company_zone = company_zone
        self._ = translations(lang).gettext

    def when(self, moment: datetime | str | None, zone: str | None = None) -> str:
        if moment is None or moment == "":
            return ""
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        return format_datetime(
            moment, "short", tzinfo=ZoneInfo(zone or self.company_zone), locale=self.locale
        )

    def relative(self, moment: datetime | str | None, now: datetime) -> str:
        """ "in 3 hours" / "2 hours overdue"."""
        if moment is None or moment == "":
            return ""
        if isinstance(moment, str):
            moment = datetime.fromisoformat(moment)
        span = format_timedelta(moment - now, threshold=1.5, format="short", locale=self.locale)
        if moment >= now:
            return self._("in %(span)s") % {"span": span}
        return self._("%(span)s overdue") % {"span": span}

    def money(self, amount: Decimal | str | int | None) -> str:
        if amount is None or amount == "":
            return ""
        return format_currency(Decimal(str(amount)), "CNY", locale=self.locale)

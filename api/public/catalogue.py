"""The customer pages' catalogue kept in step with their code:

    python -m api.public.catalogue

extracts every message (`_()` in the customer pages' templates and modules, and the
category labels) and merges them into locale/zh_Hans/LC_MESSAGES/public.po: new messages
are added empty (to be translated), unused ones dropped. English needs no catalogue: the
message ids are the English text. tests/api/test_customer_page_texts.py fails while any
message has no Chinese.
"""

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import write_po

from api.public.pages import LOCALE_DIR, catalogue

PACKAGE = Path(__file__).parent
TEMPLATES = ["complain.html", "received.html", "track.html", "customer_base.html"]
MODULES = ["complain.py", "tracking.py", "uploads.py"]
KEYWORDS = {"_": None, "gettext": None}
OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}


def used_messages() -> set[str]:
    from api.public.complain import CATEGORIES
    from api.public.uploads import PROBLEMS

    found: set[str] = {label for _, label in CATEGORIES} | set(PROBLEMS)
    found |= {
        "No, I will look at the tracking link",
        "Yes, by text message",
        "Yes, by email",
    }
    for name in TEMPLATES:
        for _, message, _, _ in extract_from_file(
            "jinja2.ext:babel_extract", PACKAGE / "templates" / name, KEYWORDS, options=OPTIONS
        ):
            if isinstance(message, str) and message:
                found.add(message)
    for name in MODULES:
        for _, message, _, _ in extract_from_file("python", PACKAGE / name, KEYWORDS):
            if isinstance(message, str) and message:
                found.add(message)
    return found


def main() -> int:
    path = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "public.po"
    old = catalogue("zh_Hans") if path.exists() else Catalog(locale="zh_Hans", domain="public")
    new = Catalog(locale="zh_Hans", domain="public", project="Complaint Desk customer pages")
    missing = []
    for message in sorted(used_messages()):
        known = old.get(message)
        new.add(message, known.string if known else "")
        if not (known and known.string):
            missing.append(message)
    with path.open("wb") as out:
        write_po(out, new, width=100, omit_header=False)
    for message in missing:
        print(f"zh_Hans: no translation for {message!r}")  # noqa: T201
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

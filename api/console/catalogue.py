"""The console's message catalogues kept in step with its code:

    python -m api.console.catalogue

extracts every message (`_()` and `N_()` in api/console/*.py, `_()` in its templates, and
the tables of api/console/labels.py) and merges them into locale/<lang>/LC_MESSAGES/
console.po: new messages are added (English: the message id itself; Chinese: empty, to be
translated), messages nobody uses any more are dropped. It lists what has no translation;
tests/console/test_catalogues.py fails while anything does.
"""

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import write_po

from api.console.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, catalogue

PACKAGE = Path(__file__).parent
METHODS = [("*.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n", "trim_blocks": "true"}}
KEYWORDS = {"_": None, "N_": None, "gettext": None}


def used_messages() -> set[str]:
    from api.console.labels import dynamic_messages

    found = {
        message
        for _, _, message, _, _ in (
            (f, ln, m, c, ctx)
            for f, ln, m, c, ctx in extract_from_dir(
                PACKAGE, METHODS, OPTIONS, keywords=KEYWORDS, strip_comment_tags=True
            )
        )
        if isinstance(message, str) and message
    }
    return found | dynamic_messages()


def merge() -> dict[str, list[str]]:
    used = used_messages()
    missing: dict[str, list[str]] = {}
    for lang in LANGUAGES:
        old = catalogue(lang)
        new = Catalog(locale=lang, domain=DOMAIN, project="Complaint Desk console")
        for msgid in sorted(used):
            existing = old.get(msgid)
            text = existing.string if existing is not None else ""
            if not text and lang == "en":
                text = msgid
            new.add(msgid, text)
            if not text:
                missing.setdefault(lang, []).append(msgid)
        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
        with path.open("wb") as po:
            write_po(po, new, omit_header=False, sort_output=True, width=100)
    return missing


if __name__ == "__main__":
    missing = merge()
    for lang, ids in missing.items():
        sys.stderr.write(f"{lang}: {len(ids)} without translation\n")
        for msgid in ids:
            sys.stderr.write(f"  {msgid}\n")
    sys.exit(1 if missing else 0)

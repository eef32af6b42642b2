"""The customer pages' words: every message has its Chinese, the Chinese is Chinese, and
their templates hold no text outside the catalogue (as the console's)."""

import re

from api.public import pages
from api.public.catalogue import TEMPLATES, used_messages
from domain.contact import CustomerLanguage
from domain.customer_page import PlainStage
from tests.console.test_catalogues import JINJA, LETTERS, READ_ATTRIBUTES, TAG

HAN = re.compile(r"[\u3400-\u9fff]")


def test_every_message_has_its_chinese() -> None:
    catalogue = pages.catalogue("zh_Hans")
    missing = [
        m for m in sorted(used_messages()) if not (catalogue.get(m) and catalogue.get(m).string)
    ]
    assert not missing, f"no Chinese for {missing} (python -m api.public.catalogue)"
    not_chinese = [m.id for m in catalogue if m.id and m.string and not HAN.search(m.string)]
    assert not not_chinese


def test_the_templates_hold_no_text_outside_the_catalogue() -> None:
    offending = []
    for name in [*TEMPLATES, "customer_message.html"]:
        source = JINJA.sub("§", (pages.TEMPLATES / name).read_text(encoding="utf-8"))
        offending += [
            f"{name}: {n}={t!r}" for n, t in READ_ATTRIBUTES.findall(source) if LETTERS.search(t)
        ]
        for words in TAG.sub(
            "\n", source.split("<style>")[0] + source.split("</style>")[-1]
        ).splitlines():
            if LETTERS.search(words):
                offending.append(f"{name}: {words.strip()[:60]!r}")
    assert not offending, offending


def test_every_plain_stage_has_words_in_both_languages() -> None:
    track = (pages.TEMPLATES / "track.html").read_text(encoding="utf-8")
    for stage in PlainStage:
        assert f'"{stage.value}": _(' in track
    zh = pages.gettext_for(CustomerLanguage.ZH)
    assert zh("We are looking into your complaint.") == "我们正在调查核实您的投诉。"
    assert pages.gettext_for(CustomerLanguage.EN)("Send") == "Send"

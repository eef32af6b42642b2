"""The console's words: every message it can show has a translation in Chinese and in
English, its templates hold no text outside the catalogues, and every value of the enums
it labels has its label."""

import re
from pathlib import Path

import pytest

from api.console import i18n
from api.console.catalogue import used_messages
from api.console.labels import LABELS
from api.console.web import TEMPLATES

LETTERS = re.compile(r"[A-Za-z\u3400-\u9fff]")
TAG = re.compile(r"<[^>]*>", re.S)
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
# Attributes people read (screen readers, tooltips, placeholders).
READ_ATTRIBUTES = re.compile(r'\b(title|aria-label|placeholder|alt)="([^"]*)"')


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_message_has_a_translation(lang: str) -> None:
    catalogue = i18n.catalogue(lang)
    missing = [
        m for m in sorted(used_messages()) if not (catalogue.get(m) and catalogue.get(m).string)
    ]
    assert not missing, f"{lang}: no translation for {missing} (python -m api.console.catalogue)"


def test_the_chinese_catalogue_is_chinese() -> None:
    catalogue = i18n.catalogue("zh_Hans")
    untranslated = [
        m.id
        for m in catalogue
        if m.id and m.string == m.id and LETTERS.search(m.id) and m.id != "Temporal"
    ]
    assert not untranslated


def test_templates_hold_no_text_outside_the_catalogues() -> None:
    """What is left of a template without its Jinja parts ({{ _("...") }} included) and
    its tags has no words; nor do the attributes people read."""
    offending: list[str] = []
    for path in sorted(Path(TEMPLATES).rglob("*.html")):
        source = JINJA.sub("§", path.read_text(encoding="utf-8"))
        for name, text in READ_ATTRIBUTES.findall(source):
            if LETTERS.search(text):
                offending.append(f"{path.name}: {name}={text!r}")
        for words in TAG.sub("\n", source).splitlines():
            if LETTERS.search(words):
                offending.append(f"{path.name}: {words.strip()[:60]!r}")
    assert not offending, offending


def test_the_template_check_finds_literal_text() -> None:
    source = JINJA.sub("§", '<p title="Hi">{{ _("Fine") }} Oops <b>{{ x }}</b></p>')
    assert READ_ATTRIBUTES.findall(source) == [("title", "Hi")]
    assert [w for w in TAG.sub("\n", source).splitlines() if LETTERS.search(w)] == ["§ Oops "]


@pytest.mark.parametrize("kind", list(LABELS), ids=lambda kind: kind.__name__)
def test_every_value_has_a_label(kind) -> None:
    assert set(LABELS[kind]) == {member.value for member in kind}


def test_accept_language_picks_a_language_we_have() -> None:
    assert i18n.negotiate("en-GB,en;q=0.9,zh;q=0.8") == "en"
    assert i18n.negotiate("zh-CN,zh;q=0.9,en;q=0.8") == "zh_Hans"
    assert i18n.negotiate("fr-FR,en;q=0.5") == "en"
    assert i18n.negotiate("de;q=1,zh-TW;q=0.7") == "zh_Hans"
    assert i18n.negotiate(None) == "zh_Hans"
    assert i18n.negotiate("en;q=0, fr") == "zh_Hans"


def test_times_are_the_stores_and_amounts_cny_with_two_decimals() -> None:
    from datetime import UTC, datetime

    zh = i18n.Formats("zh_Hans", "Asia/Shanghai")
    en = i18n.Formats("en", "Asia/Shanghai")
    moment = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)
    assert "14:00" in zh.when(moment)
    assert "06:00" in zh.when(moment, "Europe/London") or "6:00" in zh.when(moment, "Europe/London")
    assert zh.money("800") == "¥800.00"
    assert en.money("1234.5") == "CN¥1,234.50"
    later = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
    assert en.relative(later, moment) == "in 3 hr"
    assert en.relative(moment, later) == "3 hr overdue"
    assert zh.relative(moment, later) == "已逾期 3小时"

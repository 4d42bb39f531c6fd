"""The portal says one thing with one word: the catalogs, the questionnaires and the surveys against docs/glossary.toml.

The glossary itself agrees with the word list in docs/domain.md. A text whose English names a concept must not use
a variant the glossary rules out, and, for a concept marked `required`, must use the term (in any case).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = tomllib.loads((ROOT / "docs" / "glossary.toml").read_text(encoding="utf-8"))["term"]
LANGUAGES = ("lv", "ru")
DEFINITIONS = [*sorted((ROOT / "portal" / "assessment" / "questionnaires").glob("*.toml")),
               *sorted((ROOT / "portal" / "surveys" / "definitions").glob("*.toml"))]


def _stems(term: dict[str, Any], key: str) -> list[re.Pattern[str]]:
    return [re.compile(stem, re.IGNORECASE) for stem in term.get(key, [])]


def catalog_texts() -> Iterator[tuple[str, dict[str, str]]]:
    """(where, {"en": ..., "lv": ..., "ru": ...}) for every message of the catalogs, every plural form."""
    catalogs = {}
    for lang in LANGUAGES:
        with (ROOT / "portal" / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
            catalogs[lang] = read_po(po, locale=lang)
    for message in catalogs["lv"]:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, str) else " / ".join(message.id)
        russian = catalogs["ru"].get(message.id)
        forms = {"lv": message.string, "ru": russian.string if russian else ""}
        yield f"catalog: {source}", {"en": source, **{lang: " / ".join(s) if isinstance(s, tuple) else s
                                                       for lang, s in forms.items()}}


def definition_texts() -> Iterator[tuple[str, dict[str, str]]]:
    """Every text of the questionnaires and surveys: each table with an en, an lv and a ru string."""
    def walk(node: Any, where: str) -> Iterator[tuple[str, dict[str, str]]]:
        if isinstance(node, dict):
            if all(isinstance(node.get(lang), str) for lang in ("en", *LANGUAGES)):
                yield where, {lang: node[lang] for lang in ("en", *LANGUAGES)}
            for key, value in node.items():
                yield from walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                yield from walk(value, f"{where}[{index}]")

    for path in DEFINITIONS:
        yield from walk(tomllib.loads(path.read_text(encoding="utf-8")), path.name)


def all_texts() -> list[tuple[str, dict[str, str]]]:
    return [*catalog_texts(), *definition_texts()]


def domain_words() -> list[tuple[str, str, str]]:
    """The rows of docs/domain.md's "People and words" table: (English, Latvian, Russian)."""
    text = (ROOT / "docs" / "domain.md").read_text(encoding="utf-8")
    table = text.split("## People and words", 1)[1].split("\n## ", 1)[0]
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")]
            for line in table.splitlines() if line.startswith("|")]
    return [(en, lv, ru) for en, lv, ru in rows[2:]]


def test_the_glossary_agrees_with_the_domain_word_list() -> None:
    by_english = {term["en"]: term for term in GLOSSARY}
    rows = domain_words()
    assert len(rows) >= 13
    for en, lv, ru in rows:
        assert en in by_english, f"docs/domain.md names {en!r}; the glossary has no such term"
        assert (by_english[en]["lv"], by_english[en]["ru"]) == (lv, ru), f"{en}: the glossary and docs/domain.md differ"


@pytest.mark.parametrize("term", GLOSSARY, ids=[term["id"] for term in GLOSSARY])
def test_each_term_is_recognised_by_its_own_patterns_and_avoids_none_of_them(term: dict[str, Any]) -> None:
    assert re.search(term["en_match"], term["en"])
    for lang in LANGUAGES:
        official = [term[lang], *([term[f"abbreviation_{lang}"]] if f"abbreviation_{lang}" in term else [])]
        for word in official:
            assert any(stem.search(word) for stem in _stems(term, f"{lang}_match")), f"{term['id']}: {word}"
            ruled_out = _stems(term, f"avoid_{lang}") + _stems(term, f"avoid_everywhere_{lang}")
            assert not any(stem.search(word) for stem in ruled_out), f"{term['id']}: {word} is ruled out by itself"


def test_the_texts_are_read() -> None:
    texts = all_texts()
    assert sum(1 for where, _ in texts if where.startswith("catalog:")) > 500
    assert {where.split(".", 1)[0] for where, _ in texts if not where.startswith("catalog:")} == {
        path.stem for path in DEFINITIONS}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_text_uses_a_variant_the_glossary_rules_out(lang: str) -> None:
    found = []
    for where, text in all_texts():
        for term in GLOSSARY:
            ruled_out = _stems(term, f"avoid_everywhere_{lang}")
            if re.search(term["en_match"], text["en"]):
                ruled_out += _stems(term, f"avoid_{lang}")
            found += [f"{where} → {text[lang]} ({term['id']}: not {stem.pattern!r})"
                      for stem in ruled_out if stem.search(text[lang])]
    assert found == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_text_that_names_a_concept_uses_its_term(lang: str) -> None:
    found = []
    for where, text in all_texts():
        if not text[lang]:
            continue  # untranslated: tests/test_catalogs.py reports it
        for term in GLOSSARY:
            names_it = term.get("required") and re.search(term["en_match"], text["en"])
            if names_it and not any(stem.search(text[lang]) for stem in _stems(term, f"{lang}_match")):
                found.append(f"{where} → {text[lang]} ({term['id']}: {term[lang]!r})")
    assert found == []


def test_a_slip_is_found() -> None:
    """The checks above can fail: the drift this glossary was written against is caught."""
    monthly, overview, commission = (next(t for t in GLOSSARY if t["id"] == key)
                                      for key in ("monthly_report", "overview", "medical_commission"))
    assert any(stem.search("Atpakaļ uz jūsu pārskatu") for stem in _stems(overview, "avoid_lv"))
    assert any(stem.search("Заключение VDEĀVK") for stem in _stems(commission, "avoid_everywhere_ru"))
    assert not any(stem.search("Kopsavilkums") for stem in _stems(monthly, "lv_match"))

"""The lv, ru and en catalogs: complete, not fuzzy, current with the source, correct plurals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "portal" / "locales"
PLURALS = {
    "lv": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n != 0 ? 1 : 2);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "en": "nplurals=2; plural=(n != 1);",
}


def extract(tmp_path: Path) -> Path:
    template = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
         "-o", str(template), "--no-location", "--omit-header", "-k", "lazy_gettext", "-k", "_l", "portal"],
        check=True, capture_output=True, cwd=ROOT,
    )
    return template


@pytest.mark.parametrize("locale", list(PLURALS))
def test_every_message_is_translated_and_none_is_fuzzy(locale: str) -> None:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    missing = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert missing == [], f"untranslated in {locale}"
    assert fuzzy == [], f"fuzzy in {locale}"
    assert catalog.plural_forms == PLURALS[locale]


@pytest.mark.parametrize("locale", list(PLURALS))
def test_every_translation_keeps_the_placeholders_of_its_source(locale: str) -> None:
    """A dropped or renamed %(name)s would fail where the message is shown (Babel's python-format check)."""
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    problems = [(str(message.id), [str(error) for error in errors]) for message, errors in catalog.check()]
    assert problems == []


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory: pytest.TempPathFactory) -> set[object]:
    """The messages the source holds, extracted once for the three catalogs (an extraction is about 4 s)."""
    with extract(tmp_path_factory.mktemp("extracted")).open("rb") as pot:
        return {m.id for m in read_po(pot) if m.id}


@pytest.mark.parametrize("locale", list(PLURALS))
def test_catalogs_are_current_with_the_source(locale: str, source_ids: set[object]) -> None:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog_ids = {m.id for m in read_po(po, locale=locale) if m.id}
    assert sorted(map(str, source_ids - catalog_ids)) == [], "messages in the source but not in the catalog: run `make catalogs`"
    assert sorted(map(str, catalog_ids - source_ids)) == [], "messages in the catalog no longer in the source: run `make catalogs`"


def test_the_build_compiles_the_catalogs_into_the_package(tmp_path: Path) -> None:
    """`pip install .` ships .mo files although none are committed."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    assert built.returncode == 0, built.stderr
    import zipfile

    [wheel] = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for locale in PLURALS:
        assert f"portal/locales/{locale}/LC_MESSAGES/messages.mo" in names
    assert "portal/templates/base.html" in names
    assert "portal/static/js/htmx.min.js" in names
    assert "portal/migrations/versions/0001_foundation.py" in names
    # The definitions are data the portal loads at start-up: a wheel without them cannot serve a survey.
    for folder in ("portal/surveys/definitions", "portal/assessment/questionnaires"):
        for source in (ROOT / folder).glob("*.toml"):
            assert f"{folder}/{source.name}" in names, f"{folder}/{source.name} is not in the wheel"


def test_a_new_message_gets_its_english_from_the_source_and_written_english_stays(tmp_path: Path) -> None:
    """`make catalogs` fills the en catalog's new messages (portal/english_catalog.py); nothing written is replaced."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    from portal.english_catalog import fill

    catalog = Catalog(locale="en")
    catalog.add("Case taken to handle", "Case taken on")
    catalog.add("New message")
    catalog.add(("%(num)s new file", "%(num)s new files"), ("", ""), flags={"python-format"})
    path = tmp_path / "messages.po"
    with path.open("wb") as po:
        write_po(po, catalog)
    assert fill(path) == ["New message", "%(num)s new file"]
    with path.open("rb") as po:
        filled = read_po(po, locale="en")
    assert filled["Case taken to handle"].string == "Case taken on"
    assert filled["New message"].string == "New message"
    assert tuple(filled["%(num)s new file"].string) == ("%(num)s new file", "%(num)s new files")
    assert fill(path) == []

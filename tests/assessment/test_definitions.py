"""Every questionnaire definition shipped loads and keeps the rules; broken ones are refused by name."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from typing import Any

import pytest

from portal.assessment.definitions import QUESTIONNAIRES_DIR, DefinitionError, all_definitions, current, parse
from portal.translated import LANGUAGES

SHIPPED = sorted(QUESTIONNAIRES_DIR.glob("*.toml"))


def raw(name: str = "adults-2021.toml") -> dict[str, Any]:
    with (QUESTIONNAIRES_DIR / name).open("rb") as file:
        return tomllib.load(file)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_definition_loads_with_every_text_in_both_languages(path: Any) -> None:
    with path.open("rb") as file:
        definition = parse(tomllib.load(file), path.name)
    texts = [definition.title, *(s.title for s in definition.sections), *(q.text for q in definition.questions()),
             *(q.help for q in definition.questions() if q.help), *(lvl.text for lvl in definition.levels),
             *(lvl.help for lvl in definition.levels), *(p.text for p in definition.purposes), *(i.text for i in definition.intensities)]
    for text in texts:
        for language in LANGUAGES:
            assert text.by_language[language].strip()
        assert text("lv") != text("ru"), f"the same text in both languages: {text('lv')!r}"
    assert definition.regulation and isinstance(definition.effective_from, date)


def test_the_adults_questionnaire_asks_what_the_domain_guide_names() -> None:
    adults = all_definitions()["adults-2021"]
    questions = {q.id for q in adults.questions()}
    for expected in ("stairs", "distances", "public_transport", "orientation", "dressing", "eating", "hygiene", "toilet",
                     "understanding", "expressing", "reading_writing", "planning", "safety", "purposes"):
        assert expected in questions
    assert [level.value for level in adults.levels] == ["independent", "supervision", "some_help", "full_help"]
    assert {p.value: p.base_minutes // 60 for p in adults.purposes} == {
        "work_study_sport": 80, "school": 60, "board": 60, "volunteering": 40, "day_centre": 50, "dialysis_chemotherapy": 40, "other": 15,
    }
    assert [i.coefficient for i in adults.intensities] == [1, 2]
    assert adults.combine_rule == "largest" and adults.cap_minutes == 160 * 60
    assert current("adults", date(2026, 11, 23)) is adults
    with pytest.raises(LookupError):
        current("adults", date(2021, 6, 30))  # before Regulation 316 took effect


def broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(raw())
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["sections"][1]["questions"].append(dict(d["sections"][1]["questions"][0])), "question 'stairs' appears twice"),
        (lambda d: d["sections"][0]["questions"][0]["text"].pop("ru"), "question moving_indoors: text has no text in ru"),
        (lambda d: d["sections"][0].pop("title"), "section mobility_home: no title"),
        (lambda d: d["intensity"][1].update(min_points=999), "intensity higher needs 999 points"),
        (lambda d: d["intensity"][1].update(coefficient=0), "a higher intensity must never have a smaller coefficient"),
        (lambda d: d["sections"][0]["questions"][0].update(kind="slider"), "unknown kind 'slider'"),
        (lambda d: d["combine"].update(rule="average"), "combine rule 'average'"),
        (lambda d: d["combine"].update(cap_minutes=60), "the cap is below a purpose's base hours"),
        (lambda d: d["scale"].update(comment_required_from=9), "comment_required_from is above every level"),
        (lambda d: d["purposes"][0].update(base_minutes=0), "purpose work_study_sport: base hours must be positive"),
        (lambda d: d.pop("regulation"), "missing or malformed 'regulation'"),
    ],
)
def test_a_broken_definition_is_refused_with_the_reason(change: Any, problem: str) -> None:
    with pytest.raises(DefinitionError) as refused:
        parse(broken(change), "broken.toml")
    assert problem in str(refused.value)
    assert str(refused.value).startswith("broken.toml: ")


def _texts_of(data: dict[str, Any], where: str = "") -> list[tuple[str, str, dict[str, Any]]]:
    """Every (where, key, table) that holds a text: title, introduction, text, help, unit."""
    found = []
    for key in ("title", "introduction", "text", "help", "unit"):
        if isinstance(data.get(key), dict):
            found.append((where, key, data))
    for key, value in data.items():
        if isinstance(value, dict) and key not in ("title", "introduction", "text", "help", "unit") and not key.endswith("_other"):
            found += _texts_of(value, f"{where}.{key}")
        elif isinstance(value, list):
            found += [t for i, item in enumerate(value) if isinstance(item, dict) for t in _texts_of(item, f"{where}.{key}[{i}]")]
    return found


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_text_that_says_you_has_a_version_about_the_person_by_name(path: Any) -> None:
    """A representative answers about the person by name ("Can {name} ..."), never about "you"."""
    import re

    with path.open("rb") as file:
        data = tomllib.load(file)
    missing = [f"{where}.{key}" for where, key, table in _texts_of(data)
               if re.search(r"\b(you|your|yourself)\b", table[key].get("en", ""), re.IGNORECASE) and f"{key}_other" not in table]
    assert missing == []
    definition = parse(data, path.name)
    for question in definition.questions():
        if question.text.other:
            assert "Anna Bērziņa" in question.text("lv", "Anna Bērziņa") and "Anna Bērziņa" in question.text("ru", "Anna Bērziņa")
            assert "{name}" not in question.text("ru", "Anna Bērziņa")


def test_the_childrens_checklist_is_not_scored() -> None:
    children = all_definitions()["children-2021"]
    assert not children.scored and not children.purposes and not children.intensities
    assert {q.kind for q in children.questions()} >= {"choices", "yes_no", "number", "text"}
    assert children.introduction is not None and "VDEĀVK" in children.introduction("lv")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["sections"][0]["questions"][0].update(kind="choice"), "question moving_indoors: a choice needs at least two options"),
        (lambda d: d["sections"][0]["questions"][0].update(kind="number"),
         "question moving_indoors: a number needs 0 <= min <= max <= 2147483647 (an INTEGER column)"),
        (lambda d: d["sections"][0]["questions"][0].update(kind="number", min=0, max=2**31),
         "question moving_indoors: a number needs 0 <= min <= max <= 2147483647 (an INTEGER column)"),
        (lambda d: d["sections"][0]["questions"][0].update(text_other={"en": "x", "lv": "x", "ru": "x"}),
         "text_other has no {name}"),
        (lambda d: d.update(scored=False), "cannot ask for ratings or purposes"),
        (lambda d: d["sections"][0].update(questions=[]), "every section needs at least one question"),
    ],
)
def test_a_broken_question_is_refused_with_the_reason(change: Any, problem: str) -> None:
    with pytest.raises(DefinitionError) as refused:
        parse(broken(change), "broken.toml")
    assert problem in str(refused.value)

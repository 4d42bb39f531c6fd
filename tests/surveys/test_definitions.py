"""Every survey shipped loads and keeps the rules; a broken one is refused, naming the problem."""

from __future__ import annotations

import copy
import tomllib
from datetime import date
from typing import Any

import pytest

from portal.surveys.definitions import DEFINITIONS_DIR, DefinitionError, all_surveys, parse
from portal.translated import LANGUAGES

SHIPPED = sorted(DEFINITIONS_DIR.glob("*.toml"))


def texts(en: str) -> dict[str, str]:
    return {"en": en, "lv": f"{en} (lv)", "ru": f"{en} (ru)"}


MINIMAL: dict[str, Any] = {
    "id": "small", "version": "1", "title": texts("Small"), "introduction": texts("Intro"), "privacy": texts("Privacy"),
    "opens": date(2026, 1, 1), "closes": date(2026, 12, 31), "audience": "public", "anonymous": True,
    "pages": [{"title": texts("Page"), "questions": [
        {"id": "where", "kind": "single", "text": texts("Where?"),
         "options": [{"value": "here", "text": texts("Here")}, {"value": "there", "text": texts("There")}]},
        {"id": "how", "kind": "scale", "text": texts("How well?"),
         "options": [{"value": str(n), "text": texts(f"Point {n}")} for n in range(1, 6)]},
        {"id": "why", "kind": "text", "required": False, "max_length": 500, "text": texts("Why?"),
         "show_if": {"question": "where", "answers": ["there"]}},
    ]}],
}


def broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL)
    change(data)
    return data


def test_at_least_the_two_surveys_of_the_issue_are_shipped() -> None:
    surveys = all_surveys()
    recipients = surveys["recipients-2026"]
    assert recipients.anonymous and recipients.audience == "recipients" and 10 <= len(recipients.questions()) <= 15
    assert any(q.show_if for q in recipients.questions())
    assert any(q.kind == "scale" for q in recipients.questions())
    portal = surveys["portal-2026"]
    assert portal.audience == "public" and len(portal.questions()) == 3


@pytest.mark.parametrize("path", SHIPPED, ids=[p.name for p in SHIPPED])
def test_every_shipped_survey_has_every_text_in_both_languages(path: Any) -> None:
    with path.open("rb") as file:
        survey = parse(tomllib.load(file), path.name)
    found = [survey.title, survey.introduction, survey.privacy, *(p.title for p in survey.pages),
             *(q.text for q in survey.questions()), *(q.help for q in survey.questions() if q.help),
             *(o.text for q in survey.questions() for o in q.options)]
    for text in found:
        for language in LANGUAGES:
            assert text.by_language[language].strip()
        assert text("lv") != text("ru"), text("lv")
    for question in survey.questions():
        if question.kind == "scale":  # every point of a rating scale is labelled in words
            assert all(not o.text("lv").isdigit() for o in question.options)


def test_a_minimal_survey_loads() -> None:
    survey = parse(copy.deepcopy(MINIMAL), "small.toml")
    assert [q.id for q in survey.questions()] == ["where", "how", "why"]
    assert survey.is_open(date(2026, 6, 1)) and not survey.is_open(date(2027, 1, 1))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["pages"][0]["questions"].append(copy.deepcopy(d["pages"][0]["questions"][0])), "question 'where' appears twice"),
        (lambda d: d["pages"][0]["questions"][0]["text"].pop("ru"), "question where: text has no text in ru"),
        (lambda d: d.update(audience="everyone"), "audience 'everyone'"),
        (lambda d: d.update(kinds=["adult_assistant"]), "service kinds narrow only the recipients' audience"),
        (lambda d: d.update(kinds=["pilot"], audience="recipients"), "unknown service kinds"),
        (lambda d: d.update(closes=date(2025, 1, 1)), "opens first"),
        (lambda d: d["pages"][0]["questions"][1]["options"].pop(2), "a scale's points are 1, 2, 3"),
        (lambda d: d["pages"][0]["questions"][2].pop("max_length"), "free text needs max_length"),
        (lambda d: d["pages"][0]["questions"][2]["show_if"].update(question="later"), "not an earlier question"),
        (lambda d: d["pages"][0]["questions"][2]["show_if"].update(answers=["nowhere"]), "show_if answers are not options"),
        (lambda d: d.pop("privacy"), "survey: no privacy"),
    ],
)
def test_a_broken_survey_is_refused_with_the_reason(change: Any, problem: str) -> None:
    with pytest.raises(DefinitionError) as refused:
        parse(broken(change), "broken.toml")
    assert problem in str(refused.value) and str(refused.value).startswith("broken.toml: ")

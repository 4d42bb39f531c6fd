"""Reading a survey page's answers, which questions show, and the answers in words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.i18n import get_locale
from portal.i18n import gettext as _
from portal.surveys.definitions import Page, Question, Survey

Errors = list[tuple[str, str]]


def shows(question: Question, answers: Mapping[str, Any]) -> bool:
    """A question with a condition shows only when the earlier answer is one of its values."""
    if question.show_if is None:
        return True
    given = answers.get(question.show_if.question)
    chosen = given if isinstance(given, list) else [given]
    return any(value in question.show_if.answers for value in chosen)


def visible(page: Page, answers: Mapping[str, Any]) -> list[Question]:
    return [q for q in page.questions if shows(q, answers)]


def read_page(page: Page, form: Any, answers: Mapping[str, Any]) -> tuple[dict[str, Any], Errors]:
    """The page's answers as given (kept even when another needs correcting) and what is missing."""
    given: dict[str, Any] = {}
    errors: Errors = []
    language = get_locale()
    for question in page.questions:
        allowed = [o.value for o in question.options]
        if question.kind == "multiple":
            values = {v for v in form.getlist(question.id) if isinstance(v, str)}
            value: Any = [v for v in allowed if v in values]
        else:
            raw = form.get(question.id)
            value = raw.strip() if isinstance(raw, str) else ""
            if question.kind != "text" and value not in allowed:
                value = ""
        given[question.id] = value
        if not shows(question, {**answers, **given}):
            given[question.id] = [] if question.kind == "multiple" else ""
            continue
        label = question.text(language)
        if question.required and not value:
            errors.append((question.id, _("%(question)s: select at least one answer", question=label) if question.kind == "multiple"
                           else _("%(question)s: write an answer", question=label) if question.kind == "text"
                           else _("%(question)s: select one answer", question=label)))
        if question.kind == "text" and question.max_length and len(value) > question.max_length:
            errors.append((question.id, _("The text must be %(num)s characters or fewer", num=question.max_length)))
    return given, errors


def page_complete(page: Page, answers: Mapping[str, Any]) -> bool:
    return all(answers.get(q.id) for q in visible(page, answers) if q.required)


def first_unfinished(survey: Survey, answers: Mapping[str, Any]) -> int | None:
    """The number (from 1) of the first page with a required answer missing, if any."""
    return next((n for n, page in enumerate(survey.pages, 1) if not page_complete(page, answers)), None)


def describe(question: Question, answer: Any) -> str:
    language = get_locale()
    if question.kind == "text":
        return answer if isinstance(answer, str) else ""
    chosen = answer if isinstance(answer, list) else [answer]
    return "; ".join(o.text(language) for o in question.options if o.value in chosen)


def cleaned(survey: Survey, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Only the answers to questions that show: a changed answer drops its follow-up."""
    kept: dict[str, Any] = {}
    for question in survey.questions():
        if shows(question, kept) and question.id in answers:
            kept[question.id] = answers[question.id]
    return kept

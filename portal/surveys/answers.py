"""The rules of a survey's answers: which break it, which are missing, which questions show, and the
answers in words. No HTTP here (a page's form is read in portal/surveys/forms.py)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from portal.forms import readable
from portal.i18n import get_locale
from portal.surveys.definitions import Page, Question, Survey


def shows(question: Question, answers: Mapping[str, Any]) -> bool:
    """A question with a condition shows only when the earlier answer is one of its values."""
    if question.show_if is None:
        return True
    given = answers.get(question.show_if.question)
    chosen = given if isinstance(given, list) else [given]
    return any(value in question.show_if.answers for value in chosen)


def visible(page: Page, answers: Mapping[str, Any]) -> list[Question]:
    return [q for q in page.questions if shows(q, answers)]


class AnswerProblem(StrEnum):
    """What keeps an answer to a question that shows from counting (the pages word each: portal/surveys/forms.py)."""

    NOT_CHOSEN = "not_chosen"  # a required single choice or scale point left empty
    NONE_CHOSEN = "none_chosen"  # a required "several choices" with none ticked
    NOT_WRITTEN = "not_written"  # a required free text left empty
    TOO_LONG = "too_long"  # free text over the question's max_length
    NOT_AN_ANSWER = "not_an_answer"  # a value not on offer, of the wrong shape, or with characters nobody types


# A draft may lack these; it may never hold the others.
INCOMPLETE = frozenset({AnswerProblem.NOT_CHOSEN, AnswerProblem.NONE_CHOSEN, AnswerProblem.NOT_WRITTEN})


def empty(question: Question) -> Any:
    """The answer of a question not answered (or not shown)."""
    return [] if question.kind == "multiple" else ""


def answer_problem(question: Question, answer: Any) -> AnswerProblem | None:
    """The rule of the survey the answer breaks, if any (None: no answer)."""
    allowed = [option.value for option in question.options]
    if question.kind == "multiple":
        if answer is not None and (not isinstance(answer, list) or any(value not in allowed for value in answer)):
            return AnswerProblem.NOT_AN_ANSWER
        return AnswerProblem.NONE_CHOSEN if question.required and not answer else None
    if question.kind == "text":
        if answer is not None and (not isinstance(answer, str) or not readable(answer)):
            return AnswerProblem.NOT_AN_ANSWER
        if not answer or not answer.strip():
            return AnswerProblem.NOT_WRITTEN if question.required else None
        return AnswerProblem.TOO_LONG if question.max_length and len(answer) > question.max_length else None
    if answer not in (None, "", *allowed):
        return AnswerProblem.NOT_AN_ANSWER
    return AnswerProblem.NOT_CHOSEN if question.required and not answer else None


def storable(question: Question, answer: Any) -> bool:
    """Whether the answer may be kept in a draft: unanswered is fine, wrong never is."""
    problem = answer_problem(question, answer)
    return problem is None or problem in INCOMPLETE


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

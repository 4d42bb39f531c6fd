"""A survey page's input: its fields, built from the survey's definition, and the words for every
problem an answer can have.

What a field cannot read (a value sent twice, characters nobody types, text over its limit, a
value not on offer) is said at the field and that answer is not kept; every other answer is kept
even when another question on the page needs correcting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portal.forms import CHOOSE_ONE, Body, Choice, Choices, Errors, Field, Text, read_fields
from portal.i18n import get_locale
from portal.i18n import gettext as _
from portal.surveys.answers import AnswerProblem, answer_problem, empty, shows, storable
from portal.surveys.definitions import Page, Question

# The definitions give every free text a max_length (definitions.check); this only bounds a broken one.
LONGEST_TEXT = 1000


def question_field(question: Question) -> Field[Any]:
    """The field a question is answered with; whether an answer is required is the rules' (answers.py)."""
    options = [option.value for option in question.options]
    if question.kind == "multiple":
        return Choices(options)
    if question.kind == "text":
        return Text(max_length=question.max_length or LONGEST_TEXT, multiline=True)
    return Choice(options)


def problem_message(question: Question, problem: AnswerProblem) -> str:
    label = question.text(get_locale())
    match problem:
        case AnswerProblem.NOT_CHOSEN:
            return _("“%(question)s”: select one answer", question=label)
        case AnswerProblem.NONE_CHOSEN:
            return _("“%(question)s”: select at least one answer", question=label)
        case AnswerProblem.NOT_WRITTEN:
            return _("“%(question)s”: write an answer", question=label)
        case AnswerProblem.TOO_LONG:
            return _("The text must be %(num)s characters or fewer", num=question.max_length or LONGEST_TEXT)
        case AnswerProblem.NOT_AN_ANSWER:
            return str(CHOOSE_ONE)


@dataclass(frozen=True)
class PageReading:
    answers: dict[str, Any]  # what may be kept: every answer that read well (and "" for a question not shown)
    shown: dict[str, Any]  # every answer as typed, to show the page again
    errors: Errors


def read_page(page: Page, body: Body, answers: Mapping[str, Any]) -> PageReading:
    """The page's answers as given (kept even when another needs correcting) and what is wrong."""
    given: dict[str, Any] = {}
    shown: dict[str, Any] = {}
    errors: Errors = []
    for question in page.questions:
        reading = read_fields(body, {question.id: question_field(question)})
        value, shown[question.id] = reading.values[question.id], reading.shown[question.id]
        if not shows(question, {**answers, **given}):
            given[question.id] = shown[question.id] = empty(question)
            continue
        if reading.errors:
            errors.extend(reading.errors)
            continue
        problem = answer_problem(question, value)
        if problem is not None:
            errors.append((question.id, problem_message(question, problem)))
        if storable(question, value):
            given[question.id] = value
    return PageReading(given, shown, errors)

"""The self-assessment's input: a section's fields, built from its questionnaire, and attaching a
version to an application; and the words for every problem an answer can have.

A section is read question by question. What a field cannot read (a value sent twice, characters
nobody types, text over its limit, a number not in ASCII digits or out of bounds) is said at the
field and that question's answer is not kept; every other answer is kept even when another
question on the page needs correcting, so that nothing a person typed is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.assessment.answers import (
    MAX_COMMENT,
    AnswerProblem,
    allowed_values,
    answer_problems,
    comment_field,
    storable,
    text_limit,
)
from portal.assessment.definitions import Definition, Question, Section
from portal.forms import CHOOSE_ONE, MAX_INT, Body, Choice, Choices, Errors, Field, Form, Integer, Text, read_fields
from portal.i18n import get_locale
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l

SELECT_APPLICATION = _l("Select the application to attach it to")


class AttachForm(Form):
    """Attaching a submitted version: which of the drafts (whose it is, the service checks)."""

    application = Integer(minimum=1, maximum=MAX_INT, invalid=SELECT_APPLICATION, required=SELECT_APPLICATION)


def _range_message(question: Question, label: str) -> str:
    return _("“%(question)s”: enter a whole number from %(low)s to %(high)s",
             question=label, low=question.minimum or 0, high=question.maximum or 0)


def question_fields(definition: Definition, question: Question, label: str) -> dict[str, Field[Any]]:
    """The fields one question is answered with; whether an answer is required is the rules' (answers.py)."""
    if question.kind == "rating":
        return {
            question.id: Choice(allowed_values(definition, question)),
            comment_field(question): Text(max_length=MAX_COMMENT, multiline=True,
                                          too_long=_l("The comment must be %(num)s characters or fewer", num=MAX_COMMENT)),
        }
    if question.kind in ("purposes", "choices"):
        return {question.id: Choices(allowed_values(definition, question))}
    if question.kind in ("choice", "yes_no"):
        return {question.id: Choice(allowed_values(definition, question))}
    if question.kind == "number":
        low, high = question.minimum or 0, question.maximum or 0  # within an INTEGER column (definitions.check)
        return {question.id: Integer(minimum=low, maximum=high, invalid=_range_message(question, label))}
    return {question.id: Text(max_length=text_limit(question), multiline=True)}


def problem_message(question: Question, field_id: str, problem: AnswerProblem, label: str) -> str:
    """The words for a problem at the field, naming the question (with the person's name when it has it)."""
    match problem:
        case AnswerProblem.NOT_CHOSEN:
            return _("“%(question)s”: select one answer", question=label)
        case AnswerProblem.NONE_CHOSEN:
            return _("“%(question)s”: select at least one answer", question=label)
        case AnswerProblem.NOT_WRITTEN:
            return _("“%(question)s”: write an answer", question=label)
        case AnswerProblem.COMMENT_NEEDED:
            return _("“%(question)s”: write what help is needed and why", question=label)
        case AnswerProblem.NO_NUMBER | AnswerProblem.NOT_IN_RANGE:
            return _range_message(question, label)
        case AnswerProblem.TOO_LONG if field_id == comment_field(question):
            return _("The comment must be %(num)s characters or fewer", num=MAX_COMMENT)
        case AnswerProblem.TOO_LONG:
            return _("The text must be %(num)s characters or fewer", num=text_limit(question))
        case AnswerProblem.NOT_AN_ANSWER:
            return str(CHOOSE_ONE)


def _answer(question: Question, values: dict[str, Any]) -> Any:
    """The fields' values in the shape the answer is kept in."""
    if question.kind == "rating":
        return {"rating": values[question.id], "comment": values[comment_field(question)]}
    return values[question.id]


@dataclass(frozen=True)
class SectionReading:
    answers: dict[str, Any]  # what may be kept: every answer whose fields read well
    shown: dict[str, Any]  # every answer as typed, to show the form again
    errors: Errors  # in the order of the page's fields


def read_section(definition: Definition, section: Section, body: Body, name: str | None) -> SectionReading:
    """The section's answers as given, and what is missing or wrong, question by question.

    `name` is the person's name when someone else answers for them (the messages say so).
    """
    answers: dict[str, Any] = {}
    shown: dict[str, Any] = {}
    errors: Errors = []
    for question in section.questions:
        label = question.text(get_locale(), name)
        fields = question_fields(definition, question, label)
        readings = read_fields(body, fields)
        answer = _answer(question, readings.values)
        shown[question.id] = _answer(question, readings.shown)
        unread = {field_id for field_id, _message in readings.errors}
        problems = [(field_id, problem_message(question, field_id, problem, label))
                    for field_id, problem in answer_problems(definition, question, answer) if field_id not in unread]
        errors.extend(sorted([*readings.errors, *problems], key=lambda error: list(fields).index(error[0])))
        if not unread and storable(definition, question, answer):
            answers[question.id] = answer
    return SectionReading(answers, shown, errors)

"""The rules of the answers: which break the questionnaire, which are missing, how far a section is,
and the answers in words. No HTTP here (the section's form is read in portal/assessment/forms.py).

The shapes of the answers, by question kind: a rating is {"rating": level, "comment": text};
purposes and several choices are lists of values; a single choice and yes/no are a value; a
number is an int (None when cleared); free text is a string.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from portal.assessment.definitions import Definition, Question, Section
from portal.forms import readable
from portal.i18n import format_number
from portal.i18n import gettext as _

MAX_COMMENT = 1000
YES_NO = ("yes", "no")


class SectionStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class AnswerProblem(StrEnum):
    """What keeps one answer from counting, at one field (the pages word each: portal/assessment/forms.py)."""

    NOT_CHOSEN = "not_chosen"  # no rating, choice or yes/no
    NONE_CHOSEN = "none_chosen"  # no purpose or option ticked
    NOT_WRITTEN = "not_written"  # a required free text left empty
    NO_NUMBER = "no_number"  # a required number left empty
    COMMENT_NEEDED = "comment_needed"  # a rating from `comment_required_from` points says what help is needed and why
    NOT_IN_RANGE = "not_in_range"  # a number outside the question's bounds
    TOO_LONG = "too_long"  # a text or comment over its limit
    NOT_AN_ANSWER = "not_an_answer"  # a value not on offer, of the wrong shape, or with characters nobody types


# A section in progress may lack these; it may never hold the others.
INCOMPLETE = frozenset({AnswerProblem.NOT_CHOSEN, AnswerProblem.NONE_CHOSEN, AnswerProblem.NOT_WRITTEN,
                        AnswerProblem.NO_NUMBER, AnswerProblem.COMMENT_NEEDED})
Problems = list[tuple[str, AnswerProblem]]  # (field id, problem)


def comment_field(question: Question) -> str:
    return f"{question.id}-comment"


def text_limit(question: Question) -> int:
    return question.max_length or MAX_COMMENT


def allowed_values(definition: Definition, question: Question) -> list[str]:
    if question.kind == "rating":
        return [level.value for level in definition.levels]
    if question.kind == "purposes":
        return [purpose.value for purpose in definition.purposes]
    if question.kind == "yes_no":
        return list(YES_NO)
    return [option.value for option in question.options]


def _text_problems(field_id: str, text: object, limit: int) -> Problems:
    if not isinstance(text, str) or not readable(text):
        return [(field_id, AnswerProblem.NOT_AN_ANSWER)]
    return [(field_id, AnswerProblem.TOO_LONG)] if len(text) > limit else []


def answer_problems(definition: Definition, question: Question, answer: Any) -> Problems:
    """Every rule of the questionnaire the answer breaks, at the field where it is given (None: no answer).

    A rating is always asked for; the other questions only when they are required.
    """
    allowed = allowed_values(definition, question)
    if question.kind == "rating":
        if answer is None:
            return [(question.id, AnswerProblem.NOT_CHOSEN)]
        if not isinstance(answer, Mapping) or set(answer) - {"rating", "comment"}:
            return [(question.id, AnswerProblem.NOT_AN_ANSWER)]
        rating, comment = answer.get("rating", ""), answer.get("comment", "")
        problems = _text_problems(comment_field(question), comment, MAX_COMMENT)
        if rating not in ("", *allowed):
            return [(question.id, AnswerProblem.NOT_AN_ANSWER), *problems]
        if not rating:
            return [(question.id, AnswerProblem.NOT_CHOSEN), *problems]
        if not problems and definition.needs_comment(rating) and not comment.strip():
            return [(comment_field(question), AnswerProblem.COMMENT_NEEDED)]
        return problems
    if question.kind in ("purposes", "choices"):
        if answer is not None and (not isinstance(answer, list) or any(value not in allowed for value in answer)):
            return [(question.id, AnswerProblem.NOT_AN_ANSWER)]
        return [(question.id, AnswerProblem.NONE_CHOSEN)] if question.required and not answer else []
    if question.kind in ("choice", "yes_no"):
        if answer not in (None, "", *allowed):
            return [(question.id, AnswerProblem.NOT_AN_ANSWER)]
        return [(question.id, AnswerProblem.NOT_CHOSEN)] if question.required and not answer else []
    if question.kind == "number":
        if answer is None:
            return [(question.id, AnswerProblem.NO_NUMBER)] if question.required else []
        if not isinstance(answer, int) or isinstance(answer, bool):
            return [(question.id, AnswerProblem.NOT_AN_ANSWER)]
        in_range = (question.minimum or 0) <= answer <= (question.maximum or 0)
        return [] if in_range else [(question.id, AnswerProblem.NOT_IN_RANGE)]
    if answer is None or (isinstance(answer, str) and not answer.strip()):
        return [(question.id, AnswerProblem.NOT_WRITTEN)] if question.required else []
    return _text_problems(question.id, answer, text_limit(question))


def storable(definition: Definition, question: Question, answer: Any) -> bool:
    """Whether the answer may be kept in a version in progress: unfinished is fine, wrong never is."""
    return all(problem in INCOMPLETE for _field, problem in answer_problems(definition, question, answer))


def is_answered(definition: Definition, question: Question, answer: Any) -> bool:
    allowed = allowed_values(definition, question)
    if question.kind == "rating":
        if not isinstance(answer, Mapping) or answer.get("rating") not in allowed:
            return False
        return not definition.needs_comment(answer["rating"]) or bool(str(answer.get("comment") or "").strip())
    if question.kind in ("purposes", "choices"):
        return isinstance(answer, list) and any(value in allowed for value in answer)
    if question.kind in ("choice", "yes_no"):
        return answer in allowed
    if question.kind == "number":
        return isinstance(answer, int) and (question.minimum or 0) <= answer <= (question.maximum or 0)
    return isinstance(answer, str) and bool(answer.strip())


def _given(answer: Any) -> bool:
    """Whether anything was stored for a question at all (an empty form is not an answer)."""
    if isinstance(answer, Mapping):
        return bool(answer.get("rating") or answer.get("comment"))
    return answer not in (None, "", [])


def section_status(definition: Definition, section: Section, answers: Mapping[str, Any]) -> SectionStatus:
    if not any(_given(answers.get(q.id)) for q in section.questions):
        return SectionStatus.NOT_STARTED
    done = all(is_answered(definition, q, answers.get(q.id)) for q in section.questions if q.required)
    return SectionStatus.COMPLETED if done else SectionStatus.IN_PROGRESS


def answered_count(definition: Definition, section: Section, answers: Mapping[str, Any]) -> int:
    return sum(1 for q in section.questions if is_answered(definition, q, answers.get(q.id)))


def complete(definition: Definition, answers: Mapping[str, Any]) -> bool:
    return all(section_status(definition, s, answers) is SectionStatus.COMPLETED for s in definition.sections)


def describe(definition: Definition, question: Question, answer: Any, language: str) -> str:
    """The answer in words, as the person chose it ("" when there is none)."""
    if question.kind == "rating":
        level = definition.level(answer.get("rating", "")) if isinstance(answer, Mapping) else None
        return level.text(language) if level else ""
    if question.kind == "purposes":
        chosen = answer if isinstance(answer, list) else []
        return "; ".join(p.text(language) for p in definition.purposes if p.value in chosen)
    if question.kind == "choices":
        chosen = answer if isinstance(answer, list) else []
        return "; ".join(o.text(language) for o in question.options if o.value in chosen)
    if question.kind == "choice":
        option = question.option(answer) if isinstance(answer, str) else None
        return option.text(language) if option else ""
    if question.kind == "yes_no":
        return {"yes": _("Yes"), "no": _("No")}.get(answer, "") if isinstance(answer, str) else ""
    if question.kind == "number":
        if not isinstance(answer, int):
            return ""
        unit = question.unit(language) if question.unit else ""
        return f"{format_number(answer)} {unit}".strip()
    return answer if isinstance(answer, str) else ""


def comment_of(answer: Any) -> str:
    return str(answer.get("comment") or "") if isinstance(answer, Mapping) else ""


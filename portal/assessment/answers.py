"""Reading a section's form into answers, saying what is missing, and putting answers into words.

The shapes of the answers, by question kind: a rating is {"rating": level, "comment": text};
purposes and several choices are lists of values; a single choice and yes/no are a value; a
number is an int; free text is a string. Whatever can be kept is kept, even when another
question on the page has an error, so that nothing a person typed is lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any, Protocol

from portal.assessment.definitions import Definition, Question, Section
from portal.i18n import format_number, get_locale
from portal.i18n import gettext as _

MAX_COMMENT = 1000
YES_NO = ("yes", "no")
Errors = list[tuple[str, str]]  # (field id, message)


class FormValues(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


class SectionStatus(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


def comment_field(question: Question) -> str:
    return f"{question.id}-comment"


def _text(form: FormValues, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _chosen(form: FormValues, name: str, allowed: list[str]) -> list[str]:
    values = {v for v in form.getlist(name) if isinstance(v, str)}
    return [value for value in allowed if value in values]


def allowed_values(definition: Definition, question: Question) -> list[str]:
    if question.kind == "rating":
        return [level.value for level in definition.levels]
    if question.kind == "purposes":
        return [purpose.value for purpose in definition.purposes]
    if question.kind == "yes_no":
        return list(YES_NO)
    return [option.value for option in question.options]


def read_section(definition: Definition, section: Section, form: FormValues, name: str | None) -> tuple[dict[str, Any], Errors]:
    """The section's answers as given, and what is missing or wrong, question by question.

    `name` is the person's name when someone else answers for them (the messages say so).
    """
    answers: dict[str, Any] = {}
    errors: Errors = []
    for question in section.questions:
        label = question.text(get_locale(), name)
        allowed = allowed_values(definition, question)
        if question.kind == "rating":
            rating, comment = _text(form, question.id), _text(form, comment_field(question))
            rating = rating if rating in allowed else ""
            answers[question.id] = {"rating": rating, "comment": comment[:MAX_COMMENT]}
            if not rating:
                errors.append((question.id, _("%(question)s: select one answer", question=label)))
            elif definition.needs_comment(rating) and not comment:
                errors.append((comment_field(question), _("%(question)s: write what help is needed and why", question=label)))
            if len(comment) > MAX_COMMENT:
                errors.append((comment_field(question), _("The comment must be %(num)s characters or fewer", num=MAX_COMMENT)))
        elif question.kind in ("purposes", "choices"):
            answers[question.id] = _chosen(form, question.id, allowed)
            if question.required and not answers[question.id]:
                errors.append((question.id, _("%(question)s: select at least one answer", question=label)))
        elif question.kind in ("choice", "yes_no"):
            value = _text(form, question.id)
            answers[question.id] = value if value in allowed else ""
            if question.required and not answers[question.id]:
                errors.append((question.id, _("%(question)s: select one answer", question=label)))
        elif question.kind == "number":
            raw = _text(form, question.id)
            number = int(raw) if raw.isdigit() else None
            low, high = question.minimum or 0, question.maximum or 0
            if number is not None and low <= number <= high:
                answers[question.id] = number
            elif raw or question.required:
                answers[question.id] = raw  # kept as typed, so the person sees what to correct
                errors.append((question.id, _("%(question)s: enter a whole number from %(low)s to %(high)s",
                                              question=label, low=low, high=high)))
        else:  # text
            value = _text(form, question.id)
            limit = question.max_length or MAX_COMMENT
            answers[question.id] = value[:limit] if len(value) <= limit else value
            if question.required and not value:
                errors.append((question.id, _("%(question)s: write an answer", question=label)))
            elif len(value) > limit:
                errors.append((question.id, _("The text must be %(num)s characters or fewer", num=limit)))
    return answers, errors


def keepable(definition: Definition, section: Section, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers that may be stored: everything read, except a number or text that cannot be right."""
    kept = {}
    for question in section.questions:
        answer = answers.get(question.id)
        if question.kind == "number" and not isinstance(answer, int):
            continue
        if question.kind == "text" and isinstance(answer, str) and len(answer) > (question.max_length or MAX_COMMENT):
            continue
        kept[question.id] = answer
    return kept


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


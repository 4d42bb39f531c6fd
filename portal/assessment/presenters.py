"""How a self-assessment is shown on the person's pages and the desk's: the task list of sections."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup

from portal import i18n
from portal.assessment import answers as answering
from portal.assessment.answers import SectionStatus
from portal.assessment.definitions import Definition, Question, Section
from portal.i18n import lazy_gettext as _l
from portal.i18n import ngettext

STATUS_TAGS = {
    SectionStatus.NOT_STARTED: (_l("Not started"), "grey"),
    SectionStatus.IN_PROGRESS: (_l("In progress"), "blue"),
    SectionStatus.COMPLETED: (_l("Completed"), "green"),
}


def section_rows(definition: Definition, answers: Mapping[str, Any], href: Callable[[Section], str]) -> list[dict[str, Any]]:
    """The task list: each section with its status and how many of its questions are answered."""
    rows = []
    for section in definition.sections:
        status = answering.section_status(definition, section, answers)
        text, colour = STATUS_TAGS[status]
        total = len(section.questions)
        rows.append({
            "text": section.title(i18n.get_locale()),
            "href": href(section),
            "status": str(text),
            "status_colour": colour,
            "hint": ngettext("%(answered)s of %(num)s question answered", "%(answered)s of %(num)s questions answered", total,
                             answered=answering.answered_count(definition, section, answers)),
        })
    return rows


# The kinds whose answer is chosen from the questionnaire's own words; any other is typed by a person.
CHOSEN_KINDS = frozenset({"rating", "purposes", "choices", "choice", "yes_no", "number"})


def answer_in_words(definition: Definition, question: Question, answer: Any, typed_in: str | None) -> Markup:
    """The answer as the page shows it: chosen words in the page's language; a free text in the language it
    was typed in (WCAG 3.1.2, i18n.written). "" when there is none."""
    text = answering.describe(definition, question, answer, i18n.get_locale())
    return Markup.escape(text) if question.kind in CHOSEN_KINDS else i18n.written(text, typed_in)


def comment_in_words(answer: Any, typed_in: str | None) -> Markup | None:
    """A rating's comment, "Comment: …", the comment marked with the language it was typed in."""
    comment = answering.comment_of(answer)
    if not comment:
        return None
    return Markup.escape(i18n.gettext("Comment: %(comment)s")) % {"comment": i18n.written(comment, typed_in)}

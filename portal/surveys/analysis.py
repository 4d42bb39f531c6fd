"""The results of a survey as tables: counts and percentages per answer, mean and distribution
for rating scales, the free-text answers. No group smaller than MIN_GROUP is ever shown: a
count below it reads "fewer than 5", and a filter that leaves fewer responses shows nothing.
Pure functions of (survey, responses); no HTTP, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from portal.surveys.answers import shows
from portal.surveys.definitions import Question, Survey

MIN_GROUP = 5


@dataclass(frozen=True)
class Row:
    value: str
    count: int | None  # None: fewer than MIN_GROUP, not shown
    percent: float | None


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    answered: int
    rows: tuple[Row, ...]
    mean: float | None  # for a scale, when enough answered
    texts: tuple[str, ...]  # free text, when enough answered
    suppressed: bool  # fewer than MIN_GROUP answered this question


def _row(value: str, count: int, answered: int) -> Row:
    if count < MIN_GROUP:
        return Row(value, None, None)
    return Row(value, count, round(100 * count / answered, 1) if answered else 0.0)


def tabulate(survey: Survey, responses: Sequence[dict[str, Any]]) -> list[QuestionResult]:
    results = []
    for question in survey.questions():
        given = [r[question.id] for r in responses if shows(question, r) and r.get(question.id) not in (None, "", [])]
        answered = len(given)
        suppressed = answered < MIN_GROUP
        if question.kind == "text":
            texts = tuple(sorted(str(t) for t in given)) if not suppressed else ()
            results.append(QuestionResult(question, answered, (), None, texts, suppressed))
            continue
        counts = {o.value: 0 for o in question.options}
        for answer in given:
            for value in (answer if isinstance(answer, list) else [answer]):
                if value in counts:
                    counts[value] += 1
        rows = tuple(_row(value, count, answered) for value, count in counts.items()) if not suppressed else ()
        mean = None
        if question.kind == "scale" and not suppressed:
            mean = round(sum(int(v) * c for v, c in counts.items()) / answered, 2)
        results.append(QuestionResult(question, answered, rows, mean, (), suppressed))
    return results


def filtered(responses: Sequence[Any], language: str | None, kind: str | None) -> list[Any]:
    """Responses in one language of answering and (from the survey's own question) one service kind."""
    return [r for r in responses if (not language or r.language == language)
            and (not kind or r.answers.get("service_kind") == kind)]


# The answers that, with the language and the period, single a respondent out: where they receive the
# service and which service (issue 13: 21 of 34 such combinations were one person's). A survey that does
# not ask them has the language and the period only.
PLACE, SERVICE = "where", "service_kind"


@dataclass(frozen=True)
class ExportRow:
    """One response as the anonymous export shows it: a key column is None where it is left out."""

    language: str | None
    month: str | None  # "YYYY-MM"; None: the survey's whole period
    place: str | None
    service: str | None
    answers: dict[str, Any]


# What is kept of (language, month, place, service), tried in turn: a response is shown at the first that
# at least MIN_GROUP responses (not yet shown) share; one that shares none with enough is left out.
COARSENINGS: tuple[tuple[bool, bool, bool, bool], ...] = (
    (True, True, True, True),
    (True, False, True, True),
    (False, False, True, True),
    (False, False, False, True),
    (False, False, False, False),
)


def _key(response: Any, keep: tuple[bool, bool, bool, bool]) -> tuple[str | None, ...]:
    answers = response.answers
    full = (response.language, response.submitted_on.strftime("%Y-%m"), str(answers.get(PLACE) or ""), str(answers.get(SERVICE) or ""))
    return tuple(value if kept else None for value, kept in zip(full, keep, strict=True))


def safe_rows(responses: Sequence[Any]) -> tuple[list[ExportRow], int]:
    """The responses of an anonymous survey as rows in which every combination of language, period,
    place and service occurs at least MIN_GROUP times (coarsened, or left out); and how many were left
    out. The free text is not in them (see `free_texts`)."""
    waiting = list(responses)
    shown: list[ExportRow] = []
    for keep in COARSENINGS:
        groups: dict[tuple[str | None, ...], list[Any]] = {}
        for response in waiting:
            groups.setdefault(_key(response, keep), []).append(response)
        waiting = []
        for key, members in groups.items():
            if len(members) < MIN_GROUP:
                waiting.extend(members)
                continue
            language, month, place, service = key
            shown.extend(ExportRow(language, month, place, service, dict(r.answers)) for r in members)
    return shown, len(waiting)


def free_texts(survey: Survey, responses: Sequence[dict[str, Any]]) -> list[tuple[Question, str]]:
    """Every free-text answer, apart from the rest of its response, for the questions MIN_GROUP or more
    answered (as on the results page); the caller shuffles them."""
    return [(result.question, text) for result in tabulate(survey, responses) if result.question.kind == "text"
            for text in result.texts]

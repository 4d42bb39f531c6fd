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

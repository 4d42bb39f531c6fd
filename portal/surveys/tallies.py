"""The survey results' tallies (SurveyTally): what `analysis.tabulate` counts, kept per survey, language
of answering and service kind (the results' filters), so that the results page sums a few rows per
question instead of reading every response (issue 12). No HTTP here.

A tally changes only where a response is written, in that write's transaction, with
`n = n + excluded.n` (an upsert: two writers at once both count, none reads and writes back):
service.add_response (a survey that is not anonymous) and service._release (the batch step that
adds an anonymous survey's held answers). Retention only takes a response's person and day away,
which no tally holds. The migration (0028) and bench/national.py fill them with `counted` from the
responses already there; tests/surveys/test_tallies.py checks them against a recount after every kind
of write.

Anonymity: a tally holds counts only. An anonymous survey's tallies change in the batch step, with
its batch of at least RELEASE_BATCH answers, never at the moment a person submits.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal.surveys.answers import shows
from portal.surveys.definitions import all_surveys
from portal.surveys.models import SurveyTally

RESPONSES = ""  # the question of the row that counts the responses themselves
ANSWERED = ""  # the value of the row that counts how many answered the question
SERVICE = "service_kind"  # the answer the results filter by service (analysis.SERVICE)

Key = tuple[str, str, str, str, str]  # survey, language, kind, question, value


def _kind(answers: Mapping[str, Any]) -> str:
    given = answers.get(SERVICE)
    return given if isinstance(given, str) else ""


def counted(responses: Iterable[tuple[str, str, Mapping[str, Any]]]) -> Counter[Key]:
    """The tallies of (survey id, language, answers) rows: the rules of `analysis.tabulate`. A question
    counts as answered when it shows and its answer is not missing, null, "" or an empty list; each of
    its answers that is one of its options counts for that option (a scale's mean is worked out from
    these, its options being its points)."""
    surveys = all_surveys()
    tally: Counter[Key] = Counter()
    for survey_id, language, answers in responses:
        group = (survey_id, language, _kind(answers))
        tally[(*group, RESPONSES, ANSWERED)] += 1
        survey = surveys.get(survey_id)
        for question in survey.questions() if survey is not None else ():
            answer = answers.get(question.id)
            if not shows(question, answers) or answer in (None, "", []):
                continue
            tally[(*group, question.id, ANSWERED)] += 1
            if question.kind == "text":
                continue
            offered = {option.value for option in question.options}
            for value in answer if isinstance(answer, list) else [answer]:
                if value in offered:
                    tally[(*group, question.id, value)] += 1
    return tally


async def add(db: AsyncSession, responses: Iterable[tuple[str, str, Mapping[str, Any]]]) -> None:
    """Count the responses being written in this transaction into the tallies."""
    tally = counted(responses)
    if not tally:
        return
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(SurveyTally)
    upsert = statement.on_conflict_do_update(
        index_elements=["survey_id", "language", "kind", "question", "value"], set_={"n": SurveyTally.n + statement.excluded.n})
    # In key order: two batches at once lock the rows they share in the same order, so neither waits for the other's.
    await db.execute(upsert, [{"survey_id": survey_id, "language": language, "kind": kind, "question": question, "value": value, "n": n}
                              for (survey_id, language, kind, question, value), n in sorted(tally.items())])

"""The analyst's figures come from the database, and they are the figures of `analysis.tabulate` and
`analysis.safe_rows` (the rules in Python): the same counts, percentages, means, suppressions and
free texts for every filter, the same rows in the export; on SQLite and PostgreSQL. The free texts
are in a random order, and none of it is read a response at a time."""

from __future__ import annotations

import asyncio
import json
import random
import secrets
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from portal.db import Database
from portal.surveys import analysis, tallies
from portal.surveys.answers import shows
from portal.surveys.definitions import all_surveys
from portal.surveys.models import SurveyResponse

RECIPIENTS = all_surveys()["recipients-2026"]
TEXTS = ("Vairāk stundu.", "=SUM(A1)", "Больше часов для учёбы.", 'Teksts ar "pēdiņām", komatu un\njaunu rindu.', "  ")
T = TypeVar("T")


class Stored:
    """A response as the database has it (what `safe_rows` reads)."""

    def __init__(self, response_id: str, language: str, on: date, answers: dict[str, Any]) -> None:
        self.id, self.language, self.submitted_on, self.answers = response_id, language, on, answers


def answers_of(rng: random.Random) -> dict[str, Any]:
    """Answers of every shape the rules allow, and some they would not keep (a follow-up that should not
    show, a point off the scale, an option the survey does not offer), with options chosen unevenly, so
    that some groups have fewer than five and some more."""
    given: dict[str, Any] = {}
    for question in RECIPIENTS.questions():
        roll = rng.random()
        if roll < 0.08:
            continue
        if roll < 0.12:
            given[question.id] = [] if question.kind == "multiple" else ""
            continue
        values = [o.value for o in question.options]
        uneven = [2.0 ** index for index in range(len(values))]
        if question.kind == "text":
            given[question.id] = rng.choice(TEXTS) if rng.random() < 0.5 else f"Atbilde {rng.randrange(10**6)}"
        elif question.kind == "multiple":
            given[question.id] = rng.sample(values, rng.randint(1, 3)) + (["transport"] if rng.random() < 0.1 else [])
        elif question.kind == "scale":
            given[question.id] = rng.choices([*values, "7"], weights=[*uneven, 0.5])[0]
        else:
            given[question.id] = rng.choices(values, weights=uneven)[0]
    return given


def run(database_url: str, work: Callable[[Any], Awaitable[T]]) -> T:
    async def go() -> T:
        db = Database(database_url)
        try:
            async with db.session() as session:
                return await work(session)
        finally:
            await db.dispose()

    return asyncio.run(go())


async def _added(session: Any, stored: list[Stored]) -> None:
    session.add_all(SurveyResponse(id=s.id, survey_id=RECIPIENTS.id, survey_version=RECIPIENTS.version, language=s.language,
                                   submitted_on=s.submitted_on, answers=s.answers, person_id=None) for s in stored)
    # Counted as every write of a response counts them (surveys/service.py): the results page reads the tallies.
    await tallies.add(session, [(RECIPIENTS.id, s.language, s.answers) for s in stored])


def store(database_url: str, seed: int, count: int) -> list[Stored]:
    rng = random.Random(seed)
    stored = [Stored(secrets.token_hex(16), "lv" if rng.random() < 0.7 else "ru", date(2026, rng.choice((11, 12)), 1), answers_of(rng))
              for _ in range(count)]
    run(database_url, lambda session: _added(session, stored))
    return stored


def chosen_by(stored: list[Stored], chosen: analysis.Chosen) -> list[Stored]:
    """The old filter, in Python (what the page did before the database did it)."""
    return [s for s in stored if (not chosen.language or s.language == chosen.language)
            and (not chosen.kind or s.answers.get("service_kind") == chosen.kind)]


CHOICES = (analysis.Chosen(), analysis.Chosen(language="lv"), analysis.Chosen(language="ru"), analysis.Chosen(kind="adult_assistant"),
           analysis.Chosen(language="ru", kind="child_care"), analysis.Chosen(kind="study_assistant"))


def test_every_figure_from_the_database_is_tabulate_s_for_every_filter(database_url: str) -> None:
    stored = store(database_url, seed=15, count=90)
    for chosen in CHOICES:
        found = run(database_url, lambda session, chosen=chosen: analysis.results(session, RECIPIENTS, chosen))
        matching = chosen_by(stored, chosen)
        assert found.total == len(stored) and found.held == 0
        if len(matching) < analysis.MIN_GROUP:
            assert found.count is None and found.questions == [], chosen
            continue
        assert found.count == len(matching)
        in_id_order = [s.answers for s in sorted(matching, key=lambda s: s.id)]
        for expected, result in zip(analysis.tabulate(RECIPIENTS, [s.answers for s in matching]), found.questions, strict=True):
            where = (chosen, expected.question.id)
            assert result.suppressed == expected.suppressed, where
            if expected.suppressed:
                assert (result.rows, result.mean, result.texts) == ((), None, ()), where
                continue
            assert (result.answered, result.rows, result.mean) == (expected.answered, expected.rows, expected.mean), where
            if expected.question.kind == "text":
                shown = [str(a[expected.question.id]) for a in in_id_order
                         if shows(expected.question, a) and a.get(expected.question.id) not in (None, "", [])]
                assert result.texts == tuple(shown[:analysis.TEXTS_SHOWN]), where
    # The data has what the comparison is about: rows under five and over, suppressed questions, means, a follow-up.
    everyone = {r.question.id: r for r in run(database_url, lambda session: analysis.results(session, RECIPIENTS, analysis.Chosen())).questions}
    counts = [row.count for result in everyone.values() for row in result.rows]
    assert None in counts and any(count and count >= analysis.MIN_GROUP for count in counts)
    assert everyone["hours_fit"].mean is not None and not everyone["study_help"].suppressed
    assert everyone["study_help"].answered < sum(1 for s in stored if s.answers.get("study_help") not in (None, "", []))


def test_a_free_text_s_pages_hold_each_answer_once_forwards_and_backwards(database_url: str) -> None:
    stored = store(database_url, seed=12, count=60)
    question = next(q for q in RECIPIENTS.questions() if q.id == "what_to_change")
    expected = sorted((s.id, s.answers[question.id]) for s in stored if s.answers.get(question.id) not in (None, ""))
    pages: list[analysis.Texts] = []
    after = ""
    while True:
        page = run(database_url, lambda session, after=after: analysis.texts_page(session, RECIPIENTS, question, analysis.Chosen(),
                                                                                 after=after, size=7))
        pages.append(page)
        if page.page.after is None:
            break
        after = page.page.after
    assert len(pages) == -(-len(expected) // 7) > 2 and pages[0].answered == len(expected)
    assert [text for page in pages for text in page.page.rows] == [text for _id, text in expected]
    assert pages[0].page.before is None and pages[-1].page.before is not None
    back = run(database_url, lambda session: analysis.texts_page(session, RECIPIENTS, question, analysis.Chosen(),
                                                                 before=pages[-1].page.before or "", size=7))
    assert back.page.rows == pages[-2].page.rows
    few = run(database_url, lambda session: analysis.texts_page(session, RECIPIENTS, question, analysis.Chosen(language="ru", kind="child_care")))
    assert few.answered is None and few.page.rows == []


def few_who_stand_out(database_url: str) -> list[Stored]:
    """Eight: five share everything, three stand out even when nothing is kept but the service."""
    stored = [Stored(secrets.token_hex(16), "lv", date(2026, 11, 1), {"where": "municipality", "service_kind": "adult_assistant",
                                                                       "hours_fit": str(1 + n % 5)}) for n in range(5)]
    stored += [Stored(secrets.token_hex(16), "ru", date(2026, 12, 1), {"where": "college", "service_kind": kind})
               for kind in ("child_care", "study_assistant", "")]
    run(database_url, lambda session: _added(session, stored))
    return stored


def test_a_response_that_stands_out_at_every_coarsening_is_left_out_of_the_export(database_url: str) -> None:
    stored = few_who_stand_out(database_url)

    async def exported(session: Any) -> list[analysis.ExportRow]:
        return [row async for row in analysis.safe_export(session, RECIPIENTS)]

    rows = run(database_url, exported)
    expected, left_out = analysis.safe_rows(stored)
    assert left_out == 3 and sorted(r.answers["hours_fit"] for r in rows) == sorted(r.answers["hours_fit"] for r in expected)
    assert {(r.language, r.month, r.place, r.service) for r in rows} == {("lv", "2026-11", "municipality", "adult_assistant")}


def test_the_export_from_the_database_is_safe_rows_grouped_and_shuffled_within_each_group(database_url: str) -> None:
    stored = store(database_url, seed=13, count=120)

    async def exported(session: Any) -> list[analysis.ExportRow]:
        return [row async for row in analysis.safe_export(session, RECIPIENTS)]

    rows = run(database_url, exported)
    expected, left_out = analysis.safe_rows(stored)

    def keyed(row: analysis.ExportRow) -> tuple[Any, ...]:
        return (row.language, row.month, row.place, row.service, json.dumps(row.answers, sort_keys=True))

    assert Counter(map(keyed, rows)) == Counter(map(keyed, expected))
    assert len(rows) + left_out == len(stored) and left_out < analysis.MIN_GROUP
    shown = [tuple(value or "" for value in (row.language, row.month, row.place, row.service)) for row in rows]
    assert shown == sorted(shown)  # in the order of what is shown
    assert min(Counter((r.language, r.month, r.place, r.service) for r in rows).values()) >= analysis.MIN_GROUP
    assert any(None in (r.language, r.month) for r in rows) and any(None not in (r.language, r.month) for r in rows)
    # Within a group the order is drawn again each time: two exports of a large group differ.
    again = run(database_url, exported)
    assert Counter(map(keyed, again)) == Counter(map(keyed, rows)) and [keyed(r) for r in again] != [keyed(r) for r in rows]


def test_the_free_texts_come_out_in_a_new_random_order_each_time(database_url: str) -> None:
    stored = store(database_url, seed=14, count=60)

    async def exported(session: Any) -> list[tuple[str, str]]:
        return [row async for row in analysis.shuffled_texts(session, RECIPIENTS)]

    first, second = run(database_url, exported), run(database_url, exported)
    answered = [(q.id, str(s.answers[q.id])) for s in stored for q in RECIPIENTS.questions()
                if q.kind == "text" and s.answers.get(q.id) not in (None, "", [])]
    assert Counter(first) == Counter(second) == Counter(answered) and len(first) > 40
    assert first != second  # 1 in more than 40! to be the same
    # Not in the order of the responses' ids, nor grouped by question.
    by_id = [(q.id, str(s.answers[q.id])) for s in sorted(stored, key=lambda s: s.id) for q in RECIPIENTS.questions()
             if q.kind == "text" and s.answers.get(q.id) not in (None, "", [])]
    assert first != by_id and first != sorted(first, key=lambda row: row[0])


def test_a_question_fewer_than_five_answered_is_not_in_the_texts_export(database_url: str) -> None:
    rng = random.Random(5)
    only_four = [{**answers_of(rng), "what_to_change": f"Nr. {n}", "anything_else": ""} for n in range(4)]
    others = [{**answers_of(rng), "what_to_change": "", "anything_else": "Cits."} for _ in range(6)]

    run(database_url, lambda session: _added(session, [Stored(secrets.token_hex(16), "lv", date(2026, 11, 1), given)
                                                       for given in only_four + others]))

    async def exported(session: Any) -> list[tuple[str, str]]:
        return [row async for row in analysis.shuffled_texts(session, RECIPIENTS)]

    assert run(database_url, exported) == [("anything_else", "Cits.")] * 6

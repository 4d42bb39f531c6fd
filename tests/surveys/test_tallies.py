"""The results' tallies (surveys/tallies.py) are the responses' counts after every kind of write of a
response: a visitor's and a signed-in person's answers to a survey that is not anonymous, the batch
step adding held answers, a closed survey's remainder rewritten among all, the demo's answers, two
answers at once; and an anonymous answer is counted only with its batch, never when it is given.
On SQLite and PostgreSQL. (tests/surveys/test_analysis_sql.py checks the page's figures from them
against `analysis.tabulate`.)"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import Date, DateTime, select

from portal.db import Database
from portal.people import service as people
from portal.surveys import demo, service, tallies
from portal.surveys.definitions import all_surveys
from portal.surveys.models import SurveyResponse, SurveyTally

PORTAL = all_surveys()["portal-2026"]
TODAY = date(2026, 11, 23)


async def kept(db: Database) -> Counter[tallies.Key]:
    async with db.session() as session:
        rows = (await session.execute(select(SurveyTally.survey_id, SurveyTally.language, SurveyTally.kind, SurveyTally.question,
                                             SurveyTally.value, SurveyTally.n))).all()
    return Counter({(s, lang, k, q, v): n for s, lang, k, q, v, n in rows if n})


async def recounted(db: Database) -> Counter[tallies.Key]:
    async with db.session() as session:
        rows = (await session.execute(select(SurveyResponse.survey_id, SurveyResponse.language, SurveyResponse.answers))).all()
    return tallies.counted((s, lang, json.loads(a) if isinstance(a, str) else a) for s, lang, a in rows)


def answers(number: int) -> dict[str, object]:
    return {"ease": str(number % 5 + 1), "purpose": ("apply", "other", "check_hours")[number % 3], "improve": f"Nr. {number}"}


def test_the_tallies_are_a_recount_of_the_responses_after_every_kind_of_write(database_url: str) -> None:
    named = dataclasses.replace(PORTAL, audience="signed_in", anonymous=False)
    visitors = dataclasses.replace(PORTAL, anonymous=False)

    async def work() -> list[tuple[str, int]]:
        db = Database(database_url)
        checked: list[tuple[str, int]] = []

        async def check(step: str) -> None:
            now = await kept(db)
            assert now == await recounted(db), step
            checked.append((step, sum(n for key, n in now.items() if key[3] == tallies.RESPONSES)))

        for number in range(7):  # anonymous: held back, counted by nobody until the batch step
            async with db.session() as session:
                await service.submit_public(session, PORTAL, answers(number), "lv" if number % 2 else "ru", TODAY)
            if number == 3:
                await check("four held")
                assert await kept(db) == Counter()
                await service.release_held(db, TODAY)
                await check("four held, too few for a batch")
        await service.release_held(db, TODAY)
        await check("a batch of seven")
        for number in range(3):
            async with db.session() as session:
                await service.submit_public(session, PORTAL, answers(10 + number), "lv", TODAY)
        await service.release_held(db, PORTAL.closes + timedelta(days=1))
        await check("a closed survey's remainder, among all")
        async with db.session() as session:
            anna = await people.ensure_person(session, "150385-11001", "Anna", "Bērziņa")
            await service.save_draft(session, named, anna, {"ease": "2", "purpose": "apply", "improve": "Ātrāk."})
            await service.submit(session, named, anna, "lv", TODAY)
        await check("a signed-in person's answer, not anonymous")
        async with db.session() as session:
            await service.submit_public(session, visitors, {"ease": "5", "purpose": "other"}, "ru", TODAY)
        await check("a visitor's answer, not anonymous")
        async with db.session() as session:
            await demo.seed(session)  # nothing: responses exist
        await check("the demo's answers")
        await db.dispose()
        return checked

    assert asyncio.run(work()) == [("four held", 0), ("four held, too few for a batch", 0), ("a batch of seven", 7),
                                   ("a closed survey's remainder, among all", 10), ("a signed-in person's answer, not anonymous", 11),
                                   ("a visitor's answer, not anonymous", 12), ("the demo's answers", 12)]


def test_the_demo_s_answers_are_counted(database_url: str) -> None:
    async def work() -> tuple[Counter[tallies.Key], Counter[tallies.Key]]:
        db = Database(database_url)
        async with db.session() as session:
            await demo.seed(session)
        found = await kept(db), await recounted(db)
        await db.dispose()
        return found

    now, recount = asyncio.run(work())
    assert now == recount and sum(n for key, n in now.items() if key[3] == tallies.RESPONSES) == sum(demo.GENERATED.values())


def test_two_answers_at_once_are_both_counted(database_url: str) -> None:
    """The second writer waits for the first one's tally rows (PostgreSQL's row lock, SQLite's write lock)
    while the first transaction is still open, then adds to what it wrote: n = n + 1, never a stale n."""
    visitors = dataclasses.replace(PORTAL, anonymous=False)

    async def work() -> tuple[Counter[tallies.Key], Counter[tallies.Key]]:
        first_db, second_db = Database(database_url), Database(database_url)

        async def second() -> None:
            async with second_db.session() as session:
                await service.submit_public(session, visitors, answers(2), "lv", TODAY)

        async with first_db.session() as session:
            await service.submit_public(session, visitors, answers(1), "lv", TODAY)
            await session.flush()
            waiting = asyncio.create_task(second())
            await asyncio.sleep(0.3)  # the second is at the same rows, waiting for this transaction to end
        await waiting
        found = await kept(first_db), await recounted(first_db)
        await first_db.dispose()
        await second_db.dispose()
        return found

    now, recount = asyncio.run(work())
    assert now == recount and now[(PORTAL.id, "lv", "", tallies.RESPONSES, tallies.ANSWERED)] == 2


def test_a_tally_holds_counts_only_nothing_that_points_at_a_person_a_moment_or_a_response() -> None:
    table = SurveyTally.__table__
    assert not table.foreign_keys
    assert set(table.columns.keys()) == {"survey_id", "language", "kind", "question", "value", "n"}
    assert not any(isinstance(column.type, (Date, DateTime)) for column in table.columns)

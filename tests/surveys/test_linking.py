"""The linking attacks, run for real: several people answer an anonymous survey, then someone with full
access to the database tries to pair each "has answered" row with its answers by what the database
itself keeps: the transaction id and the physical place of each row (PostgreSQL's xmin and ctid), the
row order (SQLite's rowid), the order of the ids, and the dates. Each attack must link no more people
than chance does.

"Chance" is what an attacker gets who knows only which batch of RELEASE_BATCH a respondent's answers
were added in (the order of transactions tells that much on PostgreSQL, by design): within a batch
the answers are in a random order, so pairing by position gets the fixed points of a random
permutation, about one a batch. The test fails when an attack does better than that could by luck
(probability under one in a million).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from fractions import Fraction
from math import comb, factorial
from pathlib import Path
from typing import Any

from sqlalchemy import make_url, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from portal.applications import demo as demo_applications
from portal.applications.rules import ServiceKind
from portal.casework import service as casework
from portal.db import Database
from portal.people import service as people
from portal.people.models import Person, StaffRoleName
from portal.surveys import service
from portal.surveys.definitions import all_surveys
from tests.surveys.test_anonymity import EVERY_PAGE

RECIPIENTS = all_surveys()["recipients-2026"]
FIRST_DAY = date(2026, 11, 20)  # one respondent a day, over the turn of the month (the survey closes 2027-01-31)
RESPONDENTS = 40  # eight batches of five: chance (at most 25 right, mean 8) is then far from a leak (40)
UNLIKELY = Fraction(1, 1_000_000)

Row = dict[str, Any]


def fixed_points(n: int) -> list[Fraction]:
    """P(a random permutation of n has exactly k fixed points), k = 0..n."""
    derangements = [1, 0]
    for m in range(2, n + 1):
        derangements.append((m - 1) * (derangements[-1] + derangements[-2]))
    return [Fraction(comb(n, k) * derangements[n - k], factorial(n)) for k in range(n + 1)]


def chance_bound(respondents: int, batch: int) -> int:
    """The most correct pairs that chance gives with probability at least UNLIKELY: the sum of the
    fixed points of one random permutation per batch."""
    total = [Fraction(1)]
    one = fixed_points(batch)
    for _ in range(respondents // batch):
        total = [sum((total[i] * one[k - i] for i in range(len(total)) if 0 <= k - i < len(one)), Fraction(0))
                 for k in range(len(total) + batch)]
    tail = Fraction(0)
    for k in range(len(total) - 1, -1, -1):
        tail += total[k]
        if tail >= UNLIKELY:
            return k
    return 0


def by_position(participations: Sequence[Row], responses: Sequence[Row], key: Callable[[Row], Any]) -> int:
    """Sort both tables by the same thing and pair them one to one; how many pairs are right."""
    pairs = zip(sorted(participations, key=key), sorted(responses, key=key), strict=False)
    return sum(1 for p, r in pairs if p["marker"] == r["marker"])


def by_equal(participations: Sequence[Row], responses: Sequence[Row], key: Callable[[Row], Any]) -> int:
    """Pair a participation with a response that has the same value, when exactly one has; how many are right."""
    linked = 0
    for p in participations:
        same = [r for r in responses if key(r) == key(p)]
        linked += len(same) == 1 and same[0]["marker"] == p["marker"]
    return linked


async def respondents(session: AsyncSession) -> dict[int, str]:
    """RESPONDENTS people who receive the service, each with a marker only their answers carry (person id -> marker)."""
    liga = await people.ensure_person(session, "230565-11005", "Līga", "Liepiņa")
    await people.add_staff_role(session, liga, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, "riga"))
    markers = {}
    for number in range(RESPONDENTS):
        person = await people.ensure_person(session, f"3212{number:02d}-00000", "Persona", f"N{number}")
        contact = {"method": "post", "phone": "", "email": ""}
        application = await demo_applications.submitted_application(session, person, person, demo_applications.adult_answers(contact), "lv")
        await casework.grant(session, application, liga, kind=ServiceKind.ADULT_ASSISTANT, minutes=4800,
                             valid_from=date(2026, 1, 1), valid_to=date(2028, 12, 31), decision_text="Piešķirts.")
        markers[person.id] = f"respondent {number}"
    return markers


async def left_in_pages(session: AsyncSession, tables: Sequence[str]) -> int:
    """PostgreSQL: how many respondents' markers the tables' pages still hold, dead row versions included
    (read byte by byte with pageinspect, as someone with the data files would)."""
    await session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    found = 0
    for table in tables:
        pages = int((await session.execute(text(f"SELECT pg_relation_size('{table}') / 8192"))).scalar_one())
        for page in range(pages):
            raw = bytes((await session.execute(text(f"SELECT get_raw_page('{table}', {page})"))).scalar_one())
            found += raw.count(b"respondent ")
    return found


def rows(database_url: str) -> tuple[list[Row], list[Row], int, int, int]:
    """Each person answers in a request of their own, with the batch step after it as the page runs it."""
    async def work() -> tuple[list[Row], list[Row], int, int, int]:
        db = Database(database_url)
        async with db.session() as session:
            markers = await respondents(session)
        for number, (person_id, marker) in enumerate(markers.items()):
            day = FIRST_DAY + timedelta(days=number)
            for said in (f"draft of {marker}", marker):  # the draft's first version says it differently
                async with db.session() as session:
                    person = await session.scalar(select(Person).where(Person.id == person_id))
                    assert person is not None
                    await service.save_draft(session, RECIPIENTS, person, {**EVERY_PAGE, "what_to_change": said})
            async with db.session() as session:
                person = await session.scalar(select(Person).where(Person.id == person_id))
                assert person is not None
                await service.submit(session, RECIPIENTS, person, "lv", day)
            await service.release_held(db, day)
        postgres = db.engine.dialect.name == "postgresql"
        system = "xmin::text::bigint AS xmin, ctid::text AS ctid" if postgres else "rowid AS rowid"
        async with db.session() as session:
            participations = [dict(r._mapping) for r in await session.execute(text(f"SELECT {system}, id, person_id FROM survey_participation"))]
            responses = [dict(r._mapping) for r in await session.execute(text(f"SELECT {system}, id, submitted_on, answers FROM survey_response"))]
            held = int((await session.execute(text("SELECT count(*) FROM survey_held_answer"))).scalar_one())
            drafts = int((await session.execute(text("SELECT count(*) FROM survey_draft"))).scalar_one())
            dead = await left_in_pages(session, ("survey_held_answer", "survey_draft")) if postgres else 0
        await db.dispose()
        if not postgres:  # the database file and its WAL, byte by byte: only the responses' own copies
            path = Path(str(make_url(database_url).database))
            files = b"".join(f.read_bytes() for f in (path, path.with_name(path.name + "-wal")) if f.exists())
            dead = files.count(b"respondent ") - RESPONDENTS
        for p in participations:
            p["marker"] = markers[p["person_id"]]
        for r in responses:
            answers = r["answers"] if isinstance(r["answers"], dict) else json.loads(r["answers"])
            r["marker"] = answers["what_to_change"]
            if postgres:
                page, slot = r["ctid"].strip("()").split(",")
                r["ctid"] = (int(page), int(slot))
        for p in participations:
            if postgres:
                page, slot = p["ctid"].strip("()").split(",")
                p["ctid"] = (int(page), int(slot))
        return participations, responses, held, drafts, dead

    return asyncio.run(work())


def test_no_attack_on_the_database_links_more_respondents_than_chance(database_url: str) -> None:
    participations, responses, held, drafts, dead = rows(database_url)
    assert len(participations) == len(responses) == RESPONDENTS and held == 0 and drafts == 0
    bound = chance_bound(RESPONDENTS, service.RELEASE_BATCH)
    attacks: dict[str, int] = {
        "id order": by_position(participations, responses, lambda row: row["id"]),
        # The dates: the participations have none, but their order is the order of answering; the responses'
        # dates, ties broken by the id (as the old export sorted them), would give the same order.
        "date order": by_position(sorted(participations, key=lambda row: row["id"]),
                                  sorted(responses, key=lambda row: (str(row["submitted_on"]), row["id"])), lambda row: 0),
    }
    if "xmin" in participations[0]:
        attacks["xmin equality"] = by_equal(participations, responses, lambda row: row["xmin"])
        attacks["xmin order"] = by_position(participations, responses, lambda row: (row["xmin"], row["ctid"]))
        attacks["ctid order"] = by_position(participations, responses, lambda row: row["ctid"])
    else:
        attacks["rowid order"] = by_position(participations, responses, lambda row: row["rowid"])
    linked_more_than_chance = {name: linked for name, linked in attacks.items() if linked > bound}
    assert not linked_more_than_chance, f"linked of {RESPONDENTS} (chance gives at most {bound}): {attacks}"
    if "xmin" in participations[0]:  # stronger: no response shares a transaction with anyone's participation
        assert not {p["xmin"] for p in participations} & {r["xmin"] for r in responses}
    # The held answers and the drafts, deleted, shared the participation's transaction: no copy of them may
    # stay in the tables' pages (PostgreSQL: dead row versions) or in the file and its WAL (SQLite).
    assert dead == 0, f"{dead} copies of respondents' answers are left where the held answers and drafts were"
    assert all(str(r["submitted_on"]).endswith("-01") for r in responses)  # the month only

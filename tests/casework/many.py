"""A month of many confirmed reports at Rīga's desk, for the pages and exports that go a batch at a
time: each person ("Persona NrNNN") with an assistant of her own ("Asistents ANNN"), so that no two
entries are the same assistant's at the same time."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from portal import clock
from portal.applications import demo as demo_applications
from portal.applications.rules import ServiceKind
from portal.casework import service as casework
from portal.db import Database
from portal.people import service as people
from portal.people.models import StaffRoleName
from portal.timesheets import service
from portal.timesheets.models import HourlyRate, MonthlyReport
from tests.test_query_counts import personal_codes

LIGA, PETERIS = "230565-11005", "300688-11000"  # Rīga's and Jelgava's caseworkers
RATES = ((date(2021, 7, 1), 450), (date(2023, 1, 1), 479), (date(2023, 4, 1), 511))  # as the migration inserts them
STUDY_EVERY = 5  # every fifth person is granted a study assistant (hours a week); the others an adult's assistant


@dataclass(frozen=True)
class Confirmed:
    number: int  # NNN of "Persona NrNNN"
    report_id: int
    assignment_id: int
    kind: ServiceKind


def confirmed_month(database_url: str, month: date, count: int, *, first: int = 0, days: Sequence[int] = (2,), hours: int = 2,
                    names: dict[int, tuple[str, str]] | None = None) -> list[Confirmed]:
    """`count` people (numbered from `first`) granted from two months before `month`, each with her own
    assistant, who records `hours` on each of `days`; she submits and the person confirms.
    `names` gives some assistants other (given, family) names."""

    async def work() -> list[Confirmed]:
        db = Database(database_url)
        made = []
        async with db.session() as session:
            liga = await people.ensure_person(session, LIGA, "Līga", "Liepiņa")
            riga = await people.municipality_by_code(session, "riga")
            await people.add_staff_role(session, liga, StaffRoleName.CASEWORKER, riga)
            peteris = await people.ensure_person(session, PETERIS, "Pēteris", "Zariņš")
            await people.add_staff_role(session, peteris, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, "jelgava"))
            if not await session.scalar(select(HourlyRate.id).limit(1)):  # the suite empties every table but municipalities
                session.add_all(HourlyRate(valid_from=day, cents=cents) for day, cents in RATES)
            start = service.previous_month(service.previous_month(month))
            codes = list(personal_codes(2 * (first + count)))[2 * first:]
            for offset in range(count):
                number = first + offset
                person = await people.ensure_person(session, codes[2 * offset], "Persona", f"Nr{number:03d}")
                given, family = (names or {}).get(number, ("Asistents", f"A{number:03d}"))
                assistant = await people.ensure_person(session, codes[2 * offset + 1], given, family)
                answers = demo_applications.adult_answers({"method": "email", "phone": "", "email": f"p{number}@example.lv"})
                application = await demo_applications.submitted_application(session, person, person, answers, "lv")
                kind = ServiceKind.STUDY_ASSISTANT if number % STUDY_EVERY == STUDY_EVERY - 1 else ServiceKind.ADULT_ASSISTANT
                await casework.grant(session, application, liga, kind=kind, minutes=(10 if kind is ServiceKind.STUDY_ASSISTANT else 80) * 60,
                                     valid_from=start, valid_to=start.replace(year=start.year + 2) - timedelta(days=1),
                                     decision_text="Piešķirts.")
                assignment = await casework.assign(session, application, liga, assistant, start)
                await session.flush()
                assisted = await service.assignment_of(session, assistant, assignment.id)
                for day in days:
                    entry = service.EntryInput(month.replace(day=day), 9 * 60, (9 + hours) * 60, "work_study_sport", "")
                    _saved, problems = await service.save_entry(session, assistant, assisted, month, entry, clock.today(), None)
                    assert not problems, problems
                report = await service.submit(session, assistant, assisted, month, clock.today(), None)
                await service.confirm(session, person, report, None)
                made.append(Confirmed(number, report.id, assignment.id, kind))
        await db.dispose()
        return made

    return asyncio.run(work())


def confirmed_ids(database_url: str, month: date) -> list[int]:
    async def work() -> list[int]:
        db = Database(database_url)
        async with db.session() as session:
            found = list(await session.scalars(select(MonthlyReport.id).where(MonthlyReport.month == month).order_by(MonthlyReport.id)))
        await db.dispose()
        return found

    return asyncio.run(work())

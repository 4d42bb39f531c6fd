"""Test data for the month: Anna's and Marta's grants with Ilze as their assistant."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date

from portal import clock
from portal.applications import demo as demo_applications
from portal.applications.rules import ServiceKind
from portal.casework import service as casework
from portal.db import Database
from portal.people import service as people
from portal.people.models import Person, RepresentationKind, StaffRoleName
from portal.timesheets import service

ANNA, ILZE, LIGA, JANIS, MARTA, OLGA = ("150385-11001", "110978-11006", "230565-11005", "020790-11000", "120215-21007",
                                        "328673-00679")


@dataclass(frozen=True)
class Grants:
    anna_assignment: int
    marta_assignment: int
    this_month: date
    last_month: date


def grant_and_assign(database_url: str, anna_hours: int = 80, anna_kind: ServiceKind = ServiceKind.ADULT_ASSISTANT) -> Grants:
    """Anna (80 h a month) and Marta (Jānis's daughter, 80 h) granted from three months ago, Ilze assists both.

    `anna_kind` a study assistant: Anna's hours are `anna_hours` a week instead.
    """

    async def work() -> Grants:
        db = Database(database_url)
        async with db.session() as session:
            today = clock.today()
            start = service.previous_month(service.previous_month(service.previous_month(service.month_of(today))))
            anna = await people.ensure_person(session, ANNA, "Anna", "Bērziņa")
            ilze = await people.ensure_person(session, ILZE, "Ilze", "Ozola")
            liga = await people.ensure_person(session, LIGA, "Līga", "Liepiņa")
            janis = await people.ensure_person(session, JANIS, "Jānis", "Kalniņš")
            marta = await people.ensure_person(session, MARTA, "Marta", "Kalniņa")
            await people.add_representation(session, janis, marta, RepresentationKind.PARENT, date(2015, 2, 12), None)
            await people.add_staff_role(session, liga, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, "riga"))
            contact = {"method": "email", "phone": "", "email": "anna@example.lv"}
            ids = []
            for person, by, answers, kind in (
                (anna, anna, demo_applications.adult_answers(contact), anna_kind),
                (marta, janis, demo_applications.child_answers(ServiceKind.CHILD_ASSISTANT), ServiceKind.CHILD_ASSISTANT),
            ):
                application = await demo_applications.submitted_application(session, by, person, answers, "lv")
                await casework.grant(session, application, liga, kind=kind, minutes=(anna_hours if person is anna else 80) * 60,
                               valid_from=start, valid_to=date(start.year + 2, start.month, 1), decision_text="Piešķirts.")
                await casework.assign(session, application, liga, ilze, start)
                await session.flush()
                ids.append(next(a for a in await service.assisted_by(session, ilze) if a.person.id == person.id).assignment.id)
        await db.dispose()
        return Grants(ids[0], ids[1], service.month_of(today), service.previous_month(service.month_of(today)))

    return asyncio.run(work())


def recorded_and_submitted(database_url: str, assignment_id: int, month: date, days: int = 3, hours: int = 3) -> int:
    """Ilze records `days` entries of `hours` in the month and submits it: the report's id."""

    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            ilze = await people.person_by_code(session, ILZE)
            assisted = await service.assignment_of(session, ilze, assignment_id)
            for number in range(days):
                entry = service.EntryInput(month.replace(day=number + 1), 9 * 60, (9 + hours) * 60, "work_study_sport", "")
                _saved, problems = await service.save_entry(session, ilze, assisted, month, entry, clock.today(), None)
                assert not problems, problems
            report = await service.submit(session, ilze, assisted, month, clock.today(), None)
            report_id = report.id
        await db.dispose()
        return report_id

    return asyncio.run(work())


def confirmed_report(database_url: str, assignment_id: int, month: date) -> int:
    """A month recorded, submitted and confirmed by the person: the report's id."""
    report_id = recorded_and_submitted(database_url, assignment_id, month)

    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            from portal.timesheets.models import MonthlyReport

            report = await session.get(MonthlyReport, report_id)
            assert report is not None
            person = await session.get(Person, report.person_id)
            assert person is not None
            await service.confirm(session, person, report, None)
        await db.dispose()

    asyncio.run(work())
    return report_id


def represents(database_url: str, representative: str, represented: str,
               kind: RepresentationKind = RepresentationKind.GUARDIAN) -> None:
    """The first person (by personal code) represents the second from 2020 on."""

    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            await people.add_representation(session, await people.person_by_code(session, representative),
                                            await people.person_by_code(session, represented), kind, date(2020, 1, 1), None)
        await db.dispose()

    asyncio.run(work())

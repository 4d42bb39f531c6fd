"""Demo months (issue 5's demo data), relative to the day the demo is seeded, each dated when it happened.

- Earlier months (up to HISTORY_MONTHS before the month before last): Ilze Ozola submitted on the 2nd of the
  next month, Anna Bērziņa (or, for Marta Kalniņa, her father Jānis Kalniņš) confirmed on the 4th.
- An older report of Anna's (the month before last) was returned once and then confirmed.
- Ilze reported last month for Anna (about 60 of 80 hours, several purposes); it waits for Anna's confirmation.
- Last month for Marta was returned by Jānis: it waits for Ilze to correct it.
- Ilze has entries for the current month for Anna and for Marta.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.demo_history import happened_on
from portal.people import demo as demo_people
from portal.people import service as people
from portal.people.models import Person
from portal.timesheets import service
from portal.timesheets.models import MonthlyReport


def _workdays(month: date, until: date) -> list[date]:
    day, days = month, []
    while day <= min(service.last_day(month), until):
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


async def _record(db: AsyncSession, ilze: Person, assisted: service.Assisted, month: date, today: date, *,
                  start: int, hours: int, purposes: list[str], limit_days: int = 20) -> None:
    for number, day in enumerate(d for d in _workdays(month, today)[:limit_days] if assisted.covers(d)):
        entry = service.EntryInput(day, start * 60, (start + hours) * 60, purposes[number % len(purposes)],
                                   "Veikals un aptieka" if purposes[number % len(purposes)] == "other" else "")
        _saved, problems = await service.save_entry(db, ilze, assisted, month, entry, today, None)
        assert not problems, problems


HISTORY_MONTHS = 4


async def _confirmed_months(db: AsyncSession, ilze: Person, by: Person, assisted: service.Assisted, before: date, today: date,
                            *, start: int, purposes: list[str]) -> None:
    """Each month from HISTORY_MONTHS before `before` (or the grant's first) until `before`: submitted, then confirmed."""
    month = before
    for _ in range(HISTORY_MONTHS):
        month = service.previous_month(month)
    while month < before:
        if assisted.covers_month(month):
            async with happened_on(db, service.next_month(month) - timedelta(days=3), hour=19):
                await _record(db, ilze, assisted, month, today, start=start, hours=3, purposes=purposes)
            async with happened_on(db, service.next_month(month) + timedelta(days=1), hour=18):
                report = await service.submit(db, ilze, assisted, month, today, None)
            async with happened_on(db, service.next_month(month) + timedelta(days=3), hour=20):
                await service.confirm(db, by, report, None)
        month = service.next_month(month)


async def seed(db: AsyncSession) -> None:
    """Idempotent: nothing is added once any report exists."""
    if await db.scalar(select(MonthlyReport.id).limit(1)) is not None:
        return
    today = clock.today()
    by_code = {p.personal_code: await people.person_by_code(db, p.personal_code) for p in demo_people.DEMO_PEOPLE}
    ilze, anna = by_code[demo_people.ILZE.personal_code], by_code[demo_people.ANNA.personal_code]
    janis = by_code[demo_people.JANIS.personal_code]
    assisted = {item.person.id: item for item in await service.assisted_by(db, ilze)}
    for_anna = assisted.get(anna.id)
    for_marta = assisted.get(by_code[demo_people.MARTA.personal_code].id)
    this_month = service.month_of(today)
    last_month = service.previous_month(this_month)
    older = service.previous_month(last_month)
    work = ["work_study_sport", "work_study_sport", "work_study_sport", "work_study_sport", "other"]

    marta_purposes = ["school"]
    if for_anna:
        await _confirmed_months(db, ilze, anna, for_anna, older, today, start=9, purposes=work)
    if for_marta:
        await _confirmed_months(db, ilze, janis, for_marta, last_month, today, start=15, purposes=marta_purposes)
    if for_anna and for_anna.covers_month(older):
        async with happened_on(db, last_month - timedelta(days=2), hour=19):
            await _record(db, ilze, for_anna, older, today, start=9, hours=3, purposes=work, limit_days=18)
        async with happened_on(db, last_month + timedelta(days=1), hour=18):
            report = await service.submit(db, ilze, for_anna, older, today, None)
        first = (await service.entries_of(db, [report.id]))[report.id][0]
        async with happened_on(db, last_month + timedelta(days=3), hour=20):
            await service.dispute(db, anna, report, None, "Pirmajā dienā asistente bija pie manis tikai līdz 11:00.", [first.id])
        async with happened_on(db, last_month + timedelta(days=4), hour=17):
            _saved, problems = await service.save_entry(
                db, ilze, for_anna, older, service.EntryInput(first.day, 9 * 60, 11 * 60, first.purpose, "Labots pēc Annas piezīmes"),
                today, None, first.id)
            assert not problems
            resubmitted = await service.submit(db, ilze, for_anna, older, today, None)
        async with happened_on(db, last_month + timedelta(days=5), hour=19):
            await service.confirm(db, anna, resubmitted, None)
    # Last month's reports went in on the 1st (today, when today is the 1st).
    first_day = this_month
    if for_anna and for_anna.covers_month(last_month):
        async with happened_on(db, first_day - timedelta(days=1), hour=19):
            await _record(db, ilze, for_anna, last_month, today, start=9, hours=3, purposes=work)
        async with happened_on(db, first_day, hour=9):
            await service.submit(db, ilze, for_anna, last_month, today, None)  # waits for Anna
    if for_marta and for_marta.covers_month(last_month):
        async with happened_on(db, first_day - timedelta(days=1), hour=19):
            await _record(db, ilze, for_marta, last_month, today, start=15, hours=3, purposes=marta_purposes)
        async with happened_on(db, first_day, hour=9):
            marta_report = await service.submit(db, ilze, for_marta, last_month, today, None)
        async with happened_on(db, first_day, hour=20):
            await service.dispute(db, janis, marta_report, None,
                                  "Otrdien skola bija slēgta; lūdzu, izņemiet to dienu.", [])  # waits for Ilze
    if for_anna:
        await _record(db, ilze, for_anna, this_month, today, start=9, hours=3, purposes=work)
    if for_marta:
        await _record(db, ilze, for_marta, this_month, today, start=15, hours=2, purposes=["school"])

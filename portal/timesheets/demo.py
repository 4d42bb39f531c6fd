"""Demo months (issue 5's demo data), relative to the day the demo is seeded.

- Ilze Ozola reported last month for Anna Bērziņa (about 60 of 80 hours, several purposes);
  it waits for Anna's confirmation.
- Ilze has entries for the current month for Anna and for Marta.
- Last month for Marta Kalniņa was confirmed by Jānis Kalniņš.
- An older report of Anna's (the month before last) was returned once and then confirmed.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
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

    if for_anna and for_anna.covers_month(older):
        await _record(db, ilze, for_anna, older, today, start=9, hours=3, purposes=work, limit_days=18)
        report = await service.submit(db, ilze, for_anna, older, today, None)
        first = (await service.entries_of(db, [report.id]))[report.id][0]
        await service.dispute(db, anna, report, None, "Pirmajā dienā asistente bija pie manis tikai līdz 11:00.", [first.id])
        _saved, problems = await service.save_entry(
            db, ilze, for_anna, older, service.EntryInput(first.day, 9 * 60, 11 * 60, first.purpose, "Labots pēc Annas piezīmes"),
            today, None, first.id)
        assert not problems
        await service.confirm(db, anna, await service.submit(db, ilze, for_anna, older, today, None), None)
    if for_anna and for_anna.covers_month(last_month):
        await _record(db, ilze, for_anna, last_month, today, start=9, hours=3, purposes=work)
        await service.submit(db, ilze, for_anna, last_month, today, None)  # waits for Anna
    if for_marta and for_marta.covers_month(last_month):
        await _record(db, ilze, for_marta, last_month, today, start=15, hours=3, purposes=["school"])
        await service.confirm(db, janis, await service.submit(db, ilze, for_marta, last_month, today, None), None)
    if for_anna:
        await _record(db, ilze, for_anna, this_month, today, start=9, hours=3, purposes=work)
    if for_marta:
        await _record(db, ilze, for_marta, this_month, today, start=15, hours=2, purposes=["school"])

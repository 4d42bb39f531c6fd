"""The month's rules where they are easy to get wrong: the grant's limit counts every assistant,
a future day is refused, and submitting an unfinished month writes nothing."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import timedelta

from sqlalchemy import func, select

from portal import clock
from portal.db import Database
from portal.entitlements.models import AssistantAssignment
from portal.people import service as people
from portal.timesheets import service
from portal.timesheets.models import MonthlyReport
from tests.timesheets.helpers import ILZE, OLGA, grant_and_assign


def test_two_assistants_together_stay_within_the_grant(database_url: str) -> None:
    grants = grant_and_assign(database_url, anna_hours=5)

    async def work() -> list[str]:
        db = Database(database_url)
        async with db.session() as session:
            ilze = await people.person_by_code(session, ILZE)
            olga = await people.ensure_person(session, OLGA, "Ольга", "Иванова")
            first = await service.assignment_of(session, ilze, grants.anna_assignment)
            # Ilze hands over to Ольга mid-month: a second assignment on the same grant.
            second = AssistantAssignment(person_id=first.person.id, assistant_id=olga.id,
                                         application_id=first.assignment.application_id,
                                         valid_from=first.assignment.valid_from, assigned_by_id=ilze.id)
            session.add(second)
            await session.flush()
            other = await service.assignment_of(session, olga, second.id)
            month = grants.last_month
            entry = service.EntryInput(month.replace(day=2), 9 * 60, 12 * 60, "work_study_sport", "")
            _saved, problems = await service.save_entry(session, ilze, first, month, entry, clock.today(), None)
            assert problems == []
            later = service.EntryInput(month.replace(day=9), 9 * 60, 12 * 60, "work_study_sport", "")
            _saved, problems = await service.save_entry(session, olga, other, month, later, clock.today(), None)
            future = service.EntryInput(clock.today() + timedelta(days=1), 9 * 60, 10 * 60, "other", "")
            future_problems = await service.check_entry(session, first, service.month_of(future.day), future, clock.today())
            rules = [p.rule for p in problems] + [p.rule for p in future_problems]
        await db.dispose()
        return rules

    assert asyncio.run(work()) == ["month_total", "future"]


def test_submitting_a_month_that_is_not_over_writes_nothing(database_url: str) -> None:
    grants = grant_and_assign(database_url)

    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            ilze = await people.person_by_code(session, ILZE)
            assisted = await service.assignment_of(session, ilze, grants.anna_assignment)
            if service.may_submit(grants.this_month, clock.today()):
                return 0  # the last day of the month: submitting is allowed today
            with suppress(service.NotAllowed):
                await service.submit(session, ilze, assisted, grants.this_month, clock.today(), None)
            return int(await session.scalar(select(func.count()).select_from(MonthlyReport)) or 0)

    assert asyncio.run(work()) == 0

"""For the demo's seed: what a block of it does is dated on a day in the past, so that its history looks real.

The services stamp what they record with the time it happens (`utcnow`); the demo's applications, decisions
and reports happened over months. `happened_on(db, day)` re-dates every stamp the block wrote (each column
below that now holds a time from the block's start on) to that day.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date, datetime, time

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from portal import clock
from portal.applications.models import Application, ApplicationDocument, ApplicationEvent
from portal.casework.models import DecisionDocument
from portal.db import utcnow
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.timesheets.models import MonthlyReport, ReportEvent, TimeEntry

STAMPS: tuple[InstrumentedAttribute[datetime | None] | InstrumentedAttribute[datetime], ...] = (
    Application.created_at, Application.updated_at, Application.submitted_at, Application.decided_at,
    ApplicationEvent.at, ApplicationDocument.uploaded_at, DecisionDocument.issued_at, Entitlement.created_at, AssistantAssignment.created_at,
    MonthlyReport.created_at, MonthlyReport.submitted_at, MonthlyReport.confirmed_at, ReportEvent.at, TimeEntry.created_at,
)


@asynccontextmanager
async def happened_on(db: AsyncSession, day: date, hour: int = 10) -> AsyncIterator[None]:
    started = utcnow()
    yield
    await db.flush()
    at = datetime.combine(day, time(hour), tzinfo=clock.RIGA)
    for column in STAMPS:
        await db.execute(update(column.class_).where(column >= started).values({column.key: at})
                         .execution_options(synchronize_session=False))
    # The session's objects keep the times they were given; a flush writes only what changes later.

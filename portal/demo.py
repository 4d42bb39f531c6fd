"""Everything `make demo` puts in the database: each feature's demo data, in order."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from portal.applications import demo as demo_applications
from portal.assessment import demo as demo_assessments
from portal.people import demo as demo_people
from portal.storage import Storage
from portal.surveys import demo as demo_surveys
from portal.timesheets import demo as demo_timesheets


async def seed(db: AsyncSession, storage: Storage) -> None:
    await demo_people.seed(db)
    await demo_applications.seed(db, storage)
    await demo_assessments.seed(db)
    await demo_timesheets.seed(db)
    await demo_surveys.seed(db)

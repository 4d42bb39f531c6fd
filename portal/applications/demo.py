"""Demo applications (issue 3's demo data, as far as the journey goes so far)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.applications import service
from portal.applications.models import Application
from portal.people import demo as demo_people
from portal.people import service as people


async def seed(db: AsyncSession) -> None:
    """Ольга Иванова has a half-filled draft for the adult assistant. Idempotent."""
    olga = await people.person_by_code(db, demo_people.OLGA.personal_code)
    if await db.scalar(select(Application.id).where(Application.person_id == olga.id).limit(1)) is None:
        draft = await service.start_draft(db, olga, olga.id, clock.today())
        await service.save_answers(db, olga, draft.id, {"service": "adult_assistant", "disability-group": "2"}, clock.today())

"""Everything `make demo` puts in the database: each feature's demo data, in order."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.applications import demo as demo_applications
from portal.applications.models import Application
from portal.assessment import demo as demo_assessments
from portal.people import demo as demo_people
from portal.people.models import Person
from portal.registers import service as registers
from portal.registers.base import Registers
from portal.registers.files import FileRegisters
from portal.registers.models import ReadStage, RegisterRead
from portal.storage import Storage
from portal.surveys import demo as demo_surveys
from portal.timesheets import demo as demo_timesheets


async def seed(db: AsyncSession, storage: Storage) -> None:
    await demo_people.seed(db)
    await demo_applications.seed(db, storage)
    await demo_assessments.seed(db)
    await demo_timesheets.seed(db)
    await demo_surveys.seed(db)
    await _register_reads(db)
    await demo_people.seed_contacts(db)


async def _register_reads(db: AsyncSession) -> None:
    """What the demo's registers say about each demo application's person, kept as if read when the
    draft was started (the journey does this for new ones): the prefill, the facts on the desk."""
    files = FileRegisters()
    demo_registers = Registers(population=files, disability=files, education=files)
    unread = await db.execute(
        select(Application.id, Person.personal_code)
        .join(Person, Person.id == Application.person_id)
        .where(~select(RegisterRead.id).where(RegisterRead.application_id == Application.id).exists())
    )
    for application_id, personal_code in unread.all():
        await registers.keep(db, application_id, await registers.read_all(demo_registers, personal_code), ReadStage.APPLIED)

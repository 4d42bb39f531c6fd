"""Contact details for tests, confirmed the way a person confirms them: the code is read from the message sent."""

from __future__ import annotations

import asyncio
import re

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.db import Database
from portal.notifications.models import OutboxMessage
from portal.people import contacts
from portal.people import service as people
from portal.people.models import Channel, Person

CODE = re.compile(r"\b(\d{6})\b")


async def confirmed_contact(db: AsyncSession, person: Person, *, email: str = "", phone: str = "", eaddress: bool = False,
                            channel: Channel = Channel.EMAIL, language: str = "lv", confirm: bool = True) -> None:
    """Save the details; with `confirm`, enter each code the portal sent, then drop those messages from the outbox."""
    waiting = await contacts.save(db, person, email=email, phone=phone, eaddress=eaddress, channel=channel, language=language)
    sent = list(await db.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.is_(None)).order_by(OutboxMessage.id)))
    for kind in waiting if confirm else ():
        details = await contacts.details_of(db, person)
        assert details is not None
        address = {Channel.EMAIL: details.email, Channel.SMS: details.phone, Channel.EADDRESS: details.eaddress}[kind]
        message = [m for m in sent if m.to_address == address and m.channel == kind.value][-1]
        found = CODE.search(message.body)
        assert found, message.body
        assert await contacts.confirm(db, person, kind, found.group(1)) is contacts.CodeOutcome.CONFIRMED
    await db.execute(delete(OutboxMessage).where(OutboxMessage.id.in_([m.id for m in sent])))


def give_contact(database_url: str, code: str, given: str, family: str, **details: object) -> None:
    """For a person who may not have signed in yet: their contact details, confirmed."""

    async def work() -> None:
        database = Database(database_url)
        try:
            async with database.session() as db:
                person = await people.ensure_person(db, code, given, family)
                await confirmed_contact(db, person, **details)  # type: ignore[arg-type]
        finally:
            await database.dispose()

    asyncio.run(work())

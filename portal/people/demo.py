"""The demo people: users of the demo eID provider and rows in the demo database.

Their `sub` at the provider is their personal code. Later features give them cases. What the state
registers hold about each of them (address, disability, school, representation) is the file-backed
registers' fixture, portal/registers/fixtures/demo.json; their legal representations come from it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.db import utcnow
from portal.notifications.eaddress import eaddress_of
from portal.people import service
from portal.people.models import Channel, ContactDetails, StaffRoleName
from portal.registers import service as registers
from portal.registers.files import FileRegisters


@dataclass(frozen=True)
class DemoPerson:
    personal_code: str
    given_name: str
    family_name: str
    role: str
    preferred_locale: str | None = None

    @property
    def claims(self) -> dict[str, str]:
        return {"given_name": self.given_name, "family_name": self.family_name}


ANNA = DemoPerson("150385-11001", "Anna", "Bērziņa", "adult recipient, works")
JANIS = DemoPerson("020790-11000", "Jānis", "Kalniņš", "parent and legal representative of Marta")
MARTA = DemoPerson("120215-21007", "Marta", "Kalniņa", "child, 11")
ILZE = DemoPerson("110978-11006", "Ilze", "Ozola", "assistant")
LIGA = DemoPerson("230565-11005", "Līga", "Liepiņa", "caseworker, Rīga social service")
PETERIS = DemoPerson("300688-11000", "Pēteris", "Zariņš", "survey analyst")
OLGA = DemoPerson("328673-00679", "Ольга", "Иванова", "adult, prefers Russian, new applicant", "ru")

DEMO_PEOPLE: tuple[DemoPerson, ...] = (ANNA, JANIS, MARTA, ILZE, LIGA, PETERIS, OLGA)

OLGA_PHONE = "+371 29123456"
# Their contact details, confirmed (the demo's notices go there): (e-mail, mobile, e-address, channel, language).
DEMO_CONTACTS: dict[DemoPerson, tuple[str, str, bool, Channel, str]] = {
    ANNA: ("anna.berzina@example.lv", "", True, Channel.EMAIL, "lv"),
    JANIS: ("janis.kalnins@example.lv", "+371 26123456", False, Channel.EMAIL, "lv"),
    ILZE: ("ilze.ozola@example.lv", "", False, Channel.EMAIL, "lv"),  # an assistant has contact details too
    OLGA: ("", OLGA_PHONE, False, Channel.SMS, "ru"),  # she chose the phone
}


async def seed(db: AsyncSession) -> None:
    """Idempotent: running it twice leaves the same rows."""
    people = {
        demo.personal_code: await service.ensure_person(
            db, demo.personal_code, demo.given_name, demo.family_name, demo.preferred_locale
        )
        for demo in DEMO_PEOPLE
    }
    # The legal representations the population register holds (Jānis for Marta, until she turns 18).
    files = FileRegisters()
    for code, person in people.items():
        await registers.refresh_representations(db, person, await files.person(code))
    riga = await service.municipality_by_code(db, "riga")
    await service.add_staff_role(db, people[LIGA.personal_code], StaffRoleName.CASEWORKER, riga)
    await service.add_staff_role(db, people[PETERIS.personal_code], StaffRoleName.SURVEY_ANALYST, None)


async def seed_contacts(db: AsyncSession) -> None:
    """Idempotent. Written after the demo's history, so that its events told nobody (nothing was confirmed then)."""
    if await db.scalar(select(ContactDetails.id).limit(1)) is not None:
        return
    now = utcnow()
    for demo, (email, phone, eaddress, channel, language) in DEMO_CONTACTS.items():
        person = await service.person_by_code(db, demo.personal_code)
        db.add(ContactDetails(
            person_id=person.id, email=email, email_confirmed_at=now if email else None, phone=phone,
            phone_confirmed_at=now if phone else None, eaddress=eaddress_of(demo.personal_code) if eaddress else "",
            eaddress_confirmed_at=now if eaddress else None, channel=channel, language=language,
        ))
    await db.flush()

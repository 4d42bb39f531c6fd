"""People, representation and staff roles: the rules, without HTTP."""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from portal.people.models import (
    Municipality,
    Named,
    Person,
    Representation,
    RepresentationKind,
    School,
    StaffRole,
    StaffRoleName,
)
from portal.people.personal_code import normalise


class NotFound(LookupError):
    pass


async def person_by_code(db: AsyncSession, personal_code: str) -> Person:
    code = normalise(personal_code, from_provider=True)
    person = await db.scalar(select(Person).where(Person.personal_code == code))
    if person is None:
        raise NotFound(f"no person with personal code {code}")
    return person


async def names_by_id(db: AsyncSession, ids: set[int]) -> dict[int, Named]:
    """The names of the people a list shows, by their ids: three columns each, no Person objects."""
    if not ids:
        return {}
    rows = await db.execute(select(Person.id, Person.given_name, Person.family_name).where(Person.id.in_(ids)))
    return {row.id: Named(row.id, row.given_name, row.family_name) for row in rows}


async def ensure_person(
    db: AsyncSession, personal_code: str, given_name: str, family_name: str, preferred_locale: str | None = None
) -> Person:
    """The person with this code, created if new (as the register would know them)."""
    code = normalise(personal_code, from_provider=False)
    person = await db.scalar(select(Person).where(Person.personal_code == code))
    if person is None:
        person = Person(personal_code=code, given_name=given_name, family_name=family_name)
        db.add(person)
    person.preferred_locale = preferred_locale
    await db.flush()
    return person


async def municipality_by_code(db: AsyncSession, code: str) -> Municipality:
    municipality = await db.scalar(select(Municipality).where(Municipality.code == code))
    if municipality is None:
        raise NotFound(f"no municipality with code {code}")
    return municipality


async def add_staff_role(
    db: AsyncSession, person: Person, role: StaffRoleName, municipality: Municipality | None, school: School | None = None
) -> StaffRole:
    if role is StaffRoleName.CASEWORKER and municipality is None:
        raise ValueError("a caseworker belongs to a municipality")
    if role is StaffRoleName.SCHOOL_STAFF and school is None:
        raise ValueError("a school's staff role names the school")
    same_municipality = (
        StaffRole.municipality_id == municipality.id if municipality else StaffRole.municipality_id.is_(None)
    )
    same_school = StaffRole.school_id == school.id if school else StaffRole.school_id.is_(None)
    existing = await db.scalar(
        select(StaffRole).where(StaffRole.person_id == person.id, StaffRole.role == role, same_municipality, same_school)
    )
    if existing is not None:
        return existing
    staff_role = StaffRole(
        person_id=person.id,
        role=role,
        municipality_id=municipality.id if municipality else None,
        school_id=school.id if school else None,
    )
    db.add(staff_role)
    await db.flush()
    return staff_role


async def remove_staff_role(db: AsyncSession, person: Person, role: StaffRoleName) -> int:
    result = await db.execute(delete(StaffRole).where(StaffRole.person_id == person.id, StaffRole.role == role))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def staff_roles(db: AsyncSession, person: Person) -> list[StaffRole]:
    rows = await db.scalars(
        select(StaffRole).where(StaffRole.person_id == person.id).options(joinedload(StaffRole.municipality))
    )
    return list(rows)


async def add_representation(
    db: AsyncSession,
    representative: Person,
    represented: Person,
    kind: RepresentationKind,
    valid_from: date,
    valid_to: date | None,
) -> Representation:
    if representative.id == represented.id:
        raise ValueError("a person cannot represent themself")
    if valid_to is not None and valid_to < valid_from:
        raise ValueError("the representation ends before it starts")
    representation = Representation(
        representative_id=representative.id,
        represented_id=represented.id,
        kind=kind,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    db.add(representation)
    await db.flush()
    return representation


async def represented_people(db: AsyncSession, representative: Person, today: date) -> list[Representation]:
    """Whom this person may act for today, with each represented person loaded in the same query."""
    rows = await db.scalars(
        select(Representation)
        .where(
            Representation.representative_id == representative.id,
            Representation.valid_from <= today,
            (Representation.valid_to.is_(None)) | (Representation.valid_to >= today),
        )
        .options(joinedload(Representation.represented))
        .order_by(Representation.valid_from)
    )
    return list(rows)


async def municipalities(db: AsyncSession) -> list[Municipality]:
    """Latvia's municipalities (the 43 of the 2021 reform); callers sort them by the name they show."""
    return list(await db.scalars(select(Municipality)))


async def add_school(db: AsyncSession, municipality: Municipality, name: str) -> School:
    """A school that decides on its pupils' assistant; the same name twice in a municipality is one school."""
    name = " ".join(name.split())
    existing = await db.scalar(select(School).where(School.municipality_id == municipality.id, School.name == name))
    if existing is not None:
        return existing
    school = School(municipality_id=municipality.id, name=name)
    db.add(school)
    await db.flush()
    return school


async def schools_in(db: AsyncSession, municipality_code: str) -> list[School]:
    rows = await db.scalars(
        select(School).join(Municipality, School.municipality_id == Municipality.id).where(Municipality.code == municipality_code)
    )
    return list(rows)


async def school_by_id(db: AsyncSession, school_id: int) -> School:
    school = await db.get(School, school_id)
    if school is None:
        raise NotFound(f"no school {school_id}")
    return school

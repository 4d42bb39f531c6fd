"""From a verified eID identity to a Person row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import AuditAction, record
from portal.db import utcnow
from portal.people.models import Person
from portal.people.personal_code import InvalidPersonalCode, Problem, normalise


class UnusableIdentity(Exception):
    """The provider signed the person in, but did not tell us who they are in a usable way."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class Identity:
    personal_code: str
    given_name: str
    family_name: str


def identity_from_claims(claims: Mapping[str, object], personal_code_claim: str) -> Identity:
    raw = claims.get(personal_code_claim)
    try:
        code = normalise(raw if isinstance(raw, str) else None, from_provider=True)
    except InvalidPersonalCode as error:
        raise UnusableIdentity(error.problem) from error
    given = str(claims.get("given_name") or "").strip()
    family = str(claims.get("family_name") or "").strip()
    if not given and not family:
        # Some providers send only "name"; keep the whole of it as given.
        given = str(claims.get("name") or "").strip()
    return Identity(personal_code=code, given_name=given[:200], family_name=family[:200])


async def sign_in_person(db: AsyncSession, identity: Identity) -> Person:
    """Create the person on first sign-in; keep the name current with the register after that."""
    person = await db.scalar(select(Person).where(Person.personal_code == identity.personal_code))
    if person is None:
        person = Person(personal_code=identity.personal_code, given_name="", family_name="")
        db.add(person)
    if identity.given_name or identity.family_name:
        person.given_name = identity.given_name
        person.family_name = identity.family_name
    person.last_signed_in_at = utcnow()
    await db.flush()
    record(db, actor=person, subject=person, action=AuditAction.SIGNED_IN)
    return person


async def revoke_sessions(db: AsyncSession, person_id: int) -> None:
    person = await db.get(Person, person_id)
    if person is not None:
        person.sessions_revoked_at = utcnow()
        record(db, actor=person, subject=person, action=AuditAction.SIGNED_OUT)

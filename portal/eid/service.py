"""From a verified eID identity to a Person row."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import AuditAction, record, set_session
from portal.db import for_update, utcnow
from portal.eid.models import WebSession
from portal.eid.session import SEEN_EVERY_SECONDS, session_id
from portal.people.models import Person
from portal.people.personal_code import InvalidPersonalCode, Problem, normalise
from portal.settings import Settings


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
    return person


async def begin_session(db: AsyncSession, person: Person, id_token: str | None, user_agent: str) -> tuple[str, datetime]:
    """A new session's row; returns the token for the cookie (only its hash is stored) and when it began."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(id=session_id(token), person_id=person.id, signed_in_at=now, last_seen_at=now,
                     device=device_of(user_agent), id_token=id_token)
    db.add(row)
    set_session(row.id[:32])
    record(db, actor=person, subject=person, action=AuditAction.SIGNED_IN, detail=row.device)
    return token, now


async def close_session(db: AsyncSession, person: Person, token: str) -> str | None:
    """Sign out of this session; returns its ID token, for the provider's end-session request."""
    row = await db.scalar(for_update(select(WebSession).where(WebSession.id == session_id(token), WebSession.person_id == person.id)))
    if row is None or row.ended_at is not None:
        return None
    id_token, row.id_token, row.ended_at = row.id_token, None, utcnow()
    record(db, actor=person, subject=person, action=AuditAction.SIGNED_OUT, detail="this session")
    return id_token


async def end_other_sessions(db: AsyncSession, person: Person, token: str) -> int:
    """End every other session of the person (on other browsers and devices); returns how many."""
    ended = await db.execute(
        update(WebSession).where(WebSession.person_id == person.id, WebSession.id != session_id(token),
                                 WebSession.ended_at.is_(None)).values(ended_at=utcnow(), id_token=None)
    )
    count = int(getattr(ended, "rowcount", 0) or 0)
    if count:
        record(db, actor=person, subject=person, action=AuditAction.SIGNED_OUT, detail=f"{count} other sessions")
    return count


@dataclass(frozen=True)
class SessionSummary:
    device: str
    signed_in_at: datetime
    last_seen_at: datetime
    this_one: bool


MAX_LISTED_SESSIONS = 50


async def live_sessions(db: AsyncSession, person: Person, token: str, settings: Settings) -> list[SessionSummary]:
    """The person's sessions that can still be used, this one first, then the most recently active.

    A session past its absolute or idle timeout cannot act again, so it is not listed (its row is removed by retention).
    """
    now = utcnow()
    rows = await db.scalars(
        select(WebSession).where(
            WebSession.person_id == person.id, WebSession.ended_at.is_(None),
            WebSession.signed_in_at > now - timedelta(seconds=settings.absolute_timeout_seconds),
            WebSession.last_seen_at > now - timedelta(seconds=settings.idle_timeout_seconds + SEEN_EVERY_SECONDS),
        ).order_by(WebSession.last_seen_at.desc()).limit(MAX_LISTED_SESSIONS)
    )
    this_id = session_id(token)
    found = [SessionSummary(row.device, row.signed_in_at, row.last_seen_at, row.id == this_id) for row in rows]
    return sorted(found, key=lambda summary: not summary.this_one)


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Chromium/", "Chromium"),
             ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"), ("Mac OS X", "macOS"),
            ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def device_of(user_agent: str) -> str:
    """What a person knows their browser by ("Firefox, Windows"), from the User-Agent; no version, no address."""
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    return ", ".join(part for part in (browser, system) if part)[:100]

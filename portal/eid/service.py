"""From a verified eID identity to a Person row."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import AuditAction, record, set_session
from portal.casework import tally
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


class AnswerProblem(StrEnum):
    NO_ID_TOKEN = "no_id_token"
    USERINFO_SUBJECT = "userinfo_subject"
    RESPONSE_ISSUER = "response_issuer"


class UnusableAnswer(Exception):
    """The provider's answer does not hold together as OpenID Connect Core requires; nothing in it is used."""

    def __init__(self, problem: AnswerProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def check_response_issuer(received: str | None, metadata: Mapping[str, object], expected_issuer: str) -> None:
    """RFC 9207: the authorization response names the provider that sent it, so that a code from another
    provider (a mix-up attack) is never redeemed here. A provider that says it sends `iss` must send it;
    when it is sent it must be our provider's issuer, whoever sent it."""
    issuer = str(metadata.get("issuer") or expected_issuer)
    if received is None:
        if metadata.get("authorization_response_iss_parameter_supported") is True:
            raise UnusableAnswer(AnswerProblem.RESPONSE_ISSUER)
        return
    if received != issuer:
        raise UnusableAnswer(AnswerProblem.RESPONSE_ISSUER)


def claims_of(id_token: Mapping[str, object] | None, userinfo: Mapping[str, object] | None) -> dict[str, object]:
    """The claims a sign-in goes by: the ID token's, and UserInfo's for what the ID token lacks.

    `id_token` is the ID token's claims as verified (signature, issuer, audience, nonce, expiry); None when the
    token response had none, which OpenID Connect Core (3.1.3.3) does not allow: refused, whatever else came.
    UserInfo is used only when its `sub` is exactly the ID token's (5.3.2: otherwise it "MUST NOT be used").
    A claim in both comes from the ID token: it is signed and bound to this sign-in by the nonce, while
    UserInfo is an unsigned answer bound to it only by the access token and its `sub`.
    """
    if not id_token or not isinstance(id_token.get("sub"), str) or not id_token["sub"]:
        raise UnusableAnswer(AnswerProblem.NO_ID_TOKEN)
    if userinfo is None:
        return dict(id_token)
    if userinfo.get("sub") != id_token["sub"]:
        raise UnusableAnswer(AnswerProblem.USERINFO_SUBJECT)
    return {**userinfo, **id_token}


@dataclass(frozen=True)
class Identity:
    personal_code: str
    given_name: str
    family_name: str


MAX_NAME = 200
# A run of letters (with their combining marks): the parts of a name that get a capital each.
_NAME_PART = re.compile(r"[^\W\d_]+")


def usual_case(name: str) -> str:
    """A name sent in capitals ("BĒRZIŅA", "JĀNIS-PĒTERIS") as people write it ("Bērziņa", "Jānis-Pēteris").

    Brokers for eParaksts Mobile and Smart-ID send names as the certificate has them, in capitals. Each part
    (after a space, a hyphen or an apostrophe) gets a capital and the rest is small, in any script. A name with
    any small letter is kept as given: "McDonald" and "van der Berg" are written that way on purpose, and
    only all capitals say nothing about how the person writes it ("VAN DER BERG" gives "Van Der Berg").
    NFC first, so that "ē" sent as "e" and a combining macron is one letter, not a part boundary.
    """
    text = unicodedata.normalize("NFC", name).strip()
    if text != text.upper() or text == text.lower():  # some small letters already, or no letters with a case
        return text
    return _NAME_PART.sub(lambda part: part[0][:1].upper() + part[0][1:].lower(), text)


def _name_claim(claims: Mapping[str, object], name: str) -> str:
    value = claims.get(name)
    return usual_case(value)[:MAX_NAME] if isinstance(value, str) else ""


def identity_from_claims(claims: Mapping[str, object], personal_code_claim: str) -> Identity:
    """Who signed in: the personal code from the claim the settings name (`sub`, `nin`, `serialNumber`, …), in any
    shape `normalise` knows (`150385-11001`, `15038511001`, `PNOLV-15038511001`, `PK:…`), and the name."""
    raw = claims.get(personal_code_claim)
    try:
        # Only a string: a code sent as a JSON number has lost any leading zero ("020790…" would be "20790…").
        code = normalise(raw if isinstance(raw, str) else None, from_provider=True)
    except InvalidPersonalCode as error:
        raise UnusableIdentity(error.problem) from error
    given = _name_claim(claims, "given_name")
    family = _name_claim(claims, "family_name")
    if not given and not family:
        # Some providers send only "name"; keep the whole of it as given.
        given = _name_claim(claims, "name")
    return Identity(personal_code=code, given_name=given, family_name=family)


async def sign_in_person(db: AsyncSession, identity: Identity) -> Person:
    """Create the person on first sign-in; keep the name current with the register after that."""
    person = await db.scalar(select(Person).where(Person.personal_code == identity.personal_code))
    if person is None:
        person = Person(personal_code=identity.personal_code, given_name="", family_name="")
        db.add(person)
    renamed = (identity.given_name or identity.family_name) and (person.given_name, person.family_name) != (
        identity.given_name, identity.family_name)
    if renamed:
        person.given_name = identity.given_name
        person.family_name = identity.family_name
    person.last_signed_in_at = utcnow()
    await db.flush()
    if renamed and person.id is not None:
        await tally.person_renamed(db, person)  # the desk's lists sort by the name
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

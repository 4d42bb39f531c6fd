"""Contact details: where each person (recipient, representative, assistant) is told of events, and in which language.

Every address is confirmed by a one-time code sent to it before it is used for a notice
(notifications/notices.py reads only confirmed ones). Of a code only a salted hash is kept, with an expiry
and a count of wrong attempts; changing an address clears its confirmation, and a code confirms only the
address it was sent to. No HTTP here: settings' routes parse and render.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n
from portal.applications.models import Application
from portal.db import added_or_existing, for_update, utcnow
from portal.i18n import gettext as _
from portal.notifications.eaddress import eaddress_of
from portal.notifications.service import queue
from portal.people.models import Channel, ContactCode, ContactDetails, Person
from portal.validation import email_address, latvian_phone

CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=15)
MAX_ATTEMPTS = 5  # wrong codes; then a new code must be sent
RESEND_AFTER = timedelta(seconds=60)  # a new code at most once a minute to the same address


@dataclass(frozen=True)
class Reach:
    """How a person is told of an event: their channel's confirmed address, their e-address if confirmed, their language."""

    person: Person
    language: str
    channel: Channel | None  # None: no confirmed address for the chosen channel
    address: str
    eaddress: str  # "" unless a confirmed e-address


@dataclass(frozen=True)
class Shown:
    """The contact details as the settings page shows and prefills them."""

    email: str
    phone: str
    eaddress: bool
    channel: str
    language: str
    email_confirmed: bool
    phone_confirmed: bool
    eaddress_confirmed: bool
    saved: bool  # False: prefilled from the latest application, not saved yet


class ContactProblem(StrEnum):
    EMAIL_INVALID = "email_invalid"
    PHONE_INVALID = "phone_invalid"
    PHONE_NOT_MOBILE = "phone_not_mobile"  # text messages go to mobiles only
    EMAIL_NEEDED = "email_needed"  # the channel chosen needs its address
    PHONE_NEEDED = "phone_needed"
    EADDRESS_NEEDED = "eaddress_needed"


class ContactRefused(Exception):
    def __init__(self, problems: tuple[ContactProblem, ...]) -> None:
        super().__init__(*problems)
        self.problems = problems


class CodeOutcome(StrEnum):
    CONFIRMED = "confirmed"
    WRONG = "wrong"
    EXPIRED = "expired"
    TOO_MANY = "too_many"  # MAX_ATTEMPTS wrong codes: a new one must be sent
    NONE = "none"  # no code was sent (or the address changed since)


class TooSoon(Exception):
    """A code was sent to this address less than RESEND_AFTER ago."""


def _hash(code: str, salt: str) -> str:
    return hmac.new(bytes.fromhex(salt), code.encode(), hashlib.sha256).hexdigest()


async def details_of(db: AsyncSession, person: Person) -> ContactDetails | None:
    return await db.scalar(select(ContactDetails).where(ContactDetails.person_id == person.id))


async def _from_application(db: AsyncSession, person: Person) -> tuple[dict[str, str], str | None]:
    """The contact answers of the latest application the person filled in (for themself or someone they represent)."""
    latest = (await db.execute(
        select(Application.answers, Application.language)
        .where(Application.created_by_id == person.id, Application.submitted_at.is_not(None))
        .order_by(Application.submitted_at.desc(), Application.id.desc()).limit(1)
    )).first()
    if latest is None:
        return {}, None
    return dict(latest[0].get("contact") or {}), latest[1]


async def shown(db: AsyncSession, person: Person) -> Shown:
    """The saved details, or, before any are saved, the latest application's contact answers."""
    details = await details_of(db, person)
    if details is not None:
        return Shown(details.email, details.phone, bool(details.eaddress), details.channel.value, details.language,
                     details.email_confirmed_at is not None, details.phone_confirmed_at is not None,
                     details.eaddress_confirmed_at is not None, True)
    contact, language = await _from_application(db, person)
    channel = {"email": Channel.EMAIL, "phone": Channel.SMS}.get(contact.get("method", ""), Channel.EMAIL)
    return Shown(contact.get("email", ""), contact.get("phone", ""), False, channel.value,
                 person.preferred_locale or language or i18n.DEFAULT_LOCALE, False, False, False, False)


def _address(details: ContactDetails, channel: Channel) -> str:
    return {Channel.EMAIL: details.email, Channel.SMS: details.phone, Channel.EADDRESS: details.eaddress}[channel]


def _confirmed(details: ContactDetails, channel: Channel) -> bool:
    at = {Channel.EMAIL: details.email_confirmed_at, Channel.SMS: details.phone_confirmed_at,
          Channel.EADDRESS: details.eaddress_confirmed_at}[channel]
    return at is not None and bool(_address(details, channel))


def _set_confirmed(details: ContactDetails, channel: Channel, at: datetime | None) -> None:
    setattr(details, {Channel.EMAIL: "email_confirmed_at", Channel.SMS: "phone_confirmed_at",
                      Channel.EADDRESS: "eaddress_confirmed_at"}[channel], at)


def check(email: str, phone: str, eaddress: bool, channel: Channel) -> tuple[str, str, list[ContactProblem]]:
    """The addresses normalised (+371 2XXXXXXX), and every problem with them and with the channel chosen."""
    problems: list[ContactProblem] = []
    normal_email = normal_phone = ""
    if email:
        normal_email = email_address(email) or ""
        problems += [] if normal_email else [ContactProblem.EMAIL_INVALID]
    if phone:
        normal_phone = latvian_phone(phone) or ""
        if not normal_phone:
            problems.append(ContactProblem.PHONE_INVALID)
        elif not normal_phone.startswith("+371 2"):
            problems.append(ContactProblem.PHONE_NOT_MOBILE)
    if channel is Channel.EMAIL and not email:
        problems.append(ContactProblem.EMAIL_NEEDED)
    if channel is Channel.SMS and not phone:
        problems.append(ContactProblem.PHONE_NEEDED)
    if channel is Channel.EADDRESS and not eaddress:
        problems.append(ContactProblem.EADDRESS_NEEDED)
    return normal_email, normal_phone, problems


async def save(db: AsyncSession, person: Person, *, email: str, phone: str, eaddress: bool, channel: Channel,
               language: str, now: datetime | None = None) -> list[Channel]:
    """Save the details; a new or changed address is unconfirmed and gets a code. Returns the addresses awaiting a code."""
    normal_email, normal_phone, problems = check(email, phone, eaddress, channel)
    if problems:
        raise ContactRefused(tuple(problems))
    at = now or utcnow()
    details = await _locked_details(db, person)
    addresses = {Channel.EMAIL: normal_email, Channel.SMS: normal_phone,
                 Channel.EADDRESS: eaddress_of(person.personal_code) if eaddress else ""}
    for kind, address in addresses.items():
        if _address(details, kind) != address:
            setattr(details, {Channel.EMAIL: "email", Channel.SMS: "phone", Channel.EADDRESS: "eaddress"}[kind], address)
            _set_confirmed(details, kind, None)
    details.channel = channel
    details.language = language if language in i18n.LOCALES else i18n.DEFAULT_LOCALE
    await db.flush()
    waiting = [kind for kind, address in addresses.items() if address and not _confirmed(details, kind)]
    for kind in waiting:
        code = await db.scalar(select(ContactCode).where(ContactCode.person_id == person.id, ContactCode.channel == kind))
        if code is None or code.address != addresses[kind]:  # a code already on its way to this address still holds
            await send_code(db, person, kind, now=at)
    return waiting


async def _locked_details(db: AsyncSession, person: Person) -> ContactDetails:
    """The person's row, created if new (two first saves at once: one adds it, the other finds it), locked until commit."""
    def locked() -> Any:
        return db.scalar(for_update(select(ContactDetails).where(ContactDetails.person_id == person.id)))

    found = await locked()
    if found is None:
        await added_or_existing(db, ContactDetails(person_id=person.id, email="", phone="", eaddress="",
                                                   channel=Channel.EMAIL, language=i18n.DEFAULT_LOCALE), locked)
        found = await locked()
    assert found is not None
    return found


async def unconfirmed(db: AsyncSession, person: Person) -> list[Channel]:
    """The saved addresses not confirmed yet, in the order of the form."""
    details = await details_of(db, person)
    if details is None:
        return []
    return [kind for kind in Channel if _address(details, kind) and not _confirmed(details, kind)]


def _code_message(code: str, channel: Channel) -> tuple[str, str]:
    subject = _("Your confirmation code")
    minutes = int(CODE_VALID.total_seconds() // 60)
    if channel is Channel.SMS:
        return subject, _("Assistant's service portal: your confirmation code is %(code)s. It is valid for %(minutes)s minutes.",
                          code=code, minutes=minutes)
    return subject, "\n\n".join([
        _("Hello,"),
        _("to confirm this address for notices from the assistant's service portal, enter this code in the portal: %(code)s",
          code=code),
        _("The code is valid for %(minutes)s minutes. If you did not ask for it, ignore this message.", minutes=minutes),
        _("This message was sent automatically; please do not reply to it."),
    ])


async def send_code(db: AsyncSession, person: Person, channel: Channel, *, now: datetime | None = None) -> None:
    """A new one-time code to the saved address of `channel` (the last one stops holding), queued in this transaction."""
    at = now or utcnow()
    details = await details_of(db, person)
    if details is None or not _address(details, channel) or _confirmed(details, channel):
        return
    address = _address(details, channel)
    def locked() -> Any:
        return db.scalar(for_update(select(ContactCode).where(ContactCode.person_id == person.id, ContactCode.channel == channel)))

    row = await locked()
    if row is not None and row.address == address and at - row.sent_at < RESEND_AFTER:
        raise TooSoon(channel)
    code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
    salt = secrets.token_hex(16)
    if row is None:  # two sends at once: one adds the row, the other waits for it, then sets its own code
        await added_or_existing(db, ContactCode(person_id=person.id, channel=channel, address=address, code_hash="", salt=salt,
                                                expires_at=at, attempts=0, sent_at=at - RESEND_AFTER), locked)
        row = await locked()
        assert row is not None
        if row.code_hash:  # the other send's, committed while this one waited: that code is on its way
            raise TooSoon(channel)
    row.address, row.code_hash, row.salt = address, _hash(code, salt), salt
    row.expires_at, row.attempts, row.sent_at = at + CODE_VALID, 0, at
    with i18n.in_locale(details.language):
        subject, body = _code_message(code, channel)
    queue(db, channel.value, address, subject, body)
    await db.flush()


async def confirm(db: AsyncSession, person: Person, channel: Channel, code: str, *, now: datetime | None = None) -> CodeOutcome:
    """Check a code typed for the address of `channel`. The code's row is locked, so that two tries at once count twice."""
    at = now or utcnow()
    details = await db.scalar(for_update(select(ContactDetails).where(ContactDetails.person_id == person.id)))
    row = await db.scalar(for_update(select(ContactCode).where(ContactCode.person_id == person.id, ContactCode.channel == channel)))
    if details is None or row is None or row.address != _address(details, channel):
        return CodeOutcome.NONE
    if row.attempts >= MAX_ATTEMPTS:
        return CodeOutcome.TOO_MANY
    if at >= row.expires_at:
        return CodeOutcome.EXPIRED
    if not hmac.compare_digest(_hash(code.strip(), row.salt), row.code_hash):
        row.attempts += 1
        await db.flush()
        return CodeOutcome.TOO_MANY if row.attempts >= MAX_ATTEMPTS else CodeOutcome.WRONG
    _set_confirmed(details, channel, at)
    await db.execute(delete(ContactCode).where(ContactCode.id == row.id))
    await db.flush()
    return CodeOutcome.CONFIRMED


async def reach_of(db: AsyncSession, person: Person) -> Reach:
    """How to tell `person` of an event: only confirmed addresses count. Without saved details: their language only."""
    details = await details_of(db, person)
    if details is None:
        return Reach(person, person.preferred_locale or i18n.DEFAULT_LOCALE, None, "", "")
    # The chosen channel; while its address waits for confirmation, another confirmed one (e-mail first).
    order = [details.channel, *(kind for kind in (Channel.EMAIL, Channel.SMS) if kind is not details.channel)]
    channel = next((kind for kind in order if _confirmed(details, kind)), None)
    return Reach(
        person, details.language, channel, _address(details, channel) if channel else "",
        details.eaddress if _confirmed(details, Channel.EADDRESS) else "",
    )

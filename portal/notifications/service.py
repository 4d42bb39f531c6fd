"""Queue e-mail and text messages with the change they belong to, and deliver them afterwards.

A message is queued in the caller's transaction (so a rolled-back change sends nothing) and
delivered by `deliver_pending`, which the app runs after the response and `portal worker` and
`portal notify` run on a schedule. E-mail goes by SMTP, text messages through the SMS sender
(notifications/sms.py), messages to an official e-address through the e-address sender
(notifications/eaddress.py). Who is told what, by which channel, is notifications/notices.py.

Each message is delivered in three steps, so that no transaction or row lock is held while a
server is waited for, and a worker that dies loses at most the message it was sending:

1. Claim, in a short transaction of its own: the next due row (`FOR UPDATE SKIP LOCKED` on
   PostgreSQL; on SQLite the transaction holds the write lock from BEGIN) becomes `sending`, with a
   claim token, `attempts + 1`, and a lease: `next_attempt_at` is set CLAIM_LEASE ahead. Committed.
2. Send, with no transaction open. SMTP waits at most `smtp_timeout` for the connection and for
   each reply.
3. Record, in a new short transaction: `sent`; or the failure, and the next attempt after an
   exponential backoff (BACKOFF_FIRST, doubled each time, at most BACKOFF_MAX); after MAX_ATTEMPTS
   the message is a dead letter (`dead`, logged at ERROR) until `portal outbox --requeue` takes it back.

A claim whose lease has run out belongs to a worker that stopped (killed, or its machine lost)
between steps 1 and 3; the next deliverer claims the message again.

Duplicates. Every attempt at an e-mail carries the same Message-ID,
`<outbox-{id}-{delivery_key}@{domain of PORTAL_MAIL_FROM}>` (the key is random, written when the
message is queued). The one window in which a message can arrive twice is between the SMTP server's
acceptance of it and the commit of `sent` in step 3: a worker killed there, or a database that
cannot be reached then, leaves the row `sending`, and it is sent again when the lease runs out. That
second copy has the same Message-ID, so the receiver can recognise it as the same message. A message
committed `sent` is never sent again. (A text message has no such header: SMS gateways take none here.)
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from urllib.parse import unquote, urlsplit

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import State

from portal import tls
from portal.db import Database, utcnow
from portal.notifications.eaddress import Attachment, EAddressSender
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.notifications.sms import SmsSender
from portal.storage import Storage

StoredAttachment = tuple[str, str]  # a stored file's key, the name it is delivered under

log = logging.getLogger(__name__)

# 1, 2, 4 … minutes, at most 12 hours: twelve attempts span about 29 hours (the table in docs/architecture.md).
MAX_ATTEMPTS = 12
BACKOFF_FIRST = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=12)
# Far longer than one send can take (a few SMTP commands, each bounded by SMTP_TIMEOUT_SECONDS), so a
# claim that old was abandoned, not slow.
CLAIM_LEASE = timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS = 10.0


def queue_email(db: AsyncSession, to_address: str, subject: str, body: str) -> None:
    db.add(OutboxMessage(to_address=to_address, subject=subject, body=body))


def queue(db: AsyncSession, channel: str, to_address: str, subject: str, body: str,
          attachment: StoredAttachment | None = None) -> None:
    """A message by any channel ("email", "sms", "eaddress"), in the caller's transaction; an e-address
    message may carry a stored document (`attachment`: its storage key and the name it goes under)."""
    key, name = attachment or (None, None)
    db.add(OutboxMessage(channel=channel, to_address=to_address, subject=subject, body=body,
                         attachment_key=key, attachment_name=name))


async def queue_once(db: AsyncSession, dedupe_key: str, channel: str, to_address: str, subject: str, body: str,
                     attachment: StoredAttachment | None = None) -> bool:
    """Queue a message that must go once only (a reminder from cron); False, queuing nothing, if its key is taken.

    INSERT .. ON CONFLICT DO NOTHING: a second run, even one running at the same time, skips it without an error.
    """
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    key, name = attachment or (None, None)
    values = {"channel": channel, "to_address": to_address, "subject": subject, "body": body, "dedupe_key": dedupe_key,
              "attachment_key": key, "attachment_name": name}
    statement = insert(OutboxMessage).values(values).on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])
    return (await db.execute(statement.returning(OutboxMessage.id))).first() is not None


def backoff(attempts: int) -> timedelta:
    """How long after the `attempts`-th failed attempt the next one is due: 1, 2, 4 … minutes, at most BACKOFF_MAX."""
    return min(BACKOFF_FIRST * 2 ** min(attempts - 1, 30), BACKOFF_MAX)


@dataclass(frozen=True)
class Claim:
    """A message as claimed: what sending it needs, read while the claim's transaction was open."""

    id: int
    token: str
    attempts: int  # with this one
    channel: str
    to_address: str
    subject: str
    body: str
    delivery_key: str
    attachment_key: str | None = None
    attachment_name: str | None = None


def message_id(claim: Claim, sender: str) -> str:
    """The Message-ID of every attempt at this message: the receiver's way to know a repeat."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<outbox-{claim.id}-{claim.delivery_key}@{domain}>"


def send_smtp(smtp_url: str, sender: str, message: Claim, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
    """smtp://[user:password@]host:port (plain or STARTTLS when offered) or smtps://host:port.

    `timeout` bounds the connection and each reply, so a server that accepts and never answers fails the attempt.
    """
    url = urlsplit(smtp_url)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message_id(message, sender)
    email.set_content(message.body)
    secure = url.scheme == "smtps"
    host, port = url.hostname or "127.0.0.1", url.port or (465 if secure else 25)
    # The relay's certificate and name are checked (smtplib's default context checks neither): a relay that
    # offers STARTTLS with a certificate nobody vouches for fails the attempt, which is kept and retried.
    connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls.CLIENT) if secure else smtplib.SMTP(host, port, timeout=timeout)
    with connection as smtp:
        if not secure:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls(context=tls.CLIENT)
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(email)


async def claim_next(database: Database, channels: Sequence[str], now: datetime | None = None) -> Claim | None:
    """Claim the next due message (or one whose claim was abandoned), in a transaction of its own; None when none is due.

    A message whose abandoned claim was its last attempt is not tried again: it becomes a dead letter here.
    """
    while True:
        async with database.session() as db:
            at = now or utcnow()
            query = (
                select(OutboxMessage)
                .where(
                    OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
                    OutboxMessage.next_attempt_at <= at,
                    OutboxMessage.channel.in_(channels),
                )
                .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
                .limit(1)
                .execution_options(populate_existing=True)
            )
            if db.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)  # another worker's claim in progress: the next row
            message = await db.scalar(query)
            if message is None:
                return None
            if message.status is OutboxStatus.SENDING:
                log.warning("%s %s: the claim of %s was abandoned; claiming it again", message.channel, message.id, message.claimed_at)
                if message.attempts >= MAX_ATTEMPTS:
                    _dead_letter(message, "the last attempt was abandoned (the worker stopped while sending)")
                    continue  # committed; look for another
            message.status = OutboxStatus.SENDING
            message.claim_token = secrets.token_hex(16)
            message.claimed_at = at
            message.next_attempt_at = at + CLAIM_LEASE
            message.attempts += 1
            return Claim(
                id=message.id,
                token=message.claim_token,
                attempts=message.attempts,
                channel=message.channel,
                to_address=message.to_address,
                subject=message.subject,
                body=message.body,
                delivery_key=message.delivery_key,
                attachment_key=message.attachment_key,
                attachment_name=message.attachment_name,
            )


def _dead_letter(message: OutboxMessage, error: str) -> None:
    message.status = OutboxStatus.DEAD
    message.claim_token = None
    message.last_error = error
    log.error("%s %s is a dead letter after %s attempts: %s", message.channel, message.id, message.attempts, error)


async def mark_sent(database: Database, claim: Claim, now: datetime | None = None) -> None:
    """Sent is what happened, whichever claim the row is in now: it is recorded even over a newer claim."""
    async with database.session() as db:
        await db.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == claim.id)
            .values(status=OutboxStatus.SENT, sent_at=now or utcnow(), claim_token=None)
        )


async def mark_failed(database: Database, claim: Claim, error: str, now: datetime | None = None) -> None:
    """The failure and when to try again, or a dead letter; nothing when the row has been claimed again since."""
    async with database.session() as db:
        message = await db.scalar(
            select(OutboxMessage)
            .where(OutboxMessage.id == claim.id, OutboxMessage.claim_token == claim.token)
            .execution_options(populate_existing=True)
        )
        if message is None:
            return
        if message.attempts >= MAX_ATTEMPTS:
            _dead_letter(message, error)
            return
        message.status = OutboxStatus.PENDING
        message.claim_token = None
        message.last_error = error
        message.next_attempt_at = (now or utcnow()) + backoff(message.attempts)
        log.warning("%s %s not sent (attempt %s of %s, next at %s): %s",
                    message.channel, message.id, message.attempts, MAX_ATTEMPTS, message.next_attempt_at, error)


async def deliver_pending(
    database: Database,
    smtp_url: str,
    sender: str,
    limit: int = 50,
    sms: SmsSender | None = None,
    *,
    eaddress: EAddressSender | None = None,
    storage: Storage | None = None,
    now: datetime | None = None,
    smtp_timeout: float = SMTP_TIMEOUT_SECONDS,
) -> int:
    """Send up to `limit` due messages, each claimed and recorded on its own; returns how many were sent.

    A failure is kept for a later run, after its backoff. Without an SMS sender, text messages wait for a
    caller that has one (`portal worker`, `portal notify`); so do e-address messages without an e-address
    sender. `now` is the time of the whole run (tests).
    """
    channels = ("email", *(("sms",) if sms is not None else ()), *(("eaddress",) if eaddress is not None else ()))
    sent = 0
    for _ in range(limit):
        claim = await claim_next(database, channels, now)
        if claim is None:
            break
        try:
            if claim.channel == "sms":
                assert sms is not None
                await asyncio.to_thread(sms.send, claim.to_address, claim.body)
            elif claim.channel == "eaddress":
                assert eaddress is not None
                attachments = _attachments(claim, storage)
                await asyncio.to_thread(eaddress.send, claim.to_address, claim.subject, claim.body, attachments)
            else:
                await asyncio.to_thread(send_smtp, smtp_url, sender, claim, smtp_timeout)
        except Exception as error:  # any failure, a bug too: kept on the row and retried, it does not stop the rest
            await mark_failed(database, claim, f"{type(error).__name__}: {error}", now)
            continue
        await mark_sent(database, claim, now)
        sent += 1
    return sent


def _attachments(claim: Claim, storage: Storage | None) -> list[Attachment]:
    """The document an e-address message carries, read from storage (a caller without one fails the attempt:
    the message waits, after its backoff, for one that has)."""
    if claim.attachment_key is None:
        return []
    if storage is None:
        raise RuntimeError("an e-address message with a document, and no storage to read it from")
    return [(claim.attachment_name or "document.pdf", storage.read(claim.attachment_key))]


async def deliver_now(state: State) -> None:
    """After a response that queued notices: deliver what is due by every channel the app has senders for."""
    settings = state.settings
    await deliver_pending(state.db, settings.smtp_url, settings.mail_from, sms=state.sms, eaddress=state.eaddress,
                          storage=state.storage)


# ------------------------------------------------------------------ `portal outbox`


async def status_counts(db: AsyncSession) -> dict[OutboxStatus, int]:
    rows = await db.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
    counts = dict.fromkeys(OutboxStatus, 0)
    counts.update(dict(rows.all()))
    return counts


async def due_count(db: AsyncSession, now: datetime | None = None) -> int:
    """Pending messages whose next attempt is due (the rest wait for their backoff)."""
    query = select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= (now or utcnow()))
    return int(await db.scalar(query) or 0)


async def dead_letters(db: AsyncSession) -> list[OutboxMessage]:
    return list(await db.scalars(select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DEAD).order_by(OutboxMessage.id)))


async def requeue(db: AsyncSession, ids: Sequence[int] | None = None, now: datetime | None = None) -> int:
    """Dead letters (those given, or all) back to pending, due now, with their attempts counted from 0 again."""
    statement = update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DEAD)
    if ids is not None:
        statement = statement.where(OutboxMessage.id.in_(ids))
    values = {"status": OutboxStatus.PENDING, "attempts": 0, "next_attempt_at": now or utcnow(), "claim_token": None}
    result = await db.execute(statement.values(values))
    return int(result.rowcount)  # type: ignore[attr-defined]


def masked(address: str) -> str:
    """Enough of an address to tell messages apart in a listing: an***@example.lv, ******5678."""
    local, at, domain = address.partition("@")
    if at:
        return f"{local[:2]}***@{domain}"
    return "*" * max(len(address) - 4, 0) + address[-4:]

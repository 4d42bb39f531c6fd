"""Queue e-mail and text messages with the change they belong to, and deliver them afterwards.

A message is queued in the caller's transaction (so a rolled-back change sends
nothing) and delivered by `deliver_pending`, which the app runs after the
response and `portal worker` runs on a schedule. Rows are claimed with
`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several workers never send one twice.
E-mail goes by SMTP, text messages through the SMS sender (notifications/sms.py).
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal.db import Database, utcnow
from portal.notifications.models import OutboxMessage
from portal.notifications.sms import SmsError, SmsSender

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


def queue_email(db: AsyncSession, to_address: str, subject: str, body: str) -> None:
    db.add(OutboxMessage(to_address=to_address, subject=subject, body=body))


async def queue_once(db: AsyncSession, dedupe_key: str, channel: str, to_address: str, subject: str, body: str) -> bool:
    """Queue a message that must go once only (a reminder from cron); False, queuing nothing, if its key is taken.

    INSERT .. ON CONFLICT DO NOTHING: a second run, even one running at the same time, skips it without an error.
    """
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    values = {"channel": channel, "to_address": to_address, "subject": subject, "body": body, "dedupe_key": dedupe_key}
    statement = insert(OutboxMessage).values(values).on_conflict_do_nothing(index_elements=[OutboxMessage.dedupe_key])
    return (await db.execute(statement.returning(OutboxMessage.id))).first() is not None


def send_smtp(smtp_url: str, sender: str, message: OutboxMessage) -> None:
    """smtp://[user:password@]host:port (plain or STARTTLS when offered) or smtps://host:port."""
    url = urlsplit(smtp_url)
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body)
    secure = url.scheme == "smtps"
    smtp_class = smtplib.SMTP_SSL if secure else smtplib.SMTP
    with smtp_class(url.hostname or "127.0.0.1", url.port or (465 if secure else 25), timeout=20) as smtp:
        if not secure:
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
        if url.username:
            smtp.login(unquote(url.username), unquote(url.password or ""))
        smtp.send_message(email)


async def deliver_pending(
    database: Database, smtp_url: str, sender: str, limit: int = 50, sms: SmsSender | None = None
) -> int:
    """Send what is waiting; returns how many were sent. A failure is kept for the next run.

    Without an SMS sender, text messages wait for a caller that has one (`portal worker`, `portal notify`).
    """
    sent = 0
    async with database.session() as db:
        query = (
            select(OutboxMessage)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if sms is None:
            query = query.where(OutboxMessage.channel == "email")
        if db.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        for message in list(await db.scalars(query)):
            message.attempts += 1
            try:
                if message.channel == "sms":
                    assert sms is not None
                    await asyncio.to_thread(sms.send, message.to_address, message.body)
                else:
                    await asyncio.to_thread(send_smtp, smtp_url, sender, message)
            except (OSError, smtplib.SMTPException, SmsError) as error:
                message.last_error = f"{type(error).__name__}: {error}"
                log.warning("%s %s not sent (attempt %s): %s", message.channel, message.id, message.attempts, error)
                continue
            message.sent_at = utcnow()
            sent += 1
    return sent

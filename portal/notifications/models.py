"""The outbox: e-mail and text messages written in the same transaction as the change they tell about."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, string_enum, utcnow


class OutboxStatus(StrEnum):
    """pending -> sending -> sent; or back to pending after a failure; dead after the last attempt."""

    PENDING = "pending"  # waits for next_attempt_at
    SENDING = "sending"  # claimed by a worker; next_attempt_at is when its lease runs out
    SENT = "sent"
    DEAD = "dead"  # every attempt failed: `portal outbox` lists it, `--requeue` gives it another round


def new_delivery_key() -> str:
    return secrets.token_hex(8)


class OutboxMessage(Base):
    """One message to send. A worker claims a due row in a short transaction of its own, then sends it
    with no transaction open (notifications/service.py), so any number of workers can share the table."""

    __tablename__ = "outbox_message"
    # The next due message: WHERE status IN (pending, sending) AND next_attempt_at <= now.
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "email", "sms" or "eaddress"; the address is an e-mail address, a phone number or an official e-address.
    channel: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(
        string_enum(OutboxStatus, "outbox_status", length=16), default=OutboxStatus.PENDING, server_default="pending"
    )
    # Pending: not before then. Sending: the claim is taken as abandoned (a worker that died) from then.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which claim the row is in: a worker whose lease ran out and was claimed again records no failure over the new claim.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    # Random, written when queued: with the id, the Message-ID every attempt sends (service.message_id).
    delivery_key: Mapped[str] = mapped_column(String(32), default=new_delivery_key)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Attempts begun (counted when claimed), over every run.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # A notice that must go once only (a reminder, run from cron twice): its reason, unique.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    # A document sent with an e-address message (a decision): the stored file's key and the name it is
    # delivered under. The file is the row's that owns it (a decision_document), read when it is sent.
    attachment_key: Mapped[str | None] = mapped_column(String(64))
    attachment_name: Mapped[str | None] = mapped_column(String(120))

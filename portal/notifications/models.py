"""The outbox: e-mail written in the same transaction as the change it tells about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class OutboxMessage(Base):
    """One e-mail to send. A worker takes unsent rows with SKIP LOCKED, so any number can share the table."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index(None, "sent_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "email" or "sms"; the address is an e-mail address or a phone number.
    channel: Mapped[str] = mapped_column(String(10), default="email", server_default="email")
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # A notice that must go once only (a reminder, run from cron twice): its reason, unique.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)

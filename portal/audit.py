"""An append-only record of who read or changed whose data.

Rows are only ever inserted; nothing in the portal updates or deletes them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow
from portal.people.models import Person


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index(None, "subject_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(500), default="")


def record(db: AsyncSession, *, actor: Person | None, subject: Person | None, action: str, detail: str = "") -> None:
    """Add an event to the unit of work; it is written with the change it describes."""
    db.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            subject_id=subject.id if subject else None,
            action=action,
            detail=detail,
        )
    )

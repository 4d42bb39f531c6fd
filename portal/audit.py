"""An append-only record of who read or changed whose data.

Rows are only ever inserted; nothing in the portal updates or deletes them.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, string_enum, utcnow
from portal.people.models import Person


class AuditAction(StrEnum):
    """What an AuditEvent records (stored as its value)."""

    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"  # everywhere: the person's sessions were revoked
    CASE_VIEWED = "case_viewed"  # the desk opened an application
    REPORT_VIEWED = "report_viewed"  # the desk opened a monthly report
    SELF_ASSESSMENT_VIEWED = "self_assessment_viewed"  # the desk opened the self-assessment sent with a case


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index(None, "subject_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[AuditAction] = mapped_column(string_enum(AuditAction, "audit_action", length=64))
    detail: Mapped[str] = mapped_column(String(500), default="")


def record(
    db: AsyncSession, *, actor: Person | None, subject: Person | None, action: AuditAction, detail: str = ""
) -> None:
    """Add an event to the unit of work; it is written with the change it describes."""
    db.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            subject_id=subject.id if subject else None,
            action=AuditAction(action),
            detail=detail,
        )
    )

"""An append-only record of who read or changed whose data, and in which session.

Rows are only ever inserted: on PostgreSQL a trigger refuses any UPDATE, DELETE or TRUNCATE of
them, whoever asks (migration 0015). Every staff read or export of people's data is an event:
a worklist (whose rows it showed), a case, a document, a report, the payroll, the summary, the
sample, a survey's export; and an assistant's view of a person's month.
"""

from __future__ import annotations

import hashlib
from contextvars import ContextVar
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
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
    QUEUE_VIEWED = "queue_viewed"  # the desk's list of cases (detail: its filters and how many it listed)
    DOCUMENT_DOWNLOADED = "document_downloaded"  # the desk opened a document of a case
    REPORTS_OVERVIEW_VIEWED = "reports_overview_viewed"  # the desk's month of reports
    PAYROLL_EXPORTED = "payroll_exported"  # the payroll CSV (assistants' personal codes)
    SUMMARY_VIEWED = "summary_viewed"  # the summary for the ministry
    SAMPLE_VIEWED = "sample_viewed"  # the control sample of a month
    SURVEY_EXPORTED = "survey_exported"  # a survey's CSV, by the analyst
    MONTH_VIEWED_BY_ASSISTANT = "month_viewed_by_assistant"  # an assistant's page of a person's month


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index(None, "subject_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[AuditAction] = mapped_column(string_enum(AuditAction, "audit_action", length=64))
    detail: Mapped[str] = mapped_column(String(500), default="")
    # Which signed-in session acted (a hash of the person and the sign-in time: no secret, no cookie).
    session_ref: Mapped[str] = mapped_column(String(32), default="", server_default=text("''"))


_session_ref: ContextVar[str] = ContextVar("audit_session_ref", default="")


def session_ref_of(person_id: int, signed_in_at: float) -> str:
    return hashlib.sha256(f"{person_id}:{signed_in_at}".encode()).hexdigest()[:16]


def set_session(reference: str) -> None:
    """The request's session, for the events it records (set by eid.session.IdentityMiddleware)."""
    _session_ref.set(reference)


def record(
    db: AsyncSession, *, actor: Person | None, subject: Person | None, action: AuditAction, detail: str = ""
) -> None:
    """Add an event to the unit of work; it is written with the change it describes."""
    db.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            subject_id=subject.id if subject else None,
            action=AuditAction(action),
            detail=detail[:500],
            session_ref=_session_ref.get(),
        )
    )

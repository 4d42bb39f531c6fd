"""An append-only record of who read or changed whose data, and in which session.

Rows are only ever inserted: on PostgreSQL a trigger refuses any UPDATE, DELETE or TRUNCATE of
them, whoever asks (migration 0015). Every staff read or export of people's data is an event:
a worklist (whose rows it showed), a case, a document, a report, the payroll, the summary, the
sample, a survey's export; and an assistant's view of a person's month.

A list or an export shows many people's data at once: it is one event per person it showed
(`record_many`), so that each of them finds it on their "who looked at my data" page
(people/data_access.py). That page reads the month and the case references out of `detail`, so
each action keeps the shape of its detail noted beside it below.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from datetime import datetime
from enum import StrEnum
from typing import cast

from sqlalchemy import ForeignKey, Index, Integer, Select, String, Table, case, func, insert, literal, select, text, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from portal.db import Base, UTCDateTime, string_enum, utcnow
from portal.people.models import Person


class AuditAction(StrEnum):
    """What an AuditEvent records (stored as its value)."""

    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"  # everywhere: the person's sessions were revoked
    CASE_VIEWED = "case_viewed"  # the desk opened an application ("AP-2026-000001")
    REPORT_VIEWED = "report_viewed"  # the desk opened a monthly report ("report 7, 2026-03, revision 1")
    SELF_ASSESSMENT_VIEWED = "self_assessment_viewed"  # the desk opened the self-assessment sent with a case ("AP-… v2")
    # A list or an export is one event per person it showed ("<the page's filters or month>: <theirs>", record_many).
    QUEUE_VIEWED = "queue_viewed"  # the desk's list of cases, a list ("status=open order=oldest: AP-…, AP-…")
    DOCUMENT_DOWNLOADED = "document_downloaded"  # the desk opened a document of a case ("AP-…: document 3 (kind)")
    REPORTS_OVERVIEW_VIEWED = "reports_overview_viewed"  # the desk's month of reports, a list ("2026-03 status=…: assisted")
    PAYROLL_EXPORTED = "payroll_exported"  # the payroll CSV, an export ("2026-03: 12 lines: assistant")
    SUMMARY_VIEWED = "summary_viewed"  # the summary for the ministry (totals only: no one's data, no subject)
    SAMPLE_VIEWED = "sample_viewed"  # the control sample of a month, a list ("2026-03: 4 reports: assisted")
    SURVEY_EXPORTED = "survey_exported"  # a survey's CSV, by the analyst (no subject)
    MONTH_VIEWED_BY_ASSISTANT = "month_viewed_by_assistant"  # an assistant's page of a person's month ("2026-03")


# What of a person's a list or an export showed, in the person's part of its detail (record_many).
AS_ASSISTED = "assisted"  # the person assisted: their month, their hours
AS_ASSISTANT = "assistant"  # the assistant: their name (and, in the payroll, personal code) and hours worked


class AuditEvent(Base):
    __tablename__ = "audit_event"
    __table_args__ = (Index(None, "subject_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    action: Mapped[AuditAction] = mapped_column(string_enum(AuditAction, "audit_action", length=64))
    detail: Mapped[str] = mapped_column(String(500), default="")
    # Which signed-in session acted: the first 32 characters of its web_session id (itself the SHA-256 of the
    # cookie's token, so no secret), by which the session's browser and times are found while it is kept.
    session_ref: Mapped[str] = mapped_column(String(32), default="", server_default=text("''"))


_session_ref: ContextVar[str] = ContextVar("audit_session_ref", default="")


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


# The columns an event is written with, and the values every event of one list or export shares.
_WRITTEN = ("at", "actor_id", "subject_id", "action", "detail", "session_ref")


def _shared(actor: Person | None, action: AuditAction) -> tuple[ColumnElement[object], ...]:
    """(at, actor, action, session) as constants of one INSERT … SELECT."""
    return (literal(utcnow(), UTCDateTime), literal(actor.id if actor else None, Integer), literal(AuditAction(action).value),
            literal(_session_ref.get()))


async def record_many(
    db: AsyncSession, *, actor: Person | None, subjects: Iterable[tuple[int, str]], action: AuditAction, detail: str = ""
) -> None:
    """One event per person a list or an export showed, in one INSERT, in the page's unit of work.

    `subjects` are (person id, what of theirs it showed: a case's reference, AS_ASSISTANT …); a
    person shown twice (two cases, two assistants) is one event with both. `detail` is the page's
    own (its filters, its month); each event's is "<detail>: <theirs>". A page that showed no one
    is still one event, without a subject: who looked at the list, and with which filters.
    """
    shown: dict[int, list[str]] = {}
    for person_id, theirs in subjects:
        parts = shown.setdefault(person_id, [])
        if theirs and theirs not in parts:
            parts.append(theirs)
    subject_ids: list[int | None] = list(shown) or [None]
    details = [f"{detail}: {', '.join(parts)}"[:500] for parts in shown.values()] or [detail[:500]]
    # Executed now, not added to the session, in the page's transaction (it commits or rolls back with it).
    if db.get_bind().dialect.name == "postgresql":
        # One statement of one shape whatever the page showed: the rows travel as two arrays. An
        # executemany sent a message and ran an insert per row (3 ms for the 100 people of a page of
        # the control sample, against 0.5 ms for the few of the demo's), and a multi-row VALUES is a
        # statement of its own for every length, compiled again each time.
        rows = (func.unnest(literal(subject_ids, ARRAY(Integer)), literal(details, ARRAY(String)))
                .table_valued("subject_id", "detail").render_derived(name="shown"))
        at, actor_id, what, session_ref = _shared(actor, action)
        await db.execute(insert(cast(Table, AuditEvent.__table__)).from_select(
            _WRITTEN, select(at, actor_id, rows.c.subject_id, what, rows.c.detail, session_ref)))
    else:  # SQLite, in the process: an executemany costs it no round trips
        shared = {"at": utcnow(), "actor_id": actor.id if actor else None, "action": AuditAction(action), "session_ref": _session_ref.get()}
        await db.execute(insert(AuditEvent), [shared | {"subject_id": subject_id, "detail": said}
                                              for subject_id, said in zip(subject_ids, details, strict=True)])


async def record_people_of(
    db: AsyncSession, *, actor: Person | None, people: Select[tuple[int, int, int]], action: AuditAction,
    detail: str | ColumnElement[str],
) -> None:
    """One event per person an export names, written by the database from `people`, a query of
    (person id, named as the assistant: 0/1, named as the person assisted: 0/1), one row per person;
    each event's detail is as record_many writes it ("<detail>: assistant, assisted"). `detail` may
    be an expression the same statement computes (how many lines the file has). One statement
    however many people the export names, and nothing of them is read into the process. An export
    that names no one is one event without a subject, as with record_many."""
    named = people.cte("named")
    theirs = case((named.c[1] == 1, case((named.c[2] == 1, f"{AS_ASSISTANT}, {AS_ASSISTED}"), else_=AS_ASSISTANT)),
                  else_=AS_ASSISTED)
    said = literal(detail) if isinstance(detail, str) else detail
    at, actor_id, what, session_ref = _shared(actor, action)
    each = select(at, actor_id, named.c[0], what, func.substr(said + literal(": ") + theirs, 1, 500), session_ref)
    nobody = select(at, actor_id, literal(None, Integer), what, func.substr(said, 1, 500), session_ref).where(~select(named.c[0]).exists())
    await db.execute(insert(cast(Table, AuditEvent.__table__)).from_select(_WRITTEN, union_all(each, nobody)))

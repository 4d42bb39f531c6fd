"""The assistant's time entries, the monthly report the recipient confirms, and the pay rates.

A report is one revision of one assistant's month for one person. While it is OPEN or
RETURNED the assistant changes its entries; SUBMITTED locks them until the recipient
confirms or returns it. A CONFIRMED revision is never changed: a correction is the next
revision, with copies of the entries, which the recipient confirms again. Every change of
state is a ReportEvent; `version` grows with every change, so a page that shows an older
version cannot confirm or change it (two tabs, a stale page).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.applications.rules import ServiceKind
from portal.db import Base, UTCDateTime, string_enum, utcnow
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.people.models import Person


class ReportStatus(StrEnum):
    OPEN = "open"  # the assistant is recording the month
    SUBMITTED = "submitted"  # waiting for the recipient's confirmation
    RETURNED = "returned"  # the recipient said something is wrong
    CONFIRMED = "confirmed"


class ReportAction(StrEnum):
    """What a ReportEvent records (stored as its value; the texts are timesheets.presenters.EVENT_TEXTS)."""

    SUBMITTED = "submitted"  # by the assistant
    CORRECTION_STARTED = "correction_started"  # by the assistant: a new revision of a confirmed report
    CONFIRMED = "confirmed"  # by the person or their representative
    RETURNED = "returned"  # by the person or their representative, with a reason
    SAMPLED = "sampled"  # by the desk: drawn for a control sample
    CHECKED = "checked"  # by the desk, with a note


class MonthlyReport(Base):
    __tablename__ = "monthly_report"
    __table_args__ = (
        Index("uq_monthly_report_revision", "assignment_id", "month", "revision", unique=True),
        Index(None, "person_id", "month"),
        Index(None, "person_id", "status"),  # the overview: the reports waiting for the person
        Index(None, "assistant_id", "month"),
        Index(None, "month", "status"),
        # The month's reports at the desk: each assignment's latest revision of the month, read from the index alone.
        Index(None, "month", "assignment_id", "revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assistant_assignment.id"))
    entitlement_id: Mapped[int] = mapped_column(ForeignKey("entitlement.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    assistant_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # A later revision exists: this one is history (and stays as it was).
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[ReportStatus] = mapped_column(string_enum(ReportStatus, "report_status"), default=ReportStatus.OPEN)
    version: Mapped[int] = mapped_column(Integer, default=1)
    total_minutes: Mapped[int] = mapped_column(Integer, default=0)
    amount_cents: Mapped[int] = mapped_column(Integer, default=0)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    returned_reason: Mapped[str] = mapped_column(Text, default="")
    # The language each text was written in (the page's, lv or ru): a page in another language marks it.
    returned_reason_lang: Mapped[str | None] = mapped_column(String(2))
    # The random sample for control (the desk): drawn, then checked with a note.
    sample_id: Mapped[int | None] = mapped_column(ForeignKey("control_sample.id"), index=True)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    check_note: Mapped[str] = mapped_column(Text, default="")
    check_note_lang: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Every change moves `version` on (services call `touch`); an UPDATE that finds another
    # version than it read fails, so two transactions cannot both change the same version.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    def touch(self) -> None:
        self.version += 1

    person: Mapped[Person] = relationship(foreign_keys=[person_id], lazy="raise")
    assistant: Mapped[Person] = relationship(foreign_keys=[assistant_id], lazy="raise")
    entitlement: Mapped[Entitlement] = relationship(lazy="raise")
    assignment: Mapped[AssistantAssignment] = relationship(lazy="raise")


class TimeEntry(Base):
    """Hours given on one day, from-to, for one purpose: part of one revision of a report.

    An assistant is in one place at a time: on PostgreSQL the exclusion constraint
    `ex_time_entry_assistant_time` (migration 0010, btree_gist) refuses a second entry of the same
    assistant that overlaps one that counts, across everyone they assist, however many requests
    arrive at once. `superseded` repeats the report's, so the constraint can leave history out.
    """

    __tablename__ = "time_entry"
    __table_args__ = (Index(None, "report_id", "day"), Index(None, "assistant_id", "day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("monthly_report.id", ondelete="CASCADE"))
    assistant_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    day: Mapped[date] = mapped_column(Date)
    start_minute: Mapped[int] = mapped_column(Integer)  # minutes after midnight
    end_minute: Mapped[int] = mapped_column(Integer)  # up to 1440 (midnight at the end of the day)
    purpose: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(500), default="")
    # Its report was superseded by a correction: kept as it was, and no longer counted.
    superseded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def minutes(self) -> int:
        return self.end_minute - self.start_minute


class ReportEvent(Base):
    """Every change to a report: who acted, for whom, what. Never updated."""

    __tablename__ = "report_event"
    __table_args__ = (Index(None, "report_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("monthly_report.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    action: Mapped[ReportAction] = mapped_column(string_enum(ReportAction, "report_action", length=40))
    message: Mapped[str] = mapped_column(Text, default="")
    message_lang: Mapped[str | None] = mapped_column(String(2))  # the language it was written in
    entry_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # the entries a return points at


class ReportPayLine(Base):
    """A confirmed report's minutes at one rate and their amount, rounded to the cent once (a month that
    spans a change of rate has two): the payroll's line, stored when the report is confirmed and
    recomputed when a rate changes (timesheets.pay), so that no export sums the month's entries."""

    __tablename__ = "report_pay_line"

    report_id: Mapped[int] = mapped_column(ForeignKey("monthly_report.id", ondelete="CASCADE"), primary_key=True)
    rate_cents: Mapped[int] = mapped_column(Integer, primary_key=True)
    minutes: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer)


class MonthPayTotal(Base):
    """The month's paid reports (each assignment's latest confirmed revision with hours) of one desk and
    one service: how many, their minutes and amount. Kept by timesheets.pay in the transaction of every
    write that changes them (`n = n + delta`), so the summary reads a handful of rows.

    The desk is the case's as policy.cases_in reads it: a municipality's own case (school_id 0), or a
    school's (municipality_id then says where the case was filed, 0 when none). 0, not NULL: the key
    is a primary key, upserted on both databases; the columns hold no foreign key for that reason."""

    __tablename__ = "month_pay_total"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ServiceKind] = mapped_column(string_enum(ServiceKind, "service_kind"), primary_key=True)
    reports: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    minutes: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    amount_cents: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


class HourlyRate(Base):
    """The pay per hour from a day on, all taxes included (dated rows: the law changes them)."""

    __tablename__ = "hourly_rate"

    id: Mapped[int] = mapped_column(primary_key=True)
    valid_from: Mapped[date] = mapped_column(Date, unique=True)
    cents: Mapped[int] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(300), default="")


class ControlSample(Base):
    """A random draw of a month's confirmed reports for checking; the seed makes it reproducible."""

    __tablename__ = "control_sample"
    __table_args__ = (Index(None, "municipality_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    month: Mapped[date] = mapped_column(Date)
    percent: Mapped[int] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(64))
    drawn_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    drawn_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

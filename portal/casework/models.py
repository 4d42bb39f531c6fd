"""The desk's records that are kept as they were made.

Decisions as documents: the one the caseworker is composing (a draft, one per case), and the one
issued (a PDF, kept as issued, with its SHA-256).

The payroll as exported: numbered exports of a municipality's month and their lines, never changed.

An export is what the desk handed to the payroll of a municipality for a month: a number per
municipality and year ("2026/7"), who exported it and when, and its lines, written in the same
transaction. A line is one confirmed revision of a report at one rate: its hours (minutes) and
amount (cents). A correction confirmed after its month was exported is not a change of that line:
it is an adjustment line in a later export (± the difference), pointing at the line it corrects.
Neither payroll table is ever updated or deleted from: on PostgreSQL a trigger refuses it (migration 0021).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.applications.rules import ServiceKind
from portal.db import Base, UTCDateTime, string_enum, utcnow
from portal.timesheets.models import ReportStatus


class Outcome(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"


class DecisionDraft(Base):
    """What the caseworker composed and is previewing: one per case (composing again replaces its
    content, under the case's lock), gone once the decision is issued. Its version counts the
    compositions, so that an issue sent from an older preview is told that the decision changed."""

    __tablename__ = "decision_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    outcome: Mapped[Outcome] = mapped_column(string_enum(Outcome, "decision_outcome"))
    # A grant's service, minutes per the kind's period and period; None for a refusal.
    kind: Mapped[ServiceKind | None] = mapped_column(string_enum(ServiceKind, "service_kind"))
    minutes: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    disability_until: Mapped[date | None] = mapped_column(Date)
    # The caseworker's own words: a grant's reasoning, a refusal's reasons.
    reasons: Mapped[str] = mapped_column(Text, default="")
    composed_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    composed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DecisionDocument(Base):
    """The decision as issued: a PDF/A rendered once, at issue, and kept in storage as it was; its
    SHA-256 here, so that the file a person downloads can be shown to be the one issued. One per case."""

    __tablename__ = "decision_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[Outcome] = mapped_column(string_enum(Outcome, "decision_outcome"))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    # The languages of the document: "lv", or "lv ru" with the Russian explanation beside it.
    languages: Mapped[str] = mapped_column(String(8))
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PayrollExport(Base):
    __tablename__ = "payroll_export"
    __table_args__ = (
        # Two desks exporting at once cannot both take the same number.
        UniqueConstraint("municipality_id", "year", "number"),
        Index(None, "municipality_id", "exported_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month it pays
    year: Mapped[int] = mapped_column(Integer)  # of the export, in Riga: the numbers start again each year
    number: Mapped[int] = mapped_column(Integer)
    exported_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    exported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def reference(self) -> str:
        return f"{self.year}/{self.number}"


class PayrollLine(Base):
    __tablename__ = "payroll_line"
    __table_args__ = (
        UniqueConstraint("export_id", "number"),
        # A revision is paid once at each rate: two exports of the same revision cannot both be written.
        UniqueConstraint("report_id", "rate_cents"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    export_id: Mapped[int] = mapped_column(ForeignKey("payroll_export.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … in the file's order
    report_id: Mapped[int] = mapped_column(ForeignKey("monthly_report.id"))
    revision: Mapped[int] = mapped_column(Integer)  # the report's revision, as exported
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    rate_cents: Mapped[int] = mapped_column(Integer)
    minutes: Mapped[int] = mapped_column(Integer)  # negative in an adjustment that takes hours back
    amount_cents: Mapped[int] = mapped_column(Integer)
    # An adjustment: the line of an earlier export it corrects (None: the month's first payment).
    adjusts_line_id: Mapped[int | None] = mapped_column(ForeignKey("payroll_line.id"), index=True)


# The desk's month in numbers, kept on write (casework.tally, issue 12): the month's reports overview
# and the control sample count from these rows, so that nothing they show reads the municipality's
# month. Each is changed with `n = n + 1` (an upsert) in the transaction of the write that moves it.
# `school_id` is 0 for a municipality's own cases (policy.cases_in: a school's cases are its staff's), and
# `municipality_id` 0 for none: parts of a key, so no foreign keys.


class ReportTally(Base):
    """Per municipality (or school), service and month: where the month's assignments are.

    `covered` is a difference: the assignments whose months begin here, less those whose months ended
    the month before, so that its sum up to a month is how many cover that month (an assignment that
    runs on covers every month to come without a write as each one begins). `uncovered`: assignments
    with a report of a month they do not cover (the overview lists them too). The others count each
    assignment's latest revision of the month in that state; "not submitted" is what is left."""

    __tablename__ = "report_tally"

    municipality_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[ServiceKind] = mapped_column(string_enum(ServiceKind, "service_kind"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    covered: Mapped[int] = mapped_column(Integer, default=0)
    uncovered: Mapped[int] = mapped_column(Integer, default=0)
    submitted: Mapped[int] = mapped_column(Integer, default=0)
    returned: Mapped[int] = mapped_column(Integer, default=0)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)


class SampleTally(Base):
    """Per control sample and service: its reports drawn, checked, confirmed by the assistant as the
    person's representative, and corrected since (casework.reports.SampleCounts)."""

    __tablename__ = "sample_tally"

    sample_id: Mapped[int] = mapped_column(ForeignKey("control_sample.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[ServiceKind] = mapped_column(string_enum(ServiceKind, "service_kind"), primary_key=True)
    drawn: Mapped[int] = mapped_column(Integer, default=0)
    checked: Mapped[int] = mapped_column(Integer, default=0)
    own_hours: Mapped[int] = mapped_column(Integer, default=0)
    corrected: Mapped[int] = mapped_column(Integer, default=0)


class DeskAssignment(Base):
    """An assignment as the month's reports list it: whose desk, and the person's name to sort by, so
    that a page of the list is a range of one index (the name is the person's, kept current at sign-in)."""

    __tablename__ = "desk_assignment"
    __table_args__ = (
        Index("ix_desk_assignment_order", "municipality_id", "school_id", "family_name", "given_name", "valid_from", "assignment_id"),
    )

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assistant_assignment.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(Integer)
    family_name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)


class DeskReport(Base):
    """An assignment's month whose latest revision is submitted, returned or confirmed, with the desk and
    the person's name of its DeskAssignment: the month's reports filtered by one of those states are a
    range of one index, not every report of the country's month in that state (issue 12). Kept by
    casework.tally with the counts; a month still being recorded, or without a report, has no row."""

    __tablename__ = "desk_report"
    __table_args__ = (
        Index("ix_desk_report_order", "municipality_id", "school_id", "month", "status",
              "family_name", "given_name", "valid_from", "assignment_id"),
    )

    assignment_id: Mapped[int] = mapped_column(ForeignKey("assistant_assignment.id", ondelete="CASCADE"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    status: Mapped[ReportStatus] = mapped_column(string_enum(ReportStatus, "report_status"))
    kind: Mapped[ServiceKind] = mapped_column(string_enum(ServiceKind, "service_kind"))  # the grant's: the list's other filter
    municipality_id: Mapped[int] = mapped_column(Integer)
    school_id: Mapped[int] = mapped_column(Integer)
    family_name: Mapped[str] = mapped_column(String(200))
    given_name: Mapped[str] = mapped_column(String(200))
    valid_from: Mapped[date] = mapped_column(Date)

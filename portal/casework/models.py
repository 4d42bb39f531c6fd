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

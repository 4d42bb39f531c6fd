"""The payroll as exported: numbered exports of a municipality's month and their lines, never changed.

An export is what the desk handed to the payroll of a municipality for a month: a number per
municipality and year ("2026/7"), who exported it and when, and its lines, written in the same
transaction. A line is one confirmed revision of a report at one rate: its hours (minutes) and
amount (cents). A correction confirmed after its month was exported is not a change of that line:
it is an adjustment line in a later export (± the difference), pointing at the line it corrects.
Neither table is ever updated or deleted from: on PostgreSQL a trigger refuses it (migration 0021).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


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

"""The payroll as exported (casework.models): the desk exports a municipality's month, and the file is
served from the stored lines, never computed again. No HTTP.

An export holds, per assignment of the month, the latest CONFIRMED revision not exported before
(Reg. 316: paid only as confirmed), its hours at the rate of their day (casework.reports), each
line's amount rounded to the cent once. A revision confirmed after an earlier revision of the same
month was exported is an ADJUSTMENT: at each rate, the new revision's hours and amount less what
the earlier exports paid, pointing at the line it corrects. So an export once handed out stays as
it was, and the next one says what changed.

Two desks exporting at once: each locks its municipality's row first (SQLite's write transaction
takes its lock when it begins), so the second waits, then finds everything exported and is refused
(NOTHING_NEW); the unique constraints on the export's number and on (report, rate) stand behind it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, literal, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal import audit, clock, policy
from portal.casework.models import PayrollExport, PayrollLine
from portal.casework.reports import (
    PAYROLL_BATCH,
    PAYROLL_KEY_KINDS,
    PAYROLL_ORDER,
    Found,
    UnitOfWork,
    _confirmed_query,
    _payroll_key,
    decimal_text,
)
from portal.casework.service import NotFound
from portal.db import for_update, read_only, utcnow
from portal.paging import PAGE_SIZE, Key, Page, keyset_page, read_cursor
from portal.people.models import Municipality, Person
from portal.timesheets import pay
from portal.timesheets.models import MonthlyReport, TimeEntry

EXPORTS_KEY_KINDS = "ti"
Exporter = aliased(Person, name="exporter")
LinePerson = aliased(Person, name="line_person")
LineAssistant = aliased(Person, name="line_assistant")
Original = aliased(PayrollLine, name="original")
OriginalExport = aliased(PayrollExport, name="original_export")


class ExportProblem(StrEnum):
    NOTHING_NEW = "nothing_new"  # every confirmed revision of the month is in an export already
    EXPORTED_MEANWHILE = "exported_meanwhile"  # another export of the same month was written at the same moment


class ExportRefused(Exception):
    """An export the rules refuse; the session is left to be rolled back. (Not a frozen dataclass: a
    context manager sets an exception's traceback on its way out.)"""

    def __init__(self, problem: ExportProblem) -> None:
        super().__init__(problem)
        self.problem = problem


def amount(minutes: int, rate_cents: int) -> int:
    """As casework.reports' pay lines: the hours at the rate, rounded to the cent once (half to even)."""
    return round(minutes * rate_cents / 60)


# ------------------------------------------------------------------ export


def _exported_since(month: date) -> Any:
    """True when a line already pays this revision of the assignment's month, or a later one."""
    earlier = aliased(MonthlyReport, name="exported_report")
    return (select(PayrollLine.id).join(earlier, earlier.id == PayrollLine.report_id)
            .where(earlier.assignment_id == MonthlyReport.assignment_id, earlier.month == month,
                   earlier.revision >= MonthlyReport.revision).exists())


def _paid_before(month: date) -> Any:
    """True when an earlier revision of the assignment's month is in an export (a correction is due)."""
    earlier = aliased(MonthlyReport, name="paid_report")
    return (select(PayrollLine.id).join(earlier, earlier.id == PayrollLine.report_id)
            .where(earlier.assignment_id == MonthlyReport.assignment_id, earlier.month == month).exists())


def _to_export(municipality_id: int, month: date) -> Any:
    """The month's latest confirmed revisions in the municipality no export has paid yet: those with hours,
    and those that correct a month already paid (even to no hours at all)."""
    has_hours = select(TimeEntry.id).where(TimeEntry.report_id == MonthlyReport.id).exists()
    return (_confirmed_query(policy.DeskScope(municipality_ids=(municipality_id,)), month)
            .where(~_exported_since(month), or_(has_hours, _paid_before(month))))


@dataclass(frozen=True)
class _Paid:
    """What the exports so far paid for one assignment's month at one rate, and the line it was first paid by."""

    minutes: int
    cents: int
    first_line_id: int


async def _paid_so_far(db: AsyncSession, assignment_ids: list[int], month: date) -> dict[int, dict[int, _Paid]]:
    """Per assignment (of these), per rate: the month's exported lines summed, and the first of them."""
    found: dict[int, dict[int, _Paid]] = {}
    if not assignment_ids:
        return found
    rows = await db.execute(
        select(MonthlyReport.assignment_id, PayrollLine.rate_cents, func.sum(PayrollLine.minutes), func.sum(PayrollLine.amount_cents),
               func.min(PayrollLine.id))
        .join(MonthlyReport, MonthlyReport.id == PayrollLine.report_id)
        .where(MonthlyReport.assignment_id.in_(assignment_ids), MonthlyReport.month == month)
        .group_by(MonthlyReport.assignment_id, PayrollLine.rate_cents)
    )
    for assignment_id, rate, minutes, cents, first in rows:
        found.setdefault(int(assignment_id), {})[int(rate)] = _Paid(int(minutes), int(cents), int(first))
    return found


def lines_of(report: MonthlyReport, at_rates: list[tuple[int, int]], paid: dict[int, _Paid]) -> list[dict[str, Any]]:
    """The lines that pay this revision: its hours at each rate when nothing of the month was paid yet;
    otherwise, at each rate, what it adds to or takes from what was paid (one line of nothing, when the
    correction changed no hours, so that the revision is known to be paid)."""
    common = {"report_id": report.id, "revision": report.revision, "person_id": report.person_id, "assistant_id": report.assistant_id}
    if not paid:
        return [common | {"rate_cents": rate, "minutes": minutes, "amount_cents": amount(minutes, rate), "adjusts_line_id": None}
                for rate, minutes in at_rates]
    now = dict(at_rates)
    first_line = min(p.first_line_id for p in paid.values())
    lines = []
    for rate in sorted(set(now) | set(paid)):
        before = paid.get(rate, _Paid(0, 0, first_line))
        minutes, cents = now.get(rate, 0) - before.minutes, amount(now.get(rate, 0), rate) - before.cents
        if minutes or cents:
            lines.append(common | {"rate_cents": rate, "minutes": minutes, "amount_cents": cents, "adjusts_line_id": before.first_line_id})
    if not lines:
        rate = min(paid)
        lines.append(common | {"rate_cents": rate, "minutes": 0, "amount_cents": 0, "adjusts_line_id": paid[rate].first_line_id})
    return lines


async def _export_one(db: AsyncSession, staff: Person, municipality_id: int, month: date, size: int) -> PayrollExport | None:
    """The municipality's export of the month, or None when there is nothing new to pay."""
    await db.execute(for_update(select(Municipality.id).where(Municipality.id == municipality_id)))
    export: PayrollExport | None = None
    after: Key | None = None
    number = 0
    while True:
        page: Page[Any] = await keyset_page(db, _to_export(municipality_id, month), PAYROLL_ORDER, _payroll_key,
                                            entities=True, after=after, size=size)
        reports = [Found(*row) for row in page.rows]
        # The reports' stored lines (timesheets.pay), the same figures as the month's checking CSV.
        at_rates = {report_id: [(rate, minutes) for rate, minutes, _cents in lines]
                    for report_id, lines in (await pay.stored_at_rates(db, [f.report.id for f in reports])).items()}
        paid = await _paid_so_far(db, [f.report.assignment_id for f in reports], month)
        rows = [line for f in reports for line in lines_of(f.report, at_rates.get(f.report.id, []), paid.get(f.report.assignment_id, {}))]
        if rows and export is None:
            year = clock.today().year
            last = await db.scalar(select(func.max(PayrollExport.number))
                                   .where(PayrollExport.municipality_id == municipality_id, PayrollExport.year == year))
            export = PayrollExport(municipality_id=municipality_id, month=month, year=year, number=(last or 0) + 1,
                                   exported_by_id=staff.id, exported_at=utcnow())
            db.add(export)
            await db.flush()
        if rows:
            assert export is not None
            for row in rows:
                number += 1
                row.update(export_id=export.id, number=number)
            await db.execute(insert(PayrollLine), rows)
        if page.after is None:
            return export
        after = read_cursor(page.after, PAYROLL_KEY_KINDS)


async def export_month(db: AsyncSession, staff: Person, scope: policy.DeskScope, month: date, *,
                       size: int = PAYROLL_BATCH) -> list[PayrollExport]:
    """Per municipality of the desk (in the order of their ids, so that two desks lock them in the same
    order): an export of what the month's confirmed revisions add to the exports before, with its lines.
    Refused when there is nothing new anywhere, or another export was written at the same moment."""
    exports = []
    try:
        for municipality_id in sorted(scope.municipality_ids):
            export = await _export_one(db, staff, municipality_id, month, size)
            if export is not None:
                exports.append(export)
    except IntegrityError:
        raise ExportRefused(ExportProblem.EXPORTED_MEANWHILE) from None
    if not exports:
        raise ExportRefused(ExportProblem.NOTHING_NEW)
    return exports


# ------------------------------------------------------------------- lists


@dataclass(frozen=True)
class Listed:
    """An export as its list shows it: who exported it, and its lines counted and summed by the database."""

    export: PayrollExport
    exporter: Person
    lines: int
    minutes: int
    amount_cents: int


def _exports_of(scope: policy.DeskScope) -> Any:
    return (select(PayrollExport, Exporter).join(Exporter, Exporter.id == PayrollExport.exported_by_id)
            .where(PayrollExport.municipality_id.in_(scope.municipality_ids)))


async def exports_page(db: AsyncSession, scope: policy.DeskScope, after: str = "", before: str = "",
                       size: int = PAGE_SIZE) -> Page[Listed]:
    """The desk's municipalities' exports, newest first, a page at a time (keyset), each with its totals (one GROUP BY)."""
    page: Page[Any] = await keyset_page(db, _exports_of(scope), (PayrollExport.exported_at, PayrollExport.id),
                                        lambda row: (row[0].exported_at, row[0].id), descending=True, entities=True, size=size,
                                        after=read_cursor(after, EXPORTS_KEY_KINDS), before=read_cursor(before, EXPORTS_KEY_KINDS))
    ids = [export.id for export, _exporter in page.rows]
    totals: dict[int, tuple[int, int, int]] = {}
    if ids:
        for export_id, lines, minutes, cents in await db.execute(
            select(PayrollLine.export_id, func.count(), func.sum(PayrollLine.minutes), func.sum(PayrollLine.amount_cents))
            .where(PayrollLine.export_id.in_(ids)).group_by(PayrollLine.export_id)
        ):
            totals[int(export_id)] = (int(lines), int(minutes), int(cents))
    return Page([Listed(export, exporter, *totals.get(export.id, (0, 0, 0))) for export, exporter in page.rows], page.after, page.before)


async def export_in_scope(db: AsyncSession, scope: policy.DeskScope, export_id: int) -> PayrollExport:
    """An export of one of the desk's municipalities; any other answers NotFound."""
    export = await db.scalar(select(PayrollExport).where(PayrollExport.id == export_id,
                                                         PayrollExport.municipality_id.in_(scope.municipality_ids)))
    if export is None:
        raise NotFound(export_id)
    return export


# ---------------------------------------------------------------- the file


@dataclass(frozen=True)
class StoredLine:
    line: PayrollLine
    person: Person
    assistant: Person
    month: date
    corrects: str  # the export and line it corrects ("2026/7"), or ""
    corrects_line: int | None


def file_row(export: PayrollExport, stored: StoredLine) -> list[object]:
    """export, line, assistant, assistant's personal code, person assisted, month, revision, hours, rate,
    amount, the export and line it corrects. The hours and the amount of an adjustment may be negative:
    numbers the portal writes (csvfiles.Number), not text a spreadsheet would read as a formula."""
    line = stored.line
    return [export.reference, line.number, stored.assistant.full_name, stored.assistant.personal_code, stored.person.full_name,
            f"{stored.month:%Y-%m}", line.revision, decimal_text(line.minutes, 60), decimal_text(line.rate_cents, 100),
            decimal_text(line.amount_cents, 100), stored.corrects, "" if stored.corrects_line is None else stored.corrects_line]


async def stored_lines_batch(db: AsyncSession, export: PayrollExport, *, after: int = 0, size: int = PAYROLL_BATCH) -> list[StoredLine]:
    """`size` of the export's lines after line number `after`, in the file's order, as they were written."""
    rows = await db.execute(
        select(PayrollLine, LinePerson, LineAssistant, MonthlyReport.month, OriginalExport.year, OriginalExport.number, Original.number)
        .join(LinePerson, LinePerson.id == PayrollLine.person_id)
        .join(LineAssistant, LineAssistant.id == PayrollLine.assistant_id)
        .join(MonthlyReport, MonthlyReport.id == PayrollLine.report_id)
        .outerjoin(Original, Original.id == PayrollLine.adjusts_line_id)
        .outerjoin(OriginalExport, OriginalExport.id == Original.export_id)
        .where(PayrollLine.export_id == export.id, PayrollLine.number > after)
        .order_by(PayrollLine.number).limit(size)
    )
    return [StoredLine(line, person, assistant, month, f"{year}/{number}" if year is not None else "", original)
            for line, person, assistant, month, year, number, original in rows]


async def stored_batches(unit_of_work: UnitOfWork, export: PayrollExport, *, size: int = PAYROLL_BATCH) -> AsyncIterator[list[StoredLine]]:
    """The export's lines, a batch at a time, each read in a read-only unit of work of its own (nothing
    held between batches but a line number). Always yields at least one batch."""
    after = 0
    while True:
        async with unit_of_work() as db:
            await read_only(db)
            batch = await stored_lines_batch(db, export, after=after, size=size)
        yield batch
        if len(batch) < size:
            return
        after = batch[-1].line.number


async def record_download(db: AsyncSession, staff: Person, export: PayrollExport, *, size: int = PAYROLL_BATCH) -> None:
    """The download in the audit (committed before the first byte): an event for every assistant and
    every person assisted the file names, `size` people to a statement."""
    lines = int(await db.scalar(select(func.count()).where(PayrollLine.export_id == export.id)) or 0)
    detail = f"{export.month:%Y-%m}: export {export.reference}, {lines} lines"
    named = union_all(
        select(PayrollLine.assistant_id.label("person_id"), literal(1).label("assistant"), literal(0).label("assisted"))
        .where(PayrollLine.export_id == export.id),
        select(PayrollLine.person_id, literal(0), literal(1)).where(PayrollLine.export_id == export.id),
    ).subquery()
    people = (select(named.c.person_id, func.max(named.c.assistant).label("assistant"), func.max(named.c.assisted).label("assisted"))
              .group_by(named.c.person_id).subquery())
    after, first = 0, True
    while True:
        rows = (await db.execute(select(people).where(people.c.person_id > after).order_by(people.c.person_id).limit(size))).all()
        subjects = [pair for person_id, assistant, assisted in rows
                    for pair, named_so in (((int(person_id), audit.AS_ASSISTANT), assistant), ((int(person_id), audit.AS_ASSISTED), assisted))
                    if named_so]
        if subjects or first:  # an empty file is still one event (record_many's, without a subject)
            await audit.record_many(db, actor=staff, action=audit.AuditAction.PAYROLL_EXPORTED, subjects=subjects, detail=detail)
        first = False
        if len(rows) < size:
            return
        after = int(rows[-1][0])


__all__ = ["ExportProblem", "ExportRefused", "NotFound"]

"""What confirmed reports pay, stored: each confirmed report's lines (its minutes at each rate, rounded
to the cent once) and the month's totals per desk and service. No HTTP.

What is paid for an assistant's month is its latest CONFIRMED revision (casework.reports, Reg. 316).
The lines are written once, when a report is confirmed (a confirmed revision never changes: a
correction is a new revision), and written again only when a rate changes (`add_rate`,
`remove_rate`). The totals (`MonthPayTotal`) move in the transaction of every write that changes
which revision is paid (`kept`): a confirmation, and retention's deletion of reports. They move by
`n = n + delta` upserts, never read and written back, so two writers cannot lose each other's
change. tests/timesheets/test_pay.py compares them with a recount from the entries after every kind
of write.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, case, delete, exists, func, insert, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal.applications.models import Application
from portal.applications.rules import ServiceKind
from portal.entitlements.models import Entitlement
from portal.timesheets.models import HourlyRate, MonthlyReport, MonthPayTotal, ReportPayLine, ReportStatus, TimeEntry

# ------------------------------------------------------------ from the entries


def rate_periods() -> Any:
    """Each hourly rate with the day it ends (the next rate's first day; none for the rate in force now)."""
    return select(
        HourlyRate.cents.label("cents"), HourlyRate.valid_from.label("valid_from"),
        func.lead(HourlyRate.valid_from).over(order_by=HourlyRate.valid_from).label("valid_to"),
    ).subquery()


def entries_at_rates(report_ids: Any) -> Any:
    """The entries of these reports (a list or a SELECT of ids), each with its minutes and the rate in
    force on its day (0 before the first), as timesheets.rate_on reads it: one join with the few rate
    periods, not a lookup per entry."""
    rates = rate_periods()
    in_force = and_(rates.c.valid_from <= TimeEntry.day, or_(rates.c.valid_to.is_(None), TimeEntry.day < rates.c.valid_to))
    return (
        select(TimeEntry.report_id.label("report_id"), func.coalesce(rates.c.cents, 0).label("rate"),
               (TimeEntry.end_minute - TimeEntry.start_minute).label("minutes"))
        .outerjoin(rates, in_force)
        .where(TimeEntry.report_id.in_(report_ids)).subquery()
    )


def rounded_amount(minutes: Any, rate: Any) -> Any:
    """round(minutes * rate / 60) as Python rounds it, half to even, in integers: the amount of a pay line to the cent."""
    whole, rest = (minutes * rate) // 60, (minutes * rate) % 60
    return whole + case((rest > 30, 1), (and_(rest == 30, whole % 2 == 1), 1), else_=0)


def _lines_from_entries(report_ids: Any) -> Any:
    """Per report and rate: the minutes and their amount, as the payroll's lines have always been computed."""
    entries = entries_at_rates(report_ids)
    minutes = func.sum(entries.c.minutes)
    return (select(entries.c.report_id, entries.c.rate, minutes, rounded_amount(minutes, entries.c.rate))
            .group_by(entries.c.report_id, entries.c.rate))


def _store_lines(report_ids: Any) -> Any:
    return insert(ReportPayLine).from_select(["report_id", "rate_cents", "minutes", "amount_cents"], _lines_from_entries(report_ids))


# --------------------------------------------------------------- the totals

# The desk a case belongs to, as policy.cases_in reads it (0 for none: see MonthPayTotal).
_DESK = (func.coalesce(Application.municipality_id, 0), func.coalesce(Application.school_id, 0))


@dataclass(frozen=True)
class _Share:
    """What one paid report adds to its month's total."""

    key: tuple[date, int, int, ServiceKind]
    minutes: int
    amount_cents: int


async def _shares(db: AsyncSession, report_ids: set[int]) -> dict[int, _Share]:
    """Per report (of those with lines), its month, desk, service, minutes and amount."""
    if not report_ids:
        return {}
    rows = await db.execute(
        select(ReportPayLine.report_id, MonthlyReport.month, *_DESK, Entitlement.kind,
               func.sum(ReportPayLine.minutes), func.sum(ReportPayLine.amount_cents))
        .join(MonthlyReport, MonthlyReport.id == ReportPayLine.report_id)
        .join(Entitlement, Entitlement.id == MonthlyReport.entitlement_id)
        .join(Application, Application.id == Entitlement.application_id)
        .where(ReportPayLine.report_id.in_(report_ids))
        .group_by(ReportPayLine.report_id, MonthlyReport.month, *_DESK, Entitlement.kind)
    )
    return {int(report_id): _Share((month, int(municipality), int(school), ServiceKind(kind)), int(minutes), int(cents))
            for report_id, month, municipality, school, kind, minutes, cents in rows}


async def _add(db: AsyncSession, shares: Iterable[_Share], sign: int) -> None:
    """Each share added to (sign 1) or taken from (-1) its total, as `n = n + delta` upserts, summed per total first."""
    deltas: dict[tuple[date, int, int, ServiceKind], tuple[int, int, int]] = {}
    for share in shares:
        reports, minutes, cents = deltas.get(share.key, (0, 0, 0))
        deltas[share.key] = (reports + sign, minutes + sign * share.minutes, cents + sign * share.amount_cents)
    if not deltas:
        return
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(MonthPayTotal).values([
        {"month": month, "municipality_id": municipality, "school_id": school, "kind": kind,
         "reports": reports, "minutes": minutes, "amount_cents": cents}
        for (month, municipality, school, kind), (reports, minutes, cents) in sorted(deltas.items())  # one order: no deadlock
    ])
    await db.execute(statement.on_conflict_do_update(
        index_elements=["month", "municipality_id", "school_id", "kind"],
        set_={"reports": MonthPayTotal.reports + statement.excluded.reports, "minutes": MonthPayTotal.minutes + statement.excluded.minutes,
              "amount_cents": MonthPayTotal.amount_cents + statement.excluded.amount_cents},
    ))


async def _paid(db: AsyncSession, months: set[tuple[int, date]]) -> set[int]:
    """Per (assignment, month), the id of its latest confirmed revision, as the database has it now."""
    if not months:
        return set()
    latest: dict[tuple[int, date], tuple[int, int]] = {}
    for assignment_id, month, revision, report_id in await db.execute(
        select(MonthlyReport.assignment_id, MonthlyReport.month, MonthlyReport.revision, MonthlyReport.id)
        .where(MonthlyReport.assignment_id.in_({a for a, _ in months}), MonthlyReport.month.in_({m for _, m in months}),
               MonthlyReport.status == ReportStatus.CONFIRMED)
    ):
        key = (int(assignment_id), month)
        if key in months and revision > latest.get(key, (0, 0))[0]:
            latest[key] = (int(revision), int(report_id))
    return {report_id for _, report_id in latest.values()}


@asynccontextmanager
async def kept(db: AsyncSession, report_ids: Iterable[int]) -> AsyncIterator[None]:
    """The totals kept current across a write to these reports in the same unit of work: the months
    of their assignments are read before (what is paid, and what it adds) and after (the reports
    confirmed by the write get their lines), and only the difference moves. A report deleted by
    the write takes its lines with it (ON DELETE CASCADE): its share is read before."""
    ids = set(report_ids)
    months = {(int(a), m) for a, m in await db.execute(
        select(MonthlyReport.assignment_id, MonthlyReport.month).where(MonthlyReport.id.in_(ids)))} if ids else set()
    paid_before = await _paid(db, months)
    shares_before = await _shares(db, paid_before)
    yield
    await db.flush()
    unlined = (select(MonthlyReport.id).where(MonthlyReport.id.in_(ids), MonthlyReport.status == ReportStatus.CONFIRMED,
                                              ~exists().where(ReportPayLine.report_id == MonthlyReport.id)))
    if ids:
        await db.execute(_store_lines(unlined))
    paid_after = await _paid(db, months)
    await _add(db, (shares_before[r] for r in paid_before - paid_after if r in shares_before), -1)
    await _add(db, (await _shares(db, paid_after - paid_before)).values(), 1)


# ------------------------------------------------------------ all again


def _paid_revision() -> Any:
    """A report is its month's paid revision: confirmed, and no later revision of the month confirmed."""
    later = aliased(MonthlyReport, name="later")
    return and_(MonthlyReport.status == ReportStatus.CONFIRMED, ~exists().where(
        later.assignment_id == MonthlyReport.assignment_id, later.month == MonthlyReport.month,
        later.status == ReportStatus.CONFIRMED, later.revision > MonthlyReport.revision))


async def refill(db: AsyncSession, since: date | None = None) -> None:
    """The lines and totals of the months from `since` (every month: None) computed again from the
    entries: after a change of rate, and after a bulk load (bench.national). The migration that made
    the tables (0027) does the same in SQL."""
    months = MonthlyReport.month >= since if since is not None else true()
    await db.execute(delete(ReportPayLine).where(ReportPayLine.report_id.in_(select(MonthlyReport.id).where(months)))
                     .execution_options(synchronize_session=False))
    await db.execute(_store_lines(select(MonthlyReport.id).where(months, MonthlyReport.status == ReportStatus.CONFIRMED)))
    await db.execute(delete(MonthPayTotal).where(MonthPayTotal.month >= since if since is not None else true())
                     .execution_options(synchronize_session=False))
    key = (MonthlyReport.month, *_DESK, Entitlement.kind)
    await db.execute(insert(MonthPayTotal).from_select(
        ["month", "municipality_id", "school_id", "kind", "reports", "minutes", "amount_cents"],
        select(*key, func.count(func.distinct(ReportPayLine.report_id)), func.sum(ReportPayLine.minutes),
               func.sum(ReportPayLine.amount_cents))
        .join(MonthlyReport, MonthlyReport.id == ReportPayLine.report_id)
        .join(Entitlement, Entitlement.id == MonthlyReport.entitlement_id)
        .join(Application, Application.id == Entitlement.application_id)
        .where(months, _paid_revision()).group_by(*key),
    ))


async def add_rate(db: AsyncSession, valid_from: date, cents: int, source: str = "") -> HourlyRate:
    """A new hourly rate from a day on (the law changed it): every stored line from that month on is
    computed again with it, in the same unit of work, so the stored pay is what the rates say."""
    rate = HourlyRate(valid_from=valid_from, cents=cents, source=source)
    db.add(rate)
    await db.flush()
    await refill(db, valid_from.replace(day=1))
    return rate


async def remove_rate(db: AsyncSession, valid_from: date) -> None:
    """The rate from that day removed (entered by mistake): the lines from that month on computed again."""
    await db.execute(delete(HourlyRate).where(HourlyRate.valid_from == valid_from))
    await refill(db, valid_from.replace(day=1))


# ------------------------------------------------------------------ reading


async def stored_at_rates(db: AsyncSession, report_ids: Iterable[int]) -> dict[int, list[tuple[int, int, int]]]:
    """Per report, its stored lines (rate, minutes, amount), by rate."""
    ids = set(report_ids)
    found: dict[int, list[tuple[int, int, int]]] = {}
    if not ids:
        return found
    for report_id, rate, minutes, cents in await db.execute(
        select(ReportPayLine.report_id, ReportPayLine.rate_cents, ReportPayLine.minutes, ReportPayLine.amount_cents)
        .where(ReportPayLine.report_id.in_(ids)).order_by(ReportPayLine.report_id, ReportPayLine.rate_cents)
    ):
        found.setdefault(int(report_id), []).append((int(rate), int(minutes), int(cents)))
    return found

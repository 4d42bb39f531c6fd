"""The desk's side of the month: the overview, one report, pay, the ministry's summary and the
control sample. No HTTP.

Every query reaches reports through their grant's application and `policy.cases_in(scope)`, so a
caseworker sees only their municipality's reports and a school's staff only their school's; any
other report answers "not found". What is paid is, per assistant and month, the latest CONFIRMED
revision: a newer revision still waiting does not replace it (Reg. 316: paid only as confirmed).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import String, and_, case, cast, func, literal, literal_column, or_, select, type_coerce, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.exc import StaleDataError

from portal import audit, clock, csvfiles, i18n, policy
from portal.applications.models import Application
from portal.applications.rules import ServiceKind
from portal.casework import tally
from portal.casework.models import DeskAssignment, DeskReport, ReportTally, SampleTally
from portal.casework.service import NotAllowed, NotFound
from portal.db import for_update, read_only, utcnow
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.paging import PAGE_SIZE, Key, Page, keyset_page, read_cursor
from portal.people import service as people
from portal.people.models import Named, Person
from portal.timesheets import pay
from portal.timesheets import service as timesheets
from portal.timesheets.models import ControlSample, MonthlyReport, MonthPayTotal, ReportAction, ReportEvent, ReportPayLine, ReportStatus

__all__ = ["NotAllowed", "NotFound"]
Assistant = aliased(Person, name="assistant")
MAX_CHECK_NOTE = 2000  # what the desk writes when it has checked a sampled report


class State(StrEnum):
    """The month of one assignment as the desk reads it (the latest revision decides)."""

    NOT_SUBMITTED = "not_submitted"  # nothing recorded, or the assistant is still recording
    SUBMITTED = "submitted"  # waiting for the person's confirmation
    RETURNED = "returned"
    CONFIRMED = "confirmed"


def state_of(report: MonthlyReport | ListedReport | None) -> State:
    if report is None or report.status is ReportStatus.OPEN:
        return State.NOT_SUBMITTED
    return State(report.status.value)


# ------------------------------------------------------------------ months


def recent_months(today: date, count: int = 12) -> list[date]:
    """This month and the ones before it, newest first."""
    months = [timesheets.month_of(today)]
    while len(months) < count:
        months.append(timesheets.previous_month(months[-1]))
    return months


def pick_month(text: str | None, today: date) -> date:
    """The month asked for ("2026-10"); last month when it is missing, malformed or still to come."""
    found = timesheets.parse_month(text or "")
    if found is None or found > timesheets.month_of(today):
        return timesheets.previous_month(timesheets.month_of(today))
    return found


# ---------------------------------------------------------------- overview


@dataclass(frozen=True, slots=True)
class ListedReport:
    """The latest revision of an assistant's month, as the overview lists it."""

    id: int
    status: ReportStatus
    total_minutes: int


@dataclass(frozen=True, slots=True)
class Row:
    """One assistant's month for one person, as the overview lists it. Read as columns, not as ORM
    objects: building six objects per row was most of what a full page cost (bench/README.md)."""

    assignment_id: int
    kind: ServiceKind
    person: Named
    assistant: Named
    report: ListedReport | None  # None: nothing recorded for the month yet

    @property
    def state(self) -> State:
        return state_of(self.report)


def _covers(month: date) -> Any:
    end = timesheets.last_day(month)
    return and_(AssistantAssignment.valid_from <= end, Entitlement.valid_from <= end, Entitlement.valid_to >= month,
                or_(AssistantAssignment.valid_to.is_(None), AssistantAssignment.valid_to >= month))


# The state of an assignment's month, in SQL: no report, or one still being recorded, is "not submitted".
STATE = case(
    # Written into the SQL, not bound: the SELECT and its GROUP BY must be the same expression.
    (or_(MonthlyReport.id.is_(None), MonthlyReport.status == literal_column(f"'{ReportStatus.OPEN.value}'")),
     literal_column(f"'{State.NOT_SUBMITTED.value}'")),
    else_=type_coerce(MonthlyReport.status, String),
)
# The list's order is the person's name as DeskAssignment keeps it, which one index gives in order
# per desk (casework.models): the first page reads its 50 rows, not the municipality's month. Filtered
# by a state a report is in, the rows come from DeskReport instead, whose index is per desk, month and
# state in the same order; "not submitted" is the desk's rows without one.
OVERVIEW_KEY_KINDS = "ssdi"


def _order(listed: type[DeskAssignment] | type[DeskReport]) -> tuple[Any, ...]:
    return (listed.family_name, listed.given_name, listed.valid_from, listed.assignment_id)


def _overview(scope: policy.DeskScope, month: date, kind: ServiceKind | None, state: State | None) -> Any:
    """Every assignment active in the month (or with a report for it) in `state` (None: any), joined to
    its latest revision (found per row in the index of (assignment, month, revision), not for the whole
    month at once). The assistants' names are read for the page's rows afterwards
    (names_by_id): a join fewer to plan."""
    in_report = ReportStatus(state.value) if state is not None and state is not State.NOT_SUBMITTED else None
    listed: type[DeskAssignment] | type[DeskReport] = DeskAssignment if in_report is None else DeskReport
    latest = (select(func.max(MonthlyReport.revision)).where(MonthlyReport.assignment_id == AssistantAssignment.id,
                                                             MonthlyReport.month == month).correlate(AssistantAssignment).scalar_subquery())
    query = (
        select(*_order(listed), DeskAssignment.person_id, AssistantAssignment.assistant_id, Entitlement.kind,
               MonthlyReport.id, MonthlyReport.status, MonthlyReport.total_minutes).select_from(listed)
        .join(AssistantAssignment, AssistantAssignment.id == listed.assignment_id)
        .join(Entitlement, Entitlement.application_id == AssistantAssignment.application_id)
        .join(Application, Application.id == Entitlement.application_id)
        .outerjoin(MonthlyReport, and_(MonthlyReport.assignment_id == AssistantAssignment.id, MonthlyReport.month == month,
                                       MonthlyReport.revision == latest))
        .where(policy.desk_keyed_in(listed.municipality_id, listed.school_id, scope), policy.cases_in(scope))
    )
    if in_report is not None:
        query = (query.join(DeskAssignment, DeskAssignment.assignment_id == DeskReport.assignment_id)
                 .where(DeskReport.month == month, DeskReport.status == in_report))
    else:
        query = query.where(or_(_covers(month), MonthlyReport.id.is_not(None)))
    if state is State.NOT_SUBMITTED:
        query = query.where(~select(DeskReport.assignment_id).where(DeskReport.assignment_id == DeskAssignment.assignment_id,
                                                                    DeskReport.month == month).exists())
    return query.where(Entitlement.kind == kind) if kind is not None else query


def _overview_key(row: Any) -> Key:
    return (row.family_name, row.given_name, row.valid_from, row.assignment_id)


async def overview(
    db: AsyncSession, scope: policy.DeskScope, month: date, kind: ServiceKind | None = None, state: State | None = None,
    after: str = "", before: str = "", size: int = PAGE_SIZE,
) -> Page[Row]:
    """A page of the month's assignments by the person's name (as DeskAssignment keeps it current), each
    with its latest revision."""
    after_key, before_key = read_cursor(after, OVERVIEW_KEY_KINDS), read_cursor(before, OVERVIEW_KEY_KINDS)
    page: Page[Any]
    if state is None or state is State.NOT_SUBMITTED:
        page = await keyset_page(db, _overview(scope, month, kind, state), _order(DeskAssignment), _overview_key, entities=True,
                                 size=size, after=after_key, before=before_key)
    else:
        # The page's months picked from DeskReport alone, then their rows by key. In one statement,
        # PostgreSQL's generic plan for it (a prepared statement's, after five) does not know that the
        # month's state is a thousand rows, joins them all, then sorts: 50 ms at national volume, against 2.
        order = _order(DeskReport)
        in_state = select(*order).where(policy.desk_keyed_in(DeskReport.municipality_id, DeskReport.school_id, scope),
                                        DeskReport.month == month, DeskReport.status == ReportStatus(state.value))
        picked: Page[Any] = await keyset_page(db, in_state.where(DeskReport.kind == kind) if kind is not None else in_state,
                                              order, _overview_key, entities=True, size=size, after=after_key, before=before_key)
        ids = [row.assignment_id for row in picked.rows]
        rows = _overview(scope, month, kind, state).where(DeskReport.assignment_id.in_(ids))
        found = {row.assignment_id: row for row in await db.execute(rows)} if ids else {}
        page = Page([found[i] for i in ids if i in found], picked.after, picked.before)
    assistants = await people.names_by_id(db, {row.assistant_id for row in page.rows})
    return Page([Row(row.assignment_id, row.kind, Named(row.person_id, row.given_name, row.family_name), assistants[row.assistant_id],
                     ListedReport(row.id, row.status, row.total_minutes) if row.id is not None else None)
                 for row in page.rows], page.after, page.before)


async def counts(db: AsyncSession, scope: policy.DeskScope, month: date, kind: ServiceKind | None = None) -> dict[State, int]:
    """How many of the month's assignments are in each state: from the desk's tallies (casework.tally),
    a few rows per desk, service and month, whatever the municipality's size."""
    this_month = ReportTally.month == month
    query = select(
        func.coalesce(func.sum(ReportTally.covered), 0),
        *(func.coalesce(func.sum(case((this_month, column), else_=0)), 0)
          for column in (ReportTally.uncovered, ReportTally.submitted, ReportTally.returned, ReportTally.confirmed)),
    ).where(policy.desk_keyed_in(ReportTally.municipality_id, ReportTally.school_id, scope), ReportTally.month <= month)
    if kind is not None:
        query = query.where(ReportTally.kind == kind)
    row = (await db.execute(query)).one()
    covered, uncovered, submitted, returned, confirmed_ = (int(n) for n in row)
    return {State.NOT_SUBMITTED: covered + uncovered - submitted - returned - confirmed_, State.SUBMITTED: submitted,
            State.RETURNED: returned, State.CONFIRMED: confirmed_}


async def recount(db: AsyncSession, scope: policy.DeskScope, month: date, kind: ServiceKind | None = None) -> dict[State, int]:
    """The same counts by reading every assignment of the month (one GROUP BY): what the tallies are tested against."""
    latest = (
        select(MonthlyReport.assignment_id, func.max(MonthlyReport.revision).label("revision"))
        .where(MonthlyReport.month == month).group_by(MonthlyReport.assignment_id).subquery()
    )
    query = (
        select(STATE, func.count()).select_from(AssistantAssignment)
        .join(Entitlement, Entitlement.application_id == AssistantAssignment.application_id)
        .join(Application, Application.id == Entitlement.application_id)
        .outerjoin(latest, latest.c.assignment_id == AssistantAssignment.id)
        .outerjoin(MonthlyReport, and_(MonthlyReport.assignment_id == AssistantAssignment.id, MonthlyReport.month == month,
                                       MonthlyReport.revision == latest.c.revision))
        .where(policy.cases_in(scope), or_(_covers(month), MonthlyReport.id.is_not(None)))
        .group_by(STATE)
    )
    if kind is not None:
        query = query.where(Entitlement.kind == kind)
    found = dict.fromkeys(State, 0)
    for state, number in await db.execute(query):
        found[State(state)] = int(number)
    return found


# -------------------------------------------------------------- one report


def _reports_query(scope: policy.DeskScope) -> Any:
    return (
        select(MonthlyReport, Entitlement, Person, Assistant)
        .join(Entitlement, Entitlement.id == MonthlyReport.entitlement_id)
        .join(Application, Application.id == Entitlement.application_id)
        .join(Person, Person.id == MonthlyReport.person_id)
        .join(Assistant, Assistant.id == MonthlyReport.assistant_id)
        .where(policy.cases_in(scope))
    )


@dataclass(frozen=True)
class Found:
    report: MonthlyReport
    entitlement: Entitlement
    person: Person
    assistant: Person


async def report_in_scope(db: AsyncSession, scope: policy.DeskScope, report_id: int) -> Found:
    found = (await db.execute(_reports_query(scope).where(MonthlyReport.id == report_id))).first()
    if found is None:
        raise NotFound(report_id)
    return Found(*found)


async def open_report(db: AsyncSession, staff: Person, scope: policy.DeskScope, report_id: int) -> Found:
    """A report the desk may see; the view is recorded (who looked at whose data, when)."""
    found = await report_in_scope(db, scope, report_id)
    report = found.report
    audit.record(db, actor=staff, subject=found.person, action=audit.AuditAction.REPORT_VIEWED,
                 detail=f"report {report.id}, {report.month:%Y-%m}, revision {report.revision}")
    return found


async def people_by_id(db: AsyncSession, ids: set[int]) -> dict[int, Person]:
    return {p.id: p for p in await db.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}


# --------------------------------------------------------------------- pay


@dataclass(frozen=True)
class PayLine:
    """Hours of one confirmed report at one rate (a month that spans a change of rate has two lines)."""

    found: Found
    minutes: int
    rate_cents: int
    amount_cents: int


def _confirmed_query(scope: policy.DeskScope, month: date, as_of: datetime | None = None) -> Any:
    """Per assignment, the month's latest confirmed revision; `as_of`: as it was at that moment (a
    revision confirmed later is left out, and the one before it paid, as it was then)."""
    confirmed_then = [MonthlyReport.status == ReportStatus.CONFIRMED]
    if as_of is not None:  # a report confirmed with no time on record (imported) was confirmed before any export
        confirmed_then.append(or_(MonthlyReport.confirmed_at.is_(None), MonthlyReport.confirmed_at <= as_of))
    best = (
        select(MonthlyReport.assignment_id, func.max(MonthlyReport.revision).label("revision"))
        .where(MonthlyReport.month == month, *confirmed_then)
        .group_by(MonthlyReport.assignment_id).subquery()
    )
    return (
        _reports_query(scope)
        .join(best, and_(best.c.assignment_id == MonthlyReport.assignment_id, best.c.revision == MonthlyReport.revision))
        # Confirmed, as `best` is: the same rows, read from the index on (month, status) rather than every report of the month.
        .where(MonthlyReport.month == month, MonthlyReport.status == ReportStatus.CONFIRMED)
    )


async def confirmed(db: AsyncSession, scope: policy.DeskScope, month: date, *, unsampled_only: bool = False) -> list[Found]:
    """Per assignment, the month's latest confirmed revision, ordered by report id."""
    query = _confirmed_query(scope, month).order_by(MonthlyReport.id)
    if unsampled_only:
        query = query.where(MonthlyReport.sample_id.is_(None))
    return [Found(*row) for row in (await db.execute(query)).all()]


# The entries at their rates are timesheets.pay's (where the stored lines come from); these names stay for
# the recount from the entries (`pay_lines`, `by_kind`), the definition the stored figures are tested against.
_rate_periods = pay.rate_periods
_entries_at_rates = pay.entries_at_rates
_rounded_amount = pay.rounded_amount


async def _minutes_at_rates(db: AsyncSession, scope: policy.DeskScope, month: date) -> dict[int, list[tuple[int, int]]]:
    """Per confirmed report of the month, its minutes at each rate: summed by the database, not entry by entry."""
    paid = _confirmed_query(scope, month).with_only_columns(MonthlyReport.id).subquery()
    return await _summed_at_rates(db, _entries_at_rates(select(paid.c.id)))


async def _summed_at_rates(db: AsyncSession, entries: Any) -> dict[int, list[tuple[int, int]]]:
    """Per report, (rate, minutes) at each rate of its entries, by rate."""
    found: dict[int, list[tuple[int, int]]] = {}
    for report_id, rate, minutes in await db.execute(
        select(entries.c.report_id, entries.c.rate, func.sum(entries.c.minutes))
        .group_by(entries.c.report_id, entries.c.rate).order_by(entries.c.report_id, entries.c.rate)
    ):
        found.setdefault(int(report_id), []).append((int(rate), int(minutes)))
    return found


async def pay_lines(db: AsyncSession, scope: policy.DeskScope, month: date) -> list[PayLine]:
    """What is paid for the month, by assistant: hours at the rate of their day (timesheets' rates)."""
    reports = await confirmed(db, scope, month)
    at_rates = await _minutes_at_rates(db, scope, month)
    lines = []
    for found in reports:
        for rate, minutes in at_rates.get(found.report.id, []):
            # As timesheets.amount_cents: the hours at the rate, rounded to the cent once.
            lines.append(PayLine(found, minutes, rate, round(minutes * rate / 60)))
    lines.sort(key=lambda line: (line.found.assistant.family_name, line.found.assistant.given_name,
                                 line.found.assistant.id, line.found.person.family_name, line.found.report.id, line.rate_cents))
    return lines


def decimal_text(value: int, divisor: int) -> csvfiles.Number:
    """Two decimal places with a decimal comma ("5,11", "7,50"), as a Latvian-locale spreadsheet reads a number."""
    return csvfiles.decimal(str((Decimal(value) / divisor).quantize(Decimal("0.01"))))


@dataclass(frozen=True, slots=True)
class FileLine:
    """A line of the payroll file as the stream reads it: the names and the numbers, as columns (a
    month of Rīga's is thousands of lines; four ORM objects for each were most of what it cost)."""

    assistant: Named
    assistant_code: str
    person: Named
    minutes: int
    rate_cents: int
    amount_cents: int


def payroll_row(line: FileLine) -> list[str]:
    """assistant, assistant's personal code, person assisted, hours, rate, amount.

    Written through csvfiles' writer (`csvfiles.streamed`), which gives a name a spreadsheet would
    read as a formula a leading `'`; the numbers are the portal's own (decimal commas), never negative
    (an entry ends after it starts, a rate is a price), so it leaves them as they are."""
    return [line.assistant.full_name, line.assistant_code, line.person.full_name,
            decimal_text(line.minutes, 60), decimal_text(line.rate_cents, 100), decimal_text(line.amount_cents, 100)]


# ------------------------------------------------------- payroll, streamed
#
# The payroll file is sent as it is read, PAYROLL_BATCH reports at a time (keyset, in the file's own
# order), each batch in a short read-only unit of work of its own: memory holds one batch whatever
# the month's size, and no connection is held while a slow client downloads. Every batch reads the
# month as it was when the export began (`as_of`): a report confirmed meanwhile is in the next
# export, never half in this one, and the people the audit named before the first byte are those
# the file holds (but for a confirmation being committed in that very millisecond).

PAYROLL_BATCH = 500
PAYROLL_ORDER = (Assistant.family_name, Assistant.given_name, Assistant.id, Person.family_name, MonthlyReport.id)
PAYROLL_KEY_KINDS = "ssisi"


FILE_COLUMNS = (Assistant.family_name.label("assistant_family_name"), Assistant.given_name.label("assistant_given_name"),
                Assistant.id.label("assistant_id"), Assistant.personal_code.label("assistant_code"),
                Person.family_name, Person.given_name, Person.id.label("person_id"), MonthlyReport.id.label("report_id"))


def _payroll_key(row: Any) -> Key:
    return (row.assistant_family_name, row.assistant_given_name, row.assistant_id, row.family_name, row.report_id)


def _paid_ids(scope: policy.DeskScope, month: date, as_of: datetime) -> Any:
    """The confirmed reports paid in the month as of `as_of` that have hours (a report with none has no stored line)."""
    return (_confirmed_query(scope, month, as_of).with_only_columns(MonthlyReport.id, MonthlyReport.assistant_id, MonthlyReport.person_id)
            .where(select(ReportPayLine.report_id).where(ReportPayLine.report_id == MonthlyReport.id).exists()))


def _lines_of(paid: Any) -> Any:
    """How many lines the reports of `paid` have in the file (a report's stored lines, one per rate)."""
    return select(func.count()).select_from(ReportPayLine).join(paid, paid.c.id == ReportPayLine.report_id)


def _payroll_people(paid: Any) -> Any:
    """Everyone the file names, once each: (person id, named as an assistant, named as assisted)."""
    named = union_all(
        select(paid.c.assistant_id.label("person_id"), literal(1).label("assistant"), literal(0).label("assisted")),
        select(paid.c.person_id, literal(0), literal(1)),
    ).subquery()
    return (select(named.c.person_id, func.max(named.c.assistant).label("assistant"), func.max(named.c.assisted).label("assisted"))
            .group_by(named.c.person_id))


async def payroll_line_count(db: AsyncSession, scope: policy.DeskScope, month: date, as_of: datetime) -> int:
    """How many lines the month's payroll as of `as_of` has: counted by the database."""
    return int(await db.scalar(_lines_of(_paid_ids(scope, month, as_of).subquery())) or 0)


async def record_payroll_export(db: AsyncSession, staff: Person, scope: policy.DeskScope, month: date, as_of: datetime) -> None:
    """The export in the audit, in the caller's unit of work (committed before the first byte is sent):
    an event for every assistant (with the personal code) and every person assisted the file names,
    each saying how many lines the file has ("2026-03: 12 lines: assistant"), written by the database
    in one statement (audit.record_people_of), so that neither memory nor the statements sent grow
    with the month. The month's paid reports are one CTE, which PostgreSQL reads once for the people
    and the count alike (a count of its own was a second pass over them, a sixth of the file's time
    at Rīga's volume)."""
    paid = _paid_ids(scope, month, as_of).cte("paid")
    lines = cast(_lines_of(paid).scalar_subquery(), String)
    await audit.record_people_of(db, actor=staff, people=_payroll_people(paid), action=audit.AuditAction.PAYROLL_EXPORTED,
                                 detail=literal(f"{month:%Y-%m}: ") + lines + literal(" lines"))


async def pay_lines_batch(db: AsyncSession, scope: policy.DeskScope, month: date, as_of: datetime, *,
                          after: Key | None = None, size: int = PAYROLL_BATCH) -> tuple[list[FileLine], Key | None]:
    """The file's lines of `size` reports after the key `after`, in the file's order (the assistant's
    name, the person's, the report, the rate: as `pay_lines`), and the key the next batch starts after.
    The lines are the reports' stored ones (timesheets.pay), not summed from the month's entries."""
    with_lines = _confirmed_query(scope, month, as_of).with_only_columns(*FILE_COLUMNS).where(  # a report with no hours is no line
        select(ReportPayLine.report_id).where(ReportPayLine.report_id == MonthlyReport.id).exists())
    page: Page[Any] = await keyset_page(db, with_lines, PAYROLL_ORDER, _payroll_key, entities=True, after=after, size=size)
    stored = await pay.stored_at_rates(db, [row.report_id for row in page.rows])
    lines = [FileLine(Named(row.assistant_id, row.assistant_given_name, row.assistant_family_name), row.assistant_code,
                      Named(row.person_id, row.given_name, row.family_name), minutes, rate, cents)
             for row in page.rows for rate, minutes, cents in stored.get(row.report_id, [])]
    return lines, read_cursor(page.after, PAYROLL_KEY_KINDS) if page.after else None


UnitOfWork = Callable[[], AbstractAsyncContextManager[AsyncSession]]


async def payroll_batches(unit_of_work: UnitOfWork, scope: policy.DeskScope, month: date, as_of: datetime, *,
                          size: int = PAYROLL_BATCH) -> AsyncIterator[list[FileLine]]:
    """Every pay line of the month as of `as_of`, a batch at a time, each batch read in a read-only
    unit of work of its own (`unit_of_work()` opens one); nothing is held between batches but a key.
    Always yields at least one batch (an empty month: one empty batch)."""
    after: Key | None = None
    while True:
        async with unit_of_work() as db:
            await read_only(db)
            lines, after = await pay_lines_batch(db, scope, month, as_of, after=after, size=size)
        yield lines
        if after is None:
            return


async def payroll_lines(unit_of_work: UnitOfWork, scope: policy.DeskScope, month: date, as_of: datetime, *,
                        size: int = PAYROLL_BATCH) -> AsyncIterator[FileLine]:
    """The pay lines of `payroll_batches`, one at a time."""
    async for batch in payroll_batches(unit_of_work, scope, month, as_of, size=size):
        for line in batch:
            yield line


@dataclass(frozen=True)
class KindTotal:
    kind: ServiceKind
    reports: int
    minutes: int
    amount_cents: int


async def totals_by_kind(db: AsyncSession, scope: policy.DeskScope, month: date) -> list[KindTotal]:
    """The ministry's summary: per service, the reports, hours and money of the month's pay lines, from
    the stored totals of the desk's municipalities and schools (timesheets.pay: a handful of rows,
    kept on every write; `recounted_by_kind` is the same from the entries)."""
    rows = await db.execute(
        select(MonthPayTotal.kind, func.sum(MonthPayTotal.reports), func.sum(MonthPayTotal.minutes), func.sum(MonthPayTotal.amount_cents))
        .where(MonthPayTotal.month == month, policy.desk_keyed_in(MonthPayTotal.municipality_id, MonthPayTotal.school_id, scope))
        .group_by(MonthPayTotal.kind).having(func.sum(MonthPayTotal.reports) > 0)
    )
    found = {ServiceKind(kind): KindTotal(ServiceKind(kind), int(count), int(minutes), int(cents)) for kind, count, minutes, cents in rows}
    return [found[kind] for kind in ServiceKind if kind in found]


async def recounted_by_kind(db: AsyncSession, scope: policy.DeskScope, month: date) -> list[KindTotal]:
    """The ministry's summary computed by the database from the month's entries: per service, the reports,
    hours and money of the month's pay lines (each report's minutes at each rate, rounded to the cent
    once, as `pay_lines`). What the stored totals are tested against; no page reads it."""
    paid = _confirmed_query(scope, month).with_only_columns(MonthlyReport.id.label("report_id"), Entitlement.kind.label("kind")).subquery()
    entries = _entries_at_rates(select(paid.c.report_id))
    lines = (
        select(entries.c.report_id, entries.c.rate, func.sum(entries.c.minutes).label("minutes"))
        .group_by(entries.c.report_id, entries.c.rate).subquery()
    )
    rows = await db.execute(
        select(paid.c.kind, func.count(func.distinct(lines.c.report_id)), func.sum(lines.c.minutes),
               func.sum(_rounded_amount(lines.c.minutes, lines.c.rate)))
        .join(lines, lines.c.report_id == paid.c.report_id).group_by(paid.c.kind)
    )
    found = {ServiceKind(kind): KindTotal(ServiceKind(kind), int(count), int(minutes), int(cents)) for kind, count, minutes, cents in rows}
    return [found[kind] for kind in ServiceKind if kind in found]


def by_kind(lines: Sequence[PayLine]) -> list[KindTotal]:
    """The ministry's summary from the payroll's own lines, in Python: the definition `totals_by_kind` is tested against."""
    totals: dict[ServiceKind, tuple[set[int], int, int]] = {}
    for line in lines:
        ids, minutes, cents = totals.get(line.found.entitlement.kind, (set(), 0, 0))
        totals[line.found.entitlement.kind] = (ids | {line.found.report.id}, minutes + line.minutes, cents + line.amount_cents)
    return [KindTotal(kind, len(ids), minutes, cents) for kind in ServiceKind if kind in totals
            for ids, minutes, cents in [totals[kind]]]


# ------------------------------------------------------------------ sample


class SampleProblem(StrEnum):
    """Why no sample was drawn, or a sampled report not marked as checked."""

    SHARE = "share"  # not a whole percent from 1 to 100
    NOTHING_LEFT = "nothing_left"  # every confirmed report of the month was drawn before
    DRAWN_MEANWHILE = "drawn_meanwhile"  # another draw changed the same reports at the same moment
    NO_NOTE = "no_note"  # a check says what was checked and found
    NOTE_TOO_LONG = "note_too_long"  # over MAX_CHECK_NOTE


class SampleRefused(Exception):
    """A draw or a check the rules refuse. (Not a frozen dataclass: a context manager sets an exception's traceback on its way out.)"""

    def __init__(self, problem: SampleProblem) -> None:
        super().__init__(problem)
        self.problem = problem


def sample_size(population: int, percent: int) -> int:
    """The share, rounded up: at least one report when there is any."""
    return (population * percent + 99) // 100


def draw(report_ids: Sequence[int], percent: int, seed: str) -> list[int]:
    """The reports drawn: the same seed and the same reports (ordered by id) always draw the same ones."""
    ordered = sorted(report_ids)
    return sorted(random.Random(seed).sample(ordered, sample_size(len(ordered), percent)))


def _event(db: AsyncSession, staff: Person, report: MonthlyReport, action: ReportAction, message: str = "") -> None:
    report.touch()
    db.add(ReportEvent(report_id=report.id, actor_id=staff.id, on_behalf_of_id=report.person_id, action=action, message=message,
                       message_lang=i18n.written_in() if message else None))


async def draw_samples(db: AsyncSession, staff: Person, scope: policy.DeskScope, month: date, percent: int) -> list[ControlSample]:
    """Per municipality of the desk: a share of the month's confirmed reports not drawn before.
    A refusal leaves the session to be rolled back (after DRAWN_MEANWHILE, it must be)."""
    if not 1 <= percent <= 100:
        raise SampleRefused(SampleProblem.SHARE)
    samples = []
    try:
        for municipality_id in scope.municipality_ids:
            population = await confirmed(db, policy.DeskScope(municipality_ids=(municipality_id,)), month, unsampled_only=True)
            if not population:
                continue
            sample = ControlSample(municipality_id=municipality_id, month=month, percent=percent, seed=secrets.token_hex(8),
                                   drawn_by_id=staff.id, drawn_at=utcnow())
            db.add(sample)
            await db.flush()
            chosen = set(draw([f.report.id for f in population], percent, sample.seed))
            for found in population:
                if found.report.id in chosen:
                    found.report.sample_id = sample.id
                    _event(db, staff, found.report, ReportAction.SAMPLED, str(sample.id))
            await tally.sampled(db, sample.id, [(f.report, f.entitlement.kind) for f in population if f.report.id in chosen])
            samples.append(sample)
        await db.flush()
    except StaleDataError:  # a report's version moved on under us: another draw took it
        raise SampleRefused(SampleProblem.DRAWN_MEANWHILE) from None
    if not samples:
        raise SampleRefused(SampleProblem.NOTHING_LEFT)
    return samples


# The month's sample as the desk reads it: its draws (a handful: one per municipality each time the
# desk draws), the drawn reports a page at a time by the person's name (keyset), and its numbers,
# counted by the database. Nothing on the page grows with the number of reports drawn.


class SampleCheck(StrEnum):
    """Where a drawn report is in its check."""

    WAITING = "waiting"  # drawn, not checked yet
    CHECKED = "checked"  # checked, with a note


# Written into the SQL, not bound: the SELECT and its GROUP BY must be the same expression.
CHECK_STATE = case((MonthlyReport.checked_at.is_(None), literal_column(f"'{SampleCheck.WAITING.value}'")),
                   else_=literal_column(f"'{SampleCheck.CHECKED.value}'"))
# By the person's name as DeskAssignment keeps it (the same as Person's): the draw's reports are
# sorted on their own rows, and only the page's 50 are joined to the people.
SAMPLE_ORDER = (DeskAssignment.family_name, DeskAssignment.given_name, MonthlyReport.id)
SAMPLE_KEY_KINDS = "ssi"
DrawnBy = aliased(Person, name="drawn_by")


@dataclass(frozen=True)
class SampleFilter:
    """What the sample page shows of the month: a check state, a service, one draw (None: all)."""

    check: SampleCheck | None = None
    kind: ServiceKind | None = None
    sample_id: int | None = None


@dataclass(frozen=True)
class Draw:
    """One draw of the month, with how many of the reports it drew the desk may see and has checked."""

    sample: ControlSample
    drawn_by: Person
    reports: int
    checked: int


@dataclass(frozen=True)
class SampleCounts:
    drawn: int
    checked: int
    waiting: int
    own_hours: int  # confirmed by the assistant, as the person's representative: worth a closer look
    corrected: int  # a newer revision has been started since (a correction of the month)


@dataclass(frozen=True, slots=True)
class DrawnReport:
    """The revision a draw took, as the sample page lists it."""

    id: int
    assignment_id: int
    revision: int
    total_minutes: int
    checked_at: datetime | None
    check_note: str | None
    check_note_lang: str | None


@dataclass(frozen=True, slots=True)
class Sampled:
    """A drawn report and the draw that drew it, read as columns (as the overview's rows are). The
    drawn revision is what was (or is to be) checked; `confirmed_since` is the latest revision of the
    same month confirmed after it, `started_since` a newer one still waiting for its confirmation:
    what changed since the draw."""

    report: DrawnReport
    kind: ServiceKind
    person: Named
    assistant: Named
    sample_id: int
    drawn_at: datetime
    confirmed_since: MonthlyReport | None = None
    started_since: MonthlyReport | None = None


def _sampled(scope: policy.DeskScope, month: date, chosen: SampleFilter, *entities: Any) -> Any:
    """The month's drawn reports the desk may see, of its own municipalities' draws, by the filter but its check state."""
    query = (
        select(*entities).select_from(MonthlyReport)
        .join(ControlSample, ControlSample.id == MonthlyReport.sample_id)
        .join(DeskAssignment, DeskAssignment.assignment_id == MonthlyReport.assignment_id)
        .join(Entitlement, Entitlement.id == MonthlyReport.entitlement_id)
        .join(Application, Application.id == Entitlement.application_id)
        .where(policy.cases_in(scope), ControlSample.municipality_id.in_(scope.municipality_ids), ControlSample.month == month)
    )
    if chosen.kind is not None:
        query = query.where(Entitlement.kind == chosen.kind)
    if chosen.sample_id is not None:
        query = query.where(ControlSample.id == chosen.sample_id)
    return query


async def draws_of(db: AsyncSession, scope: policy.DeskScope, month: date) -> list[Draw]:
    """The month's draws of the desk's municipalities, newest first, each with its reports counted
    (from the sample's tallies, casework.tally: one query, a row per draw and service)."""
    counted = (select(SampleTally.sample_id, func.sum(SampleTally.drawn).label("reports"), func.sum(SampleTally.checked).label("checked"))
               .group_by(SampleTally.sample_id).subquery())
    rows = await db.execute(
        select(ControlSample, DrawnBy, counted.c.reports, counted.c.checked)
        .join(counted, counted.c.sample_id == ControlSample.id)
        .join(DrawnBy, DrawnBy.id == ControlSample.drawn_by_id)
        .where(ControlSample.municipality_id.in_(scope.municipality_ids), ControlSample.month == month, counted.c.reports > 0)
        .order_by(ControlSample.drawn_at.desc(), ControlSample.id.desc())
    )
    return [Draw(sample, drawn_by, int(reports), int(checked)) for sample, drawn_by, reports, checked in rows]


async def sample_counts(db: AsyncSession, scope: policy.DeskScope, month: date, chosen: SampleFilter) -> SampleCounts:
    """The sample's numbers for the filter's service and draw (whatever its check state), from its tallies.

    A draw takes only its municipality's own cases (draw_samples), all of them within any desk scope
    that holds the municipality: its tallies are what `sample_recount` counts for that scope."""
    query = (select(*(func.coalesce(func.sum(c), 0) for c in (SampleTally.drawn, SampleTally.checked, SampleTally.own_hours,
                                                                SampleTally.corrected)))
             .join(ControlSample, ControlSample.id == SampleTally.sample_id)
             .where(ControlSample.municipality_id.in_(scope.municipality_ids), ControlSample.month == month))
    if chosen.kind is not None:
        query = query.where(SampleTally.kind == chosen.kind)
    if chosen.sample_id is not None:
        query = query.where(ControlSample.id == chosen.sample_id)
    drawn, checked, own_hours, corrected = (int(n) for n in (await db.execute(query)).one())
    return SampleCounts(drawn=drawn, checked=checked, waiting=drawn - checked, own_hours=own_hours, corrected=corrected)


async def sample_recount(db: AsyncSession, scope: policy.DeskScope, month: date, chosen: SampleFilter) -> SampleCounts:
    """sample_counts by reading the drawn reports (one GROUP BY): what the tallies are tested against."""
    found = dict.fromkeys(SampleCheck, (0, 0, 0))
    own_hours = func.sum(case((MonthlyReport.confirmed_by_id == MonthlyReport.assistant_id, 1), else_=0))
    corrected = func.sum(case((MonthlyReport.superseded, 1), else_=0))
    for state, number, own, newer in await db.execute(
        _sampled(scope, month, chosen, CHECK_STATE, func.count(), own_hours, corrected).group_by(CHECK_STATE)
    ):
        found[SampleCheck(state)] = (int(number), int(own or 0), int(newer or 0))
    waiting, checked = found[SampleCheck.WAITING], found[SampleCheck.CHECKED]
    return SampleCounts(drawn=waiting[0] + checked[0], checked=checked[0], waiting=waiting[0],
                        own_hours=waiting[1] + checked[1], corrected=waiting[2] + checked[2])


SAMPLED_COLUMNS = (DeskAssignment.family_name, DeskAssignment.given_name, MonthlyReport.id, MonthlyReport.assignment_id,
                   MonthlyReport.revision, MonthlyReport.total_minutes, MonthlyReport.checked_at, MonthlyReport.check_note,
                   MonthlyReport.check_note_lang, MonthlyReport.person_id, MonthlyReport.assistant_id, Entitlement.kind,
                   ControlSample.id.label("sample_id"), ControlSample.drawn_at)


def _sampled_key(row: Any) -> Key:
    return (row.family_name, row.given_name, row.id)


async def sampled_page(
    db: AsyncSession, scope: policy.DeskScope, month: date, chosen: SampleFilter, after: str = "", before: str = "",
    size: int = PAGE_SIZE,
) -> Page[Sampled]:
    """A page of the month's drawn reports by the person's name (a cursor that does not read is the first page)."""
    # The month's draws by their ids, as constants: the planner then reads their reports from the index of
    # sample_id and sorts those few, where a join with the draws left it guessing thousands and hashing the desk's rows.
    draws = list(await db.scalars(select(ControlSample.id).where(ControlSample.municipality_id.in_(scope.municipality_ids),
                                                                 ControlSample.month == month)))
    query = _sampled(scope, month, chosen, *SAMPLED_COLUMNS).where(MonthlyReport.sample_id.in_(draws))
    if chosen.check is not None:
        query = query.where(chosen.check.value == CHECK_STATE)
    page: Page[Any] = await keyset_page(db, query, SAMPLE_ORDER, _sampled_key, entities=True, size=size,
                                        after=read_cursor(after, SAMPLE_KEY_KINDS), before=read_cursor(before, SAMPLE_KEY_KINDS))
    newer = await _newer_revisions(db, [(row.assignment_id, row.revision) for row in page.rows], month)
    assistants = await people.names_by_id(db, {row.assistant_id for row in page.rows})
    rows = []
    for row in page.rows:
        since = newer.get(row.assignment_id, [])
        confirmed_since = next((r for r in reversed(since) if r.revision > row.revision and r.status is ReportStatus.CONFIRMED), None)
        started_since = since[-1] if since and since[-1].revision > row.revision and since[-1].status is not ReportStatus.CONFIRMED else None
        drawn = DrawnReport(row.id, row.assignment_id, row.revision, row.total_minutes, row.checked_at, row.check_note, row.check_note_lang)
        rows.append(Sampled(drawn, row.kind, Named(row.person_id, row.given_name, row.family_name), assistants[row.assistant_id],
                            row.sample_id, row.drawn_at, confirmed_since, started_since))
    return Page(rows, page.after, page.before)


async def _newer_revisions(db: AsyncSession, drawn: list[tuple[int, int]], month: date) -> dict[int, list[MonthlyReport]]:
    """Per assignment of the page's drawn reports, the month's revisions after the lowest one drawn, oldest
    first: one query for the page (a month has a revision or two)."""
    if not drawn:
        return {}
    found: dict[int, list[MonthlyReport]] = {}
    for report in await db.scalars(
        select(MonthlyReport).where(MonthlyReport.assignment_id.in_({a for a, _ in drawn}), MonthlyReport.month == month,
                                    MonthlyReport.revision > min(r for _, r in drawn))
        .order_by(MonthlyReport.assignment_id, MonthlyReport.revision)
    ):
        found.setdefault(report.assignment_id, []).append(report)
    return found


async def sampled_report(db: AsyncSession, scope: policy.DeskScope, report_id: int) -> Found:
    found = await report_in_scope(db, scope, report_id)
    if found.report.sample_id is None:
        raise NotFound(report_id)
    return found


async def confirm_for_person(db: AsyncSession, staff: Person, report: MonthlyReport, shown_version: int | None) -> None:
    """The desk confirms a report whose assistant represents the person (policy.require_not_own_hours):
    no one confirms their own hours. NotAllowed when the assistant does not represent the person, or
    the report no longer waits; a stale page is timesheets' Conflict."""
    if not await policy.assistant_represents(db, report, clock.today()):
        raise NotAllowed(report.id)
    report = await db.scalar(for_update(select(MonthlyReport).where(MonthlyReport.id == report.id))) or report
    if report.status is not ReportStatus.SUBMITTED:
        raise NotAllowed(report.id)
    if shown_version is not None and report.version != shown_version:
        raise timesheets.Conflict(report.id)
    await tally.report_moved(db, report, report.status, ReportStatus.CONFIRMED)
    async with pay.kept(db, [report.id]):  # its pay lines stored, the month's totals moved to it
        report.status = ReportStatus.CONFIRMED
        report.confirmed_at = utcnow()
        report.confirmed_by_id = staff.id
        _event(db, staff, report, ReportAction.CONFIRMED)


async def mark_checked(db: AsyncSession, staff: Person, report: MonthlyReport, note: str) -> None:
    """Record the check; a report checked by another caseworker a moment ago is NotAllowed (theirs stands)."""
    report = await db.scalar(for_update(select(MonthlyReport).where(MonthlyReport.id == report.id))) or report
    if report.sample_id is None or report.checked_at is not None:
        raise NotAllowed(report.id)
    note = note.strip()
    if not note:
        raise SampleRefused(SampleProblem.NO_NOTE)
    if len(note) > MAX_CHECK_NOTE:
        raise SampleRefused(SampleProblem.NOTE_TOO_LONG)
    await tally.sample_moved(db, report, "checked")
    report.checked_at = utcnow()
    report.checked_by_id = staff.id
    report.check_note = note
    report.check_note_lang = i18n.written_in()
    _event(db, staff, report, ReportAction.CHECKED, note)

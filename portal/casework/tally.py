"""The desk's counts of the month, kept on write (issue 12): casework.models' ReportTally, SampleTally,
DeskAssignment and DeskReport. No HTTP.

Every write that moves an assignment's month between states calls in here in its own transaction,
after it has taken its locks (the grant and the report: timesheets.service; the case: casework), and
each count moves by an upsert of `n = n + d`: no read-modify-write, so two writes at once both count.
`rebuild` makes every row again from the reports themselves: the migration and bench.national fill
the rows with it, and the tests compare the kept rows with it (and with the overview's own recount)
after every kind of write.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Date, String, delete, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal.applications.models import Application
from portal.applications.rules import ServiceKind
from portal.casework.models import DeskAssignment, DeskReport, ReportTally, SampleTally
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.people.models import Person
from portal.timesheets.models import ControlSample, MonthlyReport, ReportStatus

COUNTED = {ReportStatus.SUBMITTED: "submitted", ReportStatus.RETURNED: "returned", ReportStatus.CONFIRMED: "confirmed"}
Key = tuple[int, int, ServiceKind, date]  # municipality (0: none), school (0: the municipality's own), service, month


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Desk:
    """An assignment as the tallies see it: whose desk, which service, and the months it covers
    (casework.reports._covers: both the assignment and its grant run in the month; None: none)."""

    municipality_id: int
    school_id: int
    kind: ServiceKind
    first: date | None
    last: date | None

    def covers(self, month: date) -> bool:
        return self.first is not None and self.last is not None and self.first <= month <= self.last

    def key(self, month: date) -> Key:
        return (self.municipality_id, self.school_id, self.kind, month)


def desk_of(municipality_id: int | None, school_id: int | None, kind: ServiceKind | str, a_from: date, a_to: date | None,
            e_from: date, e_to: date) -> Desk:
    first, last = month_of(max(a_from, e_from)), month_of(min(a_to or e_to, e_to))
    covered = first <= last
    return Desk(municipality_id or 0, school_id or 0, ServiceKind(kind), first if covered else None, last if covered else None)


DESK_COLUMNS = (AssistantAssignment.id, Application.municipality_id, Application.school_id, Entitlement.kind,
                AssistantAssignment.valid_from, AssistantAssignment.valid_to, Entitlement.valid_from, Entitlement.valid_to)


def _desks_query(assignment_ids: Iterable[int] | None = None) -> Any:
    query = (select(*DESK_COLUMNS)
             .join(Entitlement, Entitlement.application_id == AssistantAssignment.application_id)
             .join(Application, Application.id == AssistantAssignment.application_id))
    return query if assignment_ids is None else query.where(AssistantAssignment.id.in_(set(assignment_ids)))


async def desks(db: AsyncSession, assignment_ids: Iterable[int]) -> dict[int, Desk]:
    """The assignments with a grant (one without is on no desk's month yet), as they are now."""
    ids = set(assignment_ids)
    if not ids:
        return {}
    return {row[0]: desk_of(*row[1:]) for row in await db.execute(_desks_query(ids))}


async def _add(db: AsyncSession, changes: Counter[tuple[Key, str]]) -> None:
    """Each count moved by its difference, as one upsert per key (`n = n + d`)."""
    by_key: dict[Key, dict[str, int]] = {}
    for (key, column), number in changes.items():
        if number:
            by_key.setdefault(key, {})[column] = by_key.get(key, {}).get(column, 0) + number
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    for (municipality_id, school_id, kind, month), numbers in sorted(by_key.items(), key=lambda item: (item[0][0], item[0][1], item[0][2].value, item[0][3])):
        statement = dialect.insert(ReportTally).values(municipality_id=municipality_id, school_id=school_id, kind=kind, month=month,
                                                       **{c: numbers.get(c, 0) for c in ("covered", "uncovered", *COUNTED.values())})
        await db.execute(statement.on_conflict_do_update(
            index_elements=["municipality_id", "school_id", "kind", "month"],
            set_={c: getattr(ReportTally, c) + statement.excluded[c] for c in numbers},
        ))


def _span(desk: Desk | None, sign: int, changes: Counter[tuple[Key, str]]) -> None:
    if desk is not None and desk.first is not None and desk.last is not None:
        changes[(desk.key(desk.first), "covered")] += sign
        changes[(desk.key(next_month(desk.last)), "covered")] -= sign


def _month(desk: Desk, month: date, status: ReportStatus | None, sign: int, changes: Counter[tuple[Key, str]]) -> None:
    """An assignment's month as its latest revision leaves it (None: no report)."""
    if status is None:
        return
    if not desk.covers(month):
        changes[(desk.key(month), "uncovered")] += sign
    if status in COUNTED:
        changes[(desk.key(month), COUNTED[status])] += sign


# ------------------------------------------------------------------ reports


async def report_moved(db: AsyncSession, report: MonthlyReport, before: ReportStatus | None, after: ReportStatus | None) -> None:
    """The latest revision of an assignment's month went from `before` to `after` (None: there was
    none, or there is none left): a first revision started, submitted, confirmed, returned, a
    correction started (its confirmed revision's state gives way to the new one's)."""
    desk = (await desks(db, [report.assignment_id])).get(report.assignment_id)
    if desk is None or before == after:
        return
    changes: Counter[tuple[Key, str]] = Counter()
    _month(desk, report.month, before, -1, changes)
    _month(desk, report.month, after, +1, changes)
    await _add(db, changes)
    await _listed_in_state(db, report.assignment_id, report.month, after)


async def _listed_in_state(db: AsyncSession, assignment_id: int, month: date, status: ReportStatus | None) -> None:
    """The month's DeskReport row as its latest revision now leaves it: in a counted state, or none. Its
    writers hold the grant's and the report's locks (or retention's), so no other write moves this month meanwhile."""
    await db.execute(delete(DeskReport).where(DeskReport.assignment_id == assignment_id, DeskReport.month == month))
    if status is not None and status in COUNTED:
        await db.execute(insert(DeskReport).from_select(
            DESK_REPORT_COLUMNS, _desk_report_rows(literal(assignment_id), literal(month, Date), literal(status.value, String))
            .where(DeskAssignment.assignment_id == assignment_id)))


DeskReportMonth = aliased(MonthlyReport)  # rebuild's reports, each compared with its month's latest revision
DESK_REPORT_COLUMNS = ["assignment_id", "month", "status", "kind", "municipality_id", "school_id", "family_name", "given_name", "valid_from"]


def _desk_report_rows(assignment_id: Any, month: Any, status: Any) -> Any:
    return (select(assignment_id, month, status, Entitlement.kind, DeskAssignment.municipality_id, DeskAssignment.school_id,
                   DeskAssignment.family_name, DeskAssignment.given_name, DeskAssignment.valid_from)
            .select_from(DeskAssignment)
            .join(AssistantAssignment, AssistantAssignment.id == DeskAssignment.assignment_id)
            .join(Entitlement, Entitlement.application_id == AssistantAssignment.application_id))


async def latest_states(db: AsyncSession, pairs: Iterable[tuple[int, date]]) -> dict[tuple[int, date], ReportStatus]:
    """Per (assignment, month), its latest revision's status, as it is now (a month without one is left out)."""
    found: dict[tuple[int, date], ReportStatus] = {}
    wanted = set(pairs)
    if not wanted:
        return found
    # One statement for them all (the assignments' rows of those months, a few revisions each), the pairs picked here.
    for assignment_id, month, status in await db.execute(
        select(MonthlyReport.assignment_id, MonthlyReport.month, MonthlyReport.status)
        .where(MonthlyReport.assignment_id.in_({a for a, _ in wanted}), MonthlyReport.month.in_({m for _, m in wanted}))
        .order_by(MonthlyReport.revision)
    ):
        if (assignment_id, month) in wanted:
            found[(assignment_id, month)] = status  # in revision order: the last one wins
    return found


async def months_moved(db: AsyncSession, before: dict[tuple[int, date], ReportStatus], pairs: Iterable[tuple[int, date]]) -> None:
    """After a change to many months at once (retention deleting reports): each month from `before`
    (latest_states, read before the change) to what it is now."""
    wanted = set(pairs)
    after = await latest_states(db, wanted)
    found = await desks(db, {a for a, _ in wanted})
    changes: Counter[tuple[Key, str]] = Counter()
    for pair in sorted(wanted):
        desk = found.get(pair[0])
        if desk is not None and before.get(pair) != after.get(pair):
            _month(desk, pair[1], before.get(pair), -1, changes)
            _month(desk, pair[1], after.get(pair), +1, changes)
            await _listed_in_state(db, *pair, after.get(pair))
    await _add(db, changes)


# -------------------------------------------------------------- assignments


async def assignments_changing(db: AsyncSession, assignment_ids: Iterable[int]) -> dict[int, Desk]:
    """The assignments as they are before a change of their period (or their grant's arrival): lock
    their grants first, as the writers of reports do, so that no report's month moves meanwhile."""
    ids = set(assignment_ids)
    if ids:
        await db.execute(select(Entitlement.id).join(AssistantAssignment, AssistantAssignment.application_id == Entitlement.application_id)
                         .where(AssistantAssignment.id.in_(ids)).with_for_update(of=Entitlement))
    return await desks(db, ids)


async def assignments_changed(db: AsyncSession, before: dict[int, Desk], assignment_ids: Iterable[int]) -> None:
    """The assignments' months after a change of their period, their grant's arrival, or their deletion
    (gone: covering nothing): the months they cover, and the months of their reports they no longer
    (or now) cover."""
    ids = set(assignment_ids)
    await db.flush()
    after = await desks(db, ids)
    changes: Counter[tuple[Key, str]] = Counter()
    for assignment_id in ids:
        old, new = before.get(assignment_id), after.get(assignment_id)
        if old == new:
            continue
        _span(old, -1, changes)
        _span(new, +1, changes)
        months = list(await db.scalars(select(MonthlyReport.month).where(MonthlyReport.assignment_id == assignment_id).distinct()))
        states = await latest_states(db, [(assignment_id, m) for m in months])
        for (_a, month), status in states.items():
            if old is not None:
                _month(old, month, status, -1, changes)
            if new is not None:
                _month(new, month, status, +1, changes)
    await _add(db, changes)


async def assignment_listed(db: AsyncSession, assignment: AssistantAssignment, application: Application) -> None:
    """A new assignment on its desk's list of the month (DeskAssignment), with the person's name as it is."""
    person = await db.get(Person, assignment.person_id)
    assert person is not None
    db.add(DeskAssignment(assignment_id=assignment.id, person_id=assignment.person_id, municipality_id=application.municipality_id or 0,
                          school_id=application.school_id or 0, family_name=person.family_name, given_name=person.given_name,
                          valid_from=assignment.valid_from))


async def person_renamed(db: AsyncSession, person: Person) -> None:
    """The person's name on the desk's lists, as the register now gives it (a few rows: their assignments)."""
    await db.execute(update(DeskAssignment).where(DeskAssignment.person_id == person.id)
                     .values(family_name=person.family_name, given_name=person.given_name))
    await db.execute(update(DeskReport).where(DeskReport.assignment_id.in_(
        select(DeskAssignment.assignment_id).where(DeskAssignment.person_id == person.id)))
        .values(family_name=person.family_name, given_name=person.given_name))


# ------------------------------------------------------------------ samples


async def sampled(db: AsyncSession, sample_id: int, reports: Sequence[tuple[MonthlyReport, ServiceKind]], sign: int = 1) -> None:
    """Reports drawn for a sample (sign -1: deleted from it), each with its grant's service."""
    changes: Counter[tuple[ServiceKind, str]] = Counter()
    for report, kind in reports:
        changes[(kind, "drawn")] += sign
        changes[(kind, "checked")] += sign if report.checked_at is not None else 0
        changes[(kind, "own_hours")] += sign if report.confirmed_by_id == report.assistant_id else 0
        changes[(kind, "corrected")] += sign if report.superseded else 0
    await _add_sample(db, sample_id, changes)


async def sample_moved(db: AsyncSession, report: MonthlyReport, column: str) -> None:
    """A drawn report checked (`checked`) or corrected (`corrected`: a newer revision started)."""
    if report.sample_id is None:
        return
    kind = await db.scalar(select(Entitlement.kind).where(Entitlement.id == report.entitlement_id))
    assert kind is not None
    await _add_sample(db, report.sample_id, Counter({(ServiceKind(kind), column): 1}))


async def _add_sample(db: AsyncSession, sample_id: int, changes: Counter[tuple[ServiceKind, str]]) -> None:
    by_kind: dict[ServiceKind, dict[str, int]] = {}
    for (kind, column), number in changes.items():
        if number:
            by_kind.setdefault(kind, {})[column] = number
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    for kind, numbers in sorted(by_kind.items(), key=lambda item: item[0].value):
        statement = dialect.insert(SampleTally).values(sample_id=sample_id, kind=kind,
                                                       **{c: numbers.get(c, 0) for c in ("drawn", "checked", "own_hours", "corrected")})
        await db.execute(statement.on_conflict_do_update(
            index_elements=["sample_id", "kind"], set_={c: getattr(SampleTally, c) + statement.excluded[c] for c in numbers}))


async def reports_deleting(db: AsyncSession, report_ids: Sequence[int]) -> dict[tuple[int, date], ReportStatus]:
    """Before reports are deleted (retention): they leave their samples' tallies; returns their months
    as they are (for months_moved after the delete)."""
    rows = (await db.execute(select(MonthlyReport, Entitlement.kind).join(Entitlement, Entitlement.id == MonthlyReport.entitlement_id)
                             .where(MonthlyReport.id.in_(report_ids)))).all()
    for sample_id in {report.sample_id for report, _kind in rows if report.sample_id is not None}:
        await sampled(db, sample_id, [(report, ServiceKind(kind)) for report, kind in rows if report.sample_id == sample_id], sign=-1)
    return await latest_states(db, {(report.assignment_id, report.month) for report, _kind in rows})


# ------------------------------------------------------------------ rebuild


def report_tallies(desks_by_id: dict[int, Desk], latest: Iterable[tuple[int, date, ReportStatus | str]]) -> Counter[tuple[Key, str]]:
    """Every ReportTally count from the assignments and each one's latest revision of each month."""
    changes: Counter[tuple[Key, str]] = Counter()
    for desk in desks_by_id.values():
        _span(desk, +1, changes)
    for assignment_id, month, status in latest:
        found = desks_by_id.get(assignment_id)
        if found is not None:
            _month(found, month, ReportStatus(status), +1, changes)
    return changes


async def rebuild(db: AsyncSession) -> None:
    """Every tally and list row made again from the reports, the samples and the assignments."""
    for table in (ReportTally, SampleTally, DeskReport, DeskAssignment):
        await db.execute(delete(table))
    found = {row[0]: desk_of(*row[1:]) for row in await db.execute(_desks_query())}
    latest: dict[tuple[int, date], ReportStatus] = {}
    for assignment_id, month, status in await db.execute(
        select(MonthlyReport.assignment_id, MonthlyReport.month, MonthlyReport.status).order_by(MonthlyReport.revision)
    ):
        latest[(assignment_id, month)] = status
    made: dict[Key, dict[str, Any]] = {}
    for (key, column), number in report_tallies(found, [(a, m, s) for (a, m), s in latest.items()]).items():
        row = made.setdefault(key, {"municipality_id": key[0], "school_id": key[1], "kind": key[2], "month": key[3],
                                    **dict.fromkeys(("covered", "uncovered", *COUNTED.values()), 0)})
        row[column] += number
    if made:  # the table is empty: one INSERT of many rows, not an upsert per row
        await db.execute(insert(ReportTally), list(made.values()))
    for sample_id in set(await db.scalars(select(ControlSample.id))):
        rows = (await db.execute(select(MonthlyReport, Entitlement.kind).join(Entitlement, Entitlement.id == MonthlyReport.entitlement_id)
                                 .where(MonthlyReport.sample_id == sample_id))).all()
        await sampled(db, sample_id, [(report, ServiceKind(kind)) for report, kind in rows])
    await db.execute(insert(DeskAssignment).from_select(
        ["assignment_id", "person_id", "municipality_id", "school_id", "family_name", "given_name", "valid_from"],
        select(AssistantAssignment.id, AssistantAssignment.person_id, _zero(Application.municipality_id), _zero(Application.school_id),
               Person.family_name, Person.given_name, AssistantAssignment.valid_from)
        .join(Application, Application.id == AssistantAssignment.application_id)
        .join(Person, Person.id == AssistantAssignment.person_id)))
    latest_revision = (select(func.max(MonthlyReport.revision)).where(MonthlyReport.assignment_id == DeskAssignment.assignment_id,
                                                                      MonthlyReport.month == DeskReportMonth.month).scalar_subquery())
    await db.execute(insert(DeskReport).from_select(DESK_REPORT_COLUMNS, _desk_report_rows(
        DeskAssignment.assignment_id, DeskReportMonth.month, DeskReportMonth.status)
        .join(DeskReportMonth, DeskReportMonth.assignment_id == DeskAssignment.assignment_id)
        .where(DeskReportMonth.revision == latest_revision, DeskReportMonth.status.in_(COUNTED))))


def _zero(column: Any) -> Any:
    return func.coalesce(column, 0)

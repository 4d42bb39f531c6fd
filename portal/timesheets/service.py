"""The month: entries, the report and its revisions, confirmation, rates. No HTTP here.

An assistant reaches only the people assigned to them, and only the days of the assignment
(`assignment_of`); a recipient reaches only their own reports and those of people they
represent today (`policy.monthly_reports`). Every change of a report checks the version the page showed,
so a stale page gets `Conflict` instead of overwriting what changed since.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, i18n, policy
from portal.applications.rules import Period, Purpose
from portal.casework import tally
from portal.db import added_or_existing, for_update, utcnow, violates
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.notifications import notices
from portal.people.models import Person
from portal.timesheets import pay
from portal.timesheets.models import HourlyRate, MonthlyReport, ReportAction, ReportEvent, ReportStatus, TimeEntry

DAY_MINUTES = 24 * 60
EDITABLE = (ReportStatus.OPEN, ReportStatus.RETURNED)
MAX_NOTE = 500  # TimeEntry.note's column
MAX_REASON = 1000  # what the person writes when they return a report
MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")


class NotFound(LookupError):
    """Nothing of that id for this person: the same answer whether it exists or not."""


class NotAllowed(Exception):
    """Visible, but not possible in the report's state (locked, already confirmed, too early)."""


class Conflict(Exception):
    """The report changed since the page was shown."""


# ------------------------------------------------------------------ months


def month_of(day: date) -> date:
    return day.replace(day=1)


def last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def previous_month(month: date) -> date:
    return month_of(month - timedelta(days=1))


def next_month(month: date) -> date:
    return last_day(month) + timedelta(days=1)


def parse_month(text: str) -> date | None:
    """The month of "2026-10" (ASCII digits only, 2000 to 2100); None for anything else."""
    found = MONTH.fullmatch(text)
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2100:
        return None
    return date(int(found.group(1)), int(found.group(2)), 1)


def may_submit(month: date, today: date) -> bool:
    """A month is reported once it is over, or on its last day."""
    return today >= last_day(month)


# ------------------------------------------------------------- assistants


@dataclass(frozen=True)
class Assisted:
    """One person an assistant assists, with the grant the hours count against."""

    assignment: AssistantAssignment
    entitlement: Entitlement
    person: Person

    @property
    def first_day(self) -> date:
        return max(self.assignment.valid_from, self.entitlement.valid_from)

    @property
    def last_day(self) -> date:
        ends = [self.entitlement.valid_to] + ([self.assignment.valid_to] if self.assignment.valid_to else [])
        return min(ends)

    def covers(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def covers_month(self, month: date) -> bool:
        return self.first_day <= last_day(month) and month <= self.last_day


def _assisted_query() -> Any:
    return (
        select(AssistantAssignment, Entitlement, Person)
        .join(Entitlement, Entitlement.application_id == AssistantAssignment.application_id)
        .join(Person, Person.id == AssistantAssignment.person_id)
    )


async def assisted_by(db: AsyncSession, assistant: Person) -> list[Assisted]:
    """Everyone the assistant is assigned to, newest assignment first."""
    rows = await db.execute(
        _assisted_query().where(policy.assignments_of_assistant(assistant)).order_by(AssistantAssignment.valid_from.desc())
    )
    return [Assisted(a, e, p) for a, e, p in rows]


async def assignment_of(db: AsyncSession, assistant: Person, assignment_id: int) -> Assisted:
    row = (await db.execute(
        _assisted_query().where(AssistantAssignment.id == assignment_id, policy.assignments_of_assistant(assistant))
    )).first()
    if row is None:
        raise NotFound(assignment_id)
    return Assisted(*row)


# ---------------------------------------------------------------- reports


async def current_report(db: AsyncSession, assisted: Assisted, month: date) -> MonthlyReport | None:
    """The latest revision of the month's report, if anything was recorded."""
    return await db.scalar(
        select(MonthlyReport)
        .where(MonthlyReport.assignment_id == assisted.assignment.id, MonthlyReport.month == month)
        .order_by(MonthlyReport.revision.desc()).limit(1)
    )


async def latest_reports(db: AsyncSession, assignment_ids: Sequence[int], months: Sequence[date]) -> dict[tuple[int, date], MonthlyReport]:
    """The latest revision per (assignment, month), for many at once (one query, however many people)."""
    found: dict[tuple[int, date], MonthlyReport] = {}
    if assignment_ids and months:
        for report in await db.scalars(
            select(MonthlyReport).where(MonthlyReport.assignment_id.in_(assignment_ids), MonthlyReport.month.in_(months))
            .order_by(MonthlyReport.revision)
        ):
            found[(report.assignment_id, report.month)] = report  # in revision order: the last one wins
    return found


async def revisions_of(db: AsyncSession, report: MonthlyReport) -> list[MonthlyReport]:
    """Every revision of the report's month, newest first."""
    found = await db.scalars(
        select(MonthlyReport)
        .where(MonthlyReport.assignment_id == report.assignment_id, MonthlyReport.month == report.month)
        .order_by(MonthlyReport.revision.desc())
    )
    return list(found)


async def _locked_report(db: AsyncSession, assisted: Assisted, month: date) -> MonthlyReport | None:
    """The month's latest revision, locked for a change and read as it is now."""
    return await db.scalar(for_update(
        select(MonthlyReport)
        .where(MonthlyReport.assignment_id == assisted.assignment.id, MonthlyReport.month == month)
        .order_by(MonthlyReport.revision.desc()).limit(1)
    ))


async def _lock_grant(db: AsyncSession, assisted: Assisted) -> None:
    # The month's and week's limits count every entry on the grant, whoever recorded it and in
    # whichever month's report: the grant's row puts two saves against one grant one after the other.
    await db.execute(for_update(select(Entitlement.id).where(Entitlement.id == assisted.entitlement.id)))


async def _open_report(db: AsyncSession, assisted: Assisted, month: date) -> tuple[MonthlyReport, bool]:
    """The month's latest revision (locked), started when nothing was recorded yet (then True)."""
    report = await _locked_report(db, assisted, month)
    if report is not None:
        return report, False
    started = MonthlyReport(
        assignment_id=assisted.assignment.id, entitlement_id=assisted.entitlement.id, person_id=assisted.person.id,
        assistant_id=assisted.assignment.assistant_id, month=month, revision=1,
    )
    # The same first save twice at once: the other one started the month, and this one goes on with it.
    report, added = await added_or_existing(db, started, lambda: _locked_report(db, assisted, month))
    assert report is not None
    if added:
        await tally.report_moved(db, report, None, ReportStatus.OPEN)
    return report, added


async def entries_of(db: AsyncSession, report_ids: Sequence[int]) -> dict[int, list[TimeEntry]]:
    by_report: dict[int, list[TimeEntry]] = {report_id: [] for report_id in report_ids}
    if report_ids:
        for entry in await db.scalars(
            select(TimeEntry).where(TimeEntry.report_id.in_(report_ids)).order_by(TimeEntry.day, TimeEntry.start_minute)
        ):
            by_report[entry.report_id].append(entry)
    return by_report


def events_query(report_ids: Sequence[int]) -> Any:
    return select(ReportEvent).where(ReportEvent.report_id.in_(report_ids)).order_by(ReportEvent.at, ReportEvent.id)


def _event(db: AsyncSession, report: MonthlyReport, actor: Person, action: ReportAction, message: str = "",
           entry_ids: Sequence[int] = ()) -> ReportEvent:
    event = ReportEvent(report_id=report.id, actor_id=actor.id, on_behalf_of_id=report.person_id, action=action,
                        message=message, message_lang=i18n.written_in() if message else None,
                        entry_ids=list(entry_ids))
    db.add(event)
    return event


def _check_version(report: MonthlyReport, shown_version: int | None) -> None:
    if shown_version is not None and report.version != shown_version:
        raise Conflict(report.id)


# ---------------------------------------------------------------- entries


@dataclass(frozen=True)
class EntryInput:
    day: date
    start_minute: int
    end_minute: int
    purpose: str
    note: str

    @property
    def minutes(self) -> int:
        return self.end_minute - self.start_minute


class Rule(StrEnum):
    """The rules of an entry (Reg. 316: the hours granted, recorded day by day)."""

    OTHER_MONTH = "other_month"  # the day is not in the report's month
    FUTURE = "future"
    OUTSIDE = "outside"  # not within both the grant and the assignment
    START_TIME = "start_time"  # not a time of the day
    END_TIME = "end_time"  # not a time of the day, or midnight at its end
    END_BEFORE_START = "end_before_start"
    PURPOSE = "purpose"  # not one of the regulation's purposes
    NOTE_TOO_LONG = "note_too_long"
    OVERLAP = "overlap"  # the assistant has another entry then, for anyone
    DAY_TOTAL = "day_total"  # more than 24 hours on one day
    MONTH_TOTAL = "month_total"  # more than the grant's hours for the month
    WEEK_TOTAL = "week_total"  # more than the grant's hours for the week (school and study)


@dataclass(frozen=True)
class Problem:
    """A broken rule: which field it concerns, the rule, and what its message needs (days, minutes)."""

    field: str
    rule: Rule
    detail: dict[str, Any]


# PostgreSQL's exclusion constraint on time_entry (migration 0010): the overlap a check missed.
OVERLAP_CONSTRAINT = "ex_time_entry_assistant_time"


def _overlapping(assistant_id: int, entry: EntryInput, replacing_id: int | None) -> Any:
    query = (
        select(TimeEntry.id)
        .where(TimeEntry.assistant_id == assistant_id, TimeEntry.day == entry.day, TimeEntry.superseded.is_(False),
               TimeEntry.start_minute < entry.end_minute, TimeEntry.end_minute > entry.start_minute)
    )
    return query.where(TimeEntry.id != replacing_id) if replacing_id else query


async def grant_entries(db: AsyncSession, entitlement_id: int, first: date, last: date) -> list[TimeEntry]:
    """The entries that count against a grant between two days: every assistant's, latest revisions only."""
    found = await db.scalars(
        select(TimeEntry).join(MonthlyReport, MonthlyReport.id == TimeEntry.report_id)
        .where(MonthlyReport.entitlement_id == entitlement_id, MonthlyReport.superseded.is_(False),
               TimeEntry.day >= first, TimeEntry.day <= last)
    )
    return list(found)


async def check_entry(
    db: AsyncSession, assisted: Assisted, month: date, entry: EntryInput, today: date, replacing_id: int | None = None,
) -> list[Problem]:
    """The rules of an entry. The limits count every assistant's entries on the grant (after a change
    of assistant, two of them together still stay within it), and a week runs across a month's end."""
    problems: list[Problem] = []
    if month_of(entry.day) != month:
        problems.append(Problem("day", Rule.OTHER_MONTH, {}))
    elif entry.day > today:
        problems.append(Problem("day", Rule.FUTURE, {}))
    elif not assisted.covers(entry.day):
        problems.append(Problem("day", Rule.OUTSIDE, {"first": assisted.first_day, "last": assisted.last_day}))
    if not 0 <= entry.start_minute < DAY_MINUTES:
        problems.append(Problem("start", Rule.START_TIME, {}))
    if not 0 < entry.end_minute <= DAY_MINUTES:
        problems.append(Problem("end", Rule.END_TIME, {}))
    elif entry.end_minute <= entry.start_minute:
        problems.append(Problem("end", Rule.END_BEFORE_START, {}))
    if entry.purpose not in Purpose._value2member_map_:
        problems.append(Problem("purpose", Rule.PURPOSE, {}))
    if len(entry.note) > MAX_NOTE:
        problems.append(Problem("note", Rule.NOTE_TOO_LONG, {"limit": MAX_NOTE}))
    if problems:
        return problems
    if await db.scalar(_overlapping(assisted.assignment.assistant_id, entry, replacing_id).limit(1)) is not None:
        problems.append(Problem("start", Rule.OVERLAP, {}))
    week_start = entry.day - timedelta(days=entry.day.weekday())
    others = await grant_entries(db, assisted.entitlement.id, min(month, week_start),
                                 max(last_day(month), week_start + timedelta(days=6)))
    same_day = sum(e.minutes for e in others if e.day == entry.day and e.id != replacing_id)
    if same_day + entry.minutes > DAY_MINUTES:
        problems.append(Problem("end", Rule.DAY_TOTAL, {}))
    limit = assisted.entitlement.minutes
    if assisted.entitlement.period is Period.WEEK:
        week = entry.day.isocalendar()[:2]
        used = sum(e.minutes for e in others if e.day.isocalendar()[:2] == week and e.id != replacing_id)
        if used + entry.minutes > limit:
            problems.append(Problem("end", Rule.WEEK_TOTAL, {"limit": limit, "used": used}))
    else:
        used = sum(e.minutes for e in others if month_of(e.day) == month and e.id != replacing_id)
        if used + entry.minutes > limit:
            problems.append(Problem("end", Rule.MONTH_TOTAL, {"limit": limit, "used": used}))
    return problems


async def _editable_report(db: AsyncSession, assisted: Assisted, month: date, shown_version: int | None) -> MonthlyReport:
    """The month's report, locked with its grant (always in that order: grant, then report)."""
    await _lock_grant(db, assisted)
    report, created = await _open_report(db, assisted, month)
    if report.status not in EDITABLE:
        raise NotAllowed(report.id)
    # A page shown before anything was recorded says version 0: right only if the report is new.
    _check_version(report, report.version if created and shown_version == 0 else shown_version)
    return report


async def save_entry(
    db: AsyncSession, assistant: Person, assisted: Assisted, month: date, entry: EntryInput, today: date,
    shown_version: int | None, entry_id: int | None = None,
) -> tuple[TimeEntry | None, list[Problem]]:
    """Add an entry, or change one (entry_id); nothing is written when a rule is broken."""
    report = await _editable_report(db, assisted, month, shown_version)
    others = (await entries_of(db, [report.id]))[report.id]
    existing = next((e for e in others if e.id == entry_id), None) if entry_id else None
    if entry_id and existing is None:
        raise NotFound(entry_id)
    problems = await check_entry(db, assisted, month, entry, today, entry_id)
    if problems:
        return None, problems
    saved = existing or TimeEntry(report_id=report.id, assistant_id=assistant.id)
    try:
        async with db.begin_nested():
            saved.day, saved.start_minute, saved.end_minute = entry.day, entry.start_minute, entry.end_minute
            saved.purpose, saved.note = entry.purpose, entry.note
            db.add(saved)
    except IntegrityError as error:
        # Another of the assistant's people, saved at the same moment for the same hour: the
        # grant locks above are different ones, the constraint is the same.
        if not violates(error, OVERLAP_CONSTRAINT):
            raise
        return None, [Problem("start", Rule.OVERLAP, {})]
    report.total_minutes = sum(e.minutes for e in others if e.id != entry_id) + entry.minutes
    report.touch()
    await db.flush()
    return saved, []


async def delete_entry(db: AsyncSession, assisted: Assisted, month: date, entry_id: int, shown_version: int | None) -> None:
    report = await _editable_report(db, assisted, month, shown_version)
    others = (await entries_of(db, [report.id]))[report.id]
    entry = next((e for e in others if e.id == entry_id), None)
    if entry is None:
        raise NotFound(entry_id)
    await db.delete(entry)
    report.total_minutes = sum(e.minutes for e in others if e.id != entry_id)
    report.touch()
    await db.flush()


# ------------------------------------------------------------ the report


async def hourly_rates(db: AsyncSession) -> list[HourlyRate]:
    return list(await db.scalars(select(HourlyRate).order_by(HourlyRate.valid_from)))


def rate_on(rates: Sequence[HourlyRate], day: date) -> int:
    """The rate in force on the day, in cents (0 before the first)."""
    in_force = [rate.cents for rate in rates if rate.valid_from <= day]
    return in_force[-1] if in_force else 0


def amount_cents(entries: Sequence[TimeEntry], rates: Sequence[HourlyRate]) -> int:
    """Each entry's hours at the rate of its day, rounded to the cent once, at the end."""
    return round(sum(entry.minutes * rate_on(rates, entry.day) for entry in entries) / 60)


async def submit(db: AsyncSession, assistant: Person, assisted: Assisted, month: date, today: date,
                 shown_version: int | None) -> MonthlyReport:
    if not may_submit(month, today):
        raise NotAllowed(month)
    report = await _editable_report(db, assisted, month, shown_version)
    entries = (await entries_of(db, [report.id]))[report.id]
    report.total_minutes = sum(e.minutes for e in entries)
    report.amount_cents = amount_cents(entries, await hourly_rates(db))
    await tally.report_moved(db, report, report.status, ReportStatus.SUBMITTED)
    report.status = ReportStatus.SUBMITTED
    report.submitted_at = utcnow()
    report.returned_reason = ""
    report.returned_reason_lang = None
    report.touch()
    _event(db, report, assistant, ReportAction.SUBMITTED)
    await db.flush()
    await notices.report_submitted(db, report)
    return report


async def correct(db: AsyncSession, assistant: Person, assisted: Assisted, month: date, shown_version: int | None) -> MonthlyReport:
    """A confirmed report is never changed: the correction is the next revision, with its entries copied."""
    await _lock_grant(db, assisted)
    confirmed = await _locked_report(db, assisted, month)
    if confirmed is None:
        raise NotFound(month)
    if confirmed.superseded:  # the same correction, started at the same moment in another tab: that one
        started = await _locked_report(db, assisted, month)
        assert started is not None
        return started
    if confirmed.status is not ReportStatus.CONFIRMED:
        raise NotAllowed(confirmed.id)
    _check_version(confirmed, shown_version)
    revision = MonthlyReport(
        assignment_id=confirmed.assignment_id, entitlement_id=confirmed.entitlement_id, person_id=confirmed.person_id,
        assistant_id=confirmed.assistant_id, month=month, revision=confirmed.revision + 1,
        total_minutes=confirmed.total_minutes,
    )
    db.add(revision)
    # The confirmed entries stop counting before their copies start to (the exclusion constraint).
    await db.execute(update(TimeEntry).where(TimeEntry.report_id == confirmed.id).values(superseded=True)
                     .execution_options(synchronize_session=False))
    await db.flush()
    for entry in (await entries_of(db, [confirmed.id]))[confirmed.id]:
        db.add(TimeEntry(report_id=revision.id, assistant_id=entry.assistant_id, day=entry.day, start_minute=entry.start_minute,
                         end_minute=entry.end_minute, purpose=entry.purpose, note=entry.note))
    confirmed.superseded = True  # its entries stay as they were, and no longer count for overlaps
    confirmed.touch()
    _event(db, revision, assistant, ReportAction.CORRECTION_STARTED, message=str(confirmed.revision))
    await db.flush()
    await tally.report_moved(db, revision, ReportStatus.CONFIRMED, ReportStatus.OPEN)
    await tally.sample_moved(db, confirmed, "corrected")
    return revision


# ------------------------------------------------------------ the recipient


async def visible_report(db: AsyncSession, actor: Person, report_id: int, today: date) -> MonthlyReport:
    report = await db.scalar(select(MonthlyReport).where(MonthlyReport.id == report_id, policy.monthly_reports(actor, today)))
    if report is None:
        raise NotFound(report_id)
    return report


async def reports_of(db: AsyncSession, actor: Person, person_id: int, today: date) -> list[MonthlyReport]:
    """The person's reports the actor may see, newest month first, the latest revision first."""
    found = await db.scalars(
        select(MonthlyReport).where(policy.monthly_reports(actor, today), MonthlyReport.person_id == person_id)
        .order_by(MonthlyReport.month.desc(), MonthlyReport.revision.desc())
    )
    return list(found)


async def _lock(db: AsyncSession, report: MonthlyReport) -> MonthlyReport:
    """The report locked for a change by the person, and as it is now (the same object, refreshed)."""
    locked = await db.scalar(for_update(select(MonthlyReport).where(MonthlyReport.id == report.id)))
    assert locked is report, "a visible report is in the session"
    return locked


async def confirm(db: AsyncSession, actor: Person, report: MonthlyReport, shown_version: int | None) -> MonthlyReport:
    # Two confirmations at once (two tabs, the person and their representative): the second finds
    # it confirmed and is shown that, rather than confirming twice.
    await policy.require_decides(db, actor, report.person_id, clock.today())
    policy.require_not_own_hours(actor, report)
    report = await _lock(db, report)
    if report.status is not ReportStatus.SUBMITTED:
        raise NotAllowed(report.id)
    _check_version(report, shown_version)
    await tally.report_moved(db, report, report.status, ReportStatus.CONFIRMED)
    async with pay.kept(db, [report.id]):  # its pay lines stored, the month's totals moved to it
        report.status = ReportStatus.CONFIRMED
        report.confirmed_at = utcnow()
        report.confirmed_by_id = actor.id
        report.touch()
        event = _event(db, report, actor, ReportAction.CONFIRMED)
    await db.flush()
    await notices.report_confirmed(db, report, event)
    return report


class DisputeProblem(StrEnum):
    """Why a report cannot go back to the assistant as asked."""

    NO_REASON = "no_reason"  # the assistant is told what is wrong
    REASON_TOO_LONG = "reason_too_long"  # over MAX_REASON
    NOT_ITS_ENTRY = "not_its_entry"  # an entry the report does not have


class DisputeRefused(Exception):
    """A return the rules refuse. (Not a frozen dataclass: a context manager sets an exception's traceback on its way out.)"""

    def __init__(self, problem: DisputeProblem) -> None:
        super().__init__(problem)
        self.problem = problem


async def dispute(db: AsyncSession, actor: Person, report: MonthlyReport, shown_version: int | None, reason: str,
                  entry_ids: Sequence[int]) -> MonthlyReport:
    """Back to the assistant with the reason (and the entries it concerns)."""
    await policy.require_decides(db, actor, report.person_id, clock.today())
    policy.require_not_own_hours(actor, report)
    report = await _lock(db, report)
    if report.status is not ReportStatus.SUBMITTED:
        raise NotAllowed(report.id)
    _check_version(report, shown_version)
    reason = reason.strip()
    if not reason:
        raise DisputeRefused(DisputeProblem.NO_REASON)
    if len(reason) > MAX_REASON:
        raise DisputeRefused(DisputeProblem.REASON_TOO_LONG)
    if not set(entry_ids) <= {entry.id for entry in (await entries_of(db, [report.id]))[report.id]}:
        raise DisputeRefused(DisputeProblem.NOT_ITS_ENTRY)
    await tally.report_moved(db, report, report.status, ReportStatus.RETURNED)
    report.status = ReportStatus.RETURNED
    report.returned_reason = reason
    report.returned_reason_lang = i18n.written_in()
    report.touch()
    event = _event(db, report, actor, ReportAction.RETURNED, message=reason, entry_ids=entry_ids)
    await db.flush()
    await notices.report_returned(db, report, event)
    return report

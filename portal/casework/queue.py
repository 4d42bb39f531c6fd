"""The desk's worklist: its cases filtered (status, service, decision time, whose), searched (personal
code, reference number or names) and read a page at a time (keyset, portal/paging.py), with the count
of all that match. No HTTP here.

A case the caseworker is part of (about her, filed by her, of someone she represents or assists) is
in her list, so that she sees the desk's whole work, and marked, because it is not hers to open
(policy.part_of_case): a column of the page's query marks them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, policy
from portal.applications.models import OPEN, Application, ApplicationStatus
from portal.applications.rules import ServiceKind, add_months, decision_due
from portal.paging import PAGE_SIZE, Key, Page, keyset_page, read_cursor
from portal.people.models import Named, Person
from portal.people.personal_code import InvalidPersonalCode, normalise

REFERENCE = re.compile(r"AP-[0-9]{4}-[0-9]{6}")
MAX_SEARCH = 100


class Due(StrEnum):
    LATE = "late"  # the month for the decision is over
    SOON = "soon"  # the decision is due within DUE_SOON_DAYS


DUE_SOON_DAYS = 7


class Whose(StrEnum):
    MINE = "mine"  # taken by the caseworker who asks
    NOBODY = "unassigned"  # taken by no one yet


@dataclass(frozen=True)
class QueueFilter:
    status: ApplicationStatus | None = None
    kind: ServiceKind | None = None
    only_open: bool = True
    newest_first: bool = False
    due: Due | None = None
    whose: Whose | None = None
    search: str = ""


@dataclass(frozen=True, slots=True)
class Listed:
    """A case as the queue lists it, read as columns, not as an Application and a Person (building
    those for 50 rows was most of what a full page cost, bench/README.md)."""

    id: int
    reference: str
    kind: ServiceKind
    status: ApplicationStatus
    submitted_at: datetime
    person: Named
    handler_id: int | None
    # The caseworker is part of the case (policy.part_of_case): listed, but another caseworker opens it.
    own: bool


@dataclass(frozen=True)
class Queue:
    page: Page[Listed]
    total: int  # every case that matches, on every page


def first_submission_due_on_or_after(day: date) -> date:
    """The earliest submission date whose decision is due on `day` or later (decision_due only grows)."""
    candidate = add_months(day, -1) - timedelta(days=4)
    while decision_due(candidate) < day:
        candidate += timedelta(days=1)
    return candidate


def _submitted_before(day: date) -> ColumnElement[bool]:
    """Received before the day began in Riga (the decision time runs from the day it was received there)."""
    return Application.submitted_at < clock.start_of(day)


def _found(search: str) -> ColumnElement[bool] | None:
    """A personal code (with or without its dash), a reference number, or the start of each name."""
    text = search.strip()[:MAX_SEARCH]
    if not text:
        return None
    try:
        return Person.personal_code == normalise(text, from_provider=False)
    except InvalidPersonalCode:
        pass
    if REFERENCE.fullmatch(text.upper()):
        return Application.reference == text.upper()
    # Each word starts the given or the family name: "anna", "bērz", "Anna Bērziņa".
    words = text.lower().split()
    return and_(*[or_(func.lower(Person.given_name).startswith(word, autoescape=True),
                      func.lower(Person.family_name).startswith(word, autoescape=True)) for word in words])


def _open() -> ColumnElement[bool]:
    """The case is open, with the statuses written into the statement (not sent as parameters), so that the
    planner sees the open-queue index's own condition (applications.models.OPEN_CASES), also in a prepared plan."""
    return Application.status.in_(bindparam("open_statuses", list(OPEN), expanding=True, literal_execute=True))


def _conditions(scope: policy.DeskScope, staff: Person, chosen: QueueFilter) -> list[ColumnElement[bool]]:
    conditions = [policy.cases_in(scope)]
    if chosen.status is not None:
        conditions.append(Application.status == chosen.status)
    elif chosen.only_open:
        conditions.append(_open())
    if chosen.kind is not None:
        conditions.append(Application.kind == chosen.kind)
    if chosen.due is not None:
        today = clock.today()
        on_time = first_submission_due_on_or_after(today)
        conditions.append(_open())
        if chosen.due is Due.LATE:
            conditions.append(_submitted_before(on_time))
        else:
            later = first_submission_due_on_or_after(today + timedelta(days=DUE_SOON_DAYS + 1))
            conditions += [~_submitted_before(on_time), _submitted_before(later)]
    if chosen.whose is Whose.MINE:
        conditions.append(Application.handler_id == staff.id)
    elif chosen.whose is Whose.NOBODY:
        conditions.append(Application.handler_id.is_(None))
    found = _found(chosen.search)
    if found is not None:
        conditions.append(found)
    return conditions


KEY_KINDS = "ti"  # a case's place in the queue: when it was submitted, then its id


def _position(row: Any) -> Key:
    return (row.submitted_at, row.id)


async def queue(
    db: AsyncSession, scope: policy.DeskScope, staff: Person, chosen: QueueFilter,
    after: str = "", before: str = "", size: int = PAGE_SIZE,
) -> Queue:
    """A page of the desk's cases, oldest first (the one-month decision time runs from submission), and how many match."""
    conditions = _conditions(scope, staff, chosen)
    counted = select(func.count()).select_from(Application)
    if chosen.search.strip():  # a search may name the person: only then is the count joined to them
        counted = counted.join(Person, Person.id == Application.person_id)
    total = await db.scalar(counted.where(*conditions))
    # Each case with whether the caseworker is part of it: a column of the same query, not a query per case.
    query: Any = (select(Application.id, Application.reference, Application.kind, Application.status, Application.submitted_at,
                         Application.handler_id, Application.person_id, Person.given_name, Person.family_name,
                         policy.part_of_cases(staff).label("own"))
                  .join(Application.person).where(*conditions))
    found: Page[Any] = await keyset_page(db, query, (Application.submitted_at, Application.id), _position,
                                         descending=chosen.newest_first, after=read_cursor(after, KEY_KINDS),
                                         before=read_cursor(before, KEY_KINDS), size=size, entities=True)
    rows = [Listed(row.id, row.reference or "", row.kind, row.status, row.submitted_at,
                   Named(row.person_id, row.given_name, row.family_name), row.handler_id, bool(row.own))
            for row in found.rows]
    return Queue(Page(rows, found.after, found.before), int(total or 0))

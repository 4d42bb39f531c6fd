"""'Who looked at my data': the audit's events about a person, as the person (or their
representative) reads them, a page at a time. No HTTP here.

Every staff read or export of a person's data, and every view of her month by her assistant, is an
AuditEvent with her as the subject (portal/audit.py; a list or an export is one event per person it
showed). This reads them newest first, with who acted and where that person works, and what the
event names: a case's reference, a report's month, whether she was in a list as the person assisted
or as an assistant. Her own events (signing in and out) are not "who looked" and are left out.

Where someone works is read from their staff roles as they are now: the event does not record the
role it was made in, so for a caseworker of two municipalities both are named, and for one whose
role has ended none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal.audit import AS_ASSISTANT, AS_ASSISTED, AuditAction, AuditEvent
from portal.casework.queue import REFERENCE
from portal.paging import PAGE_SIZE, Key, Page, keyset_page, read_cursor
from portal.people.models import Municipality, Person, School, StaffRole, StaffRoleName

# The person's own doings: not someone looking at her data.
OWN_ACTIONS = frozenset({AuditAction.SIGNED_IN, AuditAction.SIGNED_OUT})
# Events of the desk (its staff roles say where the actor works); an assistant's is her own.
DESK_ROLES = (StaffRoleName.CASEWORKER, StaffRoleName.SCHOOL_STAFF)
# A list or an export: its detail is "<the page's>: <the person's>" (audit.record_many).
LISTS = frozenset({AuditAction.QUEUE_VIEWED, AuditAction.REPORTS_OVERVIEW_VIEWED, AuditAction.PAYROLL_EXPORTED,
                   AuditAction.SAMPLE_VIEWED})
# A month as the audit writes it ("2026-03"), not a part of a reference number ("AP-2026-000123").
MONTH = re.compile(r"(?<![\w-])([0-9]{4})-(0[1-9]|1[0-2])(?![\w-])")
KEY_KINDS = "ti"  # an event's place: when, then its id


@dataclass(frozen=True)
class Workplace:
    """Where a member of staff works: a municipality's social service, or a school."""

    municipality: Municipality | None = None
    school: School | None = None


@dataclass(frozen=True)
class View:
    """One event about the person: when, who, where they work, what they did, and what it named."""

    id: int
    at: datetime
    action: AuditAction
    actor: Person | None
    workplaces: tuple[Workplace, ...]  # the actor's desk roles now; none for an assistant
    month: date | None  # of a report, a month's list, the payroll, an assistant's month
    references: tuple[str, ...]  # of the cases it named
    roles: frozenset[str]  # in a list or export: audit.AS_ASSISTED, audit.AS_ASSISTANT


def _month(detail: str) -> date | None:
    found = MONTH.search(detail)
    return date(int(found.group(1)), int(found.group(2)), 1) if found else None


def read_detail(action: AuditAction, detail: str) -> tuple[date | None, tuple[str, ...], frozenset[str]]:
    """The month, the case references and the person's roles an event's detail names.

    A list's detail begins with the page's filters, which may name anything searched for; only the
    person's own part (after the last ": ") names her cases and roles.
    """
    theirs = detail.rpartition(": ")[2] if action in LISTS else detail
    roles = frozenset(part.strip() for part in theirs.split(",")) & {AS_ASSISTED, AS_ASSISTANT} if action in LISTS else frozenset()
    return _month(detail), tuple(dict.fromkeys(REFERENCE.findall(theirs))), roles


def _about(person: Person) -> list[ColumnElement[bool]]:
    """Events about the person that someone else made (an event without an actor is kept: it is not hers)."""
    return [AuditEvent.subject_id == person.id, AuditEvent.action.not_in(OWN_ACTIONS),
            or_(AuditEvent.actor_id.is_(None), AuditEvent.actor_id != person.id)]


def _key(row: tuple[AuditEvent, Person | None]) -> Key:
    return (row[0].at, row[0].id)


async def views_of(db: AsyncSession, person: Person, *, after: str = "", before: str = "", size: int = PAGE_SIZE) -> Page[View]:
    """A page of the events about the person, newest first: two queries, however long the list."""
    actor = aliased(Person)
    query: Any = select(AuditEvent, actor).outerjoin(actor, actor.id == AuditEvent.actor_id).where(*_about(person))
    page: Page[tuple[AuditEvent, Person | None]] = await keyset_page(
        db, query, (AuditEvent.at, AuditEvent.id), _key, descending=True, entities=True, size=size,
        after=read_cursor(after, KEY_KINDS), before=read_cursor(before, KEY_KINDS),
    )
    staff_ids = {event.actor_id for event, _actor in page.rows
                 if event.actor_id is not None and event.action is not AuditAction.MONTH_VIEWED_BY_ASSISTANT}
    workplaces = await _workplaces(db, staff_ids)
    views = []
    for event, who in page.rows:
        month, references, roles = read_detail(event.action, event.detail)
        views.append(View(event.id, event.at, event.action, who,
                          () if event.action is AuditAction.MONTH_VIEWED_BY_ASSISTANT else workplaces.get(event.actor_id or 0, ()),
                          month, references, roles))
    return Page(views, page.after, page.before)


async def _workplaces(db: AsyncSession, staff_ids: set[int]) -> dict[int, tuple[Workplace, ...]]:
    """Each member of staff's desk roles: the municipality's social service, or the school."""
    if not staff_ids:
        return {}
    found: dict[int, list[Workplace]] = {}
    rows = await db.execute(
        select(StaffRole.person_id, Municipality, School)
        .outerjoin(Municipality, Municipality.id == StaffRole.municipality_id)
        .outerjoin(School, School.id == StaffRole.school_id)
        .where(StaffRole.person_id.in_(staff_ids), StaffRole.role.in_(DESK_ROLES))
        .order_by(StaffRole.id)
    )
    for person_id, municipality, school in rows:
        found.setdefault(person_id, []).append(Workplace(None if school else municipality, school))
    return {person_id: tuple(places) for person_id, places in found.items()}

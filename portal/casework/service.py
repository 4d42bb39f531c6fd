"""The social service's desk: which cases a caseworker sees, and the decisions they make. No HTTP.

Every query for a case goes through `cases_visible_to(scope)`: a caseworker reaches
only the submitted applications of the municipalities of their CASEWORKER roles, and
a school's staff only the school assistant's cases for their school (Reg. 695: the
school decides), so any other case answers "not found". A school assistant's case
whose school is not registered in the portal stays with the municipality's
caseworkers. Every view of a case is an audit event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from portal import audit, clock
from portal.applications import service as applications
from portal.applications.models import Application, ApplicationEvent, ApplicationStatus
from portal.applications.rules import KIND_RULES, ServiceKind, add_months, decision_due
from portal.db import utcnow
from portal.entitlements import service as entitlements
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.people.models import Person, StaffRole, StaffRoleName

NotFound = applications.NotFound
NotAllowed = applications.NotAllowed

OPEN = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.INFO_REQUESTED)
# Events the person does not see in their history (the desk's own working notes).
INTERNAL_ACTIONS = frozenset({"note"})


@dataclass(frozen=True)
class DeskScope:
    """Whose cases a member of staff decides: municipalities as a caseworker, schools as school staff."""

    municipality_ids: tuple[int, ...] = ()
    school_ids: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.municipality_ids or self.school_ids)


async def desk_scope(db: AsyncSession, staff: Person) -> DeskScope:
    rows = await db.execute(
        select(StaffRole.role, StaffRole.municipality_id, StaffRole.school_id).where(
            StaffRole.person_id == staff.id, StaffRole.role.in_((StaffRoleName.CASEWORKER, StaffRoleName.SCHOOL_STAFF))
        )
    )
    municipalities: list[int] = []
    schools: list[int] = []
    for role, municipality_id, school_id in rows:
        if role is StaffRoleName.CASEWORKER and municipality_id is not None:
            municipalities.append(municipality_id)
        elif role is StaffRoleName.SCHOOL_STAFF and school_id is not None:
            schools.append(school_id)
    return DeskScope(tuple(municipalities), tuple(schools))


def cases_visible_to(scope: DeskScope) -> ColumnElement[bool]:
    municipal = Application.school_id.is_(None) & Application.municipality_id.in_(scope.municipality_ids)
    school = Application.school_id.in_(scope.school_ids)
    return (Application.status != ApplicationStatus.DRAFT) & or_(municipal, school)


class Due(StrEnum):
    LATE = "late"  # the month for the decision is over
    SOON = "soon"  # the decision is due within DUE_SOON_DAYS


DUE_SOON_DAYS = 7


@dataclass(frozen=True)
class QueueFilter:
    status: ApplicationStatus | None = None
    kind: ServiceKind | None = None
    only_open: bool = True
    newest_first: bool = False
    due: Due | None = None


def first_submission_due_on_or_after(day: date) -> date:
    """The earliest submission date whose decision is due on `day` or later (decision_due only grows)."""
    candidate = add_months(day, -1) - timedelta(days=4)
    while decision_due(candidate) < day:
        candidate += timedelta(days=1)
    return candidate


def _submitted_before(day: date) -> ColumnElement[bool]:
    return Application.submitted_at < datetime.combine(day, time.min, tzinfo=UTC)


async def queue(db: AsyncSession, scope: DeskScope, chosen: QueueFilter, limit: int = 200) -> list[Application]:
    """The municipality's cases, oldest first (the one-month decision time runs from submission)."""
    query = select(Application).where(cases_visible_to(scope)).options(joinedload(Application.person))
    if chosen.status is not None:
        query = query.where(Application.status == chosen.status)
    elif chosen.only_open:
        query = query.where(Application.status.in_(OPEN))
    if chosen.kind is not None:
        query = query.where(Application.kind == chosen.kind)
    if chosen.due is not None:
        today = clock.today()
        on_time = first_submission_due_on_or_after(today)
        query = query.where(Application.status.in_(OPEN))
        if chosen.due is Due.LATE:
            query = query.where(_submitted_before(on_time))
        else:
            later = first_submission_due_on_or_after(today + timedelta(days=DUE_SOON_DAYS + 1))
            query = query.where(~_submitted_before(on_time), _submitted_before(later))
    order = Application.submitted_at.desc() if chosen.newest_first else Application.submitted_at
    return list(await db.scalars(query.order_by(order, Application.id).limit(limit)))


def days_left(application: Application, today: date) -> int | None:
    """Days until the decision is due; negative when it is late; None once decided or withdrawn."""
    if application.status not in OPEN or application.submitted_at is None:
        return None
    return (decision_due(application.submitted_at.date()) - today).days


async def open_case(db: AsyncSession, staff: Person, scope: DeskScope, application_id: int) -> Application:
    """A case the caseworker may see; the view is recorded (who looked at whose data, when)."""
    application = await db.scalar(
        select(Application)
        .where(Application.id == application_id, cases_visible_to(scope))
        .options(joinedload(Application.person))
    )
    if application is None:
        raise NotFound(application_id)
    audit.record(db, actor=staff, subject=application.person, action="case_viewed", detail=application.reference or "")
    return application


async def case_history(db: AsyncSession, application: Application) -> list[ApplicationEvent]:
    rows = await db.scalars(
        select(ApplicationEvent).where(ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.at, ApplicationEvent.id)
    )
    return list(rows)


def _change_status(db: AsyncSession, application: Application, staff: Person, to: ApplicationStatus, action: str, message: str) -> None:
    previous = application.status
    application.status = to
    applications.record(db, application, staff, action, from_status=previous, to_status=to, message=message)


def start_review(db: AsyncSession, application: Application, staff: Person) -> None:
    if application.status is not ApplicationStatus.SUBMITTED:
        raise NotAllowed("only a newly submitted case starts its review")
    _change_status(db, application, staff, ApplicationStatus.IN_REVIEW, "review_started", "")


def request_information(db: AsyncSession, application: Application, staff: Person, message: str) -> None:
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW):
        raise NotAllowed("information is requested while the case is being reviewed")
    _change_status(db, application, staff, ApplicationStatus.INFO_REQUESTED, "information_requested", message)


def information_provided(db: AsyncSession, application: Application, actor: Person, message: str) -> None:
    """The person's answer to a request: the case goes back to the caseworker."""
    if application.status is not ApplicationStatus.INFO_REQUESTED:
        raise NotAllowed("nothing was requested")
    _change_status(db, application, actor, ApplicationStatus.IN_REVIEW, "information_provided", message)


def grant(
    db: AsyncSession,
    application: Application,
    staff: Person,
    *,
    kind: ServiceKind,
    minutes: int,
    valid_from: date,
    valid_to: date,
    decision_text: str,
) -> Entitlement:
    if application.status not in OPEN:
        raise NotAllowed("only an open case is decided")
    if minutes <= 0 or minutes > KIND_RULES[kind].max_minutes:
        raise ValueError("the hours are outside what the regulation allows")
    entitlement = entitlements.create_entitlement(
        db, application, staff, kind=kind, minutes=minutes, valid_from=valid_from, valid_to=valid_to, decision_text=decision_text
    )
    application.decided_at = utcnow()
    _change_status(db, application, staff, ApplicationStatus.GRANTED, "granted", decision_text)
    return entitlement


def refuse(db: AsyncSession, application: Application, staff: Person, reasons: str) -> None:
    if application.status not in OPEN:
        raise NotAllowed("only an open case is decided")
    application.decided_at = utcnow()
    _change_status(db, application, staff, ApplicationStatus.REFUSED, "refused", reasons)


def add_note(db: AsyncSession, application: Application, staff: Person, text: str) -> None:
    applications.record(db, application, staff, "note", message=text)


async def assign(
    db: AsyncSession, application: Application, staff: Person, assistant: Person, valid_from: date
) -> AssistantAssignment:
    assignment = await entitlements.assign_assistant(db, application, assistant, staff, valid_from)
    applications.record(db, application, staff, "assistant_assigned", message=assistant.full_name)
    return assignment

"""Who may see and act on what: the portal's one access policy.

The signed-in actor — the person, their staff roles with the municipality or school each is for,
and whom they represent today — is loaded once per request (eid.session.IdentityMiddleware) in
the request's one database session. Every feature's queries take their scope from the functions
here, so that another person's record is simply not found (404), whichever page asks.

Rules about capacity (a minor acts through their representative) and segregation of duties (no
caseworker decides her own case or a relative's) belong here too, beside the scopes they limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import BindParameter, ColumnElement, Date, Integer, Select, and_, bindparam, false, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute, aliased, contains_eager

from portal.applications.models import Application, ApplicationStatus
from portal.applications.rules import age_on
from portal.assessment.models import Assessment
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.people.models import Person, Representation, RepresentationKind, StaffRole, StaffRoleName
from portal.people.personal_code import parse
from portal.timesheets.models import MonthlyReport, ReportStatus


@dataclass(frozen=True)
class Role:
    name: StaffRoleName
    municipality_id: int | None = None
    school_id: int | None = None


@dataclass(frozen=True)
class DeskScope:
    """Whose cases a member of staff decides: municipalities as a caseworker, schools as school staff."""

    municipality_ids: tuple[int, ...] = ()
    school_ids: tuple[int, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.municipality_ids or self.school_ids)


@dataclass(frozen=True)
class Actor:
    """The signed-in person as the policy sees them, for one request (loaded on `today`)."""

    person: Person
    today: date
    roles: tuple[Role, ...] = ()
    representations: tuple[Representation, ...] = field(default=(), repr=False)
    # False for a minor whom a parent or guardian represents (decides_for_themself): pages offer
    # her own changes to her representative instead.
    decides_for_themself: bool = True

    @property
    def id(self) -> int:
        return self.person.id

    @property
    def represented_ids(self) -> tuple[int, ...]:
        """The people this person represents today (their legal representative or authorised person)."""
        return tuple(r.represented_id for r in self.representations)

    @property
    def represented(self) -> list[Person]:
        return [r.represented for r in self.representations]

    def has_role(self, name: StaffRoleName) -> bool:
        return any(role.name is name for role in self.roles)

    @property
    def is_staff(self) -> bool:
        return bool(self.roles)

    @property
    def desk(self) -> DeskScope:
        return DeskScope(
            tuple(r.municipality_id for r in self.roles if r.name is StaffRoleName.CASEWORKER and r.municipality_id is not None),
            tuple(r.school_id for r in self.roles if r.name is StaffRoleName.SCHOOL_STAFF and r.school_id is not None),
        )

    def may_act_for(self, person_id: int) -> bool:
        """Own data, or the data of someone represented today."""
        return person_id == self.person.id or person_id in self.represented_ids

    def whose(self) -> list[Person]:
        """The person and everyone they represent today, for the "whose data" switches."""
        return [self.person, *self.represented]


async def load_actor(db: AsyncSession, person: Person, today: date) -> Actor:
    """The person's roles and today's representations (outside a request: the CLI, bench.plans)."""
    rows = (await db.execute(_ACTOR_OF, {"person_id": person.id, "today": today})).all()
    return await actor_from_rows(db, person, today, rows)


# A person's roles and today's representations, read with the person (IdentityMiddleware reads them with
# who is signed in): LEFT JOINs, one row per role and representation, a row of NULLs for neither. A person
# has a few of each, so what the rows repeat costs less than two statements more on every signed-in request.
_REPRESENTED = aliased(Person, name="represented")
AnySelect = TypeVar("AnySelect", bound=Select[*tuple[Any, ...]])
ACTOR_COLUMNS = (StaffRole.role, StaffRole.municipality_id, StaffRole.school_id, Representation, _REPRESENTED)


def with_actor(query: AnySelect) -> AnySelect:
    """`query`, whose FROM has the person, with the person's roles and today's representations joined (ACTOR_COLUMNS)."""
    today = bindparam("today", type_=Date)
    return (
        query.outerjoin(StaffRole, StaffRole.person_id == Person.id)
        .outerjoin(Representation, and_(
            Representation.representative_id == Person.id, Representation.valid_from <= today,
            or_(Representation.valid_to.is_(None), Representation.valid_to >= today)))
        .outerjoin(_REPRESENTED, _REPRESENTED.id == Representation.represented_id)
        .options(contains_eager(Representation.represented.of_type(_REPRESENTED)))
        .order_by(Representation.valid_from, Representation.id)
    )


_ACTOR_OF = with_actor(select(*ACTOR_COLUMNS).select_from(Person).where(Person.id == bindparam("person_id")))


async def actor_from_rows(db: AsyncSession, person: Person, today: date, rows: Sequence[Any]) -> Actor:
    """The Actor of rows that end in ACTOR_COLUMNS: each role and each representation once, in the rows' order."""
    roles: dict[Role, None] = {}
    representations: dict[int, Representation] = {}
    for row in rows:
        name, municipality_id, school_id, representation, _represented = row[-len(ACTOR_COLUMNS):]
        if name is not None:
            roles.setdefault(Role(name, municipality_id, school_id))
        if representation is not None:
            representations.setdefault(representation.id, representation)
    return Actor(
        person=person,
        today=today,
        roles=tuple(roles),
        representations=tuple(representations.values()),
        decides_for_themself=await decides_for_themself(db, person, today),
    )


def _desk_in(column: QueryableAttribute[Any], ids: Sequence[int]) -> ColumnElement[bool]:
    """A desk's municipalities or schools, written into the statement as constants, not sent as parameters.

    Rīga holds half the country's cases, a small municipality a few dozen: a plan made without the
    value (PostgreSQL's generic plan, which a statement psycopg has prepared may get after five runs)
    assumes the average desk. For Rīga's payroll it then started from all of Rīga's grants and read
    each one's reports (43 ms) instead of the month's confirmed reports (14 ms). As constants, each
    desk's statement is a prepared statement of its own, planned for its size: one per desk, a few
    dozen in all (the SQL compiled once and cached all the same: SQLAlchemy writes the values in at
    execution)."""
    return column.in_(bindparam(None, tuple(ids), expanding=True, literal_execute=True)) if ids else false()


# ---------------------------------------------------------------- capacity

ADULT_AGE = 18
LEGAL_REPRESENTATION = (RepresentationKind.PARENT, RepresentationKind.GUARDIAN)


class RepresentativeDecides(Exception):
    """A minor with a legal representative asked to do what the representative does for them."""


async def decides_for_themself(db: AsyncSession, person: Person, today: date) -> bool:
    """Whether the person acts in their own matters today.

    A minor whom a parent or guardian legally represents reads their own data, but applying,
    withdrawing, answering the social service and confirming or returning reports are the
    representative's (Civil Law: a minor's legal acts are done by their legal representative); on
    their 18th birthday it turns over. Without a birth date in the personal code (the codes given
    since 2017), a parent's representation says the person is a minor.
    """
    born = parse(person.personal_code, from_provider=True).birth_date
    if born is not None and age_on(born, today) >= ADULT_AGE:
        return True
    kinds = set(await db.scalars(
        select(Representation.kind).where(
            Representation.represented_id == person.id,
            Representation.kind.in_(LEGAL_REPRESENTATION),
            Representation.valid_from <= today,
            or_(Representation.valid_to.is_(None), Representation.valid_to >= today),
        )
    ))
    if born is None:
        return RepresentationKind.PARENT not in kinds
    return not kinds


async def require_decides(db: AsyncSession, actor: Person, person_id: int, today: date) -> None:
    """Before a change in the person's matters: the actor decides them (themself as an adult, or as
    the representative of the person today), else RepresentativeDecides."""
    if person_id == actor.id and not await decides_for_themself(db, actor, today):
        raise RepresentativeDecides(person_id)


# ---------------------------------------------------------- segregation of duties


class OwnCase(Exception):
    """A member of staff asked to open a case they are part of: another caseworker handles it."""


async def part_of_case(db: AsyncSession, staff: Person, person_id: int, applicant_id: int) -> bool:
    """Whether the member of staff is in the case: it is about them, they applied, they represent the
    person (now or before), or they are (or were) the person's assistant. A public official does not decide a
    matter they or someone close to them has an interest in; another caseworker of the desk does."""
    if staff.id in (person_id, applicant_id):
        return True
    represents = select(Representation.id).where(
        Representation.representative_id == staff.id, Representation.represented_id == person_id,
    )
    assists = select(AssistantAssignment.id).where(
        AssistantAssignment.assistant_id == staff.id, AssistantAssignment.person_id == person_id,
    )
    return bool(await db.scalar(select(represents.exists() | assists.exists())))


def part_of_cases(staff: Person) -> ColumnElement[bool]:
    """`part_of_case` as a condition on applications, for a worklist that marks them all in one query."""
    represented = select(Representation.represented_id).where(Representation.representative_id == staff.id)
    assisted = select(AssistantAssignment.person_id).where(AssistantAssignment.assistant_id == staff.id)
    return or_(Application.person_id == staff.id, Application.created_by_id == staff.id,
               Application.person_id.in_(represented), Application.person_id.in_(assisted))


class OwnHours(Exception):
    """The assistant, as the person's representative, asked to confirm or return her own hours."""


def require_not_own_hours(actor: Person, report: MonthlyReport) -> None:
    """No one confirms the hours they worked: an assistant who also represents the person leaves the
    report to the social service, which confirms it for the person (casework.reports.confirm_for_person)."""
    if actor.id == report.assistant_id:
        raise OwnHours(report.id)


async def assistant_represents(db: AsyncSession, report: MonthlyReport, today: date) -> bool:
    """Whether the report's assistant represents its person today: then the desk confirms it."""
    found = await db.scalar(select(Representation.id).where(
        Representation.representative_id == report.assistant_id,
        Representation.represented_id == report.person_id,
        Representation.valid_from <= today,
        or_(Representation.valid_to.is_(None), Representation.valid_to >= today),
    ).limit(1))
    return found is not None


# ------------------------------------------------------------- record scopes
#
# Each takes the person who asks and the day (representations are valid for a period), so that a
# service called outside a request (the CLI, a test) scopes its queries exactly as a page does.
#
# The person and the day may also be bind parameters (`Someone`, `a_day`): a statement a page sends on
# every request is then built once at start-up and only executed with the person's id and the day,
# instead of being put together again, subquery by subquery, for each request.


@dataclass(frozen=True)
class Someone:
    """The person a statement built once is about: their id is given when it is executed."""

    id: BindParameter[int]


def someone(name: str = "person_id") -> Someone:
    return Someone(bindparam(name, type_=Integer))


def a_day(name: str = "today") -> BindParameter[date]:
    return bindparam(name, type_=Date)


Who = Person | Someone
Day = date | BindParameter[date]


def represented_ids(person: Who, today: Day) -> Select[int]:
    """The people this person may act for today, as a subquery."""
    return select(Representation.represented_id).where(
        Representation.representative_id == person.id,
        Representation.valid_from <= today,
        or_(Representation.valid_to.is_(None), Representation.valid_to >= today),
    )


def _about(column: QueryableAttribute[Any], person: Who, today: Day) -> ColumnElement[bool]:
    """Rows about the person themself or about someone they represent today.

    One IN over a union of the person's id and today's representations, not `= id OR IN (…)`:
    PostgreSQL reads that OR as a filter and scans the country's rows; the IN is a few index
    lookups, one per person (the union has one or two rows).
    """
    own = select(person.id if isinstance(person, Someone) else literal(person.id))
    return column.in_(own.union_all(represented_ids(person, today)))


async def may_act_for(db: AsyncSession, person: Person, person_id: int, today: date) -> bool:
    """Own data, or the data of someone represented today (one indexed query; a page asks Actor.may_act_for)."""
    if person_id == person.id:
        return True
    found = await db.scalar(represented_ids(person, today).where(Representation.represented_id == person_id).limit(1))
    return found is not None


def applications(person: Who, today: Day) -> ColumnElement[bool]:
    """Own applications and those of the people represented today.

    A draft is visible only to whoever started it (a representative's draft is not yet the
    represented person's business, nor another representative's).
    """
    return and_(_about(Application.person_id, person, today),
                or_(Application.status != ApplicationStatus.DRAFT, Application.created_by_id == person.id))


def self_assessments(person: Who, today: Day) -> ColumnElement[bool]:
    """Self-assessments of the person and of the people they represent today (never the desk's own)."""
    return Assessment.application_id.is_(None) & _about(Assessment.person_id, person, today)


def entitlements(person: Who, today: Day) -> ColumnElement[bool]:
    """Grants to the person and to the people they represent today."""
    return _about(Entitlement.person_id, person, today)


def monthly_reports(person: Who, today: Day) -> ColumnElement[bool]:
    """Reports about the person and the people they represent today; not while the assistant still records."""
    return and_(_about(MonthlyReport.person_id, person, today), MonthlyReport.status != ReportStatus.OPEN)


def assignments_of_assistant(assistant: Person) -> ColumnElement[bool]:
    """The assignments in which this person is the assistant: what she records hours for."""
    return AssistantAssignment.assistant_id == assistant.id


def cases(actor: Actor) -> ColumnElement[bool]:
    """The desk's cases of this member of staff (none for anyone else)."""
    return cases_in(actor.desk)


def cases_in(scope: DeskScope) -> ColumnElement[bool]:
    """Submitted applications of the caseworker's municipalities; the school assistant's of a school, for its staff.

    A school assistant's case whose school is not registered stays with the municipality's caseworkers
    (Reg. 695: the school decides, when the portal knows the school).
    """
    municipal = Application.school_id.is_(None) & _desk_in(Application.municipality_id, scope.municipality_ids)
    school = _desk_in(Application.school_id, scope.school_ids)
    return (Application.status != ApplicationStatus.DRAFT) & or_(municipal, school)


def desk_keyed_in(municipality_id: QueryableAttribute[int], school_id: QueryableAttribute[int], scope: DeskScope) -> ColumnElement[bool]:
    """Rows the portal keeps per desk (totals, tallies, list rows) of the cases `cases_in` gives the desk, by
    the case's municipality and school in the row's own columns (0: no school), so that the row's index
    serves the filter. Only granted cases have them, so none is a draft."""
    desks: list[ColumnElement[bool]] = []
    if scope.municipality_ids:
        desks.append((school_id == 0) & _desk_in(municipality_id, scope.municipality_ids))
    if scope.school_ids:
        desks.append(_desk_in(school_id, scope.school_ids))
    return or_(*desks) if desks else false()

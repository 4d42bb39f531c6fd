"""The social service's desk: which cases a caseworker sees, and the decisions they make. No HTTP.

Every query for a case goes through `policy.cases_in(scope)`: a caseworker reaches
only the submitted applications of the municipalities of their CASEWORKER roles, and
a school's staff only the school assistant's cases for their school (Reg. 695: the
school decides), so any other case answers "not found". A school assistant's case
whose school is not registered in the portal stays with the municipality's
caseworkers. Every view of a case is an audit event.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from portal import audit, clock, policy
from portal.applications import service as applications
from portal.applications.models import OPEN, Application, ApplicationAction, ApplicationEvent, ApplicationStatus
from portal.applications.rules import KIND_RULES, ServiceKind, add_months, decision_due, latest_grant_end
from portal.applications.situation import birth_date_of
from portal.casework import documents, tally
from portal.casework.models import DecisionDocument, DecisionDraft
from portal.casework.models import Outcome as Decision
from portal.db import for_update, utcnow
from portal.entitlements import service as entitlements
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.notifications import notices
from portal.people import service as people
from portal.people.models import Municipality, Person, StaffRoleName
from portal.people.personal_code import InvalidPersonalCode, normalise
from portal.registers import service as registers
from portal.registers.facts import DisabilityFacts, Outcome, Read
from portal.registers.models import ReadStage
from portal.storage import Storage, save_within

NotFound = applications.NotFound
NotAllowed = applications.NotAllowed

# Events the person does not see in their history (the desk's own working notes).
INTERNAL_ACTIONS = frozenset({ApplicationAction.NOTE, ApplicationAction.TAKEN})


class Submitted(Protocol):
    """A case as a page has it: an Application, or a row of the queue (casework.queue.Listed)."""

    @property
    def status(self) -> ApplicationStatus: ...
    @property
    def submitted_at(self) -> datetime | None: ...


def days_left(case: Submitted, today: date) -> int | None:
    """Days until the decision is due; negative when it is late; None once decided or withdrawn."""
    if case.status not in OPEN or case.submitted_at is None:
        return None
    return (decision_due(clock.day_of(case.submitted_at)) - today).days


async def open_case(db: AsyncSession, staff: Person, scope: policy.DeskScope, application_id: int) -> Application:
    """A case the caseworker may see; the view is recorded (who looked at whose data, when)."""
    application = await db.scalar(
        select(Application)
        .where(Application.id == application_id, policy.cases_in(scope))
        .options(joinedload(Application.person))
    )
    if application is None:
        raise NotFound(application_id)
    if await policy.part_of_case(db, staff, application.person_id, application.created_by_id):
        raise policy.OwnCase(application.id)
    audit.record(db, actor=staff, subject=application.person, action=audit.AuditAction.CASE_VIEWED, detail=application.reference or "")
    return application


async def case_history(db: AsyncSession, application: Application) -> list[ApplicationEvent]:
    rows = await db.scalars(
        select(ApplicationEvent).where(ApplicationEvent.application_id == application.id).order_by(ApplicationEvent.at, ApplicationEvent.id)
    )
    return list(rows)


def _change_status(db: AsyncSession, application: Application, staff: Person, to: ApplicationStatus, action: ApplicationAction,
                   message: str) -> None:
    previous = application.status
    application.status = to
    applications.record(db, application, staff, action, from_status=previous, to_status=to, message=message)


class Decided(NotAllowed):
    """The case was decided before this decision (by another caseworker, a moment ago): that one stands."""


async def lock_case(db: AsyncSession, application: Application) -> Application:
    """The case locked until the decision commits, and as it is now (the session's object, refreshed).

    Every change of a case's status goes through here first: of two caseworkers deciding one case at
    once, the second waits, then finds it decided (`Decided`) instead of deciding it again.
    """
    locked = await db.scalar(for_update(select(Application).where(Application.id == application.id)))
    assert locked is not None, "a case is never deleted"
    return locked


async def lock_open_case(db: AsyncSession, application: Application) -> Application:
    """The case locked, and still open (`Decided` otherwise)."""
    locked = await lock_case(db, application)
    if locked.status not in OPEN:
        raise Decided(locked.id)
    return locked


async def start_review(db: AsyncSession, application: Application, staff: Person) -> None:
    application = await lock_open_case(db, application)
    if application.status is not ApplicationStatus.SUBMITTED:
        raise NotAllowed("only a newly submitted case starts its review")
    _change_status(db, application, staff, ApplicationStatus.IN_REVIEW, ApplicationAction.REVIEW_STARTED, "")


async def take_case(db: AsyncSession, application: Application, staff: Person) -> None:
    """The caseworker takes an open case to handle it (the desk's "my cases"); a case another caseworker
    had taken moves to her, and the history says who took it when. A case she is part of (about her,
    filed by her, of someone she represents or assists) is not hers to take: `policy.OwnCase`, checked
    here as well as by `open_case`, so that no caller (the CLI, an import, a route that forgets) can
    hand her own case to her."""
    if await policy.part_of_case(db, staff, application.person_id, application.created_by_id):
        raise policy.OwnCase(application.id)
    application = await lock_open_case(db, application)
    if application.handler_id != staff.id:
        application.handler_id = staff.id
        applications.record(db, application, staff, ApplicationAction.TAKEN)


async def request_information(db: AsyncSession, application: Application, staff: Person, message: str) -> None:
    application = await lock_open_case(db, application)
    if application.status not in (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW):
        raise NotAllowed("information is requested while the case is being reviewed")
    _change_status(db, application, staff, ApplicationStatus.INFO_REQUESTED, ApplicationAction.INFORMATION_REQUESTED, message)
    await notices.information_requested(db, application, message)


class GrantProblem(StrEnum):
    """Why a grant cannot be made as asked (Reg. 316; the desk's page words each one)."""

    HOURS = "hours"  # not within 1 .. the kind's limit per month (per week for school and study)
    END_BEFORE_START = "end_before_start"
    PAST_CHILDHOOD = "past_childhood"  # a child's service ends the day before the 18th birthday
    PAST_DISABILITY = "past_disability"  # not beyond the disability period
    OVER_THREE_YEARS = "over_three_years"  # at most MAX_GRANT_YEARS


@dataclass(frozen=True)
class Grant:
    """What the caseworker decides: the service, hours per period, the period, and the decision's text."""

    kind: ServiceKind
    minutes: int
    valid_from: date
    valid_to: date
    decision_text: str
    disability_until: date | None = None


class GrantRefused(Exception):
    """The grant breaks a rule; `latest` is the last day it could run, for the end-date problems.

    (Not a frozen dataclass: a context manager sets `__traceback__` on the exceptions it passes on.)
    """

    def __init__(self, problem: GrantProblem, latest: date | None = None, max_minutes: int = 0) -> None:
        super().__init__(problem)
        self.problem, self.latest, self.max_minutes = problem, latest, max_minutes


def last_day_of_childhood(kind: ServiceKind, person: Person) -> date | None:
    """The last day a child's service can run: the day before the birthday past the kind's age limit."""
    max_age = KIND_RULES[kind].max_age
    birth_date = birth_date_of(person.personal_code)
    if max_age is None or birth_date is None:
        return None
    return add_months(birth_date, 12 * (max_age + 1)) - timedelta(days=1)


def hours_problem(kind: ServiceKind, minutes: int) -> GrantRefused | None:
    rule = KIND_RULES[kind]
    return None if 0 < minutes <= rule.max_minutes else GrantRefused(GrantProblem.HOURS, max_minutes=rule.max_minutes)


def period_problem(person: Person, kind: ServiceKind, valid_from: date, valid_to: date, disability_until: date | None) -> GrantRefused | None:
    """The first rule the period breaks (they nest: a child's limit and the disability period within 3 years)."""
    latest = latest_grant_end(valid_from, disability_until)
    last_child_day = last_day_of_childhood(kind, person)
    if valid_to < valid_from:
        return GrantRefused(GrantProblem.END_BEFORE_START)
    if last_child_day and valid_to > last_child_day:
        return GrantRefused(GrantProblem.PAST_CHILDHOOD, latest=last_child_day)
    if valid_to > latest:
        by_disability = disability_until is not None and latest == disability_until
        return GrantRefused(GrantProblem.PAST_DISABILITY if by_disability else GrantProblem.OVER_THREE_YEARS, latest=latest)
    return None


async def registered_disability(db: AsyncSession, application: Application,
                                 now: registers.Registered | None) -> Read[DisabilityFacts] | None:
    """The disability register's answer a grant follows: as read now; as read when the person applied
    if it cannot be read now; None when it holds no disability (then the caseworker types the period).

    Its period caps the grant (Reg. 316: the grant lasts for the disability period): the end of a
    determination for a fixed time, or none for an unlimited one.
    """
    if now is not None and now.disability.outcome is not Outcome.UNKNOWN:
        return now.disability if now.disability.found is not None else None
    applied = await registers.kept(db, application.id, ReadStage.APPLIED)
    return applied.disability if applied is not None and applied.disability.found is not None else None


def grant_problems(person: Person, chosen: Grant) -> list[GrantRefused]:
    """Every rule of the regulation that the grant breaks: the hours, then the period."""
    found = (hours_problem(chosen.kind, chosen.minutes),
             period_problem(person, chosen.kind, chosen.valid_from, chosen.valid_to, chosen.disability_until))
    return [problem for problem in found if problem is not None]


async def grant(
    db: AsyncSession,
    application: Application,
    staff: Person,
    *,
    kind: ServiceKind,
    minutes: int,
    valid_from: date,
    valid_to: date,
    decision_text: str,
    disability_until: date | None = None,
    registered: registers.Registered | None = None,
    document_key: str | None = None,
) -> Entitlement:
    """Grant the service: the regulation's checks hold whoever calls (the desk, the CLI, an import).

    `registered`: the registers as read for this decision (read before the case is locked); kept with
    the case as what they said at the decision. Where the disability register gives the period
    (now, or when the person applied), it is the one the grant follows, whatever `disability_until` says.
    `document_key`: the issued decision's stored PDF, which its notice delivers to the e-address.
    """
    chosen = Grant(kind, minutes, valid_from, valid_to, decision_text, disability_until)
    application = await lock_open_case(db, application)
    if registered is not None:
        await registers.keep(db, application.id, registered, ReadStage.DECIDED)
    disability = await registered_disability(db, application, registered)
    if disability is not None and disability.found is not None:
        chosen = replace(chosen, disability_until=disability.found.valid_until)
    person = await db.get(Person, application.person_id)
    assert person is not None
    problems = grant_problems(person, chosen)
    if problems:
        raise problems[0]
    entitlement = entitlements.create_entitlement(
        db, application, staff, kind=chosen.kind, minutes=chosen.minutes, valid_from=chosen.valid_from,
        valid_to=chosen.valid_to, decision_text=chosen.decision_text,
    )
    # An assistant assigned before the grant comes onto the desk's months with it (casework.tally).
    assigned = list(await db.scalars(select(AssistantAssignment.id).where(AssistantAssignment.application_id == application.id)))
    await tally.assignments_changed(db, {}, assigned)
    application.decided_at = utcnow()
    _change_status(db, application, staff, ApplicationStatus.GRANTED, ApplicationAction.GRANTED, chosen.decision_text)
    await notices.decision_issued(db, application, True, chosen.decision_text, document_key)
    return entitlement


async def refuse(db: AsyncSession, application: Application, staff: Person, reasons: str,
                 registered: registers.Registered | None = None, document_key: str | None = None) -> None:
    """Refuse the service; `registered`, the registers as read for this decision, is kept with the case;
    `document_key`, the issued decision's stored PDF, goes with its notice to the e-address."""
    application = await lock_open_case(db, application)
    if registered is not None:
        await registers.keep(db, application.id, registered, ReadStage.DECIDED)
    application.decided_at = utcnow()
    _change_status(db, application, staff, ApplicationStatus.REFUSED, ApplicationAction.REFUSED, reasons)
    await notices.decision_issued(db, application, False, reasons, document_key)


# ------------------------------------------------- a decision as a document
# The desk composes (a draft, checked by the regulation's rules as a grant would be), previews the
# document the person will get, then issues it: the case is decided, and the document rendered once
# and kept as issued. A case has one draft and one issued decision (unique per application).


class StaleDraft(NotAllowed):
    """The decision was composed again since this preview (another tab, another caseworker): the issue
    is refused, so that nobody issues a document other than the one they saw."""


class NothingComposed(NotAllowed):
    """No decision is being composed for the case."""


async def _replace_draft(db: AsyncSession, application: Application, staff: Person, **composed: object) -> DecisionDraft:
    """The case's draft says this now, one version on (the case locked: two compositions take turns)."""
    draft = await db.scalar(for_update(select(DecisionDraft).where(DecisionDraft.application_id == application.id)))
    if draft is None:
        draft = DecisionDraft(application_id=application.id, version=0)
        db.add(draft)
    blank: dict[str, object] = {"kind": None, "minutes": None, "valid_from": None, "valid_to": None, "disability_until": None}
    for name, value in (blank | composed).items():
        setattr(draft, name, value)
    draft.version += 1
    draft.composed_by_id, draft.composed_at = staff.id, utcnow()
    await db.flush()
    return draft


async def compose_grant(db: AsyncSession, application: Application, staff: Person, chosen: Grant,
                        registered: registers.Registered | None = None) -> DecisionDraft:
    """A grant to preview: the regulation's checks as for `grant` (the register's disability period rules)."""
    application = await lock_open_case(db, application)
    disability = await registered_disability(db, application, registered)
    if disability is not None and disability.found is not None:
        chosen = replace(chosen, disability_until=disability.found.valid_until)
    person = await db.get_one(Person, application.person_id)
    problems = grant_problems(person, chosen)
    if problems:
        raise problems[0]
    return await _replace_draft(db, application, staff, outcome=Decision.GRANTED, kind=chosen.kind, minutes=chosen.minutes,
                                valid_from=chosen.valid_from, valid_to=chosen.valid_to,
                                disability_until=chosen.disability_until, reasons=chosen.decision_text)


async def compose_refusal(db: AsyncSession, application: Application, staff: Person, reasons: str) -> DecisionDraft:
    application = await lock_open_case(db, application)
    return await _replace_draft(db, application, staff, outcome=Decision.REFUSED, reasons=reasons)


async def draft_of(db: AsyncSession, application: Application) -> DecisionDraft | None:
    return await db.scalar(select(DecisionDraft).where(DecisionDraft.application_id == application.id))


async def decision_content(db: AsyncSession, application: Application, staff: Person, draft: DecisionDraft,
                           issued_on: date | None = None) -> documents.DecisionContent:
    """What the document says if `staff` issues the draft today (the preview, and the issue itself);
    `issued_on`: the day it is dated, when that is not today (the demo's history)."""
    assert application.municipality_id is not None, "a submitted application has its municipality"
    municipality = await db.get_one(Municipality, application.municipality_id)
    person = await db.get_one(Person, application.person_id)
    return documents.content_of(application, person, municipality, staff, draft, issued_on or clock.today())


@dataclass(frozen=True)
class Issued:
    document: DecisionDocument
    reasons: str  # the caseworker's words in it (the notice quotes them)


async def issue(db: AsyncSession, storage: Storage, application: Application, staff: Person, version: int,
                registered: registers.Registered | None = None, issued_on: date | None = None) -> Issued:
    """Issue the previewed decision: the case decided (`grant` or `refuse`, with their rules), the
    document rendered once and kept in storage with its SHA-256, the draft gone.

    `Decided` when the case was decided meanwhile (a second issue waits for the first's lock, then finds
    it decided), `StaleDraft` when the draft's `version` is not the one previewed. The document is rendered from the
    draft before the case is locked (a second or so, off the event loop: no lock waits on it), then the
    draft is checked again under the lock: still the one rendered, or nothing is issued. The file is saved
    within the transaction (storage.save_within): an issue that then fails deletes it again.
    """
    seen = await draft_of(db, application)
    if seen is None or seen.version != version:
        await lock_open_case(db, application)  # decided meanwhile: say so rather than "changed"
        raise NothingComposed(application.id) if seen is None else StaleDraft(application.id)
    content = await decision_content(db, application, staff, seen, issued_on)  # (the draft's values now: a later change is stale)
    pdf = await asyncio.to_thread(documents.render, content)
    application = await lock_open_case(db, application)
    draft = await db.scalar(for_update(select(DecisionDraft).where(DecisionDraft.application_id == application.id)))
    if draft is None or draft.version != version:
        raise StaleDraft(application.id)
    document = DecisionDocument(application_id=application.id, outcome=draft.outcome, storage_key=save_within(db, storage, pdf),
                                sha256=documents.sha256_of(pdf), size=len(pdf), languages=content.languages,
                                issued_by_id=staff.id)
    db.add(document)
    if draft.outcome is Decision.GRANTED:
        assert draft.kind and draft.minutes and draft.valid_from and draft.valid_to
        await grant(db, application, staff, kind=draft.kind, minutes=draft.minutes, valid_from=draft.valid_from,
                    valid_to=draft.valid_to, decision_text=draft.reasons, disability_until=draft.disability_until,
                    registered=registered, document_key=document.storage_key)
    else:
        await refuse(db, application, staff, draft.reasons, registered=registered, document_key=document.storage_key)
    reasons = draft.reasons
    await db.delete(draft)
    await db.flush()
    return Issued(document, reasons)


async def add_note(db: AsyncSession, application: Application, staff: Person, text: str) -> None:
    applications.record(db, application, staff, ApplicationAction.NOTE, message=text)


class AssignProblem(StrEnum):
    INVALID_CODE = "invalid_code"
    OWN_ASSISTANT = "own_assistant"
    OWN_DESK = "own_desk"  # a caseworker of the desk that decides the case
    GIVEN_NAME_NEEDED = "given_name_needed"  # an assistant new to the portal is named by the desk
    FAMILY_NAME_NEEDED = "family_name_needed"


class AssignRefused(Exception):
    def __init__(self, problems: tuple[AssignProblem, ...]) -> None:
        super().__init__(*problems)
        self.problems = problems


async def assign(
    db: AsyncSession, application: Application, staff: Person, assistant: Person, valid_from: date
) -> AssistantAssignment:
    if assistant.id == application.person_id:
        raise AssignRefused((AssignProblem.OWN_ASSISTANT,))
    # The new assignment ends the current one: two at once must not both end it and both begin.
    application = await lock_case(db, application)
    replaced = {running.assistant_id for running in await entitlements.assignments_running_on(db, application.person_id, valid_from)}
    assignment = await entitlements.assign_assistant(db, application, assistant, staff, valid_from)
    applications.record(db, application, staff, ApplicationAction.ASSISTANT_ASSIGNED, message=assistant.full_name)
    await notices.assistant_assigned(db, application, assistant, valid_from, replaced - {assistant.id})
    return assignment


async def assign_by_code(
    db: AsyncSession, application: Application, staff: Person, code: str, given_name: str, family_name: str, valid_from: date | None
) -> AssistantAssignment:
    """Assign the assistant with this personal code; one new to the portal is created with the names given.

    Every problem is reported at once (AssignRefused); with `valid_from` None only the problems are checked.
    """
    problems: list[AssignProblem] = []
    known: Person | None = None
    normalised = ""
    try:
        normalised = normalise(code, from_provider=False)
    except InvalidPersonalCode:
        problems.append(AssignProblem.INVALID_CODE)
    if normalised and normalised == application.person.personal_code:
        problems.append(AssignProblem.OWN_ASSISTANT)
    elif normalised:
        try:
            known = await people.person_by_code(db, normalised)
        except people.NotFound:
            known = None
    if known is not None and application.municipality_id is not None and any(
        role.role is StaffRoleName.CASEWORKER and role.municipality_id == application.municipality_id
        for role in await people.staff_roles(db, known)
    ):
        # She would record hours that her own desk checks and pays.
        problems.append(AssignProblem.OWN_DESK)
    if known is None:
        problems += [AssignProblem.GIVEN_NAME_NEEDED] if not given_name else []
        problems += [AssignProblem.FAMILY_NAME_NEEDED] if not family_name else []
    if problems or valid_from is None:
        raise AssignRefused(tuple(problems))
    assistant = known or await people.ensure_person(db, normalised, given_name, family_name)
    return await assign(db, application, staff, assistant, valid_from)

"""Self-assessments and the social service's assessments: who may see which, versions, attaching.

A person's self-assessment is reached only by the person and by whoever represents them
today (`policy.self_assessments`); the social service's assessment of a case only through the desk's
scope (casework). Answers are saved into the one version in progress; once a version is
submitted it is frozen, and the next change starts a copy numbered one higher.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n, policy
from portal.applications import service as applications
from portal.applications.models import Application, ApplicationStatus
from portal.applications.rules import age_on
from portal.applications.situation import birth_date_of
from portal.assessment import answers as answering
from portal.assessment.definitions import Definition, all_definitions, current
from portal.assessment.models import Assessment, AssessmentStatus
from portal.assessment.scoring import Result, score
from portal.casework.service import OPEN, lock_case
from portal.db import added_or_existing, for_update, utcnow
from portal.people.models import Person

ADULTS, CHILDREN = "adults", "children"


class NotFound(LookupError):
    """No such assessment (or person) for this actor: the same answer whether it exists or not."""


class Problem(StrEnum):
    """Why the service refuses a change (the routes answer each: back to the task list, or to the case)."""

    NOT_COMPLETE = "not_complete"  # a question is unanswered, or a rating that needs a comment has none
    NOT_AN_ANSWER = "not_an_answer"  # an answer the questionnaire does not allow (answers.answer_problems)
    CASE_CLOSED = "case_closed"  # the social service's assessment changes only while its case is open


class Refused(Exception):
    problem: ClassVar[Problem]


class NotComplete(Refused):
    """Submitting a version that still has unanswered questions."""

    problem = Problem.NOT_COMPLETE


class NotAnAnswer(Refused, ValueError):
    """Saving an answer that breaks the questionnaire, or to a question it does not ask."""

    problem = Problem.NOT_AN_ANSWER


class CaseClosed(Refused):
    """Changing the social service's assessment of a case that is decided or withdrawn."""

    problem = Problem.CASE_CLOSED


def questionnaire_for(person: Person, today: date) -> Definition:
    """The adults' questionnaire from 18; below that, the children's checklist."""
    born = birth_date_of(person.personal_code)
    is_child = born is not None and age_on(born, today) < 18
    return current(CHILDREN if is_child else ADULTS, today)


def definition_of(assessment: Assessment) -> Definition:
    """The questionnaire version the assessment answered: old versions keep their own."""
    return all_definitions()[assessment.questionnaire]


def _series(person_id: int, application_id: int | None) -> ColumnElement[bool]:
    case = Assessment.application_id.is_(None) if application_id is None else Assessment.application_id == application_id
    return (Assessment.person_id == person_id) & case


async def versions(db: AsyncSession, person_id: int, application_id: int | None = None) -> list[Assessment]:
    """Every version, newest first."""
    found = await db.scalars(select(Assessment).where(_series(person_id, application_id)).order_by(Assessment.number.desc()))
    return list(found)


def in_progress(found: list[Assessment]) -> Assessment | None:
    return next((a for a in found if a.status is AssessmentStatus.IN_PROGRESS), None)


def latest_submitted(found: list[Assessment]) -> Assessment | None:
    return next((a for a in found if a.status is AssessmentStatus.SUBMITTED), None)


def working_answers(found: list[Assessment]) -> tuple[Assessment | None, dict[str, Any]]:
    """The version people see on the task list: the one in progress, else the latest submitted."""
    shown = in_progress(found) or latest_submitted(found)
    return shown, dict(shown.answers) if shown else {}


async def save_section(
    db: AsyncSession,
    actor: Person,
    person: Person,
    definition: Definition,
    section_answers: Mapping[str, Any],
    application_id: int | None = None,
) -> Assessment:
    """Keep a section's answers in the version in progress, starting one if there is none.

    Answers may be missing (the version is in progress); none may break the questionnaire.
    """
    questions = {question.id: question for question in definition.questions()}
    for question_id, answer in section_answers.items():
        question = questions.get(question_id)
        if question is None or not answering.storable(definition, question, answer):
            raise NotAnAnswer(question_id)
    # Locked before the answers are merged: a section saved in another tab at the same moment waits,
    # then merges into what that one wrote; a version submitted meanwhile is no longer in progress.
    found = await _locked_versions(db, person.id, application_id)
    draft = in_progress(found)
    if draft is None:
        draft = await _start_version(db, actor, person, definition, found, application_id)
    draft.answers = {**draft.answers, **section_answers}
    draft.language = i18n.written_in()
    draft.updated_by_id = actor.id
    await db.flush()
    return draft


async def _start_version(
    db: AsyncSession, actor: Person, person: Person, definition: Definition, found: list[Assessment], application_id: int | None
) -> Assessment:
    previous = latest_submitted(found)
    known = {q.id for q in definition.questions()}
    copied = {key: value for key, value in previous.answers.items() if key in known} if previous else {}
    number = (found[0].number if found else 0) + 1
    draft = Assessment(
        person_id=person.id, application_id=application_id, number=number, questionnaire=definition.key,
        answers=copied, language=previous.language if previous else None, created_by_id=actor.id, updated_by_id=actor.id,
    )
    # Two first saves at once (two tabs, a double click): the unique indexes keep one version in
    # progress, and the save that lost merges into the one the other started.
    started, _added = await added_or_existing(
        db, draft, lambda: _locked_in_progress(db, person.id, application_id)
    )
    return started


async def _locked_versions(db: AsyncSession, person_id: int, application_id: int | None) -> list[Assessment]:
    """Every version, newest first, locked until the transaction ends and read fresh."""
    found = await db.scalars(for_update(select(Assessment).where(_series(person_id, application_id))
                                        .order_by(Assessment.number.desc())))
    return list(found)


async def _locked_in_progress(db: AsyncSession, person_id: int, application_id: int | None) -> Assessment | None:
    return in_progress(await _locked_versions(db, person_id, application_id))


async def submit(db: AsyncSession, actor: Person, person: Person, application_id: int | None = None) -> Assessment:
    """Freeze the version in progress; a second submit of the same version returns it unchanged.

    Locked first: a second submit, or a section being saved, waits and then finds the version frozen.
    """
    found = await _locked_versions(db, person.id, application_id)
    draft = in_progress(found)
    if draft is None:
        latest = latest_submitted(found)
        if latest is None:
            raise NotComplete()
        return latest
    if not answering.complete(definition_of(draft), draft.answers):
        raise NotComplete()
    draft.status = AssessmentStatus.SUBMITTED
    draft.submitted_at = utcnow()
    draft.submitted_by_id = actor.id
    await db.flush()
    return draft


def desk_may_change(application: Application) -> bool:
    """The social service assesses a case while it is open; once decided, its assessment stays as it was."""
    return application.status in OPEN


async def save_desk_section(
    db: AsyncSession, actor: Person, application: Application, definition: Definition, section_answers: Mapping[str, Any]
) -> Assessment:
    # The case is locked as a decision locks it: a desk's answer never lands on a case decided meanwhile.
    application = await lock_case(db, application)
    if not desk_may_change(application):
        raise CaseClosed(application.id)
    return await save_section(db, actor, await _person_of(db, application), definition, section_answers, application.id)


async def submit_desk(db: AsyncSession, actor: Person, application: Application) -> Assessment:
    application = await lock_case(db, application)
    if not desk_may_change(application):
        raise CaseClosed(application.id)
    return await submit(db, actor, await _person_of(db, application), application.id)


async def _person_of(db: AsyncSession, application: Application) -> Person:
    person = await db.get(Person, application.person_id)
    assert person is not None, "an application's person is never deleted"
    return person


async def visible_assessment(db: AsyncSession, actor: Person, assessment_id: int, today: date) -> Assessment:
    found = await db.scalar(select(Assessment).where(Assessment.id == assessment_id, policy.self_assessments(actor, today)))
    if found is None:
        raise NotFound(assessment_id)
    return found


async def submitted_assessment(db: AsyncSession, actor: Person, assessment_id: int, today: date) -> Assessment:
    """A submitted version the actor may see: a version in progress has no result and cannot be sent."""
    found = await visible_assessment(db, actor, assessment_id, today)
    if found.status is not AssessmentStatus.SUBMITTED:
        raise NotFound(assessment_id)
    return found


async def drafts_for(db: AsyncSession, actor: Person, person_id: int, today: date) -> list[Application]:
    """The actor's draft applications for the person, to which a submitted version can be attached."""
    found = await db.scalars(
        select(Application)
        .where(policy.applications(actor, today), Application.person_id == person_id,
               Application.status == ApplicationStatus.DRAFT)
        .order_by(Application.created_at.desc())
    )
    return list(found)


async def attach(db: AsyncSession, actor: Person, assessment: Assessment, application_id: int, today: date) -> Application:
    """Send this submitted version with a draft application of the same person."""
    application = await applications.visible_application(db, actor, application_id, today)
    if (application.status is not ApplicationStatus.DRAFT or application.person_id != assessment.person_id
            or assessment.status is not AssessmentStatus.SUBMITTED):
        raise NotFound(application_id)
    application.assessment_id = assessment.id
    await db.flush()
    return application


async def apply_with(db: AsyncSession, actor: Person, assessment: Assessment, today: date) -> Application:
    """A new draft application for the person, with this version attached."""
    application = await applications.start_draft(db, actor, assessment.person_id, today)
    return await attach(db, actor, assessment, application.id, today)


async def sent_with(db: AsyncSession, application: Application) -> Assessment | None:
    """The self-assessment version the application carries (the desk's scope is checked by the caller)."""
    return await db.get(Assessment, application.assessment_id) if application.assessment_id else None


async def desk_result(db: AsyncSession, application: Application) -> Result | None:
    """The social service's latest submitted result for a case: it prefills the hours when granting."""
    latest = latest_submitted(await versions(db, application.person_id, application.id))
    if latest is None or not definition_of(latest).scored:
        return None
    return score(definition_of(latest), latest.answers)


async def attach_latest_if_none(db: AsyncSession, application: Application) -> Assessment | None:
    """At sending: an application with no version chosen carries the person's latest submitted one."""
    if application.assessment_id is None:
        latest = latest_submitted(await versions(db, application.person_id))
        application.assessment_id = latest.id if latest else None
    return await sent_with(db, application)

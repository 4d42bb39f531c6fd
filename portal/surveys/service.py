"""Who may answer which survey, unfinished answers, and submitting exactly once. No HTTP here.

Submitting an anonymous survey records only that the person answered and holds the answers back
with no link to them; `release_held` (after the response, and in `portal worker` / `portal notify`)
adds them to the responses in batches, shuffled, in a transaction of its own (see models.py and
docs/architecture.md, "Anonymous answers").
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import Date, Integer, Select, and_, bindparam, delete, exists, insert, literal, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.applications.rules import ServiceKind
from portal.db import Database, added_or_existing, for_update
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.people.models import Person
from portal.surveys import tallies
from portal.surveys.analysis import MIN_GROUP
from portal.surveys.answers import cleaned, first_unfinished, storable
from portal.surveys.definitions import Survey, all_surveys
from portal.surveys.models import SurveyDraft, SurveyHeldAnswer, SurveyParticipation, SurveyResponse, SurveyVisit

log = logging.getLogger(__name__)

# Held answers are added to the responses only this many at a time (or more): the batch is the smallest
# group the order of transactions can narrow a respondent down to, so it is the same five as the results'.
RELEASE_BATCH = MIN_GROUP


class Problem(StrEnum):
    """Why the service refuses (the routes answer each: not found, the thanks page, back to the answers)."""

    NOT_OPEN = "not_open"  # closed, not yet open, or not for this person
    ALREADY_ANSWERED = "already_answered"  # once only
    UNFINISHED = "unfinished"  # a required answer to a question that shows is missing
    NOT_AN_ANSWER = "not_an_answer"  # an answer the survey does not allow (answers.answer_problem)


class Refused(Exception):
    problem: ClassVar[Problem]


class AlreadyAnswered(Refused):
    """This person has answered this survey: it cannot be answered twice."""

    problem = Problem.ALREADY_ANSWERED


class NotOpen(Refused, LookupError):
    """No such survey for this person today: closed, not yet open, or not for them."""

    problem = Problem.NOT_OPEN


class Unfinished(Refused):
    """Submitting with a required answer missing."""

    problem = Problem.UNFINISHED


class NotAnAnswer(Refused, ValueError):
    """An answer the survey does not allow, or to a question it does not ask."""

    problem = Problem.NOT_AN_ANSWER


@dataclass(frozen=True)
class Audience:
    """What decides which surveys ask a person: whether they assist anyone, the services they receive."""

    assists: bool
    receives: frozenset[str]

    def asked(self, survey: Survey) -> bool:
        if survey.audience in ("public", "signed_in"):
            return True
        if survey.audience == "assistants":
            return self.assists
        return bool(self.receives) and (not survey.kinds or bool(self.receives & set(survey.kinds)))


async def audience_of(db: AsyncSession, person: Person, today: date) -> Audience:
    """Both facts in one round trip: the services received, outer-joined to one row so that a person who
    receives none still gets the row that says whether they assist."""
    rows = (await db.execute(_AUDIENCE, {"person_id": person.id, "today": today})).all()
    return Audience(bool(rows[0].assists), frozenset(row.kind.value for row in rows if row.kind is not None))


def _audience() -> Select[bool, ServiceKind]:
    """`audience_of`'s statement, built once (it is on every overview): only executed with the person and the day."""
    person_id, today = bindparam("person_id", type_=Integer), bindparam("today", type_=Date)
    assists = exists().where(AssistantAssignment.assistant_id == person_id)
    return (select(assists.label("assists"), Entitlement.kind)
            .select_from(select(literal(1)).subquery())
            .outerjoin(Entitlement, and_(Entitlement.person_id == person_id, Entitlement.valid_to >= today)))


_AUDIENCE = _audience()
_ANSWERED = select(SurveyParticipation.survey_id).where(SurveyParticipation.person_id == bindparam("person_id"))


async def may_answer(db: AsyncSession, survey: Survey, person: Person | None, today: date) -> bool:
    """Whether the survey is open today and meant for this person (None: not signed in)."""
    if not survey.is_open(today):
        return False
    if survey.audience == "public":
        return True
    if person is None:
        return False
    return survey.audience == "signed_in" or (await audience_of(db, person, today)).asked(survey)


async def open_surveys(db: AsyncSession, person: Person, today: date) -> list[Survey]:
    """The surveys this person may answer today and has not answered yet (two queries, however many surveys)."""
    answered = set(await db.scalars(_ANSWERED, {"person_id": person.id}))
    waiting = [s for s in all_surveys().values() if s.id not in answered and s.is_open(today)]
    if not waiting:
        return []
    audience = await audience_of(db, person, today)
    return [s for s in waiting if audience.asked(s)]


async def draft_of(db: AsyncSession, survey: Survey, person: Person) -> SurveyDraft | None:
    return await db.scalar(select(SurveyDraft).where(SurveyDraft.survey_id == survey.id, SurveyDraft.person_id == person.id))


async def has_answered(db: AsyncSession, survey: Survey, person: Person) -> bool:
    found = await db.scalar(select(SurveyParticipation.id).where(SurveyParticipation.survey_id == survey.id,
                                                                 SurveyParticipation.person_id == person.id))
    return found is not None


def merged(survey: Survey, kept: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """The answers so far with a page's answers over them; a changed answer drops the follow-ups it hid.

    Unanswered questions are fine (the survey is answered a page at a time); a wrong answer is refused.
    """
    questions = {question.id: question for question in survey.questions()}
    for question_id, answer in given.items():
        question = questions.get(question_id)
        if question is None or not storable(question, answer):
            raise NotAnAnswer(question_id)
    return cleaned(survey, {**kept, **given})


async def save_draft(db: AsyncSession, survey: Survey, person: Person, answers: Mapping[str, Any]) -> SurveyDraft:
    """Keep the answers given so far (a page at a time), to come back to later.

    The draft is locked before its answers are merged, so a page saved in another tab at the same
    moment is merged too, not written over; two first pages at once make one draft (its unique index).
    """
    found = await _locked_draft(db, survey, person)
    # Checked after the lock: a submit in another tab records the answer and deletes the draft first.
    if await has_answered(db, survey, person):
        raise AlreadyAnswered(survey.id)
    if found is None:
        draft, _added = await added_or_existing(db, SurveyDraft(survey_id=survey.id, person_id=person.id, answers={}),
                                                lambda: _locked_draft(db, survey, person))
    else:
        draft = found
    draft.answers = merged(survey, draft.answers, answers)
    await db.flush()
    return draft


async def _locked_draft(db: AsyncSession, survey: Survey, person: Person) -> SurveyDraft | None:
    """The person's draft, locked until the transaction ends (and read fresh)."""
    return await db.scalar(for_update(select(SurveyDraft).where(SurveyDraft.survey_id == survey.id,
                                                                SurveyDraft.person_id == person.id)))


def _complete(survey: Survey, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to submit: to questions that show, none required missing, and only answers the survey
    allows (one kept from before a rule, say a shorter max_length, is asked again rather than sent)."""
    questions = {question.id: question for question in survey.questions()}
    allowed = {key: answer for key, answer in answers.items() if key in questions and storable(questions[key], answer)}
    submitted = cleaned(survey, allowed)
    if first_unfinished(survey, submitted) is not None:
        raise Unfinished(survey.id)
    return submitted


def new_response(survey: Survey, answers: Mapping[str, Any], language: str, today: date, person: Person | None) -> SurveyResponse:
    """A response as it is stored: for an anonymous survey no person, and the month (its first day), not the day."""
    return SurveyResponse(
        id=secrets.token_hex(16), survey_id=survey.id, survey_version=survey.version, language=language,
        submitted_on=today.replace(day=1) if survey.anonymous else today,
        answers=dict(answers), person_id=None if survey.anonymous or person is None else person.id,
    )


async def add_response(db: AsyncSession, survey: Survey, answers: Mapping[str, Any], language: str, today: date,
                       person: Person | None) -> None:
    """A response of a survey that is not anonymous written at once, counted in the results' tallies in the same
    transaction (an anonymous survey's answers are held and counted by the batch step, `_release`)."""
    db.add(new_response(survey, answers, language, today, person))
    await tallies.add(db, [(survey.id, language, answers)])


def held(survey: Survey, answers: Mapping[str, Any], language: str) -> SurveyHeldAnswer:
    return SurveyHeldAnswer(id=secrets.token_hex(16), survey_id=survey.id, survey_version=survey.version,
                            language=language, answers=dict(answers))


async def _overwrite_deleted(db: AsyncSession) -> None:
    """On SQLite, deleted rows are overwritten with zeros rather than left in free pages (for this
    connection from now on). PostgreSQL keeps dead row versions until VACUUM (see `_vacuum`)."""
    if db.get_bind().dialect.name == "sqlite":
        await db.execute(text("PRAGMA secure_delete=ON"))


async def submit(db: AsyncSession, survey: Survey, person: Person, language: str, today: date) -> None:
    """The draft is deleted, the person is recorded as having answered, and the answers are held back
    (anonymous) or become a response with the person (not anonymous)."""
    if not await may_answer(db, survey, person, today):
        raise NotOpen(survey.id)
    # Locked first: a second submit (or a page being saved) waits here, then finds the answer recorded.
    draft = await _locked_draft(db, survey, person)
    if await has_answered(db, survey, person):
        raise AlreadyAnswered(survey.id)
    answers = _complete(survey, draft.answers if draft else {})
    await _overwrite_deleted(db)
    try:
        async with db.begin_nested():
            db.add(SurveyParticipation(survey_id=survey.id, person_id=person.id))
            if survey.anonymous:
                db.add(held(survey, answers, language))
            else:
                await add_response(db, survey, answers, language, today, person)
            if draft is not None:
                await db.delete(draft)
    except IntegrityError:  # the same submit twice at once with no draft to lock: the other one counted
        raise AlreadyAnswered(survey.id) from None


def visit_key(token: str) -> str:
    """A visitor's progress is kept under the hash of the random token in their cookie, never the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()


async def visit_answers(db: AsyncSession, survey: Survey, token: str | None) -> dict[str, Any]:
    if token is None:
        return {}
    visit = await db.get(SurveyVisit, (visit_key(token), survey.id))
    return dict(visit.answers) if visit else {}


async def save_visit(db: AsyncSession, survey: Survey, token: str, given: Mapping[str, Any], today: date) -> dict[str, Any]:
    """Keep a visitor's page of answers with the earlier ones (locked, so two tabs merge, as a draft does)."""
    key = visit_key(token)
    def locked() -> Awaitable[SurveyVisit | None]:
        return db.scalar(for_update(select(SurveyVisit).where(SurveyVisit.visit == key, SurveyVisit.survey_id == survey.id)))

    found = await locked()
    if found is None:
        visit, _added = await added_or_existing(db, SurveyVisit(visit=key, survey_id=survey.id, answers={}, updated_on=today), locked)
    else:
        visit = found
    visit.answers = merged(survey, visit.answers, given)
    visit.updated_on = today
    await db.flush()
    return dict(visit.answers)


async def submit_visit(db: AsyncSession, survey: Survey, token: str | None, language: str, today: date) -> None:
    """A visitor's response from their kept progress, which is deleted with it."""
    visit = await db.get(SurveyVisit, (visit_key(token), survey.id)) if token else None
    await submit_public(db, survey, dict(visit.answers) if visit else {}, language, today)
    if visit is not None:
        await db.delete(visit)


async def submit_public(db: AsyncSession, survey: Survey, answers: Mapping[str, Any], language: str, today: date) -> None:
    """A visitor's response to a public survey: never linked to anyone (once per browser is the page's);
    held back like any anonymous answer, so neither its order nor its transaction meets a web server's log."""
    if survey.audience != "public" or not await may_answer(db, survey, None, today):
        raise NotOpen(survey.id)
    complete = _complete(survey, answers)
    if survey.anonymous:
        db.add(held(survey, complete, language))
    else:
        await add_response(db, survey, complete, language, today, None)


async def release_held(database: Database, today: date | None = None) -> int:
    """The batch step: each survey's held answers become responses, each survey in a transaction of its own.

    Only when at least RELEASE_BATCH wait; fewer wait until more come. Once the survey has closed, a
    remainder of fewer is added by writing the survey's anonymous responses all again together with
    it, so it hides among them all rather than alone. Returns how many answers were added.
    """
    day = today or clock.today()
    async with database.session() as session:
        waiting = list(await session.scalars(select(SurveyHeldAnswer.survey_id).distinct()))
    added = 0
    for survey_id in waiting:
        async with database.session() as session:
            added += await _release(session, survey_id, day)
    if added:
        await _vacuum(database)
    return added


async def _release(db: AsyncSession, survey_id: str, today: date) -> int:
    # Locked: a second batch step at the same time waits, then finds them gone (PostgreSQL; SQLite's
    # transactions take the write lock at BEGIN).
    rows = list(await db.scalars(for_update(select(SurveyHeldAnswer).where(SurveyHeldAnswer.survey_id == survey_id))))
    survey = all_surveys().get(survey_id)
    closed = survey is None or today > survey.closes
    if len(rows) < RELEASE_BATCH and not (closed and rows):
        return 0
    await _overwrite_deleted(db)
    month = today.replace(day=1)
    batch = [{"survey_id": r.survey_id, "survey_version": r.survey_version, "language": r.language,
              "answers": dict(r.answers), "submitted_on": month} for r in rows]
    if len(rows) < RELEASE_BATCH:  # closed, with a remainder: hide it among all the survey's responses
        kept = list(await db.scalars(for_update(select(SurveyResponse).where(SurveyResponse.survey_id == survey_id,
                                                                           SurveyResponse.person_id.is_(None)))))
        batch += [{"survey_id": r.survey_id, "survey_version": r.survey_version, "language": r.language,
                   "answers": dict(r.answers), "submitted_on": r.submitted_on} for r in kept]
        await db.execute(delete(SurveyResponse).where(SurveyResponse.survey_id == survey_id, SurveyResponse.person_id.is_(None)))
    await db.execute(delete(SurveyHeldAnswer).where(SurveyHeldAnswer.id.in_([r.id for r in rows])))
    # Shuffled, with new random ids, in one statement: the rows' physical order and their one transaction
    # id say nothing about the order in which people answered.
    secrets.SystemRandom().shuffle(batch)
    await db.execute(insert(SurveyResponse), [{"id": secrets.token_hex(16), "person_id": None, **row} for row in batch])
    # Counted with the batch, in its transaction: only the held answers, since the kept responses rewritten
    # with a remainder were taken out and put back unchanged (language and answers), which no tally sees.
    await tallies.add(db, [(r.survey_id, r.language, r.answers) for r in rows])
    db.expunge_all()
    return len(rows)


async def _vacuum(database: Database) -> None:
    """Make the deleted held answers and drafts (which shared the participation's transaction) go from the
    files, not only from the tables. PostgreSQL: VACUUM them (their dead row versions keep the xmin until
    then; a table left empty is cut back to nothing). SQLite: the deleted cells were overwritten with
    zeros (`_overwrite_deleted`), but the WAL still holds the pages as they were: checkpoint it and cut
    it to nothing. Best effort: a reader in the middle of a transaction, or a role that does not own the
    tables, leaves it to the next batch (or autovacuum); backups and WAL archives keep what they keep."""
    try:
        async with database.engine.connect() as connection:
            if database.engine.dialect.name == "postgresql":
                autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
                await autocommit.exec_driver_sql("VACUUM survey_held_answer, survey_draft")
            elif database.engine.dialect.name == "sqlite":
                # On the driver's connection, outside any transaction (a checkpoint cannot run in one).
                driver = (await connection.get_raw_connection()).driver_connection
                if driver is not None:
                    await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except (DBAPIError, sqlite3.Error):
        log.warning("cleaning up the held survey answers failed; the next batch (or autovacuum) will")

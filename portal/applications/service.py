"""Applications: who may see and change which, drafts, submission, history. No HTTP here.

Every query for an application goes through `policy.applications(actor, today)`, so a
person reaches only their own applications and those of people they represent
today; a draft someone fills in for another person is theirs alone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n, policy
from portal.applications import documents
from portal.applications.models import (
    CLOSED,
    Application,
    ApplicationAction,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationStatus,
    ReferenceSequence,
)
from portal.applications.rules import ServiceKind, Verdict, age_check, age_on
from portal.applications.situation import birth_date_of
from portal.db import added_or_existing, for_update, utcnow
from portal.forms import ascii_integer
from portal.notifications import notices
from portal.people import service as people
from portal.people.models import Person
from portal.storage import Storage, delete_after_commit, save_within

INFO_RESPONSE_KIND = "info_response"  # documents.DocumentKind.INFO_RESPONSE
MAX_WITHDRAW_REASON = 1000
MAX_ANSWER = 2000


class NotFound(LookupError):
    """No such application for this person: the same answer whether it exists or not."""


class NotAllowed(Exception):
    """The application exists and is visible, but this change is not possible in its state."""


class Problem(StrEnum):
    """A rule that a change breaks, whoever asks for it; the pages word each one (applications/forms.py)."""

    KIND_NOT_FOR_AGE = "kind_not_for_age"  # Reg. 316: the kind's age limits rule the person out
    REASON_TOO_LONG = "reason_too_long"  # of a withdrawal, over MAX_WITHDRAW_REASON
    ANSWER_TOO_LONG = "answer_too_long"  # to a request for information, over MAX_ANSWER
    NOTHING_SENT = "nothing_sent"  # an answer to a request is a text, documents, or both


class Refused(NotAllowed):
    """The change breaks a rule; `problem` says which."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.value)
        self.problem = problem


class TooManyFiles(NotAllowed):
    """The files would make more than documents.MAX_FILES_PER_KIND of one kind: none of them was kept."""


class FileRefused(NotAllowed):
    """A file is not one the portal keeps (empty, too large, not a PDF, JPEG or PNG by its content)."""

    def __init__(self, problem: documents.UploadProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


async def visible_application(db: AsyncSession, actor: Person, application_id: int, today: date) -> Application:
    application = await db.scalar(
        select(Application).where(Application.id == application_id, policy.applications(actor, today))
    )
    if application is None:
        raise NotFound(application_id)
    return application


async def applications_of(db: AsyncSession, actor: Person, today: date) -> list[Application]:
    return list(await db.scalars(_APPLICATIONS_OF, {"person_id": actor.id, "today": today}))


# The overview's and the applications page's: built once, only executed (policy.Someone).
_APPLICATIONS_OF = (
    select(Application).where(policy.applications(policy.someone(), policy.a_day()))
    .order_by(Application.created_at.desc(), Application.id.desc())
)


def record(
    db: AsyncSession,
    application: Application,
    actor: Person,
    action: ApplicationAction,
    *,
    from_status: ApplicationStatus | None = None,
    to_status: ApplicationStatus | None = None,
    message: str = "",
) -> None:
    db.add(
        ApplicationEvent(
            application_id=application.id,
            actor_id=actor.id,
            on_behalf_of_id=application.person_id,
            action=action,
            from_status=from_status,
            to_status=to_status,
            message=message,
            message_lang=i18n.written_in() if message else None,
        )
    )


async def locked_application(db: AsyncSession, actor: Person, application_id: int, today: date) -> Application:
    """The application, locked until the transaction ends and read fresh: for a change that depends
    on what it holds (a draft's answers, its status), so that a change in another tab waits and is kept."""
    application = await db.scalar(
        for_update(select(Application).where(Application.id == application_id, policy.applications(actor, today)))
    )
    if application is None:
        raise NotFound(application_id)
    return application


async def start_draft(db: AsyncSession, actor: Person, person_id: int, today: date, start_key: str | None = None) -> Application:
    """A new draft for the actor or someone they represent today; anyone else is not found (whether they exist or not).

    `start_key` is the key of the page that asked to start it: the same page sent again (a double
    click, a duplicated tab, both at once) gives the draft it started, not a second one.
    """
    if not await policy.may_act_for(db, actor, person_id, today):
        raise NotFound(person_id)
    await policy.require_decides(db, actor, person_id, today)
    application = Application(person_id=person_id, created_by_id=actor.id, answers={}, start_key=start_key)
    added = True
    if start_key is not None:
        application, added = await added_or_existing(db, application, lambda: _started_with(db, actor, start_key, today))
        if not added and application.person_id != person_id:
            # One page sent for two people (a duplicated tab, another choice): each gets a draft of their own.
            application, added = Application(person_id=person_id, created_by_id=actor.id, answers={}), True
    if added:
        db.add(application)
        await db.flush()
        record(db, application, actor, ApplicationAction.STARTED, to_status=ApplicationStatus.DRAFT)
    return application


async def _started_with(db: AsyncSession, actor: Person, start_key: str, today: date) -> Application | None:
    return await db.scalar(
        select(Application).where(Application.created_by_id == actor.id, Application.start_key == start_key,
                                  policy.applications(actor, today))
    )


async def save_answers(
    db: AsyncSession, actor: Person, application_id: int, answers: dict[str, Any], today: date
) -> Application:
    """Keep the draft's answers (every answered page is saved); the kind follows the "service" answer.

    A kind newly chosen must be one the person's age allows (a draft keeps its kind past a birthday:
    the social service decides then).
    """
    application = await locked_application(db, actor, application_id, today)
    return await _keep_answers(db, application, dict(answers), today)


async def save_answer(
    db: AsyncSession,
    actor: Person,
    application_id: int,
    today: date,
    slug: str,
    value: Any,
    cleaned: Callable[[dict[str, Any]], dict[str, Any]],
) -> Application:
    """Keep one page's answer with the draft's others, as they are now: the draft is locked before
    they are merged, so a page saved in another tab at the same moment is kept too.

    `cleaned` drops the answers to pages the merged answers no longer ask (the journey's rule).
    """
    application = await locked_application(db, actor, application_id, today)
    return await _keep_answers(db, application, cleaned({**application.answers, slug: value}), today)


async def _keep_answers(db: AsyncSession, application: Application, answers: dict[str, Any], today: date) -> Application:
    if application.status is not ApplicationStatus.DRAFT:
        raise NotAllowed("only a draft can change")
    kind = _kind_of(answers)
    if kind is not None and kind is not _kind_of(application.answers):
        person = await db.get(Person, application.person_id)
        assert person is not None
        birth_date = birth_date_of(person.personal_code)
        by_age = age_check(kind, age_on(birth_date, today) if birth_date else None)
        if by_age is not None and by_age.verdict is Verdict.NOT_ELIGIBLE:
            raise Refused(Problem.KIND_NOT_FOR_AGE)
    application.answers = answers
    application.kind = kind
    await db.flush()
    return application


def _kind_of(answers: Mapping[str, Any]) -> ServiceKind | None:
    kind = answers.get("service")
    return ServiceKind(kind) if isinstance(kind, str) and kind in ServiceKind._value2member_map_ else None


async def deciding_school(db: AsyncSession, application: Application, municipality_code: str) -> int | None:
    """The school that decides on an assistant in an educational institution (Reg. 695): the pupil's school
    when it is registered in the municipality of the declared address; otherwise the social service (None)."""
    if application.kind is not ServiceKind.SCHOOL_ASSISTANT:
        return None
    school = application.answers.get("school")
    chosen = school.get("school_id") if isinstance(school, dict) else None
    school_id = ascii_integer(chosen) if isinstance(chosen, str) else None
    if school_id is None:
        return None
    registered = {registered.id for registered in await people.schools_in(db, municipality_code)}
    return school_id if school_id in registered else None


async def next_reference(db: AsyncSession, year: int) -> str:
    """AP-YYYY-NNNNNN, one higher than the last of the year, in the caller's transaction."""
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await db.execute(insert(ReferenceSequence).values(year=year, last=0).on_conflict_do_nothing(index_elements=["year"]))
    number = await db.scalar(
        update(ReferenceSequence)
        .where(ReferenceSequence.year == year)
        .values(last=ReferenceSequence.last + 1)
        .returning(ReferenceSequence.last)
    )
    assert number is not None
    return f"AP-{year}-{number:06d}"


async def submit(
    db: AsyncSession,
    actor: Person,
    application_id: int,
    today: date,
    municipality_id: int | None = None,
    language: str | None = None,
    school_id: int | None = None,
) -> Application:
    """Submit a draft once: a second submit (double click, back button, two tabs) changes nothing.

    The notice that it was received is queued in the same transaction, only by the call that submitted.
    """
    # Locked: a second submit waits here, then finds it submitted (the conditional UPDATE below
    # stays as the backstop for a caller that read it unlocked).
    application = await locked_application(db, actor, application_id, today)
    if application.status is not ApplicationStatus.DRAFT:
        return application  # already submitted: the same application, the same reference
    await policy.require_decides(db, actor, application.person_id, today)
    if application.kind is None:
        raise NotAllowed("a draft without a service kind cannot be submitted")
    now = utcnow()
    # The status changes only if it is still a draft; of two concurrent submits one wins.
    changed = await db.execute(
        update(Application)
        .where(Application.id == application.id, Application.status == ApplicationStatus.DRAFT)
        .values(
            status=ApplicationStatus.SUBMITTED,
            submitted_at=now,
            municipality_id=municipality_id,
            school_id=school_id,
            language=language,
        )
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        await db.refresh(application)
        return application
    reference = await next_reference(db, now.year)
    await db.execute(
        update(Application).where(Application.id == application.id).values(reference=reference)
        .execution_options(synchronize_session=False)
    )
    await db.refresh(application)
    record(db, application, actor, ApplicationAction.SUBMITTED, from_status=ApplicationStatus.DRAFT, to_status=ApplicationStatus.SUBMITTED)
    await notices.application_received(db, application)
    return application


async def withdraw(db: AsyncSession, actor: Person, application_id: int, today: date, reason: str = "") -> Application:
    application = await visible_application(db, actor, application_id, today)
    await policy.require_decides(db, actor, application.person_id, today)
    if application.status is ApplicationStatus.DRAFT or application.status in CLOSED:
        raise NotAllowed("only a submitted application that is not decided can be withdrawn")
    if len(reason) > MAX_WITHDRAW_REASON:
        raise Refused(Problem.REASON_TOO_LONG)
    previous = application.status
    application.status = ApplicationStatus.WITHDRAWN
    await db.flush()
    record(db, application, actor, ApplicationAction.WITHDRAWN, from_status=previous, to_status=ApplicationStatus.WITHDRAWN, message=reason)
    return application


async def history(db: AsyncSession, actor: Person, application_id: int, today: date) -> list[ApplicationEvent]:
    application = await visible_application(db, actor, application_id, today)
    rows = await db.scalars(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application.id)
        .order_by(ApplicationEvent.at, ApplicationEvent.id)
    )
    return list(rows)


async def answer_request(db: AsyncSession, actor: Person, application_id: int, today: date, answer: str) -> Application:
    """The person's answer to the social service's request for information: a text, the documents
    sent with answers (add_document), or both. The case goes back to its caseworker."""
    application = await visible_application(db, actor, application_id, today)
    await policy.require_decides(db, actor, application.person_id, today)
    if application.status is not ApplicationStatus.INFO_REQUESTED:
        raise NotAllowed("nothing was requested")
    if len(answer) > MAX_ANSWER:
        raise Refused(Problem.ANSWER_TOO_LONG)
    if not answer.strip():
        sent = await db.scalar(
            select(ApplicationDocument.id)
            .where(ApplicationDocument.application_id == application.id, ApplicationDocument.kind == INFO_RESPONSE_KIND)
            .limit(1)
        )
        if sent is None:
            raise Refused(Problem.NOTHING_SENT)
    application.status = ApplicationStatus.IN_REVIEW
    record(db, application, actor, ApplicationAction.INFORMATION_PROVIDED, from_status=ApplicationStatus.INFO_REQUESTED,
           to_status=ApplicationStatus.IN_REVIEW, message=answer)
    await db.flush()
    return application


async def documents_of(db: AsyncSession, application: Application) -> list[ApplicationDocument]:
    """The documents of an application the caller has already reached through `visible_application`."""
    rows = await db.scalars(
        select(ApplicationDocument)
        .where(ApplicationDocument.application_id == application.id)
        .order_by(ApplicationDocument.uploaded_at, ApplicationDocument.id)
    )
    return list(rows)


async def uploaded_kinds(db: AsyncSession, application_ids: list[int]) -> dict[int, frozenset[str]]:
    """For each application, the kinds of document it has: one query for a whole list."""
    found: dict[int, set[str]] = {application_id: set() for application_id in application_ids}
    if application_ids:
        rows = await db.execute(
            select(ApplicationDocument.application_id, ApplicationDocument.kind)
            .where(ApplicationDocument.application_id.in_(application_ids))
            .distinct()
        )
        for application_id, kind in rows:
            found[application_id].add(kind)
    return {application_id: frozenset(kinds) for application_id, kinds in found.items()}


@dataclass(frozen=True)
class NewFile:
    """A file as a form sent it: the name the browser gave and the content. Its type is told by the content."""

    name: str
    content: bytes


async def add_documents(
    db: AsyncSession,
    storage: Storage,
    actor: Person,
    application_id: int,
    today: date,
    *,
    kind: str,
    files: Sequence[NewFile],
) -> list[ApplicationDocument]:
    """Keep files of one kind with a draft, or with an answer to a request for information: all of them, or none.

    Each file's type is the one its content shows (documents.check_upload), and its name gets that
    type's extension (documents.stored_filename); anything else is FileRefused. More than
    MAX_FILES_PER_KIND of the kind (on a draft; since the request, for an answer) is TooManyFiles.
    The application is locked before the files are counted, so two forms sent at once are counted one
    after the other and cannot pass the limit together (SQLite: the transaction's lock from BEGIN).
    Every file is checked before the first is written to storage, so a refused form leaves nothing.
    """
    application = await locked_application(db, actor, application_id, today)
    await policy.require_decides(db, actor, application.person_id, today)
    answering = application.status is ApplicationStatus.INFO_REQUESTED and kind == INFO_RESPONSE_KIND
    if application.status is not ApplicationStatus.DRAFT and not answering:
        raise NotAllowed("documents are added to a draft, or sent with an answer to a request")
    checked: list[tuple[NewFile, str]] = []
    for file in files:
        content_type, problem = documents.check_upload(file.content)
        if problem is not None:
            raise FileRefused(problem)
        assert content_type is not None
        checked.append((file, content_type))
    held = await _files_held(db, application, kind, answering)
    if held + len(checked) > documents.MAX_FILES_PER_KIND:
        raise TooManyFiles(kind)
    added = []
    for number, (file, content_type) in enumerate(checked, start=held + 1):
        document = ApplicationDocument(
            application_id=application.id,
            kind=kind,
            filename=documents.stored_filename(file.name, content_type, number),
            content_type=content_type,
            size=len(file.content),
            storage_key=save_within(db, storage, file.content),
            uploaded_by_id=actor.id,
        )
        db.add(document)
        added.append(document)
    await db.flush()
    return added


async def _files_held(db: AsyncSession, application: Application, kind: str, answering: bool) -> int:
    """How many files of the kind count towards the limit: all of a draft's; for an answer, those sent
    since the request it answers (each request can be answered with MAX_FILES_PER_KIND files)."""
    counted = select(func.count()).select_from(ApplicationDocument).where(
        ApplicationDocument.application_id == application.id, ApplicationDocument.kind == kind
    )
    if answering:
        asked = await db.scalar(
            select(func.max(ApplicationEvent.at)).where(
                ApplicationEvent.application_id == application.id,
                ApplicationEvent.action == ApplicationAction.INFORMATION_REQUESTED,
            )
        )
        if asked is not None:
            counted = counted.where(ApplicationDocument.uploaded_at >= asked)
    return int(await db.scalar(counted) or 0)


async def add_document(
    db: AsyncSession,
    storage: Storage,
    actor: Person,
    application_id: int,
    today: date,
    *,
    kind: str,
    filename: str,
    content_type: str,
    content: bytes,
) -> ApplicationDocument:
    """One file (add_documents); `content_type` is what the caller expects it to be, and must be what its content shows."""
    if documents.content_type_of(content) != content_type:
        raise FileRefused(documents.UploadProblem.WRONG_TYPE)
    (document,) = await add_documents(db, storage, actor, application_id, today, kind=kind, files=[NewFile(filename, content)])
    return document


async def visible_document(
    db: AsyncSession, actor: Person, application_id: int, document_id: int, today: date
) -> tuple[Application, ApplicationDocument]:
    application = await visible_application(db, actor, application_id, today)
    document = await db.scalar(
        select(ApplicationDocument).where(
            ApplicationDocument.id == document_id, ApplicationDocument.application_id == application.id
        )
    )
    if document is None:
        raise NotFound(document_id)
    return application, document


async def remove_document(
    db: AsyncSession, storage: Storage, actor: Person, application_id: int, document_id: int, today: date
) -> None:
    application, document = await visible_document(db, actor, application_id, document_id, today)
    if application.status is not ApplicationStatus.DRAFT:
        raise NotAllowed("documents of a submitted application stay")
    await db.delete(document)
    await db.flush()
    delete_after_commit(db, storage, document.storage_key)

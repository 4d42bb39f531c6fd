"""How applications are shown on the pages of several features: status tags, history, summaries."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.applications import journey, service
from portal.applications.models import ApplicationAction, ApplicationStatus
from portal.i18n import lazy_gettext as _l
from portal.policy import Actor

STATUS_TAGS: dict[ApplicationStatus, tuple[Any, str]] = {
    ApplicationStatus.DRAFT: (_l("Draft"), "grey"),
    ApplicationStatus.SUBMITTED: (_l("Submitted"), "blue"),
    ApplicationStatus.IN_REVIEW: (_l("In review"), "blue"),
    ApplicationStatus.INFO_REQUESTED: (_l("More information requested"), "yellow"),
    ApplicationStatus.GRANTED: (_l("Granted"), "green"),
    ApplicationStatus.REFUSED: (_l("Refused"), "red"),
    ApplicationStatus.WITHDRAWN: (_l("Withdrawn"), "grey"),
}

# One text per action (tests/test_event_actions.py): the person's history and the desk's case history.
EVENT_TEXTS: dict[ApplicationAction, Any] = {
    ApplicationAction.STARTED: _l("Application started"),
    ApplicationAction.SUBMITTED: _l("Application sent to the social service"),
    ApplicationAction.WITHDRAWN: _l("Application withdrawn"),
    ApplicationAction.REVIEW_STARTED: _l("The social service started the review"),
    ApplicationAction.INFORMATION_REQUESTED: _l("The social service asked for more information"),
    ApplicationAction.INFORMATION_PROVIDED: _l("More information sent"),
    ApplicationAction.GRANTED: _l("Granted"),
    ApplicationAction.REFUSED: _l("Refused"),
    ApplicationAction.ASSISTANT_ASSIGNED: _l("Assistant assigned"),
    ApplicationAction.NOTE: _l("Note"),
    ApplicationAction.TAKEN: _l("Case taken to handle"),
}


def event_text(action: ApplicationAction) -> str:
    """What an application event says, in the page's language."""
    return str(EVENT_TEXTS[action])


async def summaries(db: AsyncSession, actor: Actor, only_drafts: bool = False) -> list[dict[str, Any]]:
    """The person's applications with whom each is for and, for drafts, how much is answered."""
    today, me = actor.today, actor.person
    rows = [a for a in await service.applications_of(db, me, today) if not only_drafts or a.status is ApplicationStatus.DRAFT]
    people_by_id = {person.id: person for person in actor.whose()}  # read once, with the actor
    uploaded = await service.uploaded_kinds(db, [a.id for a in rows if a.status is ApplicationStatus.DRAFT])
    items = []
    for application in rows:
        person = people_by_id.get(application.person_id, me)
        situation = journey.Situation(
            application.answers, journey.birth_date_of(person.personal_code), today, uploaded=uploaded.get(application.id, frozenset())
        )
        items.append({"application": application, "applicant": person, "progress": journey.progress(situation)})
    return items


async def draft_summaries(db: AsyncSession, actor: Actor) -> list[dict[str, Any]]:
    return await summaries(db, actor, only_drafts=True)

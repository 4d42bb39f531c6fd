"""The person's side after applying: the list of applications, each one's status and history,
the confirmation, withdrawing, and the documents. HTTP only."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import clock, i18n
from portal.applications import documents, journey, notices, service
from portal.applications.models import Application, ApplicationStatus
from portal.applications.rules import decision_due
from portal.eid.session import current_person, signed_in
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.people import service as people
from portal.people.models import Person
from portal.templating import render

MAX_WITHDRAW_REASON = 1000

STATUS_TAGS: dict[ApplicationStatus, tuple[Any, str]] = {
    ApplicationStatus.DRAFT: (_l("Draft"), "grey"),
    ApplicationStatus.SUBMITTED: (_l("Submitted"), "blue"),
    ApplicationStatus.IN_REVIEW: (_l("In review"), "blue"),
    ApplicationStatus.INFO_REQUESTED: (_l("More information requested"), "yellow"),
    ApplicationStatus.GRANTED: (_l("Granted"), "green"),
    ApplicationStatus.REFUSED: (_l("Refused"), "red"),
    ApplicationStatus.WITHDRAWN: (_l("Withdrawn"), "grey"),
}

EVENT_TEXTS: dict[str, Any] = {
    "started": _l("Application started"),
    "submitted": _l("Application sent to the social service"),
    "withdrawn": _l("Application withdrawn"),
}


def _require_journey(request: Request) -> None:
    if not request.app.state.settings.apply_journey:
        raise HTTPException(404)


def _url(request: Request, name: str, **params: Any) -> str:
    return request.app.url_path_for(name, lang=request.path_params["lang"], **params)


async def _summaries(db: Any, me: Person, only_drafts: bool) -> list[dict[str, Any]]:
    """The person's applications with whom each is for and, for drafts, how much is answered."""
    today = clock.today()
    rows = [a for a in await service.applications_of(db, me, today) if not only_drafts or a.status is ApplicationStatus.DRAFT]
    people_by_id = {me.id: me} | {r.represented_id: r.represented for r in await people.represented_people(db, me, today)}
    uploaded = await service.uploaded_kinds(db, [a.id for a in rows if a.status is ApplicationStatus.DRAFT])
    items = []
    for application in rows:
        person = people_by_id.get(application.person_id, me)
        situation = journey.Situation(
            application.answers, journey.birth_date_of(person.personal_code), today, uploaded=uploaded.get(application.id, frozenset())
        )
        items.append({"application": application, "applicant": person, "progress": journey.progress(situation)})
    return items


async def draft_summaries(db: Any, me: Person) -> list[dict[str, Any]]:
    return await _summaries(db, me, only_drafts=True)


@signed_in
async def applications(request: Request) -> Response:
    _require_journey(request)
    me = current_person(request)
    async with request.app.state.db.session() as db:
        items = await _summaries(db, me, only_drafts=False)
    return render(request, "applications/list.html", {"items": items, "me": me, "statuses": STATUS_TAGS})


async def _submitted_application(request: Request, db: Any) -> tuple[Application, Person]:
    """The signed-in person's application from the path; a draft belongs to the journey's pages."""
    try:
        application = await service.visible_application(db, current_person(request), int(request.path_params["id"]), clock.today())
    except service.NotFound:
        raise HTTPException(404) from None
    person = await db.get(Person, application.person_id)
    return application, person


def _overview(application: Application, person: Person) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"key": _("Reference number"), "value": application.reference or _("Given when you submit")},
        {"key": _("Service"), "value": journey.kind_name(application.kind) if application.kind else _("Service not chosen yet")},
        {"key": _("For"), "value": person.full_name},
    ]
    if application.submitted_at:
        rows.append({"key": _("Sent"), "value": i18n.format_date(application.submitted_at.date())})
    return rows


@signed_in
async def submitted(request: Request) -> Response:
    _require_journey(request)
    async with request.app.state.db.session() as db:
        application, person = await _submitted_application(request, db)
    if application.status is ApplicationStatus.DRAFT:
        return RedirectResponse(_url(request, "apply_check", id=application.id), status_code=303)
    assert application.kind and application.submitted_at
    contact = application.answers.get("contact", {})
    return render(
        request,
        "applications/submitted.html",
        {
            "application": application,
            "applicant": person,
            "decides_by": notices.decides_by(application.kind, decision_due(application.submitted_at.date())),
            "email": contact.get("email") if contact.get("method") == "email" else None,
        },
    )


@signed_in
async def application_page(request: Request) -> Response:
    _require_journey(request)
    async with request.app.state.db.session() as db:
        application, person = await _submitted_application(request, db)
        if application.status is ApplicationStatus.DRAFT:
            return RedirectResponse(_url(request, "apply_check", id=application.id), status_code=303)
        events = await service.history(db, current_person(request), application.id, clock.today())
        actors = {p.id: p for p in await db.scalars(select(Person).where(Person.id.in_({e.actor_id for e in events})))}
        files = await service.documents_of(db, application)
    assert application.kind and application.submitted_at
    return render(
        request,
        "applications/status.html",
        {
            "application": application,
            "applicant": person,
            "overview": _overview(application, person),
            "status_tag": STATUS_TAGS[application.status],
            "decides_by": notices.decides_by(application.kind, decision_due(application.submitted_at.date())),
            "history": [
                {"at": event.at, "what": EVENT_TEXTS.get(event.action, event.action), "who": actors[event.actor_id].full_name,
                 "message": event.message}
                for event in reversed(events)
            ],
            "files": [{"file": f, "title": documents.DOCUMENT_TEXTS[documents.DocumentKind(f.kind)].title} for f in files],
            "may_withdraw": application.status not in (ApplicationStatus.WITHDRAWN, ApplicationStatus.GRANTED, ApplicationStatus.REFUSED),
        },
    )


@signed_in
async def withdraw(request: Request) -> Response:
    """Withdraw before a decision: a page that says what it means, with an optional reason."""
    _require_journey(request)
    me = current_person(request)
    async with request.app.state.db.session() as db:
        application, person = await _submitted_application(request, db)
        if application.status is ApplicationStatus.DRAFT:
            raise HTTPException(404)
        errors: list[tuple[str, str]] = []
        reason = ""
        if request.method == "POST":
            async with request.form() as form:
                reason = str(form.get("reason") or "").strip()
            if len(reason) > MAX_WITHDRAW_REASON:
                errors = [("reason", _("The reason must be %(num)s characters or fewer", num=MAX_WITHDRAW_REASON))]
            else:
                try:
                    await service.withdraw(db, me, application.id, clock.today(), reason)
                except service.NotAllowed:
                    pass  # already decided or withdrawn (another tab): its page says so
                return RedirectResponse(_url(request, "application", id=application.id), status_code=303)
    if application.status in (ApplicationStatus.WITHDRAWN, ApplicationStatus.GRANTED, ApplicationStatus.REFUSED):
        return RedirectResponse(_url(request, "application", id=application.id), status_code=303)
    return render(
        request,
        "applications/withdraw.html",
        {"application": application, "applicant": person, "errors": errors, "reason": reason},
        status_code=422 if errors else 200,
    )


@signed_in
async def document(request: Request) -> Response:
    """A document of an application the person may see, as a download."""
    _require_journey(request)
    async with request.app.state.db.session() as db:
        try:
            _application, found = await service.visible_document(
                db, current_person(request), int(request.path_params["id"]), int(request.path_params["document_id"]), clock.today()
            )
        except service.NotFound:
            raise HTTPException(404) from None
    content = request.app.state.storage.read(found.storage_key)
    disposition = f"attachment; filename*=UTF-8''{quote(found.filename)}"
    return Response(
        content,
        media_type=found.content_type,
        headers={"content-disposition": disposition, "cache-control": "private, no-store"},
    )


def page_routes() -> list[Route]:
    return [
        Route("/applications", applications, name="applications"),
        Route("/applications/{id:int}", application_page, name="application"),
        Route("/applications/{id:int}/submitted", submitted, name="application_submitted"),
        Route("/applications/{id:int}/withdraw", withdraw, methods=["GET", "POST"], name="application_withdraw"),
        Route("/applications/{id:int}/documents/{document_id:int}", document, name="application_document"),
    ]

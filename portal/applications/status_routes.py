"""The person's side after applying: the list of applications, each one's status and history,
the confirmation, withdrawing, and the documents. HTTP only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import clock, i18n, policy
from portal.applications import documents, forms, journey, presenters, receipt, service, uploads
from portal.applications.models import CLOSED, Application, ApplicationAction, ApplicationStatus
from portal.applications.rules import decision_due
from portal.casework import documents as decision_documents
from portal.casework import service as casework
from portal.db import unit_of_work
from portal.eid.session import current_actor, current_person, signed_in
from portal.entitlements import service as entitlements
from portal.forms import Errors
from portal.i18n import gettext as _
from portal.notifications import notices
from portal.people.models import Person
from portal.templating import lang_url, render


@signed_in
async def applications(request: Request) -> Response:
    me = current_person(request)
    async with unit_of_work(request) as db:
        items = await presenters.summaries(db, current_actor(request))
    return render(request, "applications/list.html", {"items": items, "me": me, "statuses": presenters.STATUS_TAGS})


async def _submitted_application(request: Request, db: AsyncSession) -> tuple[Application, Person]:
    """The signed-in person's application from the path; a draft belongs to the journey's pages."""
    try:
        application = await service.visible_application(db, current_person(request), int(request.path_params["id"]), clock.today())
    except service.NotFound:
        raise HTTPException(404) from None
    person = await db.get_one(Person, application.person_id)
    return application, person


def _overview(application: Application, person: Person) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {"key": _("Reference number"), "value": application.reference or _("Given when you submit")},
        {"key": _("Service"), "value": journey.kind_name(application.kind) if application.kind else _("Service not chosen yet")},
        {"key": _("For"), "value": person.full_name},
    ]
    if application.submitted_at:
        rows.append({"key": _("Sent"), "value": i18n.format_date(application.submitted_at)})
    return rows


@signed_in
async def submitted(request: Request) -> Response:
    async with unit_of_work(request) as db:
        application, person = await _submitted_application(request, db)
    if application.status is ApplicationStatus.DRAFT:
        return RedirectResponse(lang_url(request, "apply_check", id=application.id), status_code=303)
    assert application.kind and application.submitted_at
    contact = application.answers.get("contact", {})
    return render(
        request,
        "applications/submitted.html",
        {
            "application": application,
            "applicant": person,
            "decides_by": notices.decides_by(application.kind, decision_due(clock.day_of(application.submitted_at))),
            "email": contact.get("email") if contact.get("method") == "email" else None,
        },
    )


@signed_in
async def application_page(request: Request) -> Response:
    async with unit_of_work(request) as db:
        application, person = await _submitted_application(request, db)
        if application.status is ApplicationStatus.DRAFT:
            return RedirectResponse(lang_url(request, "apply_check", id=application.id), status_code=303)
        events = [e for e in await service.history(db, current_person(request), application.id, clock.today())
                  if e.action not in casework.INTERNAL_ACTIONS]
        actors = {p.id: p for p in await db.scalars(select(Person).where(Person.id.in_({e.actor_id for e in events})))}
        files = await service.documents_of(db, application)
        entitlement = await entitlements.entitlement_of_application(db, application.id)
        decision_document = await decision_documents.issued_document(db, application)
    requests = [e for e in events if e.action is ApplicationAction.INFORMATION_REQUESTED]
    decisions = [e for e in events if e.action in (ApplicationAction.GRANTED, ApplicationAction.REFUSED)]
    assert application.kind and application.submitted_at
    return render(
        request,
        "applications/status.html",
        {
            "application": application,
            "applicant": person,
            "overview": _overview(application, person),
            "status_tag": presenters.STATUS_TAGS[application.status],
            "decides_by": notices.decides_by(application.kind, decision_due(clock.day_of(application.submitted_at))),
            "history": [
                {"at": event.at, "what": presenters.event_text(event.action), "who": actors[event.actor_id].full_name,
                 "message": i18n.written(event.message, event.message_lang)}
                for event in reversed(events)
            ],
            "files": [{"file": f, "title": documents.DOCUMENT_TEXTS[documents.DocumentKind(f.kind)].title} for f in files],
            "may_withdraw": application.status not in CLOSED,
            "information_request": i18n.written(requests[-1].message, requests[-1].message_lang)
            if requests and application.status is ApplicationStatus.INFO_REQUESTED else None,
            # The date the notice of the request gave (notifications/notices.py).
            "answer_by": notices.answer_by(clock.day_of(requests[-1].at)) if requests else None,
            "decision": decisions[-1] if decisions else None,
            "entitlement": entitlement,
            "decision_document": decision_document,
        },
    )


@signed_in
async def withdraw(request: Request) -> Response:
    """Withdraw before a decision: a page that says what it means, with an optional reason."""
    me = current_person(request)
    async with unit_of_work(request) as db:
        application, person = await _submitted_application(request, db)
        if application.status is ApplicationStatus.DRAFT:
            raise HTTPException(404)
        await policy.require_decides(db, me, application.person_id, clock.today())  # a minor: her representative
        errors: Errors = []
        reason = ""
        if request.method == "POST":
            form = await forms.WithdrawForm.read(request)
            reason, errors = form.shown["reason"], form.errors
            if form.ok:
                try:
                    await service.withdraw(db, me, application.id, clock.today(), form.reason)
                except service.Refused as refused:
                    errors = [("reason", forms.problem_text(refused.problem))]
                except service.NotAllowed:
                    pass  # already decided or withdrawn (another tab): its page says so
                if not errors:
                    return RedirectResponse(lang_url(request, "application", id=application.id), status_code=303)
    if application.status in CLOSED:
        return RedirectResponse(lang_url(request, "application", id=application.id), status_code=303)
    return render(
        request,
        "applications/withdraw.html",
        {"application": application, "applicant": person, "errors": errors, "reason": reason},
        status_code=422 if errors else 200,
    )


@signed_in
async def respond(request: Request) -> Response:
    """Answer the social service's request for more information: a text, documents, or both."""
    me = current_person(request)
    today = clock.today()
    async with unit_of_work(request) as db:
        application, person = await _submitted_application(request, db)
        if application.status is not ApplicationStatus.INFO_REQUESTED:
            return RedirectResponse(lang_url(request, "application", id=application.id), status_code=303)
        await policy.require_decides(db, me, application.person_id, today)  # a minor: her representative
        events = await service.history(db, me, application.id, today)
        asked = [i18n.written(e.message, e.message_lang) for e in events if e.action is ApplicationAction.INFORMATION_REQUESTED][-1]
        errors: Errors = []
        answer = ""
        if request.method == "POST":
            form = await forms.RespondForm.read(request)
            answer = form.shown["answer"]
            # Each good file is kept at once, whatever else is wrong: it is listed when the page comes back.
            kind = documents.DocumentKind.INFO_RESPONSE.value
            errors = form.errors + await uploads.store_uploads(
                db, request.app.state.storage, me, application.id, today, [("documents", kind, f) for f in form.documents]
            )
            if not errors:
                try:
                    await service.answer_request(db, me, application.id, today, form.answer)
                except service.Refused as refused:
                    errors = [("answer", forms.problem_text(refused.problem))]
                else:
                    return RedirectResponse(lang_url(request, "application", id=application.id), status_code=303)
        sent = [f for f in await service.documents_of(db, application) if f.kind == documents.DocumentKind.INFO_RESPONSE]
    return render(
        request,
        "applications/respond.html",
        {"application": application, "applicant": person, "asked": asked, "answer": answer, "errors": errors, "sent": sent},
        status_code=422 if errors else 200,
    )


@signed_in
async def document(request: Request) -> Response:
    """A document of an application the person may see, as a download."""
    async with unit_of_work(request) as db:
        try:
            _application, found = await service.visible_document(
                db, current_person(request), int(request.path_params["id"]), int(request.path_params["document_id"]), clock.today()
            )
        except service.NotFound:
            raise HTTPException(404) from None
    return uploads.download(request.app.state.storage, found)


async def _sent_application(request: Request, db: AsyncSession) -> Application:
    application, _person = await _submitted_application(request, db)
    if application.status is ApplicationStatus.DRAFT:
        raise HTTPException(404)
    return application


@signed_in
async def decision_pdf(request: Request) -> Response:
    """The decision as issued, to the person and their representative (anyone else: not found)."""
    async with unit_of_work(request) as db:
        application = await _sent_application(request, db)
        content = await decision_documents.decision_pdf(db, request.app.state.storage, application)
    if content is None:
        raise HTTPException(404)
    return uploads.pdf_response(content, decision_documents.filename_of(application))


@signed_in
async def receipt_pdf(request: Request) -> Response:
    """The receipt of the sent application."""
    async with unit_of_work(request) as db:
        application = await _sent_application(request, db)
        content = await receipt.receipt_pdf(db, application)
    return uploads.pdf_response(content, receipt.filename_of(application))


def page_routes() -> list[Route]:
    return [
        Route("/applications", applications, name="applications"),
        Route("/applications/{id:int}", application_page, name="application"),
        Route("/applications/{id:int}/submitted", submitted, name="application_submitted"),
        Route("/applications/{id:int}/withdraw", withdraw, methods=["GET", "POST"], name="application_withdraw"),
        Route("/applications/{id:int}/respond", respond, methods=["GET", "POST"], name="application_respond"),
        Route("/applications/{id:int}/documents/{document_id:int}", document, name="application_document"),
        Route("/applications/{id:int}/decision.pdf", decision_pdf, name="application_decision"),
        Route("/applications/{id:int}/receipt.pdf", receipt_pdf, name="application_receipt"),
    ]

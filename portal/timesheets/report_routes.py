"""The recipient's side of the month: /{lang}/entitlement (the hours granted, used and left) and
/{lang}/reports (the assistant's reports to confirm, or to return with a reason). HTTP only.
A representative sees the people they represent with `?for=<person id>`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import clock, policy
from portal.applications.journey import kind_name
from portal.applications.models import Application
from portal.applications.rules import Period
from portal.db import unit_of_work
from portal.eid import acting
from portal.eid.acting import subject_url
from portal.eid.session import current_person, signed_in
from portal.entitlements.models import Entitlement
from portal.forms import read_body
from portal.notifications.service import deliver_now
from portal.people.models import Person
from portal.templating import lang_url, render
from portal.timesheets import forms, service, usage
from portal.timesheets.models import MonthlyReport, ReportStatus
from portal.timesheets.presenters import event_line, status_tag

RENEW_WARNING_DAYS = 60


@signed_in
async def entitlement(request: Request) -> Response:
    today = clock.today()
    this_month = service.month_of(today)
    since = this_month
    for _month in range(11):
        since = service.previous_month(since)
    async with unit_of_work(request) as db:
        person = acting.subject(request)
        whose = acting.whose(request)
        grants = await usage.current_entitlements(db, person.id, today)
        use = await usage.use_by_month(db, [g.id for g in grants], since)
        references = dict((await db.execute(
            select(Application.id, Application.reference).where(Application.id.in_([g.application_id for g in grants]))
        )).all()) if grants else {}
        items = []
        for grant in grants:
            months = []
            month = this_month
            while month >= max(since, service.month_of(grant.valid_from)):
                months.append(use[grant.id].get(month, usage.MonthUse(month, 0, 0, ())))
                month = service.previous_month(month)
            now = months[0] if months else usage.MonthUse(this_month, 0, 0, ())
            items.append({
                "grant": grant,
                "reference": references.get(grant.application_id),
                "assistants": await usage.assistants_of(db, grant, today),
                "per_week": grant.period is Period.WEEK,
                "now": now,
                "left": max(0, grant.minutes - now.recorded),
                "months": months,
                "ends_soon": (grant.valid_to - today).days <= RENEW_WARNING_DAYS,
            })
    return render(request, "timesheets/entitlement.html", {
        "applicant": person, "for_other": person.id != current_person(request).id, "items": items, "kind_name": kind_name,
        "whose": whose, "whose_href": lambda someone: subject_url(request, "entitlement", someone),
        "reports_href": subject_url(request, "reports", person), "today": today, "status_tag": status_tag,
    })


@signed_in
async def reports(request: Request) -> Response:
    async with unit_of_work(request) as db:
        person = acting.subject(request)
        whose = acting.whose(request)
        found = await service.reports_of(db, current_person(request), person.id, clock.today())
        assistants = await _people(db, {r.assistant_id for r in found})
    latest = [r for r in found if not r.superseded]
    return render(request, "timesheets/reports.html", {
        "applicant": person, "for_other": person.id != current_person(request).id,
        "waiting": [r for r in latest if r.status is ReportStatus.SUBMITTED],
        "past": [r for r in found if r.status is not ReportStatus.SUBMITTED],
        "assistants": assistants, "status_tag": status_tag,
        "whose": whose, "whose_href": lambda someone: subject_url(request, "reports", someone),
    })


async def _people(db: AsyncSession, ids: set[int]) -> dict[int, Person]:
    return {p.id: p for p in await db.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}


async def _report(request: Request, db: AsyncSession) -> MonthlyReport:
    try:
        return await service.visible_report(db, current_person(request), int(request.path_params["id"]), clock.today())
    except service.NotFound:
        raise HTTPException(404) from None


# Who confirms or returns a report instead of the person signed in (`decided_by` on its pages).
BY_REPRESENTATIVE = "representative"  # she is a minor: her parent or guardian (policy.RepresentativeDecides)
BY_SOCIAL_SERVICE = "social_service"  # the one signed in is the report's assistant: the desk (policy.OwnHours)


async def _decided_by(request: Request, db: AsyncSession, report: MonthlyReport) -> str | None:
    """Who confirms or returns the report, when it is not the person signed in; None when it is theirs.

    Asked of the same policy that refuses the POST, so that a page offers a form exactly when sending it can succeed.
    """
    me = current_person(request)
    try:
        await policy.require_decides(db, me, report.person_id, clock.today())
        policy.require_not_own_hours(me, report)
    except policy.RepresentativeDecides:
        return BY_REPRESENTATIVE
    except policy.OwnHours:
        return BY_SOCIAL_SERVICE
    return None


async def _report_page(request: Request, db: AsyncSession, report: MonthlyReport, template: str, *, errors: Any = (),
                       values: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    entries = (await service.entries_of(db, [report.id]))[report.id]
    revisions = await service.revisions_of(db, report)
    events = list(await db.scalars(service.events_query([r.id for r in revisions])))
    grant = await db.get(Entitlement, report.entitlement_id)
    assert grant is not None  # a report is always of a grant (foreign key)
    people = await _people(db, {report.person_id, report.assistant_id, *(e.actor_id for e in events),
                                *([report.confirmed_by_id] if report.confirmed_by_id else [])})
    running, rows = 0, []
    for entry in entries:
        running += entry.minutes
        rows.append({"entry": entry, "running": running, "returned": False})
    return render(request, template, {
        "report": report, "applicant": people[report.person_id], "assistant": people[report.assistant_id],
        "for_other": report.person_id != current_person(request).id, "rows": rows, "entries": entries,
        "total": sum(e.minutes for e in entries), "grant": grant, "per_week": grant.period is Period.WEEK,
        "purposes": forms.purpose_names(), "status": status_tag(report.status), "events": events, "revisions": revisions,
        "event_line": event_line, "people": people, "errors": list(errors), "values": values or {}, "kind_name": kind_name,
        "reports_href": subject_url(request, "reports", people[report.person_id]),
        "decided_by": await _decided_by(request, db, report) if report.status is ReportStatus.SUBMITTED else None,
    }, status_code=status_code)


@signed_in
async def report(request: Request) -> Response:
    async with unit_of_work(request) as db:
        found = await _report(request, db)
        return await _report_page(request, db, found, "timesheets/report.html")


def _conflict() -> str:
    return str(forms.CHANGED_SINCE_READ)


@signed_in
async def confirm(request: Request) -> Response:
    """The check step: "I confirm that I received the assistant service listed above"."""
    async with unit_of_work(request) as db:
        found = await _report(request, db)
        if request.method == "GET":
            if found.status is not ReportStatus.SUBMITTED:
                return RedirectResponse(lang_url(request, "report", id=found.id), status_code=303)
            return await _report_page(request, db, found, "timesheets/confirm.html")
        form = await forms.ConfirmForm.read(request)
        if form.version is None:  # not a version this page sent: show the current one
            return await _report_page(request, db, found, "timesheets/confirm.html", status_code=409, errors=[("received", _conflict())])
        if not form.ok:
            return await _report_page(request, db, found, "timesheets/confirm.html", status_code=422, errors=form.errors)
        try:
            await service.confirm(db, current_person(request), found, form.version)
        except service.Conflict:
            return await _report_page(request, db, found, "timesheets/confirm.html", status_code=409, errors=[("received", _conflict())])
        except service.NotAllowed:
            return RedirectResponse(lang_url(request, "report", id=found.id), status_code=303)
    # The assistant's notice goes after the response (notifications/notices.py queued it with the confirmation).
    return RedirectResponse(lang_url(request, "report_confirmed", id=found.id), status_code=303,
                            background=BackgroundTask(deliver_now, request.app.state))


@signed_in
async def confirmed(request: Request) -> Response:
    async with unit_of_work(request) as db:
        found = await _report(request, db)
        if found.status is not ReportStatus.CONFIRMED:
            return RedirectResponse(lang_url(request, "report", id=found.id), status_code=303)
        return await _report_page(request, db, found, "timesheets/confirmed.html")


@signed_in
async def dispute(request: Request) -> Response:
    """Something is wrong: the reason, and optionally the entries concerned, back to the assistant."""
    async with unit_of_work(request) as db:
        found = await _report(request, db)
        if found.status is not ReportStatus.SUBMITTED:
            return RedirectResponse(lang_url(request, "report", id=found.id), status_code=303)
        if request.method == "GET":
            return await _report_page(request, db, found, "timesheets/dispute.html")
        entries = (await service.entries_of(db, [found.id]))[found.id]
        form = forms.read_dispute(await read_body(request), [entry.id for entry in entries])
        if form.version is None:  # not a version this page sent: the current one is shown
            errors = [("reason", _conflict())]
        elif not form.ok:
            errors = form.errors
        else:
            try:
                await service.dispute(db, current_person(request), found, form.version, form.reason, form.entry_ids)
                return RedirectResponse(lang_url(request, "report", id=found.id), status_code=303,
                                        background=BackgroundTask(deliver_now, request.app.state))
            except service.Conflict:
                errors = [("reason", _conflict())]
            except service.DisputeRefused as refused:
                errors = [forms.dispute_problem(refused.problem)]
            except service.NotAllowed:
                return RedirectResponse(lang_url(request, "report", id=found.id), status_code=303)
        conflict = errors == [("reason", _conflict())]
        return await _report_page(request, db, found, "timesheets/dispute.html", errors=errors, values=form.shown,
                                  status_code=409 if conflict else 422)


def page_routes() -> list[Route]:
    return [
        Route("/entitlement", entitlement, name="entitlement"),
        Route("/reports", reports, name="reports"),
        Route("/reports/{id:int}", report, name="report"),
        Route("/reports/{id:int}/confirm", confirm, methods=["GET", "POST"], name="report_confirm"),
        Route("/reports/{id:int}/confirmed", confirmed, name="report_confirmed"),
        Route("/reports/{id:int}/dispute", dispute, methods=["GET", "POST"], name="report_dispute"),
    ]

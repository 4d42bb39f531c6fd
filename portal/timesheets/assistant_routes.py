"""The assistant's pages at /{lang}/assistant: the people they assist, and a month of entries
for each, added and changed in place with htmx or as plain form posts. HTTP only."""

from __future__ import annotations

from contextlib import suppress
from datetime import date, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import audit, clock, i18n
from portal.applications.journey import kind_name
from portal.applications.rules import Period
from portal.db import unit_of_work
from portal.eid.session import current_person, signed_in
from portal.forms import Errors, ascii_integer, read_body
from portal.i18n import gettext as _
from portal.notifications.service import deliver_now
from portal.templating import lang_url, render
from portal.timesheets import forms, service
from portal.timesheets.models import ReportAction, ReportStatus, TimeEntry
from portal.timesheets.presenters import event_line, status_tag


def month_slug(month: date) -> str:
    return month.strftime("%Y-%m")


@signed_in
async def people(request: Request) -> Response:
    """Everyone the assistant is assigned to, with this month and last month."""
    today = clock.today()
    this_month = service.month_of(today)
    last_month = service.previous_month(this_month)
    async with unit_of_work(request) as db:
        assisted = await service.assisted_by(db, current_person(request))
        reports = await service.latest_reports(db, [item.assignment.id for item in assisted], [this_month, last_month])
    rows = []
    for item in assisted:
        months = [m for m in (this_month, last_month) if item.covers_month(m)]
        rows.append({"assisted": item, "months": [
            {"month": m, "href": lang_url(request, "assistant_month", assignment=item.assignment.id, month=month_slug(m)),
             "status": status_tag(report.status if (report := reports.get((item.assignment.id, m))) else None)}
            for m in months
        ]})
    return render(request, "timesheets/assistant.html", {"rows": rows, "kind_name": kind_name})


async def _assisted(request: Request, db: AsyncSession) -> tuple[service.Assisted, date]:
    month = service.parse_month(request.path_params["month"])
    try:
        assisted = await service.assignment_of(db, current_person(request), int(request.path_params["assignment"]))
    except service.NotFound:
        raise HTTPException(404) from None
    if month is None or not assisted.covers_month(month) or month > service.month_of(clock.today()):
        raise HTTPException(404)  # only the months of the assignment, never one to come
    return assisted, month


def _days(assisted: service.Assisted, month: date, today: date) -> list[date]:
    """The days an entry may have: of the month, of the assignment, not in the future."""
    day, days = month, []
    while day <= service.last_day(month):
        if assisted.covers(day) and day <= today:
            days.append(day)
        day += timedelta(days=1)
    return days


def _month_url(request: Request, assisted: service.Assisted, month: date) -> str:
    return lang_url(request, "assistant_month", assignment=assisted.assignment.id, month=month_slug(month))


async def _month_page(
    request: Request, db: AsyncSession, assisted: service.Assisted, month: date, *, values: dict[str, Any] | None = None,
    errors: Errors | None = None, editing: int | None = None, status_message: str = "", status_code: int = 200,
) -> Response:
    today = clock.today()
    # An assistant reads another person's month: who, whose, which month.
    audit.record(db, actor=current_person(request), subject=assisted.person, action=audit.AuditAction.MONTH_VIEWED_BY_ASSISTANT,
                 detail=f"{month:%Y-%m}")
    report = await service.current_report(db, assisted, month)
    entries: list[TimeEntry] = (await service.entries_of(db, [report.id]))[report.id] if report else []
    rates = await service.hourly_rates(db)
    revisions = await service.revisions_of(db, report) if report else []
    events = list(await db.scalars(service.events_query([r.id for r in revisions]))) if revisions else []
    returned_entries: list[int] = next((e.entry_ids for e in reversed(events) if e.action is ReportAction.RETURNED), [])
    editing_entry = next((e for e in entries if e.id == editing), None)
    if values is None:
        values = ({"day": editing_entry.day.isoformat(), "start": forms.show_time(editing_entry.start_minute),
                   "end": forms.show_time(editing_entry.end_minute), "purpose": editing_entry.purpose, "note": editing_entry.note}
                  if editing_entry else {"day": today.isoformat() if service.month_of(today) == month else "", "start": "",
                                         "end": "", "purpose": "", "note": ""})
    running, rows = 0, []
    for entry in entries:
        running += entry.minutes
        rows.append({"entry": entry, "running": running, "returned": entry.id in returned_entries,
                     "rate": service.rate_on(rates, entry.day)})
    total = sum(e.minutes for e in entries)
    editable = report is None or report.status in service.EDITABLE
    return render(request, "timesheets/month.html", {
        "assisted": assisted,
        "applicant": assisted.person,
        "month": month,
        "report": report,
        "status": status_tag(report.status if report else None),
        "rows": rows,
        "total": total,
        "limit": assisted.entitlement.minutes,
        "per_week": assisted.entitlement.period is Period.WEEK,
        "amount": service.amount_cents(entries, rates),
        "editable": editable,
        "may_submit": editable and bool(entries) and service.may_submit(month, today),
        "may_correct": report is not None and report.status is ReportStatus.CONFIRMED,
        "days": [{"value": d.isoformat(), "text": i18n.format_day(d)} for d in _days(assisted, month, today)],
        "purposes": forms.purpose_names(),
        "values": values,
        "errors": errors or [],
        "editing": editing_entry,
        "status_message": status_message,
        "version": report.version if report else 0,
        "events": events,
        "event_line": event_line,
        "revisions": revisions,
        "returned_reason": i18n.written(report.returned_reason, report.returned_reason_lang) if report and report.status is ReportStatus.RETURNED else "",
        "action": _month_url(request, assisted, month),
        "previous_href": _month_url(request, assisted, service.previous_month(month))
        if assisted.covers_month(service.previous_month(month)) else None,
        "next_href": _month_url(request, assisted, service.next_month(month))
        if service.next_month(month) <= service.month_of(today) and assisted.covers_month(service.next_month(month)) else None,
        "kind_name": kind_name,
    }, status_code=status_code)


def _conflict() -> str:
    return str(forms.CHANGED_SINCE_SHOWN)


@signed_in
async def month_page(request: Request) -> Response:
    """The month: its entries with a running total, the form to add or change one, submitting."""
    async with unit_of_work(request) as db:
        assisted, month = await _assisted(request, db)
        if request.method == "GET":
            done = request.query_params.get("done", "")
            message = {"added": _("The entry was added."), "changed": _("The entry was changed."),
                       "deleted": _("The entry was deleted.")}.get(done, "")
            return await _month_page(request, db, assisted, month, editing=ascii_integer(request.query_params.get("edit", "")),
                                     status_message=message)
        form = forms.read_entry(await read_body(request), _days(assisted, month, clock.today()))
        if form.version is None:  # not a version this page sent: the current one is shown, with what was typed
            return await _month_page(request, db, assisted, month, values=form.shown, errors=[("day", _conflict())],
                                     editing=form.entry, status_code=409)
        if form.unknown_entry:
            raise HTTPException(404)
        entry = form.entry_input()
        errors = form.errors
        if entry is not None:
            try:
                _saved, problems = await service.save_entry(db, current_person(request), assisted, month, entry, clock.today(),
                                                            form.version, form.entry)
            except service.Conflict:  # changed in another tab: the month as it is now, and what was typed
                return await _month_page(request, db, assisted, month, values=form.shown, errors=[("day", _conflict())],
                                         editing=form.entry, status_code=409)
            except service.NotAllowed:
                return RedirectResponse(_month_url(request, assisted, month), status_code=303)
            except service.NotFound:
                raise HTTPException(404) from None
            errors = forms.problem_messages(problems)
            if not errors:
                return RedirectResponse(_month_url(request, assisted, month) + f"?done={'changed' if form.entry else 'added'}",
                                        status_code=303)
        return await _month_page(request, db, assisted, month, values=form.shown, errors=errors, editing=form.entry,
                                 status_code=422)


async def _report_action(request: Request, act: Any, done: str = "") -> Response:
    """A POST that changes the month's report as a whole (delete an entry, submit, correct):
    a stale page gets the conflict and the current version; a change the state no longer
    allows (already submitted, the month not over) just shows the month, which says why."""
    async with unit_of_work(request) as db:
        assisted, month = await _assisted(request, db)
        form = await forms.ReportChangeForm.read(request)
        stale = form.version is None  # not a version this page sent: as stale as an old one
        if not stale:
            try:
                await act(db, assisted, month, form.version)
            except service.Conflict:
                stale = True
            except service.NotAllowed:
                done = ""
        if stale:
            return await _month_page(request, db, assisted, month, errors=[("day", _conflict())], status_code=409)
    return RedirectResponse(_month_url(request, assisted, month) + (f"?done={done}" if done else ""), status_code=303,
                            background=BackgroundTask(deliver_now, request.app.state) if done else None)


async def _confirm_delete(request: Request) -> Response:
    """The entry, and "Yes, delete the entry": a deleted entry is gone, so the page asks first
    (a page of its own, the same with JavaScript or without)."""
    async with unit_of_work(request) as db:
        assisted, month = await _assisted(request, db)
        report = await service.current_report(db, assisted, month)
        entries = (await service.entries_of(db, [report.id]))[report.id] if report else []
        entry = next((e for e in entries if e.id == int(request.path_params["entry"])), None)
        if report is None or entry is None:
            raise HTTPException(404)
        if report.status not in service.EDITABLE:  # submitted meanwhile: the month says why
            return RedirectResponse(_month_url(request, assisted, month), status_code=303)
        # An assistant reads an entry of another person's month, as on the month's page.
        audit.record(db, actor=current_person(request), subject=assisted.person, action=audit.AuditAction.MONTH_VIEWED_BY_ASSISTANT,
                     detail=f"{month:%Y-%m}")
        return render(request, "timesheets/delete_entry.html", {
            "applicant": assisted.person,
            "month": month,
            "entry": entry,
            "start": forms.show_time(entry.start_minute),
            "end": forms.show_time(entry.end_minute),
            "purpose": forms.purpose_names().get(entry.purpose, entry.purpose),
            "version": report.version,
            "month_href": _month_url(request, assisted, month),
            "delete_action": lang_url(request, "assistant_delete_entry", assignment=assisted.assignment.id, month=month_slug(month),
                                      entry=entry.id),
        })


@signed_in
async def delete_entry(request: Request) -> Response:
    """GET: the page that asks; POST (from it, or a page kept from before): the entry deleted."""
    if request.method == "GET":
        return await _confirm_delete(request)

    async def act(db: AsyncSession, assisted: service.Assisted, month: date, shown: int | None) -> None:
        try:
            await service.delete_entry(db, assisted, month, int(request.path_params["entry"]), shown)
        except service.NotFound:
            raise HTTPException(404) from None

    return await _report_action(request, act, done="deleted")


@signed_in
async def submit_month(request: Request) -> Response:
    async def act(db: AsyncSession, assisted: service.Assisted, month: date, shown: int | None) -> None:
        await service.submit(db, current_person(request), assisted, month, clock.today(), shown)

    return await _report_action(request, act)


@signed_in
async def correct_month(request: Request) -> Response:
    async def act(db: AsyncSession, assisted: service.Assisted, month: date, shown: int | None) -> None:
        with suppress(service.NotFound):  # nothing confirmed to correct: the month shows as it is
            await service.correct(db, current_person(request), assisted, month, shown)

    return await _report_action(request, act)


def page_routes() -> list[Route]:
    base = "/assistant/{assignment:int}/{month}"
    return [
        Route("/assistant", people, name="assistant"),
        Route(base, month_page, methods=["GET", "POST"], name="assistant_month"),
        Route(base + "/entries/{entry:int}/delete", delete_entry, methods=["GET", "POST"], name="assistant_delete_entry"),
        Route(base + "/submit", submit_month, methods=["POST"], name="assistant_submit"),
        Route(base + "/correct", correct_month, methods=["POST"], name="assistant_correct"),
    ]



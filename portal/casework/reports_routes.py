"""The desk's side of the month: /{lang}/desk/reports (the overview and one report), the payroll
file, the ministry's summary and the control sample. HTTP only: the rules are in casework.reports.

Only staff with a desk scope reach these pages (anyone else gets "not found"), and only the reports
of their own cases. Filters are GET forms; every POST redirects (POST, redirect, GET).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import suppress
from datetime import date
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import audit, clock, csvfiles, i18n, policy
from portal.applications.journey import kind_name
from portal.applications.rules import Period, ServiceKind
from portal.casework import forms as desk_forms
from portal.casework import payroll as exports
from portal.casework import reports
from portal.casework.guards import caseworkers_only
from portal.casework.reports import State
from portal.db import unit_of_work, utcnow
from portal.eid.session import current_person
from portal.forms import CHOOSE_ONE, MAX_INT, EnumChoice, Errors, Form, Integer, Text
from portal.i18n import gettext as _
from portal.paging import MAX_CURSOR
from portal.people.models import Person
from portal.templating import lang_url, render
from portal.timesheets import forms
from portal.timesheets import service as timesheets
from portal.timesheets.models import MonthlyReport, ReportAction, ReportEvent, ReportStatus
from portal.timesheets.presenters import event_line

STATES = {
    State.NOT_SUBMITTED: (lambda: _("Not submitted"), "grey"),
    State.SUBMITTED: (lambda: _("Waiting for confirmation"), "blue"),
    State.RETURNED: (lambda: _("Returned"), "red"),
    State.CONFIRMED: (lambda: _("Confirmed"), "green"),
}


def state_tag(state: State) -> tuple[str, str]:
    text, colour = STATES[state]
    return text(), colour


def _month_context(request: Request) -> tuple[date, dict[str, Any]]:
    """The month asked for (last month by default) and the month select's options."""
    today = clock.today()
    month = reports.pick_month(request.query_params.get("month"), today)
    months = reports.recent_months(today)
    if month not in months:
        months.append(month)
    options = [{"value": f"{m:%Y-%m}", "text": i18n.format_month(m)} for m in months]
    return month, {"month": month, "month_value": f"{month:%Y-%m}", "month_options": options}


def _with_month(request: Request, name: str, month: date, **params: Any) -> str:
    return f"{lang_url(request, name, **params)}?month={month:%Y-%m}"


# ---------------------------------------------------------------- overview


@caseworkers_only
async def overview(request: Request) -> Response:
    month, context = _month_context(request)
    status, kind = request.query_params.get("status", ""), request.query_params.get("kind", "")
    state = State(status) if status in State._value2member_map_ else None
    chosen_kind = ServiceKind(kind) if kind in ServiceKind._value2member_map_ else None
    form = desk_forms.OverviewForm.from_query(request)
    async with unit_of_work(request) as db:
        page = await reports.overview(db, request.state.scope, month, chosen_kind, state,
                                      after=form.values["after"], before=form.values["before"])
        counted = await reports.counts(db, request.state.scope, month, chosen_kind)
        kept = {"month": f"{month:%Y-%m}", "status": state.value if state else "", "kind": chosen_kind.value if chosen_kind else ""}
        # Each person and assistant the page listed (their month, their hours), with the month and the filters.
        await audit.record_many(db, actor=current_person(request), action=audit.AuditAction.REPORTS_OVERVIEW_VIEWED,
                                subjects=[pair for r in page.rows for pair in ((r.person.id, audit.AS_ASSISTED),
                                                                               (r.assistant.id, audit.AS_ASSISTANT))],
                                detail=" ".join([f"{month:%Y-%m}", *(f"{k}={v}" for k, v in kept.items() if v and k != "month")]))

    def page_href(**cursor: str) -> str:
        return lang_url(request, "desk_reports") + "?" + urlencode({k: v for k, v in kept.items() if v} | cursor)

    return render(request, "casework/reports.html", {
        **context,
        "rows": page.rows,
        "total": counted[state] if state else sum(counted.values()),
        "previous_href": page_href(before=page.before) if page.before else None,
        "next_href": page_href(after=page.after) if page.after else None,
        "counts": [{"key": state_tag(s)[0], "value": i18n.format_number(n)} for s, n in counted.items()],
        "filters": {"status": state.value if state else "", "kind": chosen_kind.value if chosen_kind else ""},
        "status_options": [{"value": "", "text": _("Any state")}] + [{"value": s.value, "text": state_tag(s)[0]} for s in State],
        "kind_options": [{"value": "", "text": _("All services")}] + [{"value": k.value, "text": kind_name(k)} for k in ServiceKind],
        "state_tag": state_tag,
        "payroll_href": _with_month(request, "desk_payroll", month),
        "exports_href": _with_month(request, "desk_payroll_exports", month) if request.state.scope.municipality_ids else None,
        "sample_href": _with_month(request, "desk_sample", month) if request.state.scope.municipality_ids else None,
        "summary_href": _with_month(request, "desk_summary", month),
    })


async def _open_report(request: Request, db: AsyncSession) -> reports.Found:
    """The report of the path, if the desk may see it (its view is recorded); else 404."""
    try:
        return await reports.open_report(db, current_person(request), request.state.scope, int(request.path_params["id"]))
    except reports.NotFound:
        raise HTTPException(404) from None


@caseworkers_only
async def report(request: Request) -> Response:
    async with unit_of_work(request) as db:
        found = await _open_report(request, db)
        shown = found.report
        entries = (await timesheets.entries_of(db, [shown.id]))[shown.id]
        amount = timesheets.amount_cents(entries, await timesheets.hourly_rates(db))
        revisions = await timesheets.revisions_of(db, shown)
        events = list(await db.scalars(timesheets.events_query([r.id for r in revisions])))
        people = await reports.people_by_id(db, {e.actor_id for e in events} | {shown.confirmed_by_id or 0, shown.checked_by_id or 0})
        desk_confirms = shown.status is ReportStatus.SUBMITTED and await policy.assistant_represents(db, shown, clock.today())
    questioned = next((set(e.entry_ids) for e in reversed(events) if e.report_id == shown.id and e.action is ReportAction.RETURNED), set())
    running, rows = 0, []
    for entry in entries:
        running += entry.minutes
        rows.append({"entry": entry, "running": running,
                     "returned": shown.status is ReportStatus.RETURNED and entry.id in questioned})
    return render(request, "casework/reports_report.html", {
        "report": shown, "applicant": found.person, "overview": _report_summary(found, running, amount, people),
        "desk_confirms": desk_confirms,
        "rows": rows, "total": running, "purposes": forms.purpose_names(), "status": state_tag(reports.state_of(shown)),
        "checked_by": people.get(shown.checked_by_id or 0),
        "revisions": [{"report": r, "status": state_tag(reports.state_of(r))} for r in revisions],
        "history": _history(events, revisions, people),
        "back_href": _with_month(request, "desk_reports", shown.month),
    })


@caseworkers_only
async def confirm_for_person(request: Request) -> Response:
    """The desk confirms a report whose assistant represents the person: no one confirms their own hours."""
    async with unit_of_work(request) as db:
        found = await _open_report(request, db)
        form = await forms.ReportChangeForm.read(request)
        if form.version is not None:
            with suppress(reports.NotAllowed, timesheets.Conflict):  # confirmed meanwhile, or a stale page: the report shows it
                await reports.confirm_for_person(db, current_person(request), found.report, form.version)
    return RedirectResponse(lang_url(request, "desk_report", id=found.report.id), status_code=303)


def _report_summary(found: reports.Found, minutes: int, amount: int, people: dict[int, Person]) -> list[dict[str, str]]:
    shown, grant = found.report, found.entitlement
    granted = i18n.format_hours(grant.minutes)
    rows = [
        {"key": _("Person"), "value": f"{found.person.full_name}, {found.person.personal_code}"},
        {"key": _("Assistant"), "value": f"{found.assistant.full_name}, {found.assistant.personal_code}"},
        {"key": _("Service"), "value": kind_name(grant.kind)},
        {"key": _("Month"), "value": i18n.format_month(shown.month)},
        {"key": _("Revision"), "value": i18n.format_number(shown.revision)},
        {"key": _("Granted"), "value": _("%(hours)s a week", hours=granted) if grant.period is Period.WEEK
         else _("%(hours)s a month", hours=granted)},
        {"key": _("Reported"), "value": i18n.format_hours(minutes)},
        {"key": _("Amount"), "value": i18n.format_money(amount)},
    ]
    if shown.confirmed_at and shown.confirmed_by_id in people:
        rows.append({"key": _("Confirmed"), "value": _("by %(name)s on %(time)s", name=people[shown.confirmed_by_id].full_name,
                                                         time=i18n.format_datetime(shown.confirmed_at, "short"))})
        # Most assistants are relatives: a representative who is also the assistant confirms their own hours.
        if shown.confirmed_by_id == shown.assistant_id:
            rows.append({"key": _("Check"), "value": _("Confirmed by the assistant themself, as the person's representative")})
    return rows


def _history(events: list[ReportEvent], revisions: list[MonthlyReport], people: dict[int, Person]) -> list[list[str]]:
    """Every event of every revision, newest first: when, what, who, which revision."""
    number = {r.id: r.revision for r in revisions}
    rows = []
    for event in reversed(events):
        what = event_line(event, with_check_note=True)
        who = people[event.actor_id].full_name if event.actor_id in people else ""
        rows.append([i18n.format_datetime(event.at, "short"), what, who, i18n.format_number(number.get(event.report_id, 0))])
    return rows


# ------------------------------------------------------ payroll and summary


@caseworkers_only
async def payroll(request: Request) -> Response:
    """The month's confirmed hours per assistant as CSV: UTF-8 with a BOM (Excel reads ā, š, ž), `;`
    between cells and decimal commas, so it opens in columns in a Latvian-locale spreadsheet (csvfiles).

    Streamed (casework.reports, "payroll, streamed"): the file is the month as it was when the export
    began, read a batch at a time while it is sent. The audit names everyone in it, and is committed
    before the first byte. A download cut short (the client gone, the network, an error while
    reading) ends the stream where it is: the chunked response is left without its last chunk, so
    the browser reports the download as failed, and the audit still says the file was handed out,
    as far as the server can know it was; the caseworker downloads it again (a new export, recorded too)."""
    month, _context = _month_context(request)
    scope, as_of, batch = request.state.scope, utcnow(), reports.PAYROLL_BATCH
    async with unit_of_work(request) as db:
        await reports.record_payroll_export(db, current_person(request), scope, month, as_of)
    header = [_("Assistant"), _("Assistant's personal code"), _("Person assisted"), _("Hours"), _("Rate per hour, EUR"), _("Amount, EUR")]

    batches = reports.payroll_batches(lambda: unit_of_work(request), scope, month, as_of, size=batch)
    # The first batch is read before the response begins: a database too busy to answer is then the
    # 503 page (Retry-After), not a 500 or a download broken before its first line.
    first = await anext(batches)

    async def rows() -> AsyncIterator[list[str]]:
        for line in first:
            yield reports.payroll_row(line)
        async for lines in batches:
            for line in lines:
                yield reports.payroll_row(line)

    return csvfiles.attachment(f"payroll-{month:%Y-%m}.csv", csvfiles.streamed(header, rows(), rows_per_chunk=batch))


@caseworkers_only
async def summary(request: Request) -> Response:
    month, context = _month_context(request)
    async with unit_of_work(request) as db:
        totals = await reports.totals_by_kind(db, request.state.scope, month)
        audit.record(db, actor=current_person(request), subject=None, action=audit.AuditAction.SUMMARY_VIEWED, detail=f"{month:%Y-%m}")
    return render(request, "casework/summary.html", {
        **context,
        "rows": [[kind_name(t.kind), i18n.format_number(t.reports), i18n.format_hours(t.minutes), i18n.format_money(t.amount_cents)]
                 for t in totals],
        "total": [_("Total"), i18n.format_number(sum(t.reports for t in totals)), i18n.format_hours(sum(t.minutes for t in totals)),
                  i18n.format_money(sum(t.amount_cents for t in totals))],
        "back_href": _with_month(request, "desk_reports", month),
    })


# ------------------------------------------------------------ payroll exports


def _desk_of_municipalities(request: Request) -> policy.DeskScope:
    """The desk's scope, when it pays a municipality's assistants (a school's staff export no payroll): else 404."""
    scope: policy.DeskScope = request.state.scope
    if not scope.municipality_ids:
        raise HTTPException(404)
    return scope


@caseworkers_only
async def payroll_exports(request: Request) -> Response:
    """The municipality's payroll exports, newest first, a page at a time; export a month (POST).

    An export is written once, numbered, and served from its stored lines ever after (casework.payroll);
    a month exported again holds only what is new: reports confirmed since, and corrections as adjustments."""
    scope = _desk_of_municipalities(request)
    month, context = _month_context(request)
    errors: Errors = []
    status = 200
    if request.method == "POST":
        form = await desk_forms.PayrollExportForm.read(request)
        errors, status = form.errors, 422
        chosen = timesheets.parse_month(form.month) if form.ok else None
        if chosen is not None:
            month, context = chosen, {**context, "month": chosen, "month_value": f"{chosen:%Y-%m}"}
            try:
                async with unit_of_work(request) as db:
                    made = await exports.export_month(db, current_person(request), scope, chosen)
                return RedirectResponse(lang_url(request, "desk_payroll_exports") + f"#export-{made[0].id}", status_code=303)
            except exports.ExportRefused as refused:  # exported already, or by another desk a moment ago
                errors, status = [desk_forms.export_problem(refused.problem)], 409
    shown = desk_forms.PayrollExportsForm.from_query(request)
    async with unit_of_work(request) as db:
        page = await exports.exports_page(db, scope, after=shown.values["after"], before=shown.values["before"])

    def page_href(**cursor: str) -> str:
        return lang_url(request, "desk_payroll_exports") + "?" + urlencode(cursor)

    return render(request, "casework/payroll.html", {
        **context, "errors": errors, "rows": page.rows,
        "previous_href": page_href(before=page.before) if page.before else None,
        "next_href": page_href(after=page.after) if page.after else None,
        "back_href": _with_month(request, "desk_reports", month),
    }, status_code=status if errors else 200)


EXPORT_HEADER = (lambda: _("Export"), lambda: _("Line"), lambda: _("Assistant"), lambda: _("Assistant's personal code"),
                 lambda: _("Person assisted"), lambda: _("Month"), lambda: _("Revision"), lambda: _("Hours"),
                 lambda: _("Rate per hour, EUR"), lambda: _("Amount, EUR"), lambda: _("Corrects export"), lambda: _("Corrects line"))


@caseworkers_only
async def payroll_export_file(request: Request) -> Response:
    """One export as CSV (UTF-8 with a BOM, `;`, decimal commas: csvfiles), from its stored lines, streamed a
    batch at a time as the month's payroll is (see `payroll`). Every download is in the audit, for everyone
    the file names, committed before the first byte; another municipality's export is "not found"."""
    scope = _desk_of_municipalities(request)
    async with unit_of_work(request) as db:
        try:
            export = await exports.export_in_scope(db, scope, int(request.path_params["id"]))
        except exports.NotFound:
            raise HTTPException(404) from None
        await exports.record_download(db, current_person(request), export)
    batches = exports.stored_batches(lambda: unit_of_work(request), export)
    first = await anext(batches)  # read before the response begins: a busy database is the 503 page, not a broken file

    async def rows() -> AsyncIterator[list[object]]:
        for line in first:
            yield exports.file_row(export, line)
        async for lines in batches:
            for line in lines:
                yield exports.file_row(export, line)

    return csvfiles.attachment(f"payroll-{export.year}-{export.number}.csv",
                               csvfiles.streamed([text() for text in EXPORT_HEADER], rows(), rows_per_chunk=reports.PAYROLL_BATCH))


# ------------------------------------------------------------------ sample


class SampleListForm(Form):
    """The sample page's filters and where its page begins, in the URL (the month is read with the month's
    options); a value that is not one of the choices is the default. (Declared here: timesheets' forms
    hold the draw's and the check's POSTs.)"""

    status = EnumChoice(reports.SampleCheck)  # not `check`: that is Form's own method
    kind = EnumChoice(ServiceKind)
    sample = Integer(minimum=1, maximum=MAX_INT, invalid=CHOOSE_ONE)
    after = Text(max_length=MAX_CURSOR)
    before = Text(max_length=MAX_CURSOR)


CHECK_TAGS = {reports.SampleCheck.WAITING: (lambda: _("Waiting for a check"), "blue"),
              reports.SampleCheck.CHECKED: (lambda: _("Checked"), "green")}


@caseworkers_only
async def sample(request: Request) -> Response:
    """The month's control sample: draw one (POST), its draws, its numbers, and its reports a page at a time."""
    scope = request.state.scope
    if not scope.municipality_ids:  # the social service draws samples, not a school
        raise HTTPException(404)
    month, context = _month_context(request)
    errors: Errors = []
    percent = "10"  # the ministry's seminar on the 2021 rules spoke of 10%
    if request.method == "POST":
        form = await forms.SampleForm.read(request)
        percent, errors = form.shown["percent"], form.errors
        if form.percent is not None and form.ok:
            try:
                async with unit_of_work(request) as db:
                    drawn = await reports.draw_samples(db, current_person(request), scope, month, form.percent)
                return RedirectResponse(_with_month(request, "desk_sample", month) + f"#sample-{drawn[0].id}", status_code=303)
            except reports.SampleRefused as refused:
                errors = [forms.sample_problem(refused.problem)]
    shown = SampleListForm.from_query(request)
    async with unit_of_work(request) as db:
        draws = await reports.draws_of(db, scope, month)
        draw_id = shown.values["sample"] if shown.values["sample"] in {d.sample.id for d in draws} else None
        chosen = reports.SampleFilter(check=shown.values["status"], kind=shown.values["kind"], sample_id=draw_id)
        page = await reports.sampled_page(db, scope, month, chosen, after=shown.values["after"], before=shown.values["before"])
        counted = await reports.sample_counts(db, scope, month, chosen)
        kept = {"month": f"{month:%Y-%m}", "status": chosen.check.value if chosen.check else "",
                "kind": chosen.kind.value if chosen.kind else "", "sample": str(draw_id or "")}
        filters = "".join(f" {k}={v}" for k, v in kept.items() if v and k != "month")
        # Each person and assistant of the reports the page listed, with the month and the filters.
        await audit.record_many(db, actor=current_person(request), action=audit.AuditAction.SAMPLE_VIEWED,
                                subjects=[pair for row in page.rows for pair in ((row.person.id, audit.AS_ASSISTED),
                                                                                 (row.assistant.id, audit.AS_ASSISTANT))],
                                detail=f"{month:%Y-%m}{filters}: {len(page.rows)} reports")

    def page_href(**cursor: str) -> str:
        return lang_url(request, "desk_sample") + "?" + urlencode({k: v for k, v in kept.items() if v} | cursor)

    def check_tag(row: reports.Sampled) -> tuple[str, str]:
        text, colour = CHECK_TAGS[reports.SampleCheck.CHECKED if row.report.checked_at else reports.SampleCheck.WAITING]
        return text(), colour

    return render(request, "casework/sample.html", {
        **context, "errors": errors, "percent": percent, "draws": draws, "rows": page.rows, "check_tag": check_tag,
        "total": counted.checked if chosen.check is reports.SampleCheck.CHECKED
        else counted.waiting if chosen.check is reports.SampleCheck.WAITING else counted.drawn,
        "counts": [{"key": key, "value": i18n.format_number(number)} for key, number in (
            (_("Reports drawn"), counted.drawn), (_("Checked"), counted.checked), (_("Waiting for a check"), counted.waiting),
            (_("Confirmed by the assistant as the person's representative"), counted.own_hours),
            (_("Corrected since (a newer revision)"), counted.corrected))],
        "filters": {k: v for k, v in kept.items() if k != "month"},
        "check_options": [{"value": "", "text": _("Any state")}] + [{"value": c.value, "text": CHECK_TAGS[c][0]()} for c in reports.SampleCheck],
        "kind_options": [{"value": "", "text": _("All services")}] + [{"value": k.value, "text": kind_name(k)} for k in ServiceKind],
        "draw_options": [{"value": "", "text": _("All draws")}] + [
            {"value": str(d.sample.id), "text": _("Drawn on %(time)s by %(name)s: %(percent)s%%", name=d.drawn_by.full_name,
                                                  time=i18n.format_datetime(d.sample.drawn_at, "short"), percent=d.sample.percent)}
            for d in draws],
        "previous_href": page_href(before=page.before) if page.before else None,
        "next_href": page_href(after=page.after) if page.after else None,
        "action": _with_month(request, "desk_sample", month), "back_href": _with_month(request, "desk_reports", month),
    }, status_code=422 if errors else 200)


@caseworkers_only
async def check(request: Request) -> Response:
    """Mark a sampled report as checked, with a note of what was checked and found."""
    note, errors = "", []
    async with unit_of_work(request) as db:
        try:
            found = await reports.sampled_report(db, request.state.scope, int(request.path_params["id"]))
        except reports.NotFound:
            raise HTTPException(404) from None
        back = _with_month(request, "desk_sample", found.report.month) + f"#sample-{found.report.sample_id}"
        if found.report.checked_at is not None:
            return RedirectResponse(back, status_code=303)
        if request.method == "POST":
            form = await forms.CheckForm.read(request)
            note, errors = form.shown["note"], form.errors
            if form.ok:
                try:
                    await reports.mark_checked(db, current_person(request), found.report, form.note)
                    return RedirectResponse(back, status_code=303)
                except reports.NotAllowed:  # checked by another caseworker meanwhile: the sample shows their check
                    return RedirectResponse(back, status_code=303)
                except reports.SampleRefused as refused:
                    errors = [forms.sample_problem(refused.problem)]
    return render(request, "casework/sample_check.html", {
        "found": found, "note": note, "errors": errors, "max_note": reports.MAX_CHECK_NOTE, "back_href": back,
    }, status_code=422 if errors else 200)


def page_routes() -> list[Route]:
    return [
        Route("/desk/reports", overview, name="desk_reports"),
        Route("/desk/reports/{id:int}", report, name="desk_report"),
        Route("/desk/reports/{id:int}/confirm", confirm_for_person, methods=["POST"], name="desk_confirm_report"),
        Route("/desk/payroll.csv", payroll, name="desk_payroll"),
        Route("/desk/payroll", payroll_exports, methods=["GET", "POST"], name="desk_payroll_exports"),
        Route("/desk/payroll/{id:int}.csv", payroll_export_file, name="desk_payroll_export"),
        Route("/desk/summary", summary, name="desk_summary"),
        Route("/desk/sample", sample, methods=["GET", "POST"], name="desk_sample"),
        Route("/desk/sample/reports/{id:int}/check", check, methods=["GET", "POST"], name="desk_sample_check"),
    ]

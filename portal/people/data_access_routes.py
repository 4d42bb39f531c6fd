"""'Who looked at my data': the person's (and their representative's) view of the audit. HTTP only.

/{lang}/my-data/views lists, newest first and a page at a time, who at which social service or school
(or which assistant) looked at the person's data, when, and what they did, with how to ask about it.
A representative reads the same page for each person they represent today (`?for=<person id>`,
eid.acting); anyone else's is "not found". Reading this page is not itself an audit event: it is the
person's own data, read by the person.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import i18n
from portal.audit import AS_ASSISTANT, AS_ASSISTED, AuditAction
from portal.db import unit_of_work
from portal.eid import acting
from portal.eid.acting import subject_url
from portal.eid.session import current_person, signed_in
from portal.forms import Form, Text
from portal.i18n import gettext as _
from portal.paging import MAX_CURSOR
from portal.people import data_access
from portal.people.data_access import View
from portal.templating import render


class PageForm(Form):
    """Where a page of the list begins (a cursor that is not one is the first page)."""

    after = Text(max_length=MAX_CURSOR)
    before = Text(max_length=MAX_CURSOR)


def what_they_did(view: View) -> str:
    """The event in plain words, with what it named (a case, a month) and the person's part in a list."""
    action, reference = view.action, ", ".join(view.references)
    month = i18n.format_month(view.month) if view.month else ""
    if action is AuditAction.CASE_VIEWED and reference:
        return _("Opened the application %(reference)s", reference=reference)
    if action is AuditAction.DOCUMENT_DOWNLOADED and reference:
        return _("Opened a document sent with the application %(reference)s", reference=reference)
    if action is AuditAction.SELF_ASSESSMENT_VIEWED and reference:
        return _("Read the self-assessment sent with the application %(reference)s", reference=reference)
    if action is AuditAction.QUEUE_VIEWED:
        return (_("Saw the application %(reference)s in the social service's list of cases", reference=reference) if reference
                else _("Saw an application in the social service's list of cases"))
    if action is AuditAction.REPORT_VIEWED and month:
        return _("Opened the monthly report (%(month)s)", month=month)
    if action is AuditAction.REPORTS_OVERVIEW_VIEWED and month:
        worked = _("Saw the hours worked as an assistant in the list of monthly reports (%(month)s)", month=month)
        received = _("Saw the hours of assistance received in the list of monthly reports (%(month)s)", month=month)
        return _by_part(view, assistant=worked, assisted=received)
    if action is AuditAction.PAYROLL_EXPORTED and month:
        worked = _("Downloaded the payroll file (%(month)s) with the name, personal code and hours worked as an assistant", month=month)
        received = _("Downloaded the payroll file (%(month)s) with the name and the hours of assistance received", month=month)
        return _by_part(view, assistant=worked, assisted=received)
    if action is AuditAction.SAMPLE_VIEWED and month:
        return _("Saw the monthly report in the control sample of reports (%(month)s)", month=month)
    if action is AuditAction.MONTH_VIEWED_BY_ASSISTANT and month:
        return _("Opened the hours of assistance to record or check them (%(month)s)", month=month)
    return _("Looked at the data")  # an event whose detail names nothing (or an action added later)


def _by_part(view: View, *, assistant: str, assisted: str) -> str:
    """A list's words for the person as an assistant, as the person assisted, or both."""
    parts = ([assistant] if AS_ASSISTANT in view.roles else []) + ([assisted] if AS_ASSISTED in view.roles or not view.roles else [])
    return "; ".join(parts)


def organisation(view: View) -> str:
    """Where the one who looked works: the municipality's social service, a school; or "Assistant"."""
    if view.action is AuditAction.MONTH_VIEWED_BY_ASSISTANT:
        return _("Assistant")
    locale = i18n.get_locale()
    names = [_("Social service, %(municipality)s", municipality=place.municipality.name(locale)) if place.municipality
             else place.school.name if place.school else "" for place in view.workplaces]
    return ", ".join(name for name in names if name) or "–"


def when(view: View) -> str:
    """The day in words and the time in Riga ("2026. gada 3. marts, 14:05")."""
    local = view.at.astimezone(i18n.LOCAL_TIME)
    return f"{i18n.format_date(local.date())}, {local:%H:%M}"


@signed_in
async def views(request: Request) -> Response:
    form = PageForm.from_query(request)
    async with unit_of_work(request) as db:
        person = acting.subject(request)  # oneself, or someone represented today; anyone else is 404
        page = await data_access.views_of(db, person, after=form.values["after"], before=form.values["before"])
    base = subject_url(request, "data_views", person)

    def page_href(**cursor: str) -> str:
        return base + ("&" if "?" in base else "?") + urlencode(cursor)

    return render(request, "pages/data_access.html", {
        "applicant": person,
        "for_other": person.id != current_person(request).id,
        "whose": acting.whose(request),
        "whose_href": lambda someone: subject_url(request, "data_views", someone),
        "rows": [[view.at.isoformat(), when(view), view.actor.full_name if view.actor else "–", organisation(view), what_they_did(view)]
                 for view in page.rows],
        "previous_href": page_href(before=page.before) if page.before else None,
        "next_href": page_href(after=page.after) if page.after else None,
    })


def page_routes() -> list[Route]:
    """Routes under the /{lang} prefix."""
    return [Route("/my-data/views", views, name="data_views")]

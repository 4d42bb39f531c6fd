"""The social service's desk: the queue, a case, and the caseworker's actions. HTTP only.

Only caseworkers reach these pages (anyone else gets "not found"), and only the
cases of their own municipality. Each action has a page of its own with its own
error state; its POST redirects back to the case.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any
from urllib.parse import urlencode

from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from portal import audit, clock, i18n
from portal.applications import journey, uploads
from portal.applications import service as applications
from portal.applications.models import Application, ApplicationAction, ApplicationStatus
from portal.applications.presenters import STATUS_TAGS, event_text
from portal.applications.rules import KIND_RULES, Period, ServiceKind, decision_due
from portal.assessment import service as assessments
from portal.casework import documents, forms, queue, service
from portal.casework.guards import back_to_case, case_or_404, caseworkers_only
from portal.db import unit_of_work
from portal.eid.session import current_person
from portal.entitlements import service as entitlements
from portal.forms import DateValue, Form
from portal.i18n import gettext as _
from portal.i18n import ngettext
from portal.people import service as people
from portal.people.models import Person, School
from portal.registers import presenters as register_presenters
from portal.registers import service as registered
from portal.registers.models import ReadStage
from portal.registers.wiring import registers_of
from portal.templating import lang_url, render

Errors = list[tuple[str, str]]
Endpoint = Callable[[Request], Awaitable[Response]]


# ---------------------------------------------------------------- the queue


@caseworkers_only
async def desk(request: Request) -> Response:
    form = forms.QueueForm.from_query(request)  # a filter that is not one of the choices is its default
    status = form.values["status"] or "open"
    chosen = queue.QueueFilter(
        status=ApplicationStatus(status) if status in ApplicationStatus._value2member_map_ else None,
        kind=ServiceKind(form.values["kind"]) if form.values["kind"] else None,
        only_open=status != "all",
        newest_first=form.values["order"] == "newest",
        due=queue.Due(form.values["due"]) if form.values["due"] else None,
        whose=queue.Whose(form.values["whose"]) if form.values["whose"] else None,
        search=form.values["q"],
    )
    filters = {"status": status, "kind": form.values["kind"], "order": form.values["order"] or "oldest",
               "due": form.values["due"], "whose": form.values["whose"], "q": form.values["q"]}
    today = clock.today()
    async with unit_of_work(request) as db:
        found = await queue.queue(db, request.state.scope, current_person(request), chosen,
                                  after=form.values["after"], before=form.values["before"])
        handlers = await people.names_by_id(db, {case.handler_id for case in found.page.rows if case.handler_id})
        # Who saw whose names on the list: an event for each person listed, with their references and the filters.
        await audit.record_many(db, actor=current_person(request), action=audit.AuditAction.QUEUE_VIEWED,
                                subjects=[(case.person.id, case.reference) for case in found.page.rows],
                                detail=" ".join(f"{key}={value}" for key, value in filters.items() if value))
    rows = [
        {
            "case": case,
            "days_left": service.days_left(case, today),
            "status": STATUS_TAGS[case.status],
            "handler": handlers.get(case.handler_id) if case.handler_id else None,
        }
        for case in found.page.rows
    ]

    def page_href(**cursor: str) -> str:
        kept = {name: value for name, value in filters.items() if value}
        return lang_url(request, "desk") + "?" + urlencode(kept | cursor)

    return render(
        request,
        "casework/desk.html",
        {
            "rows": rows,
            "total": found.total,
            "filters": filters,
            "pays_assistants": bool(request.state.scope.municipality_ids),  # a school's staff export no payroll
            "previous_href": page_href(before=found.page.before) if found.page.before else None,
            "next_href": page_href(after=found.page.after) if found.page.after else None,
            "status_options": [{"value": "open", "text": _("Open cases")}] + [
                {"value": s.value, "text": str(STATUS_TAGS[s][0])} for s in ApplicationStatus if s is not ApplicationStatus.DRAFT
            ] + [{"value": "all", "text": _("All cases")}],
            "kind_options": [{"value": "", "text": _("All services")}] + [
                {"value": k.value, "text": journey.kind_name(k)} for k in ServiceKind
            ],
            "order_options": [{"value": "oldest", "text": _("Oldest first")}, {"value": "newest", "text": _("Newest first")}],
            "due_options": [
                {"value": "", "text": _("Any time")},
                {"value": queue.Due.LATE.value, "text": _("Decision overdue")},
                {"value": queue.Due.SOON.value,
                 "text": ngettext("Due within %(num)s day", "Due within %(num)s days", queue.DUE_SOON_DAYS)},
            ],
            "whose_options": [{"value": "", "text": _("Everyone's cases")}, {"value": queue.Whose.MINE.value, "text": _("My cases")},
                              {"value": queue.Whose.NOBODY.value, "text": _("Cases nobody has taken")}],
        },
    )


# ----------------------------------------------------------------- the case


@caseworkers_only
async def case(request: Request) -> Response:
    today = clock.today()
    async with unit_of_work(request) as db:
        application = await case_or_404(request, db)
        person = application.person
        events = await service.case_history(db, application)
        staff_and_people = {p.id: p for p in await db.scalars(select(Person).where(Person.id.in_({e.actor_id for e in events} | {application.created_by_id})))}
        files = await applications.documents_of(db, application)
        entitlement = await entitlements.entitlement_of_application(db, application.id)
        assignments = await entitlements.assignments_of_person(db, person.id)
        names = {m.id: (m.code, m.name_ru if i18n.get_locale() == "ru" else m.name_lv) for m in await people.municipalities(db)}
        school = await db.get(School, application.school_id) if application.school_id else None
        handler = await db.get(Person, application.handler_id) if application.handler_id else None
        self_assessment = await assessments.sent_with(db, application)
        applied = await registered.kept(db, application.id, ReadStage.APPLIED)
        decided = await registered.kept(db, application.id, ReadStage.DECIDED)
        decision_document = await documents.issued_document(db, application)
        draft = await service.draft_of(db, application)
    municipality_name = names.get(application.municipality_id or 0, ("", ""))[1]
    by_code = dict(names.values())
    situation = journey.Situation(
        application.answers, journey.birth_date_of(person.personal_code) or registered.birth_date(applied), today,
        municipalities=by_code, registered=applied,
    )
    population = applied.population.found if applied else None
    representative = staff_and_people.get(application.created_by_id)
    assert application.submitted_at and application.kind
    overview = [
        {"key": _("Status"), "value": None, "tag": STATUS_TAGS[application.status]},
        {"key": _("Service"), "value": journey.kind_name(application.kind)},
        {"key": _("Person"), "value": f"{person.full_name}, {person.personal_code}"},
        {"key": _("Applied by"), "value": _("the person themself") if application.created_by_id == person.id
         else f"{representative.full_name}, {representative.personal_code}" if representative else ""},
        {"key": _("Municipality"), "value": municipality_name},
        {"key": _("Decides"), "value": school.name if school else _("The social service")},
        {"key": _("Handled by"), "value": handler.full_name if handler else _("Nobody has taken the case yet")},
        {"key": _("Received"), "value": i18n.format_date(application.submitted_at)},
        {"key": _("Decision due"), "value": i18n.format_date(decision_due(clock.day_of(application.submitted_at)))},
    ]
    return render(
        request,
        "casework/case.html",
        {
            "application": application,
            "applicant": person,
            "overview": overview,
            "days_left": service.days_left(application, today),
            "answers": [{"key": key, "value": value} for _slug, key, value in journey.summary(situation, files)],
            "files": files,
            "history": [
                [i18n.format_datetime(e.at, "short"), Markup("{}: {}").format(event_text(e.action), i18n.written(e.message, e.message_lang))
                 if e.message else event_text(e.action),
                 staff_and_people[e.actor_id].full_name if e.actor_id in staff_and_people else ""]
                for e in reversed(events)
            ],
            "entitlement": entitlement,
            "assignments": assignments,
            "is_open": application.status in service.OPEN,
            "self_assessment": self_assessment,
            "decided_before": _decision_that_stands(request, application, events, staff_and_people),
            # What the state registers said when the person applied, with where and when; what they said differently at the decision.
            "register_sections": register_presenters.sections(applied, by_code, with_time=True) if applied else None,
            "register_changes": register_presenters.changes(applied, decided, by_code) if applied and decided else None,
            "decided_read_at": i18n.format_datetime(decided.disability.read_at, "short") if decided else None,
            "died_on": population.death_date if population else None,
            "may_take": application.status in service.OPEN and application.handler_id != current_person(request).id,
            "decision_document": decision_document,
            "draft": draft,
        },
    )


DECISIONS = (ApplicationAction.GRANTED, ApplicationAction.REFUSED)


def _decision_that_stands(request: Request, application: Application, events: list[Any],
                          people_by_id: dict[int, Person]) -> list[dict[str, str]] | None:
    """After a decision lost to another caseworker's (?decided=before): who decided, and when."""
    if request.query_params.get("decided") != "before" or application.status in service.OPEN:
        return None
    decision = next((e for e in reversed(events) if e.action in DECISIONS), None)
    if decision is None:
        return None
    decider = people_by_id.get(decision.actor_id)
    return [{"key": _("Decision"), "value": event_text(decision.action)},
            {"key": _("Decided by"), "value": decider.full_name if decider else ""},
            {"key": _("Decided at"), "value": i18n.format_datetime(decision.at, "short")}]


@caseworkers_only
async def case_document(request: Request) -> Response:
    async with unit_of_work(request) as db:
        application = await case_or_404(request, db)
        found = next((f for f in await applications.documents_of(db, application) if f.id == int(request.path_params["document_id"])), None)
        if found is None:
            raise HTTPException(404)
        audit.record(db, actor=current_person(request), subject=application.person, action=audit.AuditAction.DOCUMENT_DOWNLOADED,
                     detail=f"{application.reference}: document {found.id} ({found.kind})")
    return uploads.download(request.app.state.storage, found)


def _decided_before(request: Request, application: Application) -> bool:
    """A decision sent for a case decided in the meantime (another caseworker, another tab)."""
    return request.method == "POST" and application.status not in service.OPEN


@caseworkers_only
async def start_review(request: Request) -> Response:
    async with unit_of_work(request) as db:
        application = await case_or_404(request, db)
        with suppress(service.NotAllowed):  # started or decided by another caseworker: the case shows it
            await service.start_review(db, application, current_person(request))
    return back_to_case(request, application)


@caseworkers_only
async def take_case(request: Request) -> Response:
    """"Take this case": it is the caseworker's to handle, in her "My cases"."""
    async with unit_of_work(request) as db:
        application = await case_or_404(request, db)
        with suppress(service.Decided):  # decided meanwhile: the case shows the decision, nobody need take it
            await service.take_case(db, application, current_person(request))
    return back_to_case(request, application)


# --------------------------------------------------------------- the actions


async def _message_action(
    request: Request,
    *,
    template: str,
    form_class: type[Form],
    allowed: Callable[[Application], bool],
    act: Callable[[AsyncSession, Application, Person, str], Awaitable[object]],
    notify: bool,
    then: str = "desk_case",
    initial: Callable[[AsyncSession, Application], Awaitable[str]] | None = None,
) -> Response:
    """A page with one text to write (a request, the reasons for a refusal, a note), then back to the case
    (or to the page `then` names: a refusal's preview)."""
    field = next(iter(form_class.fields))
    async with unit_of_work(request) as db:
        application = await case_or_404(request, db)
        if not allowed(application):
            return back_to_case(request, application, already_decided=_decided_before(request, application))
        text, errors = (await initial(db, application) if initial else ""), []
        if request.method == "POST":
            form = await form_class.read(request)
            text, errors = form.shown[field], form.errors
            if form.ok:
                try:
                    await act(db, application, current_person(request), form.values[field])
                except service.Decided:  # by another caseworker while this page was open
                    return back_to_case(request, application, already_decided=True)
                if then != "desk_case":
                    return RedirectResponse(lang_url(request, then, id=application.id), status_code=303)
                return back_to_case(request, application, notify=notify)
    return render(
        request,
        template,
        {"application": application, "applicant": application.person, "errors": errors, "text": text, "field": field},
        status_code=422 if errors else 200,
    )


@caseworkers_only
async def request_information(request: Request) -> Response:
    return await _message_action(
        request,
        template="casework/request_information.html",
        form_class=forms.RequestInformationForm,
        allowed=lambda a: a.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW),
        act=service.request_information,
        notify=True,
    )


@caseworkers_only
async def refuse(request: Request) -> Response:
    """The reasons for a refusal; then the preview of the document (casework/decision_routes.py), which issues it."""
    return await _message_action(
        request,
        template="casework/refuse.html",
        form_class=forms.RefuseForm,
        allowed=lambda a: a.status in service.OPEN,
        act=service.compose_refusal,
        notify=False,
        then="desk_decision",
        initial=_composed_reasons,
    )


async def _composed_reasons(db: AsyncSession, application: Application) -> str:
    """Back from the preview: the refusal as composed."""
    composed = await service.draft_of(db, application)
    return composed.reasons if composed is not None and composed.kind is None else ""


@caseworkers_only
async def note(request: Request) -> Response:
    return await _message_action(
        request,
        template="casework/note.html",
        form_class=forms.NoteForm,
        allowed=lambda a: True,
        act=service.add_note,
        notify=False,
    )


@caseworkers_only
async def grant(request: Request) -> Response:
    """Hours per month (per week for the school and study assistants), the period, the reasons; then the
    preview of the decision's document (casework/decision_routes.py), which issues it.

    The registers are read again for the decision: the grant's period follows the disability register's
    (the last day defaults to the end of the disability and cannot be later; the caseworker types the
    period only when the register holds none), and what changed since the person applied is shown.
    They are read after the case is found and before anything is locked (the service locks the case):
    on SQLite the unit of work holds the write lock meanwhile, at most the registers' timeout.
    """
    connected = registers_of(request.app.state)
    async with unit_of_work(request) as db:
        application = await case_or_404(request, db)
        if application.status not in service.OPEN:
            return back_to_case(request, application, already_decided=_decided_before(request, application))
        assert application.kind
        now = await registered.read_all(connected, application.person.personal_code) if connected else None
        disability = await service.registered_disability(db, application, now)
        registered_until = disability.found.valid_until if disability and disability.found else None
        applied = await registered.kept(db, application.id, ReadStage.APPLIED)
        names = {m.code: m.name_ru if i18n.get_locale() == "ru" else m.name_lv for m in await people.municipalities(db)}
        assessed = await assessments.desk_result(db, application) if application.kind is ServiceKind.ADULT_ASSISTANT else None
        hours_from_assessment = assessed.total_minutes // 60 if assessed and assessed.total_minutes else None
        values: dict[str, Any] = {"kind": application.kind.value, "hours": str(hours_from_assessment or ""), "text": "",
                                  "end": registered_until}
        composed = await service.draft_of(db, application)
        if composed is not None and composed.kind and composed.minutes:  # back from the preview: the grant as composed
            values = {"kind": composed.kind.value, "hours": str(composed.minutes // 60), "text": composed.reasons,
                      "start": composed.valid_from, "end": composed.valid_to, "disability_until": composed.disability_until}
        errors: Errors = []
        wrong_parts: dict[str, tuple[str, ...]] = {}
        if request.method == "POST":
            form = await forms.GrantForm.read(request)
            # The register's period when it gives one; what the caseworker typed only when it does not.
            disability_until = registered_until if disability else form.disability_until
            # The regulation's checks are the service's; asked before granting so that every problem shows at once.
            kind = form.kind or application.kind
            problems = [service.hours_problem(kind, form.hours * 60) if form.hours is not None else None,
                        service.period_problem(application.person, kind, form.start, form.end, disability_until)
                        if form.start and form.end else None]
            for problem in problems:
                if problem is not None:
                    form.error(*forms.grant_problem(problem))
            if form.ok:
                assert form.kind and form.hours and form.start and form.end
                chosen = service.Grant(form.kind, form.hours * 60, form.start, form.end, form.text, disability_until)
                try:
                    await service.compose_grant(db, application, current_person(request), chosen, registered=now)
                except service.Decided:  # by another caseworker while this page was open
                    return back_to_case(request, application, already_decided=True)
                except service.GrantRefused as refused:  # the register changed between this check and the service's
                    form.error(*forms.grant_problem(refused))
                else:  # the document the person will get, to check before it is issued
                    return RedirectResponse(lang_url(request, "desk_decision", id=application.id), status_code=303)
            values, errors, wrong_parts = _shown_dates(form.shown), form.errors, form.wrong_parts
    per_week = KIND_RULES[application.kind].period is Period.WEEK
    return render(
        request,
        "casework/grant.html",
        {
            "application": application,
            "applicant": application.person,
            "errors": errors,
            "values": values,
            "wrong_parts": wrong_parts,
            "kind_options": [{"value": k.value, "text": journey.kind_name(k)} for k in ServiceKind],
            "per_week": per_week,
            "max_hours": KIND_RULES[application.kind].max_minutes // 60,
            "hours_from_assessment": hours_from_assessment,
            # The disability period from the register (None: it holds none, the caseworker types it), and where from.
            "disability": disability.found if disability else None,
            "disability_group": str(register_presenters.GROUPS[disability.found.group]) if disability and disability.found else None,
            "disability_period": register_presenters.period_text(disability.found.valid_from, disability.found.valid_until)
            if disability and disability.found else None,
            "disability_source": register_presenters.source_text(disability, with_time=True) if disability else None,
            "disability_unread": register_presenters.source_text(now.disability, with_time=True)
            if now is not None and not disability else None,
            "register_changes": register_presenters.changes(applied, now, names) if applied and now else [],
        },
        status_code=422 if errors else 200,
    )


def _shown_dates(shown: dict[str, Any]) -> dict[str, Any]:
    """What the form shows again: the date inputs take the parts as typed."""
    return {name: value.typed if isinstance(value, DateValue) else value for name, value in shown.items()}


@caseworkers_only
async def assign(request: Request) -> Response:
    """Assign an assistant by personal code (a new person is created); the desk is told about a third change in a year."""
    today = clock.today()
    async with unit_of_work(request) as db:
        application = await case_or_404(request, db)
        changes = await entitlements.assistant_changes_in_year(db, application.person_id, today)
        errors: Errors = []
        wrong_parts: dict[str, tuple[str, ...]] = {}
        values: dict[str, Any] = {"code": "", "given_name": "", "family_name": "", "start": today}
        if request.method == "POST":
            form = await forms.AssignForm.read(request)
            try:
                await service.assign_by_code(db, application, current_person(request), form.code, form.given_name,
                                             form.family_name, form.start if form.ok else None)
            except service.AssignRefused as refused:
                for problem in refused.problems:
                    form.error(*forms.assign_problem(problem))
            if form.ok:
                return back_to_case(request, application, notify=True)
            values, errors, wrong_parts = _shown_dates(form.shown), form.errors, form.wrong_parts
    return render(
        request,
        "casework/assign.html",
        {
            "application": application,
            "applicant": application.person,
            "errors": errors,
            "values": values,
            "wrong_parts": wrong_parts,
            "changes": changes,
            "too_many": entitlements.too_many_changes(changes),
        },
        status_code=422 if errors else 200,
    )


def page_routes() -> list[Route]:
    return [
        Route("/desk", desk, name="desk"),
        Route("/desk/cases/{id:int}", case, name="desk_case"),
        Route("/desk/cases/{id:int}/documents/{document_id:int}", case_document, name="desk_document"),
        Route("/desk/cases/{id:int}/start-review", start_review, methods=["POST"], name="desk_start_review"),
        Route("/desk/cases/{id:int}/take", take_case, methods=["POST"], name="desk_take"),
        Route("/desk/cases/{id:int}/request-information", request_information, methods=["GET", "POST"], name="desk_request_information"),
        Route("/desk/cases/{id:int}/grant", grant, methods=["GET", "POST"], name="desk_grant"),
        Route("/desk/cases/{id:int}/refuse", refuse, methods=["GET", "POST"], name="desk_refuse"),
        Route("/desk/cases/{id:int}/assign", assign, methods=["GET", "POST"], name="desk_assign"),
        Route("/desk/cases/{id:int}/note", note, methods=["GET", "POST"], name="desk_note"),
    ]

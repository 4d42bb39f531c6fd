"""The desk's decision as a document: the preview of what the person will get, then issuing it, and the
issued PDF. HTTP only: the rules and the rendering are casework/service.py's and casework/documents.py's.

The grant and refusal pages (casework/routes.py) compose the decision and come here. Issuing is a POST
with the previewed draft's id: an issue for a case decided meanwhile, or from a preview that is no longer
the case's draft, is answered 409 with the page that says so, never decided twice.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import audit, i18n
from portal.applications import uploads
from portal.applications.models import Application, ApplicationAction
from portal.applications.presenters import event_text
from portal.casework import documents, forms, service
from portal.casework.guards import back_to_case, case_or_404, caseworkers_only
from portal.casework.models import Outcome
from portal.db import unit_of_work
from portal.eid.session import current_person
from portal.i18n import gettext as _
from portal.people.models import Person
from portal.registers import service as registered
from portal.registers.wiring import registers_of
from portal.templating import render

Errors = list[tuple[str, str]]


async def _decision_that_stands(db: Any, application: Application) -> list[dict[str, str]]:
    """Who decided the case, and when: for an issue that came too late."""
    events = await service.case_history(db, application)
    decision = next((e for e in reversed(events) if e.action in (ApplicationAction.GRANTED, ApplicationAction.REFUSED)), None)
    if decision is None:
        return []
    decider = await db.get(Person, decision.actor_id)
    return [{"key": _("Decision"), "value": event_text(decision.action)},
            {"key": _("Decided by"), "value": decider.full_name if decider else ""},
            {"key": _("Decided at"), "value": i18n.format_datetime(decision.at, "short")}]


@caseworkers_only
async def decision(request: Request) -> Response:
    """GET: the preview of the composed decision. POST: issue it; 422 when the box is not ticked, 409 when
    the issue came too late (the decision that stands) or from an older preview (the current one, to check)."""
    staff = current_person(request)
    connected = registers_of(request.app.state)
    errors: Errors = []
    conflict = False
    decided_before: list[dict[str, str]] = []
    async with unit_of_work(request) as db:
        application = await case_or_404(request, db)
        applicant = application.person  # (the service's lock reloads the case without it)
        if request.method == "POST":
            form = await forms.IssueForm.read(request)
            try:
                if not form.checked:
                    errors = [(name, message) for name, message in form.errors if name == "checked"]
                    await service.lock_open_case(db, application)  # decided meanwhile: that is the answer
                else:
                    # What the registers say at the decision is kept with it (read before the case is locked).
                    now = await registered.read_all(connected, applicant.personal_code) if connected else None
                    # The service queues the notices of the decision (notifications/notices.py) with it.
                    await service.issue(db, request.app.state.storage, application, staff, form.draft or 0, registered=now)
                    return back_to_case(request, application, notify=True)
            except service.Decided:
                errors, conflict, decided_before = [], True, await _decision_that_stands(db, application)
            except (service.StaleDraft, service.NothingComposed):
                errors, conflict = [("checked", _("The decision was changed after you previewed it. Check it again before you issue it."))], True
            except service.GrantRefused as refused:  # the register changed since the draft was composed
                errors, conflict = [("checked", forms.grant_problem(refused)[1])], True
        elif application.status not in service.OPEN:
            return back_to_case(request, application)
        draft = await service.draft_of(db, application) if not decided_before else None
        if draft is None and not decided_before and request.method == "GET":
            return back_to_case(request, application)
        content = await service.decision_content(db, application, staff, draft) if draft else None
    context = _page(application, applicant, draft, content, errors, decided_before)
    return render(request, "casework/decision.html", context, status_code=409 if conflict else 422 if errors else 200)


def _page(application: Application, applicant: Person, draft: Any, content: documents.DecisionContent | None, errors: Errors,
          decided_before: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {
        "application": application,
        "applicant": applicant,
        "draft": draft,
        "document": documents.context_of(content, heading_level=2) if content else None,
        "errors": errors,
        "decided_before": decided_before or [],
        "change": "desk_grant" if draft is not None and draft.outcome is Outcome.GRANTED else "desk_refuse",
    }


@caseworkers_only
async def decision_pdf(request: Request) -> Response:
    """The issued decision, as the person has it; the desk's download is an audit event."""
    async with unit_of_work(request) as db:
        application = await case_or_404(request, db)
        content = await documents.decision_pdf(db, request.app.state.storage, application)
        if content is None:
            raise HTTPException(404)
        audit.record(db, actor=current_person(request), subject=application.person, action=audit.AuditAction.DOCUMENT_DOWNLOADED,
                     detail=f"{application.reference}: the decision")
    return uploads.pdf_response(content, documents.filename_of(application))


def page_routes() -> list[Route]:
    return [
        Route("/desk/cases/{id:int}/decision", decision, methods=["GET", "POST"], name="desk_decision"),
        Route("/desk/cases/{id:int}/decision.pdf", decision_pdf, name="desk_decision_pdf"),
    ]

"""Who reaches the desk's pages, and the case a page is about: shared by the desk's route modules.

Only caseworkers and school staff reach the desk (anyone else is told the page does not exist),
and only the cases of their own municipality or school (portal/policy.py).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.background import BackgroundTask
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from portal.applications.models import Application
from portal.casework import service
from portal.eid.session import current_actor, current_person, staff_only
from portal.notifications.service import deliver_now
from portal.people.models import StaffRoleName
from portal.templating import lang_url

Endpoint = Callable[[Request], Awaitable[Response]]


def caseworkers_only(endpoint: Endpoint) -> Endpoint:
    """Signed in, as a caseworker or a school's staff; whose cases they decide is in request.state.scope."""

    @staff_only(StaffRoleName.CASEWORKER, StaffRoleName.SCHOOL_STAFF)
    @wraps(endpoint)
    async def guarded(request: Request) -> Response:
        request.state.scope = current_actor(request).desk
        return await endpoint(request)

    return guarded


async def case_or_404(request: Request, db: AsyncSession) -> Application:
    try:
        return await service.open_case(db, current_person(request), request.state.scope, int(request.path_params["id"]))
    except service.NotFound:
        raise HTTPException(404) from None


def back_to_case(request: Request, application: Application, notify: bool = False, already_decided: bool = False) -> Response:
    """To the case; `notify`: deliver the notices the change queued right after the response;
    `already_decided` when this caseworker's decision lost to another's (the case page says so)."""
    return RedirectResponse(
        lang_url(request, "desk_case", id=application.id) + ("?decided=before" if already_decided else ""),
        status_code=303,
        background=BackgroundTask(deliver_now, request.app.state) if notify else None,
    )

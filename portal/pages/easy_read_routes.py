"""Easy read (vieglā valoda, лёгкий язык): the service, applying, the self-assessment and the month, told simply.

Short sentences, one idea each, with a picture beside the text (Inclusion Europe, "Information for
all"). Each page says the same to every visitor, so it is a public page: rendered once per language
and display preference (templating.PublicPages).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.eid.session import Endpoint

# Path after the language, route name, template: the start page first, then the pages it links to.
PAGES = (
    ("/easy-read", "easy_read", "pages/easy_read/start.html"),
    ("/easy-read/service", "easy_read_service", "pages/easy_read/service.html"),
    ("/easy-read/apply", "easy_read_apply", "pages/easy_read/apply.html"),
    ("/easy-read/self-assessment", "easy_read_self_assessment", "pages/easy_read/self_assessment.html"),
    ("/easy-read/monthly-hours", "easy_read_monthly_hours", "pages/easy_read/monthly_hours.html"),
)


def _page(template: str) -> Endpoint:
    async def page(request: Request) -> Response:
        return request.app.state.public_pages.render(request, template)

    return page


def page_routes() -> list[Route]:
    return [Route(path, _page(template), name=name) for path, name, template in PAGES]

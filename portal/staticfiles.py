"""The static files: served with a content version in their URL, so cached for good."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.staticfiles import StaticFiles


class VersionedStaticFiles(StaticFiles):
    """Static files are referenced with ?v=<content hash> (templating.static_url), so they can be cached for good."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = "public, max-age=31536000, immutable"
        return response

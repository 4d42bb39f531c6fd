"""'Who looked at my data': the person's (and their representative's) view of the audit."""

from __future__ import annotations

from starlette.routing import Route


def page_routes() -> list[Route]:
    """Routes under the /{lang} prefix."""
    return []

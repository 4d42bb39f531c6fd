"""The desk's view of the month's reports (placeholder, being written)."""

from __future__ import annotations

from starlette.routing import Route


def page_routes() -> list[Route]:
    return []

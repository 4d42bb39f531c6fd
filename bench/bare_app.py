"""The baseline: bare Starlette with one route returning a fixed HTML page.

Served by the benchmark under the same uvicorn settings as the portal, so the
difference between the two is what the portal itself costs per request
(middleware, session cookie, database lookup, template rendering).
The page is padded to BENCH_BODY_BYTES (the benchmark sets it to the size of
the portal's start page), so both send about as many bytes.
"""

from __future__ import annotations

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

HEAD = '<!DOCTYPE html>\n<html lang="lv">\n<head><meta charset="utf-8"><title>Bare</title></head>\n<body>\n<main>\n'
TAIL = "</main>\n</body>\n</html>\n"
LINE = "<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n"


def page(size: int) -> str:
    lines = max(0, (size - len(HEAD) - len(TAIL)) // len(LINE))
    return HEAD + LINE * lines + TAIL


PAGE = page(int(os.environ.get("BENCH_BODY_BYTES") or 8000))


async def home(request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


app = Starlette(routes=[Route("/", home)])

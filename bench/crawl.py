"""`python -m bench.crawl`: every kind of page the demo people reach, each SELECT it sends under EXPLAIN, at national volume.

    .venv/bin/python -m bench.crawl [--national-url postgresql://postgres@127.0.0.1:5432/bench_national] [--plans]

Issue 12: no query on a person's page may grow with the country. `bench.explain` looks at the pages
`python -m bench` loads; this looks at all the others. On a copy of the national database
(`bench_national_crawl`, dropped at the end: pages write audit events), each demo person signs in
through the real flow and, from their overview (the desk's queue for the caseworker, the surveys'
results for the analyst), follows the links of each page it reaches, breadth first, as far as
`--depth` links: every kind of page once or twice (a path with its numbers and its query's values
taken out is a kind), asked for by the same app in this process with each statement captured as
the driver sends it. Each SELECT is then run again under EXPLAIN (ANALYZE, BUFFERS).

Printed for each page: its status, the statements it sent, the slowest SELECT's execution time, and
each table over `--rows` rows that a plan read whole (a sequential scan), with the statement. The
national data holds every table a page reads at its size (bench/national_rest.py fills the ones
around the cases and the months); a table the demo alone fills (a few rows) cannot show a scan.
Figures only: nothing passes or fails.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import tempfile
import time
from collections import Counter, deque
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import psycopg
from sqlalchemy import event

from bench.__main__ import HOST, NATIONAL_URL, _local, _psycopg, copy_national, sign_in, start_portal
from bench.explain import Statement, create_app, explain_statements, running_provider
from portal.people.demo import ANNA, ILZE, JANIS, LIGA, OLGA, PETERIS
from portal.settings import Settings

COPY = "{name}_crawl"
# Who crawls, and from where: each demo person's own start.
STARTS = ((ANNA, "/lv/dashboard"), (JANIS, "/lv/dashboard"), (ILZE, "/lv/dashboard"), (OLGA, "/ru/dashboard"),
          (LIGA, "/lv/desk"), (LIGA, "/lv/desk/reports"), (PETERIS, "/lv/analysis"))
PER_KIND = 2  # pages of one kind asked for, per person
LINK = re.compile(r'href="(/[^"#]*)"')
NOT_FOLLOWED = re.compile(r"^/(static|auth)/|/sign-out|/components")


@dataclass
class CrawledPage:
    who: str
    path: str
    status: int = 0
    seconds: float = 0.0
    statements: list[Statement] = field(default_factory=list)


def kind_of(path: str) -> str:
    """A page's kind: its path with numbers taken out, and its query's names without their values."""
    parts = urlsplit(path)
    query = ",".join(sorted({name for name, _value in parse_qsl(parts.query)}))
    return re.sub(r"\d+", "N", parts.path) + ("?" + query if query else "")


def links_of(html: str, lang: str) -> list[str]:
    found = []
    for href in LINK.findall(html):
        href = href.replace("&amp;", "&")
        if href.startswith(f"/{lang}/") and not NOT_FOLLOWED.search(href):
            found.append(href)
    return found


async def crawl(url: str, env: dict[str, str], cookies: dict[str, dict[str, str]], base_url: str, depth: int) -> list[CrawledPage]:
    app = create_app(Settings.from_env(env))
    current: list[Statement] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        current.append(Statement(statement, parameters))

    event.listen(app.state.db.engine.sync_engine, "before_cursor_execute", before)
    pages: list[CrawledPage] = []
    try:
        transport = httpx.ASGITransport(app=app)
        for person, start in STARTS:
            lang = start.split("/")[1]
            async with httpx.AsyncClient(transport=transport, base_url=base_url, cookies=cookies[person.personal_code], timeout=120,
                                         follow_redirects=False) as client:
                seen: set[str] = set()
                kinds: Counter[str] = Counter()
                queue = deque([(start, 0)])
                while queue:
                    path, hops = queue.popleft()
                    kind = kind_of(path)
                    if path in seen or kinds[kind] >= PER_KIND:
                        continue
                    seen.add(path)
                    kinds[kind] += 1
                    current.clear()
                    began = time.perf_counter()
                    response = await client.get(path)
                    page = CrawledPage(f"{person.given_name} {person.family_name}", path, response.status_code,
                                       time.perf_counter() - began, list(current))
                    pages.append(page)
                    if hops < depth and response.headers.get("content-type", "").startswith("text/html"):
                        queue.extend((link, hops + 1) for link in links_of(response.text, lang))
    finally:
        await app.state.db.dispose()
    return pages


def explain(url: str, pages: list[CrawledPage]) -> dict[str, float]:
    """Each SELECT's plan; returns the estimated rows of every table, for what counts as a big one."""
    with psycopg.connect(_psycopg(url)) as connection:
        connection.execute("ANALYZE")
        sizes: dict[str, float] = dict(connection.execute("SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"))
        for page in pages:
            explain_statements(connection, page.statements)
    return sizes


def report(pages: list[CrawledPage], sizes: dict[str, float], big_rows: int, full: bool) -> None:
    print(f"{'who':<18} {'status':>6} {'ms':>7} {'stmts':>5} {'slowest':>8}  page")
    print("-" * 100)
    flagged = 0
    for page in pages:
        explained = [s for s in page.statements if s.plan]
        slowest = max((s.execution_ms or 0.0 for s in explained), default=0.0)
        print(f"{page.who:<18} {page.status:>6} {page.seconds * 1000:>7.1f} {len(page.statements):>5} {slowest:>8.2f}  {page.path}")
        for statement in explained:
            big = [t for t in statement.sequential_scans if sizes.get(t, 0) > big_rows]
            if big:
                flagged += 1
                sql = " ".join(statement.sql.split())
                print(f"{'':<18} sequential scan of {', '.join(f'{t} ({sizes[t]:,.0f} rows)' for t in big)},"
                      f" {statement.execution_ms or 0:.2f} ms:\n{'':<18} {sql[:400]}{' ...' if len(sql) > 400 else ''}")
                if full:
                    print("\n".join(f"{'':<18} | {line}" for line in statement.plan))
    errors = [p for p in pages if p.status >= 500]
    print(f"\n{len(pages)} pages of {len({kind_of(p.path) for p in pages})} kinds; {sum(len(p.statements) for p in pages)} statements;"
          f" sequential scans of a table over {big_rows:,} rows: {flagged}; answers of 500 or more: {len(errors)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.crawl", description=__doc__.splitlines()[0])
    parser.add_argument("--national-url", default=NATIONAL_URL, help=f"the database `make bench-data` made (default {NATIONAL_URL})")
    parser.add_argument("--depth", type=int, default=3, help="links followed from each start (default 3)")
    parser.add_argument("--rows", type=int, default=1000, help="a sequential scan of a table over this many rows is shown (default 1000)")
    parser.add_argument("--plans", action="store_true", help="print the whole plan of each statement shown")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the mock provider's access log
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-crawl-")))
        url = copy_national(args.national_url, stack, COPY)
        if url is None:
            print(f"No national database at {args.national_url}: run `make bench-data` first.", file=sys.stderr)
            return 1
        issuer = _local(stack.enter_context(running_provider(HOST, 0)))
        site = start_portal(stack, "national", url, issuer, work, {})
        cookies = {person.personal_code: sign_in(site.base_url, person.personal_code) for person, _start in STARTS}
        pages = asyncio.run(crawl(url, site.env, cookies, site.base_url, args.depth))
        report(pages, explain(url, pages), args.rows, args.plans)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""`python -m bench.explain`: where each page of `python -m bench` spends its time at national volume.

    .venv/bin/python -m bench.explain [--national-url postgresql://postgres@127.0.0.1:5432/bench_national] [--top 3]
    .venv/bin/python -m bench.explain --demo --only "month's reports" --profile 25   # the demo size, profiled

The targets of `python -m bench` (bench/targets.py), on a copy of the national database made for
the run (`bench_national_explain`, dropped at the end: the desk's pages write audit events, and
the sample page needs a sample drawn). Everyone signs in and the sample is drawn through a
uvicorn portal, as `python -m bench` does; then each page is asked for by the same app in this
process, once to fill the caches and then `--repeat` times, one request at a time, with every
statement captured as the driver sends it. Printed for each page: the median time, the statements
it sent and the median of their time at the driver, and so the rest (Python: the ORM, Jinja, the
middleware); then each SELECT of the last run again under EXPLAIN (ANALYZE, BUFFERS), the slowest
`--top` with their execution time and any sequential scan. Figures only; the machine's other work
shows in the times.

`--generic`: each SELECT is also run as a prepared statement under PostgreSQL's generic plan and
under a custom plan (the median of a few runs each), and those the generic plan makes slower are
printed. psycopg prepares a statement after five executions, and PostgreSQL may then keep a plan
made without the parameters' values: under load a page can run a plan that one request alone never
shows (the month's reports in a state did: 2 ms custom, 52 ms generic).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import pstats
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg import sql
from psycopg._queries import PostgresQuery  # the driver's own numbering of %(name)s as $n
from psycopg.adapt import Transformer
from sqlalchemy import event

from bench.__main__ import (
    DEFAULT_PERSON,
    DEMO_URL,
    HOST,
    NATIONAL_URL,
    _local,
    _psycopg,
    copy_national,
    make_ready,
    prepare_demo,
    start_portal,
)
from bench.targets import TARGETS, Site, Target

with warnings.catch_warnings():  # authlib's deprecation notices, printed on import
    warnings.simplefilter("ignore")
    from portal.app import create_app
    from portal.eid.mock_provider import running_provider
    from portal.settings import Settings

COPY = "{name}_explain"


@dataclass
class Statement:
    sql: str
    parameters: Any
    seconds: float = 0.0
    plan: list[str] = field(default_factory=list)

    @property
    def execution_ms(self) -> float | None:
        last = next((line for line in reversed(self.plan) if "Execution Time:" in line), None)
        return float(last.split(":")[1].split()[0]) if last else None

    @property
    def sequential_scans(self) -> list[str]:
        return sorted({line.split(" on ")[1].split()[0] for line in self.plan if "Seq Scan on" in line})


@dataclass
class Page:
    target: Target
    path: str
    status: int = 0
    seconds: float = 0.0  # the median of the runs
    driver_seconds: float = 0.0  # the median of the runs' time at the driver
    size: int = 0
    statements: list[Statement] = field(default_factory=list)
    profile: str = ""  # with --profile: the functions that took the most time over the runs


async def capture(site: Site, repeat: int, only: Sequence[str] = (), profile: int = 0) -> list[Page]:
    app = create_app(Settings.from_env(site.env))
    engine = app.state.db.engine.sync_engine
    current: list[Statement] = []
    started: dict[int, float] = {}

    def before(_conn: Any, cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        started[id(cursor)] = time.perf_counter()
        current.append(Statement(statement, parameters))

    def after(_conn: Any, cursor: Any, _statement: str, _parameters: Any, _context: Any, _many: bool) -> None:
        current[-1].seconds = time.perf_counter() - started.pop(id(cursor), time.perf_counter())

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    pages = []
    try:
        transport = httpx.ASGITransport(app=app)
        for target in (t for t in TARGETS if not only or t.name in only):
            async with httpx.AsyncClient(transport=transport, base_url=site.base_url, cookies=site.cookies_for(target),
                                         timeout=120, follow_redirects=False) as client:
                await client.get(target.path_at(site))  # caches filled, templates compiled
                walls, drivers = [], []
                profiler = cProfile.Profile() if profile else None
                for _ in range(repeat):
                    current.clear()
                    if profiler:
                        profiler.enable()
                    began = time.perf_counter()
                    response = await client.get(target.path_at(site))
                    walls.append(time.perf_counter() - began)
                    if profiler:
                        profiler.disable()
                    drivers.append(sum(s.seconds for s in current))
            pages.append(Page(target, target.path_at(site), response.status_code, statistics.median(walls),
                              statistics.median(drivers), len(response.content), list(current),
                              _profiled(profiler, profile) if profiler else ""))
    finally:
        await app.state.db.dispose()
    return pages


def _profiled(profiler: cProfile.Profile, top: int) -> str:
    """The `top` functions by their own time (the profiler's overhead inflates calls that are many and small)."""
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def explain_statements(connection: psycopg.Connection[Any], statements: Iterable[Statement]) -> None:
    """Each SELECT's plan under EXPLAIN (ANALYZE, BUFFERS), kept on it (bench.crawl's too)."""
    for statement in statements:
        if statement.sql.lstrip().upper().startswith(("SELECT", "WITH")):
            rows = connection.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement.sql, statement.parameters).fetchall()
            statement.plan = [row[0] for row in rows]
    connection.rollback()  # EXPLAIN ANALYZE runs the statement (a WITH may write): nothing of it is kept


def explain(url: str, pages: list[Page]) -> None:
    with psycopg.connect(_psycopg(url)) as connection:
        for page in pages:
            explain_statements(connection, page.statements)


GENERIC_RUNS = 5


def _prepared_ms(url: str, mode: str, statement: Statement) -> float:
    """The median time of the statement as a prepared statement under `plan_cache_mode = mode`."""
    with psycopg.connect(_psycopg(url)) as connection:
        connection.execute(f"SET plan_cache_mode = {mode}")
        times = []
        for _ in range(GENERIC_RUNS):
            began = time.perf_counter()
            cursor = connection.execute(statement.sql, statement.parameters, prepare=True)
            if cursor.description:  # a WITH may be an INSERT (the payroll's audit): rolled back below
                cursor.fetchall()
            times.append(time.perf_counter() - began)
        connection.rollback()
    return statistics.median(times) * 1000


def _generic_plan(url: str, statement: Statement) -> list[str]:
    """The statement's generic plan under EXPLAIN ANALYZE: PREPAREd with its parameters as $n, then EXECUTEd."""
    with psycopg.connect(_psycopg(url)) as connection:
        query = PostgresQuery(Transformer(connection))
        query.convert(statement.sql, statement.parameters)
        # The values in the order of their $n: the driver's own order of the %(name)s it numbered.
        names = query._order
        given = [statement.parameters[name] for name in names] if names is not None else list(statement.parameters or ())
        values = sql.SQL(", ").join(sql.Literal(value) for value in given)
        connection.execute("SET plan_cache_mode = force_generic_plan")
        connection.execute(b"PREPARE generic AS " + query.query)
        plan = [row[0] for row in connection.execute(sql.SQL("EXPLAIN (ANALYZE, BUFFERS) EXECUTE generic ({})").format(values))]
        connection.rollback()
    return plan


def generic_plans(url: str, pages: list[Page], full: bool) -> None:
    """Each page's SELECTs that are slower under the generic plan than under a custom one (`full`: with the plan)."""
    print("\nSELECTs slower under PostgreSQL's generic plan (prepared; median of "
          f"{GENERIC_RUNS} runs each, ms): page, custom, generic, statement")
    found = 0
    for page in pages:
        for statement in page.statements:
            if not statement.sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            custom, generic = _prepared_ms(url, "force_custom_plan", statement), _prepared_ms(url, "force_generic_plan", statement)
            if generic > 1.5 * custom + 1.0:
                found += 1
                text = " ".join(statement.sql.split())
                print(f"  {page.target.name:<22} {custom:>8.2f} {generic:>8.2f}  {text[:200]}{' ...' if len(text) > 200 else ''}")
                if full:
                    print("\n".join(f"              | {line}" for line in _generic_plan(url, statement)))
    if not found:
        print("  none")


def report(pages: list[Page], top: int, full: bool) -> None:
    print(f"{'page':<22} {'status':>6} {'ms':>8} {'KB':>7} {'statements':>10} {'at driver ms':>12} {'rest ms':>8}")
    print("-" * 79)
    for page in pages:
        driver = page.driver_seconds * 1000
        print(f"{page.target.name:<22} {page.status:>6} {page.seconds * 1000:>8.1f} {page.size / 1000:>7.1f}"
              f" {len(page.statements):>10} {driver:>12.1f} {page.seconds * 1000 - driver:>8.1f}")
    for page in pages:
        explained = sorted((s for s in page.statements if s.plan), key=lambda s: -(s.execution_ms or 0.0))
        print(f"\n{page.target.name} ({page.path}): the slowest of {len(explained)} SELECTs under EXPLAIN ANALYZE")
        for statement in explained[:top]:
            scans = ", ".join(statement.sequential_scans) or "none"
            sql = " ".join(statement.sql.split())
            print(f"  {statement.execution_ms or 0:>8.2f} ms  sequential scans: {scans}\n              {sql[:300]}{' ...' if len(sql) > 300 else ''}")
            if full:
                print("\n".join(f"              | {line}" for line in statement.plan))
        if page.profile:
            print(page.profile)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.explain", description=__doc__.splitlines()[0])
    parser.add_argument("--national-url", default=NATIONAL_URL, help=f"the database `make bench-data` made (default {NATIONAL_URL})")
    parser.add_argument("--demo", action="store_true",
                        help=f"the demo size instead: {DEMO_URL}, made afresh as `python -m bench` makes it")
    parser.add_argument("--person", default=DEFAULT_PERSON, help="personal code of the demo person for the dashboard")
    parser.add_argument("--top", type=int, default=3, help="the slowest statements shown per page (default 3)")
    parser.add_argument("--plans", action="store_true", help="print the whole plan of each statement shown")
    parser.add_argument("--only", action="append", default=[], metavar="TARGET",
                        help="only this target (its name, as in `python -m bench`; again for more)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="profile the measured requests and print each page's N functions of most own time")
    parser.add_argument("--repeat", type=int, default=5, help="measured requests per page, their median printed (default 5)")
    parser.add_argument("--generic", action="store_true",
                        help="also run each SELECT prepared under the generic plan and a custom one; print those slower generic")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the mock provider's access log
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="portal-explain-")))
        if args.demo:
            url: str | None = DEMO_URL
            prepare_demo(DEMO_URL, work / "uploads")
        else:
            url = copy_national(args.national_url, stack, COPY)
        if url is None:
            print(f"No national database at {args.national_url}: run `make bench-data` first.", file=sys.stderr)
            return 1
        issuer = _local(stack.enter_context(running_provider(HOST, 0)))
        site = start_portal(stack, "demo" if args.demo else "national", url, issuer, work,
                            {"PORTAL_UPLOAD_DIR": str(work / "uploads")} if args.demo else {})
        make_ready(site, args.person)
        pages = asyncio.run(capture(site, max(1, args.repeat), args.only, args.profile))
        explain(url, pages)
        report(pages, args.top, args.plans)
        if args.generic:
            generic_plans(url, pages, args.plans)
    return 0


if __name__ == "__main__":
    sys.exit(main())

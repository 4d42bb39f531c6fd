"""The survey analyst's pages at national volume (`make bench-data`: 20,000 survey answers): each page's
figures computed as the portal does now (in the database, portal/surveys/analysis.py) and as it did
before (every response loaded, then `analysis.tabulate` / `analysis.safe_rows` in Python), and the
plan of each statement the pages send.

    .venv/bin/python -m bench.analysis [--database-url postgresql://postgres@127.0.0.1:5432/bench_national] [--repeat 7]

Printed for each page: the median wall time of `--repeat` runs (after one unmeasured run), the
process's CPU time per run, the statements sent and the Python memory at its peak (tracemalloc,
so a little slower while it counts: measured in a run of its own); then EXPLAIN (ANALYZE, BUFFERS)
of every statement sent now: its execution time and any sequential scan. It reads only, and prints
figures: nothing passes or fails. The machine's other work shows in the times: compare the two
columns of one run, not runs on different days.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
from sqlalchemy import event, make_url, select

with warnings.catch_warnings():  # authlib's deprecation notices, printed on import
    warnings.simplefilter("ignore")
    from portal.db import Database, sync_url
    from portal.surveys import analysis
    from portal.surveys.definitions import Survey, all_surveys
    from portal.surveys.models import SurveyResponse

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_national"
Work = Callable[[Any], Awaitable[object]]


# ------------------------------------------------------------------ before: in Python


async def _everything(session: Any, survey: Survey) -> list[SurveyResponse]:
    return list(await session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)))


def results_in_python(survey: Survey, chosen: analysis.Chosen) -> Work:
    """The results page before: every response of the survey loaded, filtered and tabulated in Python."""
    async def work(session: Any) -> object:
        matching = [r for r in await _everything(session, survey) if (not chosen.language or r.language == chosen.language)
                    and (not chosen.kind or r.answers.get(analysis.SERVICE) == chosen.kind)]
        return analysis.tabulate(survey, [r.answers for r in matching]) if len(matching) >= analysis.MIN_GROUP else []
    return work


def export_in_python(survey: Survey) -> Work:
    async def work(session: Any) -> object:
        rows, _left_out = analysis.safe_rows(await _everything(session, survey))
        return sorted(rows, key=lambda r: tuple(v or "" for v in (r.language, r.month, r.place, r.service)))
    return work


def texts_in_python(survey: Survey) -> Work:
    async def work(session: Any) -> object:
        everything = [r.answers for r in await _everything(session, survey)]
        return [(result.question.id, text) for result in analysis.tabulate(survey, everything) if result.question.kind == "text"
                for text in result.texts]
    return work


# ------------------------------------------------------------------ now: in the database


def results_in_sql(survey: Survey, chosen: analysis.Chosen) -> Work:
    async def work(session: Any) -> object:
        return await analysis.results(session, survey, chosen)
    return work


def texts_page_in_sql(survey: Survey) -> Work:
    question = next(q for q in survey.questions() if q.kind == "text")

    async def work(session: Any) -> object:
        return await analysis.texts_page(session, survey, question, analysis.Chosen())
    return work


def streamed(rows: Callable[[Any], Any]) -> Work:
    """An export read to its end, a row at a time, as the CSV is written."""
    async def work(session: Any) -> object:
        count = 0
        async for _row in rows(session):
            count += 1
        return count
    return work


# ------------------------------------------------------------------ measuring


async def measured(db: Database, work: Work, repeat: int) -> tuple[float, float, int, float]:
    """(median ms, CPU ms per run, statements per run, peak MiB of Python memory)."""
    seen: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    async def once() -> None:
        async with db.session() as session:
            await work(session)

    await once()  # warm: the pool's connection, SQLAlchemy's compiled statements
    walls, cpus = [], []
    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        for _ in range(repeat):
            cpu, wall = time.process_time(), time.perf_counter()
            await once()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    tracemalloc.start()
    try:
        await once()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return statistics.median(walls) * 1000, statistics.mean(cpus) * 1000, len(seen) // repeat, peak / 2**20


async def captured(db: Database, pages: list[tuple[str, Work | None, Work]]) -> list[tuple[str, str, Any]]:
    """(page, statement, parameters) of each statement the pages send now."""
    found: list[tuple[str, str, Any]] = []
    what = [""]

    def keep(_conn: object, _cursor: object, statement: str, parameters: Any, *_args: object) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            found.append((what[0], statement, parameters))

    event.listen(db.engine.sync_engine, "before_cursor_execute", keep)
    try:
        for label, _before, now in pages:
            what[0] = label
            async with db.session() as session:
                await now(session)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", keep)
    return found


async def run(url: str, repeat: int) -> list[tuple[str, str, Any]]:
    surveys = all_surveys()
    recipients, portal = surveys["recipients-2026"], surveys["portal-2026"]
    db = Database(url)
    async with db.session() as session:
        sizes = dict((await session.execute(select(SurveyResponse.survey_id, analysis.func.count()).group_by(SurveyResponse.survey_id))).all())
    print(f"bench.analysis: {url}; responses: " + ", ".join(f"{name} {count:,}" for name, count in sorted(sizes.items())))
    pages: list[tuple[str, Work | None, Work]] = [
        ("the surveys (index)", None, lambda session: analysis.figures(session, list(surveys.values()))),
        (f"results: {recipients.id}", results_in_python(recipients, analysis.Chosen()), results_in_sql(recipients, analysis.Chosen())),
        (f"results: {recipients.id}, ru + adult", results_in_python(recipients, analysis.Chosen("ru", "adult_assistant")),
         results_in_sql(recipients, analysis.Chosen("ru", "adult_assistant"))),
        (f"results: {portal.id}", results_in_python(portal, analysis.Chosen()), results_in_sql(portal, analysis.Chosen())),
        (f"a page of free texts: {portal.id}", None, texts_page_in_sql(portal)),
        (f"CSV, grouped rows: {recipients.id}", export_in_python(recipients), streamed(lambda s: analysis.safe_export(s, recipients))),
        (f"CSV, grouped rows: {portal.id}", export_in_python(portal), streamed(lambda s: analysis.safe_export(s, portal))),
        (f"CSV, free texts: {portal.id}", texts_in_python(portal), streamed(lambda s: analysis.shuffled_texts(s, portal))),
    ]
    print(f"\n{'page':42} {'before: in Python':>36}   {'now: in the database':>36}")
    print(f"{'':42} {'ms':>8} {'CPU ms':>8} {'stmts':>6} {'MiB':>8}   {'ms':>8} {'CPU ms':>8} {'stmts':>6} {'MiB':>8}")
    for label, before, now in pages:
        then = await measured(db, before, repeat) if before is not None else None
        after = await measured(db, now, repeat)
        left = f"{then[0]:8.0f} {then[1]:8.0f} {then[2]:6} {then[3]:8.1f}" if then else f"{'–':>8} {'–':>8} {'–':>6} {'–':>8}"
        print(f"{label:42} {left}   {after[0]:8.0f} {after[1]:8.0f} {after[2]:6} {after[3]:8.1f}", flush=True)
    statements = await captured(db, pages)
    await db.dispose()
    return statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()
    statements = asyncio.run(run(options.database_url, options.repeat))
    print("\nEXPLAIN (ANALYZE, BUFFERS) of the statements sent now")
    with psycopg.connect(make_url(sync_url(options.database_url)).set(drivername="postgresql").render_as_string(False)) as connection:
        for label, statement, parameters in statements:
            plan = [row[0] for row in connection.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).fetchall()]
            scans = sorted({line.split(" on ")[1].split()[0] for line in plan if "Seq Scan on" in line})
            print(f"{label:42} {plan[-1].strip():28} sequential scans: {', '.join(scans) or 'none'}")


if __name__ == "__main__":
    main()

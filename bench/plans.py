"""EXPLAIN ANALYZE of the queries of the pages people use most, at national volume (`make bench-data`).

    .venv/bin/python -m bench.plans [--database-url postgresql://postgres@127.0.0.1:5432/bench_national]

The queries are captured as the portal's services send them (a representative's overview, the
desk's queue and its search, a page of the month's reports and its counts), then each is run again
under EXPLAIN (ANALYZE, BUFFERS): its execution time and any sequential scan are printed.
"""

from __future__ import annotations

import argparse
import asyncio
from datetime import date
from typing import Any

import psycopg
from sqlalchemy import event, make_url, text

from portal import policy
from portal.applications import service as applications
from portal.casework import queue, reports
from portal.db import Database, sync_url
from portal.pages import tasks
from portal.people import service as people
from portal.people.models import Person

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/bench_national"
LIGA = "230565-11005"  # the demo caseworker of Rīga, with Rīga's national volume on her desk


async def captured(url: str, today: date) -> list[tuple[str, str, Any]]:
    """(what, statement, parameters) of each query, as the services send them."""
    db = Database(url)
    async with db.session() as session:
        representative = await session.get(Person, await session.scalar(text("SELECT representative_id FROM representation LIMIT 1")))
        assert representative is not None, "the national data has representations"
        liga = await people.person_by_code(session, LIGA)
        scope = policy.DeskScope(municipality_ids=((await people.municipality_by_code(session, "riga")).id,))
    month = date(today.year, today.month, 1) if today.month > 1 else date(today.year - 1, 12, 1)
    last_month = date(month.year, month.month - 1, 1) if month.month > 1 else date(month.year - 1, 12, 1)
    seen: list[tuple[str, str, Any]] = []
    what = [""]
    event.listen(db.engine.sync_engine, "before_cursor_execute",
                 lambda _c, _cur, statement, parameters, *_: seen.append((what[0], statement, parameters)))
    async with db.session() as session:
        for label, work in (
            ("overview: counters", tasks.tasks_of(session, await policy.load_actor(session, representative, today), today)),
            ("overview: applications", applications.applications_of(session, representative, today)),
            ("desk: queue", queue.queue(session, scope, liga, queue.QueueFilter())),
            ("desk: search by name", queue.queue(session, scope, liga, queue.QueueFilter(search="Bērz"))),
            ("desk: my cases", queue.queue(session, scope, liga, queue.QueueFilter(whose=queue.Whose.MINE))),
            ("month's reports: first page", reports.overview(session, scope, last_month)),
            ("month's reports: counts", reports.counts(session, scope, last_month)),
        ):
            what[0] = label
            await work
    await db.dispose()
    return [(label, statement, parameters) for label, statement, parameters in seen if statement.lstrip().startswith("SELECT")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--today", type=date.fromisoformat, default=date.today())
    options = parser.parse_args()
    queries = asyncio.run(captured(options.database_url, options.today))
    with psycopg.connect(make_url(sync_url(options.database_url)).set(drivername="postgresql").render_as_string(False)) as connection:
        for label, statement, parameters in queries:
            plan = [row[0] for row in connection.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).fetchall()]
            scans = sorted({line.split(" on ")[1].split()[0] for line in plan if "Seq Scan on" in line})
            print(f"{label:32} {plan[-1].strip():28} sequential scans: {', '.join(scans) or 'none'}")


if __name__ == "__main__":
    main()

"""Migrations 0026 and 0029 on a database that already has the desk's months: the rows they make from
the data (the tallies and the desk's list rows; the months by state) are the ones the writes keep
(casework.tally). On a SQLite file of its own, whatever the suite's database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy.ext.asyncio import AsyncSession

from portal import db as database
from portal.casework import reports
from portal.people import service as people
from portal.policy import DeskScope
from tests.casework.test_reports import ANNA, MARTA, OLGA, granted, record, run
from tests.casework.test_tallies import kept_rows, months_around


def test_0026_and_0029_make_the_rows_the_writes_keep(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tallies.sqlite3'}"
    config = database.alembic_config(url)
    command.upgrade(config, "head")
    months = months_around()
    ids = granted(url, months[3], [ANNA, MARTA, OLGA])
    record(url, ids[ANNA], months[2], [3], 2)
    record(url, ids[MARTA], months[2], [4], 2, then="return")
    record(url, ids[OLGA], months[1], [5], 2, then="submit")
    record(url, ids[ANNA], months[2], [6], 1, correct_first=True)

    async def rows_and_counts(session: AsyncSession) -> tuple[object, ...]:
        scope = DeskScope(municipality_ids=((await people.municipality_by_code(session, "riga")).id,))
        return (*await kept_rows(session), [await reports.counts(session, scope, month) for month in months])

    kept = run(url, rows_and_counts)
    assert kept[0] and kept[2] and kept[3], "the writes kept tallies, list rows and months by state"
    command.downgrade(config, "0025")
    command.upgrade(config, "head")
    assert run(url, rows_and_counts) == kept

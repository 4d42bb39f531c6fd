"""The demo's data for a test, as `portal demo` seeds it: for real the first time in a session, then written again.

`portal.demo.seed` goes through the services (every timesheet entry saved, checked and locked as a
person's would be): about 4 s of CPU, and a dozen tests a run start from it. The first seed of a
day, database and storage in the session is real; the rows it wrote and the files it stored are kept,
and a later test's seed writes those rows again in one transaction, with the same ids, the times the
seed stamped moved to now (their order and spacing kept; the demo's history is on fixed days and
stays), and the files put back. Only into an empty database (after the suite's cleanup): anything
else, and whatever cannot be written again, gets the real seed.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.exc import DBAPIError

from portal import clock, demo
from portal.db import Database
from portal.settings import Settings
from portal.storage import FileStorage
from tests.conftest import cleaned_tables, engine_for

_SLACK = timedelta(seconds=1)


@dataclass(frozen=True)
class Seeded:
    """What one real seed wrote: each table's rows, in the order the tables are created, and the files."""

    rows: list[tuple[Table, list[dict[str, Any]]]]
    files: dict[Path, bytes]
    started: datetime
    finished: datetime

    def _moved(self, row: dict[str, Any], by: timedelta) -> dict[str, Any]:
        def moved(value: Any) -> Any:
            if not isinstance(value, datetime):
                return value
            aware = value if value.tzinfo else value.replace(tzinfo=UTC)
            if not self.started - _SLACK <= aware <= self.finished + _SLACK:
                return value
            return value + by

        return {name: moved(value) for name, value in row.items()}

    def write_again(self, database_url: str) -> bool:
        """False, with nothing written, when the database is not empty or a row cannot be written."""
        by = datetime.now(UTC) - self.started
        try:
            with engine_for(database_url).begin() as connection:
                if connection.dialect.name == "postgresql":
                    # Foreign keys as in the cleanup's transaction: the rows are what one seed left. (The ids are
                    # the first seed's, which the sequences passed then: they only go on.)
                    connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
                for table, _ in self.rows:
                    if connection.scalar(select(func.count()).select_from(table)):
                        return False
                for table, rows in self.rows:
                    if rows:
                        connection.execute(table.insert(), [self._moved(row, by) for row in rows])
        except DBAPIError:
            return False
        for path, content in self.files.items():
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(content)
        return True


_SEEDED: dict[tuple[str, str, date], Seeded] = {}


def _files(directory: Path) -> dict[Path, bytes]:
    return {path: path.read_bytes() for path in directory.rglob("*") if path.is_file()} if directory.is_dir() else {}


def everything(database_url: str) -> list[tuple[Table, list[dict[str, Any]]]]:
    with engine_for(database_url).connect() as connection:
        return [(table, [dict(row) for row in connection.execute(table.select().order_by(*table.primary_key.columns)).mappings()])
                for table in cleaned_tables()]


def seed_demo(settings: Settings) -> None:
    key = (settings.database_url, settings.upload_dir, clock.today())
    seeded = _SEEDED.get(key)
    if seeded is not None and seeded.write_again(settings.database_url):
        return
    seeded = seed_for_real(settings)
    if seeded is not None:
        _SEEDED[key] = seeded


def seed_for_real(settings: Settings) -> Seeded | None:
    """`portal.demo.seed`; what it wrote, when the database was empty before (else None)."""
    empty = not any(rows for _, rows in everything(settings.database_url))
    files_before = _files(Path(settings.upload_dir))
    started = datetime.now(UTC)

    async def work() -> None:
        db = Database(settings.database_url)
        async with db.session() as session:
            await demo.seed(session, FileStorage(settings.upload_dir))
        await db.dispose()

    asyncio.run(work())
    if not empty:
        return None
    files = {path: content for path, content in _files(Path(settings.upload_dir)).items() if files_before.get(path) != content}
    return Seeded(everything(settings.database_url), files, started, datetime.now(UTC))

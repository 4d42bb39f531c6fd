"""The demo written again (tests/demo_seed.py) is the demo as seeded: the same rows, the same files, and the
database goes on from there as after a real seed."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from portal.people.models import Person
from portal.settings import Settings
from tests.conftest import clean, engine_for
from tests.demo_seed import everything, seed_for_real


def _without_times(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return [{name: value for name, value in row.items() if not isinstance(value, datetime)} for row in rows]


def test_the_demo_written_again_is_the_demo_seeded(settings: Settings) -> None:
    seeded = seed_for_real(settings)
    assert seeded is not None
    seeded_rows = everything(settings.database_url)
    assert sum(len(rows) for _, rows in seeded_rows) > 500
    clean(settings.database_url)
    for path in seeded.files:
        path.unlink()

    assert seeded.write_again(settings.database_url)
    again = everything(settings.database_url)
    assert [table.name for table, _ in again] == [table.name for table, _ in seeded_rows]
    moved = kept = 0
    for (table, rows), (_, first) in zip(again, seeded_rows, strict=True):
        assert _without_times(rows) == _without_times(first), table.name
        times = [(a, b) for row, before in zip(rows, first, strict=True) for a, b in zip(row.values(), before.values(), strict=True)
                 if isinstance(a, datetime)]
        assert all(a >= b for a, b in times), table.name
        moved += sum(a > b for a, b in times)
        kept += sum(a == b for a, b in times)
    assert moved and kept  # the seed's own stamps moved to now, the demo's history on its days
    assert seeded.files and all(Path(path).read_bytes() == content for path, content in seeded.files.items())

    # Not twice: into a database that is not empty, nothing is written.
    assert not seeded.write_again(settings.database_url)
    # New rows get new ids.
    with engine_for(settings.database_url).begin() as connection:
        largest = connection.scalar(select(Person.id).order_by(Person.id.desc()).limit(1))
        inserted = connection.execute(Person.__table__.insert().values(personal_code="010101-10006", given_name="Jauns",
                                                                       family_name="Cilvēks").returning(Person.__table__.c.id)).scalar_one()
    assert largest is not None and inserted > largest

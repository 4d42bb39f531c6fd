"""Representation is valid only within its period; the query returns people without N+1."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import event

from portal.db import Database
from portal.people import service
from portal.people.models import RepresentationKind


def test_only_representations_valid_today_count(database_url: str) -> None:
    async def scenario() -> None:
        db = Database(database_url)
        try:
            async with db.session() as session:
                parent = await service.ensure_person(session, "020790-11000", "Jānis", "Kalniņš")
                child = await service.ensure_person(session, "120215-21007", "Marta", "Kalniņa")
                ward = await service.ensure_person(session, "150385-11001", "Anna", "Bērziņa")
                former = await service.ensure_person(session, "328673-00679", "Ольга", "Иванова")
                today = date(2026, 11, 22)
                await service.add_representation(session, parent, child, RepresentationKind.PARENT, date(2015, 2, 12), date(2033, 2, 11))
                await service.add_representation(session, parent, ward, RepresentationKind.GUARDIAN, today, None)
                await service.add_representation(session, parent, former, RepresentationKind.AUTHORISED, date(2020, 1, 1), date(2026, 11, 21))
                await service.add_representation(session, parent, former, RepresentationKind.AUTHORISED, date(2026, 11, 23), None)

                statements: list[str] = []
                sync_engine = db.engine.sync_engine
                listener = lambda *args: statements.append(args[2])  # noqa: E731
                event.listen(sync_engine, "before_cursor_execute", listener)
                valid = await service.represented_people(session, parent, today)
                names = [r.represented.full_name for r in valid]
                event.remove(sync_engine, "before_cursor_execute", listener)

                assert names == ["Marta Kalniņa", "Anna Bērziņa"]
                assert len(statements) == 1
                assert await service.represented_people(session, child, today) == []
        finally:
            await db.dispose()

    asyncio.run(scenario())

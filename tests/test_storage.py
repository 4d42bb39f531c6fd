"""A stored file follows the transaction of the row that names it (portal/storage.py), on the real database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text

from portal.db import Database
from portal.storage import FileStorage, delete_after_commit, save_within


class Refused(Exception):
    """What a service raises after it saved a file: the unit of work rolls back."""


def stored(root: Path) -> set[str]:
    return {path.name for path in root.glob("*/*")}


def test_a_file_saved_in_a_transaction_that_rolls_back_is_deleted(database_url: str, tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)

    async def work() -> str:
        db = Database(database_url)
        kept = ""
        try:
            async with db.session() as session:
                await session.execute(text("SELECT 1"))
                kept = save_within(session, storage, b"kept")
            with pytest.raises(Refused):
                async with db.session() as session:
                    await session.execute(text("SELECT 1"))
                    save_within(session, storage, b"rolled back")
                    raise Refused
        finally:
            await db.dispose()
        return kept

    kept = asyncio.run(work())
    assert stored(tmp_path) == {kept}


def test_a_file_goes_only_when_its_rows_deletion_commits(database_url: str, tmp_path: Path) -> None:
    storage = FileStorage(tmp_path)
    key = storage.save(b"a document")

    async def work() -> None:
        db = Database(database_url)
        try:
            with pytest.raises(Refused):
                async with db.session() as session:
                    await session.execute(text("SELECT 1"))
                    delete_after_commit(session, storage, key)
                    raise Refused
            assert stored(tmp_path) == {key}, "a deletion that rolled back took the file"
            async with db.session() as session:
                await session.execute(text("SELECT 1"))
                delete_after_commit(session, storage, key)
                assert stored(tmp_path) == {key}, "the file went before the deletion committed"
        finally:
            await db.dispose()

    asyncio.run(work())
    assert stored(tmp_path) == set()

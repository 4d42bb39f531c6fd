"""Keyset pagination: a page of a list ordered by (time, id), and the cursors of the pages either side.

A page is found by where the last one ended (`after`) or the next one began (`before`), not by an
offset: each page is an index range read whatever the list's length, and a row added meanwhile moves
no one onto a page they already saw. A cursor is plain text in the URL ("<microseconds>.<id>"); one
that does not read as a cursor is the first page.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from portal.forms import MAX_INT

PAGE_SIZE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_MICROSECONDS = 253_402_300_799_999_999  # the last microsecond of the year 9999, datetime's last
CURSOR = re.compile(r"([0-9]{1,18})\.([0-9]{1,10})")  # ASCII digits only: "٣" is not a digit here

T = TypeVar("T")


@dataclass(frozen=True)
class Cursor:
    at: datetime
    id: int

    def text(self) -> str:
        return f"{(self.at - EPOCH) // timedelta(microseconds=1)}.{self.id}"

    @classmethod
    def read(cls, text: str) -> Cursor | None:
        found = CURSOR.fullmatch(text)
        if found is None:
            return None
        micros, row_id = int(found.group(1)), int(found.group(2))
        if micros > MAX_MICROSECONDS or row_id > MAX_INT:
            return None
        return cls(EPOCH + timedelta(microseconds=micros), row_id)


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    after: str | None  # the cursor of the next page, when there is one
    before: str | None  # the cursor of the previous page, when there is one


async def keyset_page(
    db: AsyncSession,
    query: Select[Any],
    at: InstrumentedAttribute[Any],
    row_id: InstrumentedAttribute[int],
    key: Callable[[T], Cursor],
    *,
    descending: bool = False,
    after: Cursor | None = None,
    before: Cursor | None = None,
    size: int = PAGE_SIZE,
) -> Page[T]:
    """The rows of `query` after the cursor `after` (or before `before`), in (at, id) order."""
    forward = before is None or after is not None  # backwards only when asked for the page before
    cursor = after if forward else before
    ascending = not descending if forward else descending  # read a previous page backwards, then turn it
    if cursor is not None:
        position = (cursor.at, cursor.id)
        query = query.where(tuple_(at, row_id) > position if ascending else tuple_(at, row_id) < position)
    order = (at.asc(), row_id.asc()) if ascending else (at.desc(), row_id.desc())
    rows: list[T] = list(await db.scalars(query.order_by(*order).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    has_next, has_previous = (more, cursor is not None) if forward else (True, more)
    return Page(
        rows,
        after=key(rows[-1]).text() if rows and has_next else None,
        before=key(rows[0]).text() if rows and has_previous else None,
    )

"""Keyset pagination: a page of a list in the order of some columns (the last one unique), and the
cursors of the pages either side.

A page is found by where the last one ended (`after`) or the next one began (`before`), not by an
offset: each page is an index range read whatever the list's length, and a row added meanwhile moves
no one onto a page they already saw. A cursor is the key of a row, as URL-safe text; one that does
not read as a key of the list's kinds is the first page.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from portal.forms import MAX_INT

PAGE_SIZE = 50
MAX_CURSOR = 600  # characters: a key of a few names and numbers
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_MICROSECONDS = 253_402_300_799_999_999  # the last microsecond of the year 9999, datetime's last
SEPARATOR = "\x1f"  # the unit separator: in no name, number or date
DIGITS = re.compile(r"[0-9]{1,18}")  # ASCII digits only: "٣" is not a digit here

T = TypeVar("T")
Value = int | str | date | datetime
Key = tuple[Value, ...]


def cursor_text(key: Key) -> str:
    """The key as URL-safe text: each value with a letter for its kind (t time, d date, i integer, s text)."""
    parts = []
    for value in key:
        if isinstance(value, datetime):
            parts.append(f"t{(value - EPOCH) // timedelta(microseconds=1)}")
        elif isinstance(value, date):
            parts.append(f"d{value.isoformat()}")
        elif isinstance(value, int):
            parts.append(f"i{value}")
        else:
            parts.append(f"s{value}")
    return base64.urlsafe_b64encode(SEPARATOR.join(parts).encode()).decode().rstrip("=")


def read_cursor(text: str, kinds: str) -> Key | None:
    """The key written by `cursor_text`, when its values are of these kinds ("ti": a time, an id); else None."""
    if not text or len(text) > MAX_CURSOR:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    parts = raw.split(SEPARATOR)
    if len(parts) != len(kinds):
        return None
    key: list[Value] = []
    for part, kind in zip(parts, kinds, strict=True):
        value = _value(part, kind)
        if value is None:
            return None
        key.append(value)
    return tuple(key)


def _value(part: str, kind: str) -> Value | None:
    if part[:1] != kind:
        return None
    body = part[1:]
    if kind == "s":
        return body
    if kind == "d":
        try:
            return date.fromisoformat(body)
        except ValueError:
            return None
    if not DIGITS.fullmatch(body):
        return None
    number = int(body)
    if kind == "i":
        return number if number <= MAX_INT else None
    return EPOCH + timedelta(microseconds=number) if number <= MAX_MICROSECONDS else None


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    after: str | None  # the cursor of the next page, when there is one
    before: str | None  # the cursor of the previous page, when there is one


async def keyset_page(
    db: AsyncSession,
    query: Select[Any],
    columns: Sequence[Any],
    key: Callable[[T], Key],
    *,
    descending: bool = False,
    after: Key | None = None,
    before: Key | None = None,
    size: int = PAGE_SIZE,
    entities: bool = False,
) -> Page[T]:
    """The rows of `query` after the key `after` (or before `before`), in the order of `columns`.

    `entities`: the query selects several things per row (rows of tuples), not one (scalars).
    """
    forward = before is None or after is not None  # backwards only when asked for the page before
    cursor = after if forward else before
    ascending = not descending if forward else descending  # a previous page is read backwards, then turned
    if cursor is not None:
        position = tuple_(*columns)
        query = query.where(position > cursor if ascending else position < cursor)
    order = [column.asc() if ascending else column.desc() for column in columns]
    query = query.order_by(*order).limit(size + 1)
    result = await db.execute(query)
    rows: list[T] = list(result.all() if entities else result.scalars().all())
    more = len(rows) > size
    rows = rows[:size]
    if not forward:
        rows.reverse()
    has_next, has_previous = (more, cursor is not None) if forward else (True, more)
    return Page(
        rows,
        after=cursor_text(key(rows[-1])) if rows and has_next else None,
        before=cursor_text(key(rows[0])) if rows and has_previous else None,
    )

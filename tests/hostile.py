"""Hostile input for the HTTP tests: the values, posting them as a browser never would, and looking
through the whole database for what must never be stored."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import create_engine, select

from portal import db as database
from portal.forms import Body
from tests.client import TestClient

# What a person could paste or a tool could send in place of an answer.
HOSTILE = ("\x00", "a\x00b", "²", "①", "٣", "12345678901234567890", "-1", "2026-02-30", "x" * 20_000)
NEVER_STORED = ("\x00", "\ufffd")
FORM = {"content-type": "application/x-www-form-urlencoded"}


def body_of(data: dict[str, Any]) -> Body:
    """A POST's fields as the boundary reads them, from {name: value or [values]}."""
    return Body([(name, item) for name, value in data.items() for item in (value if isinstance(value, list) else [value])])


def post_fields(client: TestClient, path: str, token: str, fields: Sequence[tuple[str, str]]) -> httpx.Response:
    """The fields exactly as given: in this order, a name twice if it is there twice."""
    return client.post(path, content=urlencode([("csrf_token", token), *fields]).encode(), headers=FORM)


def texts_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from texts_in(key)
            yield from texts_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from texts_in(item)


def stored_marks(database_url: str) -> list[tuple[str, str]]:
    """(table, text) for every text in the database, JSON included, that holds NUL or U+FFFD."""
    engine = create_engine(database.sync_url(database_url))
    found: list[tuple[str, str]] = []
    try:
        with engine.connect() as connection:
            for table in database.Base.metadata.sorted_tables:
                for row in connection.execute(select(table)):
                    for text in texts_in(tuple(row)):
                        if any(mark in text for mark in NEVER_STORED):
                            found.append((table.name, text[:80]))
    finally:
        engine.dispose()
    return found


def error_link(field_id: str) -> str:
    """The error summary's link to the field: the message is at the field."""
    return f'href="#{field_id}"'

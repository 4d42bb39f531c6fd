"""Migration 0009 on an outbox that already has rows: sent, given up by the old code, waiting.

On a SQLite file of its own (whatever the suite's database), from 0008 to 0009 and back.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine, text

from portal import db as database

CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def test_0009_keeps_sent_sent_makes_given_up_messages_dead_letters_and_the_rest_due(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'outbox.sqlite3'}"
    config = database.alembic_config(url)
    command.upgrade(config, "0008")
    engine = create_engine(database.sync_url(url))
    insert = text("INSERT INTO outbox_message (id, created_at, channel, to_address, subject, body, sent_at, attempts, last_error)"
                  " VALUES (:id, :created, 'email', 'anna@example.lv', 'S', 'B', :sent, :attempts, '')")
    with engine.begin() as connection:
        connection.execute(insert, [
            {"id": 1, "created": CREATED, "sent": CREATED, "attempts": 1},
            {"id": 2, "created": CREATED, "sent": None, "attempts": 5},  # the old code had given up on it
            {"id": 3, "created": CREATED, "sent": None, "attempts": 2},
        ])

    command.upgrade(config, "0009")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, status, attempts, next_attempt_at, delivery_key FROM outbox_message ORDER BY id")).all()
    assert [(row.id, row.status, row.attempts) for row in rows] == [(1, "sent", 1), (2, "dead", 5), (3, "pending", 2)]
    assert {row.next_attempt_at[:19] for row in rows} == {"2026-03-01 09:30:00"}
    assert len({row.delivery_key for row in rows}) == 3 and all(len(row.delivery_key) == 16 for row in rows)

    with engine.begin() as connection:
        connection.execute(text("UPDATE outbox_message SET attempts = 9 WHERE id = 3"))
    command.downgrade(config, "0008")
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, attempts FROM outbox_message ORDER BY id")).all()
    assert [tuple(row) for row in rows] == [(1, 1), (2, 5), (3, 4)]  # the waiting one keeps a last try under the old code
    engine.dispose()

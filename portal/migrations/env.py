"""Alembic environment: the URL comes from the caller (portal.db.upgrade), never from a file."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

import portal.models  # noqa: F401  (every table registered on Base.metadata)
from portal.db import Base, sync_url

config = context.config
url = sync_url(config.get_main_option("sqlalchemy.url") or "")


def run_migrations() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()

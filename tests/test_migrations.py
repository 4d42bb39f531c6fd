"""`alembic upgrade head` on an empty database gives exactly the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from portal import db as database
from portal.db import Base


def test_migrations_equal_the_models(database_url: str) -> None:
    engine = create_engine(database.sync_url(database_url))
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "compare_server_default": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_every_foreign_key_is_indexed(database_url: str) -> None:
    engine = create_engine(database.sync_url(database_url))
    inspector = inspect(engine)
    unindexed = []
    for table in inspector.get_table_names():
        indexed = [tuple(ix["column_names"]) for ix in inspector.get_indexes(table)]
        indexed += [tuple(uq["column_names"]) for uq in inspector.get_unique_constraints(table)]
        indexed.append(tuple(inspector.get_pk_constraint(table)["constrained_columns"]))  # a primary key is an index too
        for fk in inspector.get_foreign_keys(table):
            columns = tuple(fk["constrained_columns"])
            if not any(ix[: len(columns)] == columns for ix in indexed):
                unindexed.append((table, columns))
    engine.dispose()
    assert unindexed == []


def test_the_43_municipalities_are_there(database_url: str) -> None:
    engine = create_engine(database.sync_url(database_url))
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM municipality")).scalar_one()
        riga = connection.execute(text("SELECT name_lv, name_ru FROM municipality WHERE code = 'riga'")).one()
    engine.dispose()
    assert count == 43
    assert riga == ("Rīgas valstspilsēta", "Рига")

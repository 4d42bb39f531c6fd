"""The database: engine, a session per unit of work, and the declarative Base.

PORTAL_DATABASE_URL is written the ordinary way (sqlite:///..., postgresql://...);
the async driver for the app and the sync one for Alembic are chosen here.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from alembic.config import Config as AlembicConfig
from sqlalchemy import Connection, DateTime, Enum, MetaData, Select, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from portal.settings import Settings

# Stable constraint names, so migrations can name what they alter on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


def utcnow() -> datetime:
    return datetime.now(UTC)


def string_enum(enum_class: type[StrEnum], name: str, length: int = 32) -> Enum:
    # Stored as their values in a plain VARCHAR(length): adding a member needs no ALTER TYPE.
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


def async_url(database_url: str) -> URL:
    url = make_url(database_url)
    if url.drivername in {"sqlite", "sqlite+pysqlite"}:
        return url.set(drivername="sqlite+aiosqlite")
    if url.drivername in {"postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"}:
        return url.set(drivername="postgresql+psycopg")
    return url


def sync_url(database_url: str) -> URL:
    url = make_url(database_url)
    if url.drivername in {"sqlite+aiosqlite"}:
        return url.set(drivername="sqlite")
    if url.drivername in {"postgresql", "postgres", "postgresql+psycopg2", "postgresql+psycopg"}:
        return url.set(drivername="postgresql+psycopg")
    return url


SQLITE_BUSY_TIMEOUT_MS = 10_000


def _configure_sqlite(dbapi_connection: Any, _record: object) -> None:
    # The portal, not the driver, says when a transaction begins (see _begin_sqlite_write).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    # Write-ahead logging: a reader sees the last commit and neither waits for a writer nor stops one.
    cursor.execute("PRAGMA journal_mode=WAL")
    # Deleted rows are overwritten, not left in free pages (a survey's held answers, a deleted draft).
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


READ_ONLY = "portal_read_only"


def _begin_sqlite_write(connection: Connection) -> None:
    # SQLite has one writer at a time. A transaction that reads and then writes would find at its
    # first write that another wrote in between (SQLITE_BUSY, at once), and a rule checked by its
    # reads would no longer hold. Every transaction takes the write lock when it begins, so two
    # transactions run one after the other, and a rule a service checks before it writes holds
    # (the PostgreSQL equivalent is the row lock, `for_update`). Waiting is bounded by busy_timeout.
    # A transaction declared read-only (`read_only`) only reads: in WAL mode it waits for no one.
    read_only = connection.get_execution_options().get(READ_ONLY, False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


async def read_only(session: AsyncSession) -> None:
    """Declare the transaction the session begins now as one that only reads (before its first query).

    On SQLite it then takes no write lock, so readers never queue behind writers; a write in it would
    be refused or fail. PostgreSQL ignores it.
    """
    await session.connection(execution_options={READ_ONLY: True})


async def separate_reads(session: AsyncSession) -> None:
    """The session's next statements are reads that need no common snapshot, each sent on its own (before the first).

    On PostgreSQL they run outside a transaction: no BEGIN and no COMMIT, two round trips fewer for
    what every signed-in request reads (who is signed in, their roles and representations). On
    SQLite, a read-only transaction (`read_only`). Nothing may be written until `commit`.
    """
    if session.get_bind().dialect.name == "sqlite":
        await read_only(session)
    else:
        await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})


def _pool_options(url: URL, pool_size: int | None, max_overflow: int | None, pool_timeout_seconds: float | None) -> dict[str, Any]:
    """The queue pool's size and deadline; None keeps SQLAlchemy's own (5 + 10, 30 s).

    An in-memory SQLite database has a single connection (SQLAlchemy's StaticPool), which takes none.
    """
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return {}
    options = {"pool_size": pool_size, "max_overflow": max_overflow, "pool_timeout": pool_timeout_seconds}
    return {name: value for name, value in options.items() if value is not None}


def _postgres_connect_args(
    url: URL, statement_timeout_ms: int | None, lock_timeout_ms: int | None, pool_timeout_seconds: float | None
) -> dict[str, Any]:
    """Each PostgreSQL connection's statement_timeout and lock_timeout, sent when it connects, and
    how long connecting may take.

    In the startup packet (libpq's `options`), so they cost no round trip and hold on every
    connection the pool opens; `options` already in the URL are kept before them. Connecting gets
    the pool's deadline (libpq's least is 2 s): a server that does not answer sheds the request
    like a full pool, instead of the TCP stack's two minutes.
    """
    given = url.query.get("options")
    parts = [given] if isinstance(given, str) and given else []
    if statement_timeout_ms is not None:
        parts.append(f"-c statement_timeout={statement_timeout_ms}")
    if lock_timeout_ms is not None:
        parts.append(f"-c lock_timeout={lock_timeout_ms}")
    args: dict[str, Any] = {"options": " ".join(parts)} if parts else {}
    if pool_timeout_seconds is not None and "connect_timeout" not in url.query:
        args["connect_timeout"] = max(2, math.ceil(pool_timeout_seconds))
    return args


# A pooled connection back for less than this is taken again without a ping (HikariCP's "alive bypass window").
PING_AFTER_IDLE_SECONDS = 1.0
_RETURNED_AT = "portal_returned_at"


def _ping_when_idle(engine: AsyncEngine) -> None:
    """A ping before a connection's use guards against PostgreSQL connections dropped by proxies or failovers,
    but only after it has been idle a while: one that was in use a moment ago is alive, and a signed-in
    page takes a connection twice (who is signed in, then the page), so SQLAlchemy's pre-ping sent
    a message more for each. A dead connection is replaced, as pre-ping does (DisconnectionError)."""
    dialect = engine.sync_engine.dialect

    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        back_at = record.info.get(_RETURNED_AT)
        if back_at is not None and time.monotonic() - back_at < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as error:  # any failure of the ping: the pool opens another connection
            raise DisconnectionError() from error

    event.listen(engine.sync_engine, "checkin", returned)
    event.listen(engine.sync_engine, "checkout", checked_out)


class Database:
    def __init__(
        self,
        database_url: str,
        *,
        pool_size: int | None = None,
        max_overflow: int | None = None,
        pool_timeout_seconds: float | None = None,
        statement_timeout_ms: int | None = None,
        lock_timeout_ms: int | None = None,
        base_url: str = "",
    ) -> None:
        """The engine and its sessions. The limits come from Settings (create_app); None keeps the
        driver's and the server's own, as the CLI and the tests' own Database objects do.

        SQLite has no statement or lock timeout: a transaction waits at most its busy_timeout for
        the write lock (SQLITE_BUSY_TIMEOUT_MS), then fails with "database is locked".
        """
        url = async_url(database_url)
        backend = url.get_backend_name()
        connect_args = _postgres_connect_args(url, statement_timeout_ms, lock_timeout_ms, pool_timeout_seconds) if backend == "postgresql" else {}
        self.engine: AsyncEngine = create_async_engine(
            url,
            connect_args=connect_args,
            **_pool_options(url, pool_size, max_overflow, pool_timeout_seconds),
        )
        if backend != "sqlite":
            _ping_when_idle(self.engine)
        if url.get_backend_name() == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _configure_sqlite)
            event.listen(self.engine.sync_engine, "begin", _begin_sqlite_write)
        # The portal's address, for the links in the notices a service queues (notifications/notices.py).
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False, info={"base_url": base_url} if base_url else None)

    @classmethod
    def for_settings(cls, settings: Settings) -> Database:
        """The portal's database with the pool and timeouts its settings give (the app, the worker, the CLI)."""
        return cls(
            settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout_seconds=settings.db_pool_timeout_seconds,
            statement_timeout_ms=settings.db_statement_timeout_ms,
            lock_timeout_ms=settings.db_lock_timeout_ms,
            base_url=settings.base_url,
        )

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: committed when the block ends cleanly, rolled back otherwise.

        For work outside a request (the CLI, the worker, background tasks); a request uses its own
        session (`unit_of_work`).
        """
        async with self._sessions() as session, committed(session):
            yield session

    def new_session(self) -> AsyncSession:
        return self._sessions()

    async def dispose(self) -> None:
        await self.engine.dispose()


REQUEST_SESSION = "portal.db_session"


class _RequestSession:
    """The request's session, once made; shared by every copy of the request's scope."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.session: AsyncSession | None = None


class RequestSessionMiddleware:
    """Each request has one database session, from the first query (who is signed in) to the last.

    The session is made when the request first asks for it (`request_session`): a page that reads
    nothing (the start page, a static file) neither makes nor closes one. A session holds a
    connection only while a transaction is open, so a request that reads the actor and then renders
    a page holds none while it renders.
    """

    def __init__(self, app: ASGIApp, database: Database) -> None:
        self.app = app
        self.database = database

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        holder = scope[REQUEST_SESSION] = _RequestSession(self.database)
        try:
            await self.app(scope, receive, send)
        finally:
            if holder.session is not None:
                await holder.session.close()


def request_session(scope: Scope) -> AsyncSession:
    """The request's database session, made on first use (RequestSessionMiddleware closes it)."""
    holder = scope.get(REQUEST_SESSION)
    if not isinstance(holder, _RequestSession):
        raise RuntimeError("the request has no database session (RequestSessionMiddleware is missing)")
    if holder.session is None:
        holder.session = holder.database.new_session()
    return holder.session


@asynccontextmanager
async def unit_of_work(request: HTTPConnection) -> AsyncIterator[AsyncSession]:
    """The request's session for one unit of work: committed when the block ends cleanly, rolled back otherwise."""
    async with committed(request_session(request.scope)) as session:
        yield session


@asynccontextmanager
async def reads(request: HTTPConnection) -> AsyncIterator[AsyncSession]:
    """The request's session for a page that only reads, each statement on its own (`separate_reads`): an overview."""
    session = request_session(request.scope)
    await separate_reads(session)
    async with committed(session):
        yield session


@asynccontextmanager
async def committed(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commit what the block did when it ends cleanly; roll it back when it raises."""
    try:
        yield session
        await session.commit()
    except BaseException:
        await session.rollback()
        raise


SelectT = TypeVar("SelectT", bound=Select[Any])
RowT = TypeVar("RowT")


def for_update(statement: SelectT) -> SelectT:
    """The rows, locked until the transaction ends, and read fresh (not from the session's identity map).

    What a service checks before it writes (a limit, a state, a draft's answers) then holds until it
    commits: a second transaction doing the same waits here. PostgreSQL: SELECT .. FOR UPDATE; SQLite
    ignores it and needs none, its transactions take the write lock when they begin.
    """
    return statement.with_for_update().execution_options(populate_existing=True)


async def added_or_existing(
    session: AsyncSession, row: RowT, existing: Callable[[], Awaitable[RowT | None]]
) -> tuple[RowT, bool]:
    """Add a row a unique constraint keeps single (a draft, a month's report); when another transaction
    added it first, that one instead. True when this one was added.

    The INSERT runs in a savepoint: a lost race leaves the rest of the transaction usable.
    """
    try:
        async with session.begin_nested():
            session.add(row)
        return row, True
    except IntegrityError:
        found = await existing()
        if found is None:
            raise
        return found, False


def violates(error: IntegrityError, constraint: str) -> bool:
    """Whether the database refused a write for the named constraint (PostgreSQL names it; SQLite's
    message names the columns of a unique one, and it has no other kind a caller tells apart)."""
    diagnostics = getattr(error.orig, "diag", None)
    if diagnostics is not None:
        return bool(diagnostics.constraint_name == constraint)
    return constraint in str(error.orig)


MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).render_as_string(hide_password=False))
    return config


def upgrade(database_url: str) -> None:
    """`alembic upgrade head` against the given database."""
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")

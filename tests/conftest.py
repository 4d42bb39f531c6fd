"""Fixtures shared by every test: a real database, the real eID provider, the app.

The database is SQLite unless PORTAL_TEST_DATABASE_URL names another (CI
runs the suite a second time against PostgreSQL).

Two things make the suite faster without proving less:

- Every app the tests create shares one cache of compiled template code
  (Jinja's bytecode cache, keyed by template and source checksum), so a
  template is compiled once per session instead of once per test.
- A person signs in through the real flow (portal -> provider -> portal
  callback) once per session for each situation, and a later sign-in in the
  same situation replays what that flow did: the rows it wrote (the person as
  it left them, with the same id, and its audit event, their timestamps moved
  to now) and the cookies it set. See "signing in" below; tests/eid/ and tests
  marked `fresh_sign_in` always go through the real flow.
"""

from __future__ import annotations

import base64
import copy
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookiejar import Cookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import itsdangerous
import jinja2
import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, Integer, Table, create_engine, func, make_url, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import DBAPIError

from portal import db as database
from portal import tls
from portal.app import SESSION_COOKIE, create_app
from portal.db import Base
from portal.eid.mock_provider import running_provider
from portal.eid.session import PERSON_ID, SIGNED_IN_AT
from portal.settings import Settings
from tests.client import TestClient

# Hypothesis's deadline is a timing assertion: on a shared, loaded machine it fails tests that are right.
hypothesis_settings.register_profile("portal", deadline=None)
hypothesis_settings.load_profile("portal")

TEST_SECRET = "test-secret-key-for-the-suite-only"
UPLOAD_DIR = Path(tempfile.gettempdir()) / f"portal-test-uploads-{os.getpid()}"
ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------ markers


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`browser` on every test that needs Chromium or the npm tools, wherever it is; `database` on every test that
    uses the database (PostgreSQL's run is those: the others would only repeat what SQLite's proved);
    `fresh_sign_in` on tests/eid/.

    tests/accessibility/ drives Chromium and runs axe-core; the Nu HTML Checker
    (`assert_valid` in tests/pages/test_html_valid.py) needs node_modules/vnu-jar
    and Java. `-m 'not browser'` runs with nothing but `make install`.
    """
    accessibility, eid = ROOT / "tests" / "accessibility", ROOT / "tests" / "eid"
    for item in items:
        path = Path(str(item.path))
        if (
            path.is_relative_to(accessibility)
            or {"browser", "browser_no_js", "_browsers"} & set(getattr(item, "fixturenames", ()))
            or _uses_the_nu_checker(getattr(item, "function", None))
        ):
            item.add_marker(pytest.mark.browser)
        if "database_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.database)
        if path.is_relative_to(eid):
            item.add_marker(pytest.mark.fresh_sign_in)


NU_CHECKER_MODULE = "tests.pages.test_html_valid"


def _uses_the_nu_checker(function: object) -> bool:
    """The test calls `assert_valid` from tests/pages/test_html_valid.py (imported in the test or in its module)."""
    code = getattr(function, "__code__", None)
    if code is None or "assert_valid" not in code.co_names:
        return False
    imported_here = NU_CHECKER_MODULE in code.co_names
    module_global = getattr(getattr(function, "__globals__", {}).get("assert_valid"), "__module__", None)
    return imported_here or module_global == NU_CHECKER_MODULE


# ----------------------------------------------------------------- database

_ENGINES: dict[str, Engine] = {}


def engine_for(url: str) -> Engine:
    """One synchronous engine per database for the whole session (the tests' own reads and writes)."""
    engine = _ENGINES.get(url)
    if engine is None:
        engine = _ENGINES[url] = create_engine(database.sync_url(url))
    return engine


def _reset_postgres(url: str) -> None:
    engine = create_engine(database.sync_url(url))
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _database_of_its_own(url: str, worker: str) -> str:
    """For a parallel worker (pytest-xdist), a database of its own beside the one named: `test` -> `test_gw0`."""
    given = make_url(database.sync_url(url))
    name = f"{given.database}_{worker}"
    engine = create_engine(given, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database outlives no test run: a commit need not wait for its WAL to reach the disk.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


def _sqlite_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """In memory where the machine has a tmpfs (every commit of every request syncs its file; on tmpfs
    that costs nothing), else beside the session's other temporary files."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        directory = Path(tempfile.mkdtemp(prefix="portal-tests-", dir=shm))
        _SHM_DIRECTORIES.append(directory)
        return directory
    return tmp_path_factory.mktemp("db")


_SHM_DIRECTORIES: list[Path] = []


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url and worker:
        url = _database_of_its_own(url, worker)
    elif url:
        _reset_postgres(url)
    else:
        url = f"sqlite:///{_sqlite_directory(tmp_path_factory) / 'portal.sqlite3'}"
    database.upgrade(url)
    yield url
    engine = _ENGINES.pop(url, None)
    if engine is not None:
        engine.dispose()
    for directory in _SHM_DIRECTORIES:
        shutil.rmtree(directory, ignore_errors=True)


# Reference data that the migrations insert and the tests keep.
KEPT_TABLES = {"municipality", "alembic_version", "hourly_rate"}  # reference data from the migrations


def cleaned_tables() -> list[Table]:
    return [table for table in Base.metadata.sorted_tables if table.name not in KEPT_TABLES]


def _surrogate_key(table: Table) -> str | None:
    """The name of the table's database-assigned integer id, if it has one."""
    columns = list(table.primary_key.columns)
    if len(columns) == 1 and columns[0].autoincrement in ("auto", True) and isinstance(columns[0].type, Integer):
        return columns[0].name
    return None


@pytest.fixture(autouse=True)
def clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with no people (municipalities stay), on either backend."""
    yield
    if "database_url" in request.fixturenames:
        clean(request.getfixturevalue("database_url"))


def clean(url: str) -> None:
    """Every row the tests write gone (the reference data kept)."""
    with engine_for(url).begin() as connection:
        if connection.dialect.name == "postgresql":
            # One message for the whole cleanup (a round trip per table was ~25 ms a test). The audit
            # is append-only (a trigger refuses DELETE, migration 0015): the suite's own cleanup, as
            # the superuser it connects as, runs with triggers off for this transaction.
            connection.exec_driver_sql(_POSTGRES_CLEANUP)
            return
        # An application names its self-assessment and a desk assessment names its application.
        connection.execute(Base.metadata.tables["application"].update().values(assessment_id=None))
        for table in reversed(cleaned_tables()):
            connection.execute(table.delete())


def _postgres_cleanup() -> str:
    quote = postgresql.dialect().identifier_preparer.quote
    deletes = [f"DELETE FROM {quote(table.name)}" for table in reversed(cleaned_tables())]
    return ";\n".join(["SET LOCAL session_replication_role = replica", *deletes])


_POSTGRES_CLEANUP = _postgres_cleanup()


# ------------------------------------------------------------- the templates


class SharedTemplateCode(jinja2.BytecodeCache):
    """Compiled template code shared by every app of the session.

    Jinja checks each entry against the checksum of the template's source, so a
    changed template is compiled again; the key includes what the code depends on.
    """

    def __init__(self) -> None:
        self.code: dict[tuple[object, ...], bytes] = {}
        self.reused = 0

    @staticmethod
    def _key(bucket: jinja2.bccache.Bucket) -> tuple[object, ...]:
        env = bucket.environment
        autoescape: object = env.autoescape
        if callable(autoescape):  # select_autoescape(...): its code and the choices it closes over
            cells = getattr(autoescape, "__closure__", None) or ()
            autoescape = (getattr(autoescape, "__code__", autoescape), tuple(cell.cell_contents for cell in cells))
        return (bucket.key, env.trim_blocks, env.lstrip_blocks, env.keep_trailing_newline, tuple(sorted(env.extensions)),
                env.block_start_string, env.variable_start_string, env.comment_start_string, env.line_statement_prefix,
                env.newline_sequence, autoescape)

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.code.get(self._key(bucket))
        if code is not None:
            bucket.bytecode_from_string(code)
            self.reused += bucket.code is not None  # None: the source changed, compiled again

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[self._key(bucket)] = bucket.bytecode_to_string()


TEMPLATE_CODE = SharedTemplateCode()


@pytest.fixture(scope="session", autouse=True)
def _shared_template_code() -> Iterator[None]:
    """create_app() builds a new Jinja environment each time; give each the session's compiled code."""
    from portal import app as portal_app
    from portal import templating

    original = templating.create_templates

    def create_templates(**options: Any) -> Any:
        templates = original(**options)
        templates.env.bytecode_cache = TEMPLATE_CODE
        return templates

    with pytest.MonkeyPatch.context() as patch:
        for module in (templating, portal_app):  # where it is defined, and where create_app() finds it
            if getattr(module, "create_templates", None) is original:
                patch.setattr(module, "create_templates", create_templates)
        yield


# ---------------------------------------------------------------- the app


@pytest.fixture(scope="session")
def provider() -> Iterator[str]:
    with running_provider("127.0.0.1", 0) as issuer:
        yield issuer


def make_settings(database_url: str, issuer: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "secret_key": TEST_SECRET,
        "base_url": "http://testserver",
        "eid_issuer": issuer,
        "eid_client_secret": "test-client-secret",
        "component_gallery": True,
        "upload_dir": str(UPLOAD_DIR),
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(database_url: str, provider: str) -> Settings:
    return make_settings(database_url, provider)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no CSRF field"
    return match.group(1)


# --------------------------------------------------------------- signing in
#
# What a real sign-in does is a function of its situation: the app's eID and
# session settings, who the provider says the person is (its claims for the
# sub), the language and the page to return to, the browser's other cookies,
# and the person's row before (absent, with the id the database would give
# it next; or present, by its values). SignIns runs the real flow the first
# time a situation comes up in the session and records what it did: the rows
# it inserted and the columns it changed (only the person's row and new rows
# about the person alone are accepted), and the cookies it set. When the same
# situation comes up again, it writes those rows again, with the same ids and
# their timestamps moved to now, and sets those cookies (the signed session
# cookie the real callback issued). It falls back to the real flow whenever
# it cannot be sure: a new situation, a session cookie that already names a
# person, a person whose sessions were revoked, a row the replay cannot write,
# or a session at least half its idle or absolute timeout old. Only on SQLite,
# where ids repeat from test to test (see replays_on).
#
# Nothing in the app knows: the cookie is one the app itself signed, and the
# app checks it on every request as always. What a replay does not prove is
# the sign-in itself, which is why tests/eid/ and tests marked
# `fresh_sign_in` (timeouts, rotation) always sign in for real.

PERSON = "person"
_SLACK = timedelta(seconds=1)


def session_data(cookie_value: str, secret_key: str) -> dict[str, Any] | None:
    """Read (not make) a session cookie the app signed; None if it is not one."""
    try:
        return dict(json.loads(base64.b64decode(itsdangerous.TimestampSigner(secret_key).unsign(cookie_value))))
    except (itsdangerous.BadSignature, ValueError):
        return None


def settings_key(settings: Settings) -> tuple[object, ...]:
    """The settings that decide what signing in does and how long its session lasts."""
    return (settings.database_url, settings.secret_key, settings.base_url, settings.eid_issuer, settings.eid_authorize_url,
            settings.eid_token_url, settings.eid_userinfo_url, settings.eid_jwks_url, settings.eid_end_session_url,
            settings.eid_client_id, settings.eid_client_secret, settings.eid_scope, settings.eid_personal_code_claim,
            settings.idle_timeout_seconds, settings.absolute_timeout_seconds, settings.demo)


def replays_on(database_url: str) -> bool:
    """SQLite gives a new row one past the largest id in its table (no AUTOINCREMENT), so after the
    cleanup a test's people get the same ids as in the test before, and a recorded sign-in can match.
    PostgreSQL's sequences keep counting from test to test: there, every sign-in is a real one."""
    return make_url(database_url).get_backend_name() == "sqlite"


def _next_id(connection: Any, table: Table) -> int:
    """The id SQLite gives the table's next row."""
    return int(connection.scalar(select(func.coalesce(func.max(table.c.id), 0)))) + 1


def _state_of(row: Any, next_id: int | None) -> tuple[object, ...] | None:
    """The person's row as signing in finds it (None: no row, which gets `next_id`); None when only a real sign-in will do."""
    if row is None:
        return ("absent", next_id)
    # The values, but of a time only whether it is set: times never repeat from one test to the next.
    return ("present", *sorted((name, value is not None if isinstance(value, datetime) else value) for name, value in row.items()))


def _person_state(connection: Any, personal_code: str) -> tuple[object, ...] | None:
    person = Base.metadata.tables[PERSON]
    row = connection.execute(person.select().where(person.c.personal_code == personal_code)).mappings().first()
    return _state_of(row, _next_id(connection, person) if row is None else None)


def _snapshot(connection: Any) -> dict[str, dict[object, dict[str, Any]]]:
    rows: dict[str, dict[object, dict[str, Any]]] = {}
    for table in cleaned_tables():
        key_columns = [column.name for column in table.primary_key.columns]
        rows[table.name] = {tuple(row[name] for name in key_columns): dict(row) for row in connection.execute(table.select()).mappings()}
    return rows


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass
class Written:
    """What one real sign-in wrote, to be written again."""

    person_id: int
    personal_code: str
    person_inserted: dict[str, Any] | None
    person_changed: dict[str, Any]
    inserted: list[tuple[str, dict[str, Any]]]
    started: datetime
    finished: datetime

    def _during(self, value: object) -> bool:
        return isinstance(value, datetime) and self.started - _SLACK <= _utc(value) <= self.finished + _SLACK

    def _rows(self) -> list[dict[str, Any]]:
        return [*([self.person_inserted] if self.person_inserted else []), self.person_changed, *(row for _, row in self.inserted)]

    def _now(self, row: dict[str, Any], first: datetime, now: datetime) -> dict[str, Any]:
        """Times the flow wrote, moved so that the first of them is now (their order and spacing kept)."""
        def moved(value: Any) -> Any:
            if not self._during(value):
                return value
            later = now + (_utc(value) - first)
            return later if value.tzinfo else later.replace(tzinfo=None)

        return {name: moved(value) for name, value in row.items()}

    def write_again(self, database_url: str) -> bool:
        """In one transaction; False (and nothing written) if the database is not as it was."""
        person = Base.metadata.tables[PERSON]
        times = [_utc(value) for row in self._rows() for value in row.values() if self._during(value)]
        first, now = min(times, default=self.started), datetime.now(UTC)
        try:
            with engine_for(database_url).begin() as connection:
                if self.person_inserted is not None:
                    if _next_id(connection, person) != self.person_id:
                        raise _NotAsBefore
                    connection.execute(person.insert().values(self._now(self.person_inserted, first, now)))
                if self.person_changed:
                    changed = connection.execute(
                        person.update().where(person.c.id == self.person_id).values(self._now(self.person_changed, first, now))
                    )
                    if changed.rowcount != 1:
                        raise _NotAsBefore
                for name, row in self.inserted:
                    connection.execute(Base.metadata.tables[name].insert().values(self._now(row, first, now)))
        except (_NotAsBefore, DBAPIError):
            return False
        return True


class _NotAsBefore(Exception):
    pass


class Recording:
    """The database before a real sign-in, to tell afterwards what it wrote."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        with engine_for(database_url).connect() as connection:
            self.before = _snapshot(connection)
            self.next_person_id = _next_id(connection, Base.metadata.tables[PERSON])
        self.started = datetime.now(UTC)

    def finish(self, person_id: int) -> tuple[tuple[object, ...], Written] | None:
        """(the person's state before, what the flow wrote), or None if it is not something to write again."""
        finished = datetime.now(UTC)
        with engine_for(self.database_url).connect() as connection:
            after = _snapshot(connection)
        person_inserted: dict[str, Any] | None = None
        person_changed: dict[str, Any] = {}
        inserted: list[tuple[str, dict[str, Any]]] = []
        for table in cleaned_tables():
            old, new = self.before[table.name], after[table.name]
            if old.keys() - new.keys():
                return None  # it deleted something
            for key, row in new.items():
                if key in old and row == old[key]:
                    continue
                if table.name == PERSON:
                    if row["id"] != person_id:
                        return None  # someone else's row
                    if key in old:
                        person_changed = {name: value for name, value in row.items() if old[key][name] != value}
                    else:
                        person_inserted = row
                elif key in old or not self._about_the_person(table, row, person_id):
                    return None  # a changed row, or one not about the person alone: more than a replay can be sure of
                else:
                    surrogate = _surrogate_key(table)  # given by the database again
                    inserted.append((table.name, {name: value for name, value in row.items() if name != surrogate}))
        person = next((row for row in after[PERSON].values() if row["id"] == person_id), None)
        if person is None:
            return None
        before = next((row for row in self.before[PERSON].values() if row["personal_code"] == person["personal_code"]), None)
        if before is None and (person_inserted is None or self.next_person_id != person_id):
            return None  # the id was not the one the database was expected to give
        state = _state_of(before, self.next_person_id)
        if state is None:
            return None
        written = Written(person_id, person["personal_code"], person_inserted, person_changed, inserted, self.started, finished)
        return state, written

    @staticmethod
    def _about_the_person(table: Table, row: dict[str, Any], person_id: int) -> bool:
        """The row names the person, and no one else (nor anything but reference data)."""
        names_the_person = False
        for foreign_key in table.foreign_keys:
            value = row[foreign_key.parent.name]
            target = foreign_key.column.table.name
            if target == PERSON and value == person_id:
                names_the_person = True
            elif value is not None and target not in KEPT_TABLES:
                return False
        return names_the_person


@dataclass
class Replay:
    """A real sign-in's effects: the rows it wrote, what the session cookie says, and the transport's own part."""

    written: Written
    signed_in_at: float
    effects: Any


@dataclass
class SignIns:
    """Real sign-ins recorded by situation, written again when the situation comes back (see above)."""

    fresh: bool = False  # this test signs in for real every time
    replays: dict[tuple[object, ...], Replay] = field(default_factory=dict)
    codes: dict[tuple[object, ...], str] = field(default_factory=dict)
    provider_changes: dict[str, int] = field(default_factory=dict)
    real: int = 0
    replayed: int = 0

    def situation(self, where: tuple[object, ...], settings: Settings, sub: str, *extra: object) -> tuple[object, ...]:
        return (*where, *settings_key(settings), sub, self.provider_changes.get(sub, 0), *extra)

    def replay(self, situation: tuple[object, ...], settings: Settings) -> Replay | None:
        """The recorded sign-in for this situation, written again; None if the real flow must run."""
        if self.fresh or not replays_on(settings.database_url):
            return None
        personal_code = self.codes.get(situation)
        if personal_code is None:
            return None
        with engine_for(settings.database_url).connect() as connection:
            state = _person_state(connection, personal_code)
        replay = self.replays.get((*situation, state)) if state is not None else None
        if replay is None:
            return None
        if time.time() - replay.signed_in_at >= min(settings.idle_timeout_seconds, settings.absolute_timeout_seconds) / 2:
            return None
        if not replay.written.write_again(settings.database_url):
            return None
        self.replayed += 1
        return replay

    def run(self, situation: tuple[object, ...] | None, settings: Settings | None, flow: Callable[[], Any],
            finish: Callable[[Any], tuple[str, Any] | None]) -> Any:
        """The real flow; recorded when the situation is known and the flow signed someone in.

        `finish(result)` returns the session cookie's value and the transport's effects, or None.
        """
        self.real += 1
        recording = None
        if situation is not None and settings is not None and not self.fresh and replays_on(settings.database_url):
            recording = Recording(settings.database_url)
        result = flow()
        if recording is None or settings is None or situation is None:
            return result
        finished = finish(result)
        session = session_data(finished[0], settings.secret_key) if finished else None
        if not finished or session is None or PERSON_ID not in session:
            return result
        outcome = recording.finish(int(session[PERSON_ID]))
        if outcome is not None:
            state, written = outcome
            self.codes[situation] = written.personal_code
            self.replays[(*situation, state)] = Replay(written, float(session[SIGNED_IN_AT]), finished[1])
        return result


SIGN_INS = SignIns()


@pytest.fixture(autouse=True)
def _sign_in_mode(request: pytest.FixtureRequest) -> Iterator[None]:
    SIGN_INS.fresh = request.node.get_closest_marker("fresh_sign_in") is not None
    yield
    SIGN_INS.fresh = False


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """What the two speed-ups did: a template compiled once per app, or a sign-in always real, would show here."""
    if TEMPLATE_CODE.code:
        terminalreporter.write_line(f"templates: {len(TEMPLATE_CODE.code)} compiled, {TEMPLATE_CODE.reused} times reused by another app")
    if SIGN_INS.real or SIGN_INS.replayed:
        terminalreporter.write_line(f"sign-ins: {SIGN_INS.real} through the real flow, {SIGN_INS.replayed} replayed")


def provider_authorizes(authorize_url: str, sub: str) -> str:
    """Act as the person at the eID provider: choose who signs in; returns the callback URL."""
    with httpx.Client(follow_redirects=False, timeout=10, verify=tls.CLIENT) as browser:
        page = browser.get(authorize_url)
        assert page.status_code == 200, page.text
        answer = browser.post(authorize_url, data={"sub": sub})
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["location"]


def _real_sign_in(client: TestClient, sub: str, lang: str, next_page: str | None) -> httpx.Response:
    start = client.get(f"/{lang}/sign-in", params={"next": next_page} if next_page else None)
    assert start.status_code in (302, 303), start.text
    callback = provider_authorizes(start.headers["location"], sub)
    parts = urlsplit(callback)
    assert parts.netloc == "testserver" and parts.path == "/auth/callback", callback
    return client.get(f"{parts.path}?{parts.query}")


def _client_situation(client: TestClient, sub: str, lang: str, next_page: str | None) -> tuple[Settings, tuple[object, ...]] | None:
    """The client's part of the situation: its app's settings and its cookies other than a session without anyone in it."""
    settings = getattr(getattr(client.app, "state", None), "settings", None)
    if not isinstance(settings, Settings) or client.follow_redirects:
        return None
    cookies = []
    for cookie in client.cookies.jar:
        if cookie.name == SESSION_COOKIE:
            session = session_data(cookie.value or "", settings.secret_key)
            if session is None or PERSON_ID in session:
                return None  # signed in already (or an unknown cookie): only the real flow says what happens
        else:
            cookies.append((cookie.domain, cookie.path, cookie.name, cookie.value))
    where = ("http", str(client.base_url), tuple(sorted(cookies, key=repr)))
    return settings, SIGN_INS.situation(where, settings, sub, lang, next_page)


def sign_in(client: TestClient, sub: str, lang: str = "lv", next_page: str | None = None) -> httpx.Response:
    """The whole redirect flow: portal -> provider -> portal callback. Returns the callback's answer.

    The real flow runs once per situation in the session; after that its effects are replayed (see "signing in").
    """
    known = _client_situation(client, sub, lang, next_page)
    settings, situation = known if known else (None, None)
    if known:
        replay = SIGN_INS.replay(known[1], known[0])
        if replay is not None:
            cookies, response = replay.effects
            for cookie in cookies:
                client.cookies.jar.set_cookie(copy.copy(cookie))
            return response

    before = {(c.domain, c.path, c.name): c.value for c in client.cookies.jar}

    def finish(response: httpx.Response) -> tuple[str, Any] | None:
        after = {(c.domain, c.path, c.name): c for c in client.cookies.jar}
        session = next((c for c in after.values() if c.name == SESSION_COOKIE), None)
        if response.status_code != 303 or session is None or session.value is None or before.keys() - after.keys():
            return None
        set_cookies: list[Cookie] = [copy.copy(c) for key, c in after.items() if before.get(key) != c.value]
        return session.value, (set_cookies, response)

    return SIGN_INS.run(situation, settings, lambda: _real_sign_in(client, sub, lang, next_page), finish)


def set_provider_user(issuer: str, sub: str, claims: dict[str, object]) -> None:
    """Give the provider a user with the given claims (for malformed-claim tests)."""
    response = httpx.put(f"{issuer}/users/{sub}", json=claims, timeout=10, verify=tls.CLIENT)
    assert response.status_code == 204, response.text
    SIGN_INS.provider_changes[sub] = SIGN_INS.provider_changes.get(sub, 0) + 1  # what the provider says has changed

"""The payroll file streamed: the same bytes as when it was built whole, read a batch of reports at a
time while it is sent (the first bytes leave before the last batch is read), every name a spreadsheet
would read as a formula neutralised, the audit of everyone in it committed before the first byte, and
a download cut short leaves the audit as it was and nothing held open."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, policy
from portal.applications import demo as demo_applications
from portal.applications.rules import ServiceKind
from portal.casework import reports
from portal.casework import service as casework
from portal.csvfiles import cell
from portal.db import Database, utcnow
from portal.people import service as people
from portal.timesheets import pay, service
from tests.applications.test_routes import translated
from tests.casework.many import LIGA, PETERIS, confirmed_month
from tests.casework.test_desk import switch_to
from tests.casework.test_reports import run
from tests.client import TestClient
from tests.conftest import engine_for, sign_in
from tests.test_query_counts import personal_codes

APRIL = date(2023, 4, 1)
MID_APRIL = date(2023, 4, 15)  # a change of rate, for these tests only
FORMULA_NAMES = {3: ("=HYPERLINK(\"http://x\")", "Ozola"), 7: ("Ilze", "+371 Ozola"), 8: ("@Anna", "-Bērziņa")}
HEADER = ("Assistant", "Assistant's personal code", "Person assisted", "Hours", "Rate per hour, EUR", "Amount, EUR")


def april_at_two_rates(database_url: str, count: int = 12) -> None:
    """`count` people's April, 2 h on the 10th (5.11 an hour) and on the 20th (6.00 from the 15th,
    for these tests only): two lines each. Three assistants' names begin as a formula would."""
    confirmed_month(database_url, APRIL, count, days=(10, 20), names=FORMULA_NAMES)

    async def mid_month_rate(session: AsyncSession) -> None:  # as a change of rate is made: the stored pay follows it
        await pay.add_rate(session, MID_APRIL, 600)

    run(database_url, mid_month_rate)


@pytest.fixture(autouse=True)
def no_mid_april_rate(database_url: str) -> Iterator[None]:
    """The rates are the migration's reference data, kept between tests: the one added here goes again."""
    yield

    async def remove(session: AsyncSession) -> None:
        await pay.remove_rate(session, MID_APRIL)

    run(database_url, remove)


def someone_assisted_by(database_url: str, assistant_number: int, month: date) -> None:
    """One more person, assisted by Persona Nr<assistant_number>, who is herself assisted: named both ways."""

    async def work(session: AsyncSession) -> None:
        liga = await people.person_by_code(session, LIGA)
        code = list(personal_codes(300))[-1]
        person = await people.ensure_person(session, code, "Zane", "Zvaigzne")
        assistant = await session.scalar(text("SELECT personal_code FROM person WHERE family_name = :f"), {"f": f"Nr{assistant_number:03d}"})
        helper = await people.person_by_code(session, str(assistant))
        answers = demo_applications.adult_answers({"method": "email", "phone": "", "email": "z@example.lv"})
        application = await demo_applications.submitted_application(session, person, person, answers, "lv")
        start = service.previous_month(service.previous_month(month))
        await casework.grant(session, application, liga, kind=ServiceKind.ADULT_ASSISTANT, minutes=80 * 60, valid_from=start,
                             valid_to=start.replace(year=start.year + 2) - timedelta(days=1), decision_text="Piešķirts.")
        assignment = await casework.assign(session, application, liga, helper, start)
        await session.flush()
        assisted = await service.assignment_of(session, helper, assignment.id)
        entry = service.EntryInput(month.replace(day=25), 14 * 60, 15 * 60, "work_study_sport", "")
        _saved, problems = await service.save_entry(session, helper, assisted, month, entry, clock.today(), None)
        assert not problems
        report = await service.submit(session, helper, assisted, month, clock.today(), None)
        await service.confirm(session, person, report, None)

    run(database_url, work)


def built_whole(database_url: str, lang: str, month: date) -> bytes:
    """The file as the export built it before it streamed: every line in memory (reports.pay_lines), the
    names through csvfiles.cell, csv.writer with CRLF, UTF-8 with a BOM."""

    async def work(session: AsyncSession) -> list[list[str]]:
        riga = await people.municipality_by_code(session, "riga")
        lines = await reports.pay_lines(session, policy.DeskScope(municipality_ids=(riga.id,)), month)
        return [[str(cell(line.found.assistant.full_name)), line.found.assistant.personal_code, str(cell(line.found.person.full_name)),
                 reports.decimal_text(line.minutes, 60), reports.decimal_text(line.rate_cents, 100),
                 reports.decimal_text(line.amount_cents, 100)] for line in lines]

    rows = run(database_url, work)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([translated(lang, h) for h in HEADER])
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


@pytest.mark.parametrize("batch", [3, 500])
def test_the_streamed_file_is_the_file_it_was(client: TestClient, database_url: str, monkeypatch: pytest.MonkeyPatch, batch: int) -> None:
    april_at_two_rates(database_url)
    someone_assisted_by(database_url, 5, APRIL)
    monkeypatch.setattr(reports, "PAYROLL_BATCH", batch)
    sign_in(client, LIGA)
    for lang in ("lv", "ru"):
        response = client.get(f"/{lang}/desk/payroll.csv?month=2023-04")
        assert response.status_code == 200 and "content-length" not in response.headers  # sent as written, not measured first
        assert response.headers["content-type"] == "text/csv; charset=utf-8" and response.headers["cache-control"] == "no-store"
        assert response.headers["content-disposition"] == 'attachment; filename="payroll-2023-04.csv"'
        assert response.content == built_whole(database_url, lang, APRIL)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 12 * 2 + 1  # the header, two rates for each of the twelve, and Zane's hour
    nr000 = [row for row in rows if row[2] == "Persona Nr000"]
    assert nr000 == [["Asistents A000", nr000[0][1], "Persona Nr000", "2,00", "5,11", "10,22"],
                     ["Asistents A000", nr000[0][1], "Persona Nr000", "2,00", "6,00", "12,00"]]
    names = {row[0] for row in rows[1:]}
    # A name that begins as a formula is kept as text; the numbers stay numbers.
    assert {"'=HYPERLINK(\"http://x\") Ozola", "Ilze +371 Ozola", "'@Anna -Bērziņa"} <= names
    assert all(not value.startswith(("=", "+", "-", "@")) for row in rows for value in row)
    switch_to(client, PETERIS)  # Jelgava's desk pays none of Rīga's hours
    assert client.get("/lv/desk/payroll.csv?month=2023-04").content == built_whole(database_url, "lv", date(1999, 1, 1))


@dataclass
class Recorded:
    """What the app sent and asked of the database, in the order it happened."""

    happened: list[tuple[str, Any]] = field(default_factory=list)
    audit_at_first_byte: int | None = None

    @property
    def body(self) -> bytes:
        return b"".join(what for kind, what in self.happened if kind == "body")


@contextmanager
def watched(client: TestClient, recorded: Recorded) -> Iterator[None]:
    engine = client.app.state.db.engine.sync_engine  # type: ignore[attr-defined]

    def statement(_conn: object, _cursor: object, sql: str, *_args: object) -> None:
        recorded.happened.append(("sql", sql))

    event.listen(engine, "before_cursor_execute", statement)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", statement)


def audited(database_url: str) -> int:
    with engine_for(database_url).connect() as connection:
        return int(connection.scalar(text("SELECT count(*) FROM audit_event WHERE action = 'payroll_exported'")))


def download(client: TestClient, database_url: str, path: str, *, cut_after: int | None = None) -> Recorded:
    """GET `path` straight through the app, as a server does (ASGI 2.3, as uvicorn speaks it), keeping
    each message it sends; `cut_after`: the client goes away after that many body messages."""
    recorded = Recorded()
    gone = asyncio.Event()
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "server": ("testserver", 80), "client": ("127.0.0.1", 50000), "root_path": "",
             "path": path.split("?")[0], "raw_path": path.split("?")[0].encode(), "query_string": path.split("?")[1].encode(),
             "headers": [(b"host", b"testserver"), (b"cookie", cookie.encode())], "state": dict(getattr(client, "app_state", {}))}

    async def exchange() -> None:
        requested = False

        async def receive() -> dict[str, Any]:
            nonlocal requested
            if not requested:
                requested = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                recorded.happened.append(("start", dict(message["headers"])))
            elif message["body"]:
                if recorded.audit_at_first_byte is None:
                    recorded.audit_at_first_byte = audited(database_url)
                recorded.happened.append(("body", message["body"]))
                if cut_after is not None and sum(1 for kind, _ in recorded.happened if kind == "body") >= cut_after:
                    gone.set()
                    await asyncio.sleep(0.05)  # the server notices the client has gone while the app is still sending

        await client.app(scope, receive, send)

    with watched(client, recorded):
        client.portal.call(exchange)  # type: ignore[union-attr]
    return recorded


def test_the_file_is_sent_as_it_is_read_and_the_audit_is_committed_before_it(client: TestClient, database_url: str,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    april_at_two_rates(database_url, count=12)
    monkeypatch.setattr(reports, "PAYROLL_BATCH", 3)  # 12 reports: four batches (and a last, empty look)
    sign_in(client, LIGA)
    before = audited(database_url)
    recorded = download(client, database_url, "/lv/desk/payroll.csv?month=2023-04")
    started = [what for kind, what in recorded.happened if kind == "start"]
    assert len(started) == 1 and b"content-length" not in started[0] and started[0][b"content-type"] == b"text/csv; charset=utf-8"
    assert recorded.body == built_whole(database_url, "lv", APRIL)
    bodies = [n for n, (kind, _what) in enumerate(recorded.happened) if kind == "body"]
    statements = [n for n, (kind, _what) in enumerate(recorded.happened) if kind == "sql"]
    assert len(bodies) >= 4, "a chunk per batch of lines, not one body"
    assert bodies[0] < statements[-1], "the first bytes leave before the last batch is read"
    # Everyone in the file is in the audit (12 assistants, 12 people), committed before the first byte, each
    # named once, by one INSERT … SELECT: the database writes the events, none of the people is read into the
    # process (memory and statements do not grow with the month).
    assert recorded.audit_at_first_byte == audited(database_url) == before + 24
    inserts = [" ".join(sql.split()).upper() for kind, sql in recorded.happened if kind == "sql" and "INSERT INTO AUDIT_EVENT" in sql.upper()]
    assert len(inserts) == 1 and " SELECT " in inserts[0] and " VALUES " not in inserts[0]
    first_insert = next(n for n, (kind, sql) in enumerate(recorded.happened) if kind == "sql" and "INSERT INTO AUDIT_EVENT" in sql.upper())
    assert first_insert < bodies[0]


def test_the_audit_names_each_person_once_with_all_she_was_in_the_file(client: TestClient, database_url: str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    april_at_two_rates(database_url, count=4)
    someone_assisted_by(database_url, 1, APRIL)  # Persona Nr001 is assisted, and assists Zane
    monkeypatch.setattr(reports, "PAYROLL_BATCH", 2)
    sign_in(client, LIGA)
    assert client.get("/lv/desk/payroll.csv?month=2023-04").status_code == 200
    with engine_for(database_url).connect() as connection:
        rows = connection.execute(text(
            "SELECT p.given_name || ' ' || p.family_name, a.detail FROM audit_event a JOIN person p ON p.id = a.subject_id"
            " WHERE a.action = 'payroll_exported'")).all()
    details = dict(rows)
    assert len(rows) == len(details) == 9  # four assisted, four assistants, Zane; Nr001 once
    assert details["Persona Nr001"] == "2023-04: 9 lines: assistant, assisted"
    assert details["Zane Zvaigzne"] == "2023-04: 9 lines: assisted"
    assert details["Asistents A002"] == "2023-04: 9 lines: assistant"


def test_a_download_cut_short_keeps_its_audit_and_holds_nothing(client: TestClient, database_url: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The client goes away after the first chunk: the stream stops there (no more batches are read),
    the export stays in the audit (it was handed out, as far as the server knows), and its session's
    connection goes back to the pool: more cut downloads than the pool has connections, then a page."""
    april_at_two_rates(database_url, count=12)
    monkeypatch.setattr(reports, "PAYROLL_BATCH", 2)
    sign_in(client, LIGA)
    whole = built_whole(database_url, "lv", APRIL)
    before = audited(database_url)
    for _ in range(20):  # the pool holds 5 + 10
        recorded = download(client, database_url, "/lv/desk/payroll.csv?month=2023-04", cut_after=1)
        assert 0 < len(recorded.body) < len(whole) and whole.startswith(recorded.body)
    assert audited(database_url) == before + 20 * 24
    assert client.get("/lv/desk/reports?month=2023-04").status_code == 200
    assert client.get("/lv/desk/payroll.csv?month=2023-04").content == whole


def test_a_report_confirmed_after_the_export_began_waits_for_the_next_one(database_url: str) -> None:
    """Every batch reads the month as it was when the export began: a revision confirmed later is not
    half in this file (nor un-audited in it); the next export has it."""
    made = confirmed_month(database_url, APRIL, 3)
    began = utcnow()
    later = confirmed_month(database_url, APRIL, 1, first=3)

    async def lines(as_of: Any) -> list[str]:
        db = Database(database_url)
        async with db.session() as session:
            riga = await people.municipality_by_code(session, "riga")
            scope = policy.DeskScope(municipality_ids=(riga.id,))
            found = [line.person.full_name async for line in reports.payroll_lines(db.session, scope, APRIL, as_of, size=2)]
            count = await reports.payroll_line_count(session, scope, APRIL, as_of)
        await db.dispose()
        assert count == len(found)
        return found

    assert asyncio.run(lines(began)) == [f"Persona Nr{c.number:03d}" for c in made]
    assert asyncio.run(lines(utcnow())) == [f"Persona Nr{c.number:03d}" for c in made + later]


def test_a_database_too_busy_for_the_first_batch_is_the_busy_page_not_a_broken_download(
    client: TestClient, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from tests.test_capacity import assert_busy_page

    april_at_two_rates(database_url, count=3)
    sign_in(client, LIGA)

    async def no_connection(*_args: object, **_kwargs: object) -> None:
        raise PoolTimeout("QueuePool limit reached")

    monkeypatch.setattr(reports, "pay_lines_batch", no_connection)
    assert_busy_page(client.get("/ru/desk/payroll.csv?month=2023-04", headers={"accept-encoding": "gzip"}), "ru")

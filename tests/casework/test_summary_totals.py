"""The ministry's summary is computed by the database, and adds up as the payroll's own lines do."""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy import event, literal, select

from portal import policy
from portal.casework import reports
from portal.db import Database
from portal.people import service as people
from tests.casework.many import confirmed_month
from tests.casework.test_payroll_stream import APRIL, april_at_two_rates, no_mid_april_rate  # noqa: F401 (autouse: the rate it adds goes again)
from tests.client import TestClient
from tests.conftest import sign_in
from tests.timesheets.helpers import LIGA


def test_a_pay_lines_amount_is_rounded_half_to_even_as_python_rounds_it(database_url: str) -> None:
    pairs = [(minutes, rate) for minutes in (1, 15, 29, 30, 31, 45, 89, 90, 91, 150, 600, 6000) for rate in (450, 479, 511, 600, 1)]

    async def amounts() -> list[int]:
        db = Database(database_url)
        async with db.session() as session:
            found = [int(await session.scalar(select(reports._rounded_amount(literal(m), literal(r)))) or 0) for m, r in pairs]
        await db.dispose()
        return found

    expected = [round(minutes * rate / 60) for minutes, rate in pairs]
    assert asyncio.run(amounts()) == expected
    assert round(30 * 511 / 60) == 256 and round(90 * 511 / 60) == 766  # the ties, both ways (255.5 and 766.5)


def test_the_summary_is_the_payrolls_lines_added_up_in_one_statement(client: TestClient, database_url: str) -> None:
    april_at_two_rates(database_url)
    confirmed_month(database_url, APRIL, 7, first=100, hours=3)  # every fifth a study assistant: two kinds

    async def both() -> tuple[list[reports.KindTotal], list[reports.KindTotal], int]:
        db = Database(database_url)
        statements: list[str] = []
        event.listen(db.engine.sync_engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        async with db.session() as session:
            scope = policy.DeskScope(municipality_ids=((await people.municipality_by_code(session, "riga")).id,))
            before = len(statements)
            in_sql = await reports.totals_by_kind(session, scope, APRIL)
            counted = len(statements) - before
            in_python = reports.by_kind(await reports.pay_lines(session, scope, APRIL))
        await db.dispose()
        return in_sql, in_python, counted

    in_sql, in_python, counted = asyncio.run(both())
    assert in_sql == in_python and len(in_sql) == 2 and counted == 1
    sign_in(client, LIGA)
    page = client.get("/lv/desk/summary?month=2023-04")
    assert page.status_code == 200
    assert str(sum(total.reports for total in in_sql)) in page.text


def test_a_month_with_nothing_paid_has_no_lines(database_url: str) -> None:
    async def totals() -> list[reports.KindTotal]:
        db = Database(database_url)
        async with db.session() as session:
            scope = policy.DeskScope(municipality_ids=((await people.municipality_by_code(session, "riga")).id,))
            found = await reports.totals_by_kind(session, scope, date(2019, 1, 1))
        await db.dispose()
        return found

    assert asyncio.run(totals()) == []

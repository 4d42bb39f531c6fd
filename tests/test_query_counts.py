"""No page asks more of the database as the country's data grows: the same number of queries for the
overview and for each worklist with a few rows and with many more (other people's cases, more months
of the person's own), so nothing is fetched row by row (an N+1) on the pages people use most.

The shape of each query at national volume (index lookups, no scans of the country's rows) is
checked with EXPLAIN against `make bench-data` (bench/README.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, text

from portal.applications import demo as demo_applications
from portal.db import Database
from portal.people import service as people
from portal.people.personal_code import check_digit
from portal.timesheets import service
from tests.client import TestClient
from tests.conftest import engine_for, sign_in
from tests.timesheets.helpers import ILZE, JANIS, LIGA, MARTA, Grants, grant_and_assign, recorded_and_submitted

PAGES = {  # who, what: the overview and the lists that grow with the person's or the desk's rows
    "overview (a representative)": (JANIS, "/lv/dashboard"),
    "the reports of the person represented": (JANIS, "/lv/reports?for={marta}"),
    "the assistant's people": (ILZE, "/lv/assistant"),
    "the desk's queue": (LIGA, "/lv/desk"),
    "the desk's month of reports": (LIGA, "/lv/desk/reports"),
    "the desk's month of reports waiting": (LIGA, "/lv/desk/reports?status=submitted"),
    "the desk's control sample": (LIGA, "/lv/desk/sample"),  # with draws: tests/casework/test_sample_pages.py
    "the desk's summary of the month": (LIGA, "/lv/desk/summary"),  # the stored totals (timesheets.pay)
    # Read PAYROLL_BATCH reports at a time: a batch more per 500 (tests/casework/test_payroll_stream.py), none here.
    "the desk's confirmed hours, for checking": (LIGA, "/lv/desk/payroll.csv"),
    # After the desk's pages: each showed Marta's case or reports, so the staff's views of her data grow every round.
    "who looked at the data of the person represented": (JANIS, "/lv/my-data/views?for={marta}"),
}


def personal_codes(count: int) -> Iterator[str]:
    """Valid old-format personal codes of adults, none of them the tests' people."""
    serial = 100
    while count:
        serial += 1
        first_ten = f"1503801{serial:03d}"
        digit = check_digit(first_ten)
        if digit is not None:
            count -= 1
            yield f"{first_ten[:6]}-{first_ten[6:]}{digit}"


def more_of_everything(database_url: str, grants: Grants, others: int) -> None:
    """`others` more people applying in Rīga, and two more months of Marta's reports waiting for Jānis."""

    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            for number, code in enumerate(personal_codes(others)):
                person = await people.ensure_person(session, code, "Persona", f"Nr{number}")
                contact = {"method": "email", "phone": "", "email": f"p{number}@example.lv"}
                await demo_applications.submitted_application(session, person, person, demo_applications.adult_answers(contact), "lv")
        await db.dispose()

    asyncio.run(work())
    first = service.previous_month(service.previous_month(grants.last_month))
    for month in (first, service.next_month(first)):
        recorded_and_submitted(database_url, grants.marta_assignment, month, days=5)


@contextmanager
def statements(client: TestClient) -> Iterator[list[str]]:
    seen: list[str] = []
    engine = client.app.state.db.engine.sync_engine  # type: ignore[attr-defined]

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries_per_page(client: TestClient, marta: int) -> tuple[dict[str, int], dict[str, str]]:
    counts, pages = {}, {}
    for page, (who, path) in PAGES.items():
        client.cookies.clear()
        sign_in(client, who)
        with statements(client) as seen:
            response = client.get(path.format(marta=marta))
        assert response.status_code == 200, (page, response.status_code)
        counts[page], pages[page] = len(seen), response.text
    return counts, pages


@pytest.mark.fresh_sign_in
def test_the_pages_people_use_most_ask_the_same_of_the_database_however_many_rows(
    client: TestClient, database_url: str
) -> None:
    grants = grant_and_assign(database_url)
    recorded_and_submitted(database_url, grants.marta_assignment, grants.last_month)
    with engine_for(database_url).connect() as connection:
        marta = int(connection.scalar(text("SELECT id FROM person WHERE personal_code = :code"), {"code": MARTA}))
    few, shown_before = queries_per_page(client, marta)
    more_of_everything(database_url, grants, others=25)
    many, shown = queries_per_page(client, marta)
    # The rows are there, on the pages: 25 more cases in the queue, three months of Marta's reports.
    assert all(f"Nr{number}" in shown["the desk's queue"] for number in range(25))
    assert shown["the reports of the person represented"].count('href="/lv/reports/') >= 3
    views = "who looked at the data of the person represented"
    assert shown[views].count("<tr") > shown_before[views].count("<tr") > 1  # a header and the first round's views
    assert many == few, {page: (few[page], many[page]) for page in few if few[page] != many[page]}

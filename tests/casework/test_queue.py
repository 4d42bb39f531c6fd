"""The desk's queue: which cases are overdue or due soon, exactly as the days-left column says."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update

from portal import clock
from portal.applications import demo as demo_applications
from portal.applications.models import Application
from portal.applications.rules import decision_due
from portal.casework.queue import first_submission_due_on_or_after
from portal.db import Database
from portal.people import service as people
from portal.settings import Settings
from tests.casework.test_desk import LIGA, make_caseworker
from tests.client import TestClient
from tests.conftest import sign_in


def test_the_first_submission_due_on_a_day_is_exact_over_four_years() -> None:
    day = date(2026, 1, 1)
    while day < date(2030, 1, 1):
        first = first_submission_due_on_or_after(day)
        assert decision_due(first) >= day > decision_due(first - timedelta(days=1)), day
        day += timedelta(days=1)


def submitted_days_ago(database_url: str, days: list[int]) -> list[int]:
    async def work() -> list[int]:
        db = Database(database_url)
        ids = []
        async with db.session() as session:
            anna = await people.ensure_person(session, "150385-11001", "Anna", "Bērziņa")
            contact = {"method": "post", "phone": "", "email": ""}
            for ago in days:
                application = await demo_applications.submitted_application(
                    session, anna, anna, demo_applications.adult_answers(contact), "lv"
                )
                when = datetime.combine(clock.today() - timedelta(days=ago), datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
                await session.execute(update(Application).where(Application.id == application.id).values(submitted_at=when))
                ids.append(application.id)
        await db.dispose()
        return ids

    return asyncio.run(work())


def test_the_queue_filters_by_decision_time(client: TestClient, settings: Settings) -> None:
    make_caseworker(settings.database_url, LIGA, "riga")
    late, soon, fresh = submitted_days_ago(settings.database_url, [40, 26, 0])
    sign_in(client, LIGA)

    def listed(query: str) -> set[int]:
        page = client.get(f"/lv/desk?{query}").text
        return {i for i in (late, soon, fresh) if f'href="/lv/desk/cases/{i}"' in page}

    assert listed("") == {late, soon, fresh}
    assert listed("due=late") == {late}
    assert listed("due=soon") == {soon}
    assert listed("due=nonsense") == {late, soon, fresh}


def received_at(database_url: str, when: datetime) -> int:
    [case] = submitted_days_ago(database_url, [0])
    run_update = Database(database_url)

    async def work() -> None:
        async with run_update.session() as session:
            await session.execute(update(Application).where(Application.id == case).values(submitted_at=when))
        await run_update.dispose()

    asyncio.run(work())
    return case


def test_a_case_received_after_midnight_in_riga_is_of_that_day_in_the_queue_its_page_and_its_decision_time(
    client: TestClient, settings: Settings
) -> None:
    """00:30 in Riga is 22:30 UTC the day before: the day it was received, the decision time and the
    "overdue" filter all go by Riga's day, as the person's receipt does."""
    make_caseworker(settings.database_url, LIGA, "riga")
    on_time = first_submission_due_on_or_after(clock.today())  # received on this day in Riga: due today at the latest
    case = received_at(settings.database_url, clock.start_of(on_time) + timedelta(minutes=30))
    sign_in(client, LIGA)
    page = client.get("/lv/desk").text
    row = page[page.index(f'href="/lv/desk/cases/{case}"'):].split("</tr>")[0]
    assert f"{on_time:%d.%m.%Y}" in row and f"{on_time - timedelta(days=1):%d.%m.%Y}" not in row
    assert f'href="/lv/desk/cases/{case}"' not in client.get("/lv/desk?due=late").text
    assert f'href="/lv/desk/cases/{case}"' in client.get("/lv/desk?due=soon").text
    case_page = client.get(f"/lv/desk/cases/{case}").text
    assert f"{on_time:%Y}. gada {on_time.day}." in case_page  # received, in the long form
    assert (decision_due(on_time) - clock.today()).days >= 0

"""The overview leads with what the person must do next, and staff see the citizen's services only for matters of their own."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from portal import clock
from portal.db import Database
from portal.entitlements.models import Entitlement
from portal.people import service as people
from portal.people.models import StaffRoleName
from portal.timesheets import service
from portal.timesheets.models import MonthlyReport
from tests.applications.test_routes import translated
from tests.casework.test_desk import switch_to
from tests.client import TestClient
from tests.conftest import sign_in
from tests.timesheets.helpers import ANNA, ILZE, JANIS, MARTA, grant_and_assign, recorded_and_submitted

ANALYST = "300688-11000"


def tasks_section(page: str) -> str:
    start = page.find('id="section-tasks"')
    return page[start:page.find("</section>", start)] if start >= 0 else ""


def person_id(database_url: str, code: str) -> int:
    found: list[int] = []

    async def look(session):  # type: ignore[no-untyped-def]
        found.append((await people.person_by_code(session, code)).id)

    run(database_url, look)
    return found[0]


def run(database_url: str, work):  # type: ignore[no-untyped-def]
    async def go() -> None:
        db = Database(database_url)
        async with db.session() as session:
            await work(session)
            await session.commit()
        await db.dispose()

    asyncio.run(go())


def test_a_report_to_confirm_comes_first_for_the_person_and_her_representative_not_for_the_minor(
    client: TestClient, database_url: str
) -> None:
    grants = grant_and_assign(database_url)
    recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    recorded_and_submitted(database_url, grants.marta_assignment, service.previous_month(grants.last_month))  # Ilze's other hours
    marta = person_id(database_url, MARTA)
    for code, link in ((ANNA, 'href="/lv/reports"'), (JANIS, f'href="/lv/reports?for={marta}"')):
        switch_to(client, code)
        page = client.get("/lv/dashboard").text
        assert page.index('id="section-tasks"') < page.index('id="section-applications"')  # first, before the services
        assert link in tasks_section(page), code
    assert translated("lv", "What needs doing") in page
    # Her father's task is under her name, and its link says whose it is.
    assert f'<h3 class="heading-s" id="tasks-{marta}">Marta Kalniņa</h3>' in tasks_section(page)
    assert '<span class="visually-hidden"> – Marta Kalniņa</span>' in tasks_section(page)
    switch_to(client, MARTA)  # 11: her father confirms
    assert tasks_section(client.get("/lv/dashboard").text) == ""
    switch_to(client, ILZE)  # the assistant: her own hours, submitted, are never hers to confirm
    assert tasks_section(client.get("/lv/dashboard").text) == ""


def test_a_returned_report_is_the_assistants_task(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    report_id = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)

    async def returned(session):  # type: ignore[no-untyped-def]
        report = await session.get(MonthlyReport, report_id)
        anna = await people.person_by_code(session, ANNA)
        await service.dispute(session, anna, report, None, "Otrdien es nebiju mājās.", [])

    run(database_url, returned)
    sign_in(client, ILZE)
    section = tasks_section(client.get("/ru/dashboard").text)
    assert 'href="/ru/assistant"' in section


def test_a_grant_ending_soon_asks_to_apply_again(client: TestClient, database_url: str) -> None:
    grant_and_assign(database_url)

    async def ending(session):  # type: ignore[no-untyped-def]
        anna = await people.person_by_code(session, ANNA)
        await session.execute(update(Entitlement).where(Entitlement.person_id == anna.id)
                              .values(valid_to=clock.today() + timedelta(days=30)))

    run(database_url, ending)
    sign_in(client, ANNA)
    section = tasks_section(client.get("/lv/dashboard").text)
    assert 'href="/lv/apply"' in section and "60" in section


def test_staff_with_no_matters_of_their_own_see_their_work_and_no_citizen_services(client: TestClient, database_url: str) -> None:
    async def analyst(session):  # type: ignore[no-untyped-def]
        peteris = await people.ensure_person(session, ANALYST, "Pēteris", "Zariņš")
        await people.add_staff_role(session, peteris, StaffRoleName.SURVEY_ANALYST, None)

    run(database_url, analyst)
    sign_in(client, ANALYST)
    page = client.get("/lv/dashboard").text
    assert 'href="/lv/analysis"' in page
    for citizen in ('href="/lv/apply"', 'href="/lv/assessment"', 'href="/lv/reports"', 'id="section-applications"'):
        assert citizen not in page
    switch_to(client, ANNA)  # not staff: her services, as always
    assert 'id="section-applications"' in client.get("/lv/dashboard").text


def test_a_representative_of_one_person_with_nothing_of_his_own_works_on_her_pages(client: TestClient, database_url: str) -> None:
    grant_and_assign(database_url)
    marta = person_id(database_url, MARTA)
    sign_in(client, JANIS)  # Marta's father: no application, grant or self-assessment of his own
    page = client.get("/lv/dashboard").text
    hours = page[page.index('id="section-hours"'):]
    assert f'href="/lv/entitlement?for={marta}"' in hours and f'href="/lv/reports?for={marta}"' in hours
    assert 'href="/lv/entitlement"' not in hours
    assert client.get(f"/lv/entitlement?for={marta}").status_code == 200
    switch_to(client, ANNA)  # her own matters: her own pages
    hours = client.get("/lv/dashboard").text.split('id="section-hours"', 1)[1]
    assert 'href="/lv/entitlement"' in hours and "?for=" not in hours.split("</section>", 1)[0]

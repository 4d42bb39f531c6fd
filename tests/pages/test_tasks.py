"""The overview leads with what the person must do next, and staff see the citizen's services only for matters of their own."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update
from starlette.testclient import TestClient

from portal import clock
from portal.db import Database
from portal.entitlements.models import Entitlement
from portal.people import service as people
from portal.people.models import StaffRoleName
from portal.timesheets import service
from portal.timesheets.models import MonthlyReport
from tests.applications.test_routes import translated
from tests.casework.test_desk import switch_to
from tests.conftest import sign_in
from tests.timesheets.helpers import ANNA, ILZE, JANIS, MARTA, grant_and_assign, recorded_and_submitted

ANALYST = "300688-11000"


def tasks_section(page: str) -> str:
    start = page.find('id="section-tasks"')
    return page[start:page.find("</section>", start)] if start >= 0 else ""


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
    for code in (ANNA, JANIS):
        switch_to(client, code)
        page = client.get("/lv/dashboard").text
        assert page.index('id="section-tasks"') < page.index('id="section-applications"')  # first, before the services
        assert 'href="/lv/reports"' in tasks_section(page)
    assert translated("lv", "What needs doing") in page
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

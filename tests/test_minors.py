"""Capacity: a minor whom a parent or guardian legally represents reads their own applications and
reports, but applying, withdrawing and confirming or returning reports are the representative's;
on the 18th birthday it turns over. Each refusal is a page in the person's language, and nothing changes."""

from __future__ import annotations

import asyncio
import re
from datetime import date

from sqlalchemy import text

from portal import clock
from portal.applications import demo as demo_applications
from portal.applications.rules import ServiceKind
from portal.db import Database
from portal.people import service as people
from portal.people.models import RepresentationKind
from portal.people.personal_code import check_digit
from portal.policy import decides_for_themself
from tests.applications.test_routes import translated
from tests.casework.test_desk import switch_to
from tests.client import TestClient
from tests.conftest import csrf_of, engine_for, sign_in
from tests.timesheets.helpers import JANIS, MARTA, grant_and_assign, recorded_and_submitted

REPRESENTATIVE_DOES_IT = "Your legal representative does this for you"


def status_of(database_url: str, table: str, row_id: int) -> str:
    with engine_for(database_url).connect() as connection:
        return str(connection.scalar(text(f"SELECT status FROM {table} WHERE id = :id"), {"id": row_id}))


def test_a_minor_reads_her_reports_and_application_but_her_father_decides(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    report_id = recorded_and_submitted(database_url, grants.marta_assignment, grants.last_month)
    application_id = care_service_applied_for_marta(database_url)
    sign_in(client, MARTA, "ru")
    shown = client.get(f"/ru/reports/{report_id}")
    assert shown.status_code == 200  # she reads it; the page offers her no confirmation, and says who confirms
    assert f'href="/ru/reports/{report_id}/confirm"' not in shown.text and translated("ru", REPRESENTATIVE_DOES_IT) in shown.text
    assert 'href="/ru/apply"' not in client.get("/ru/dashboard").text
    her_application = client.get(f"/ru/applications/{application_id}")
    assert her_application.status_code == 200 and f'href="/ru/applications/{application_id}/withdraw"' not in her_application.text
    page = client.get(f"/ru/reports/{report_id}/confirm").text  # it offers her no form, and says who confirms
    assert 'name="received"' not in page and translated("ru", REPRESENTATIVE_DOES_IT) in page
    with engine_for(database_url).connect() as connection:  # the report's own version, as a page sent anyway would carry
        version = str(connection.scalar(text("SELECT version FROM monthly_report WHERE id = :id"), {"id": report_id}))
    refused = client.post(f"/ru/reports/{report_id}/confirm", data={"csrf_token": csrf_of(page), "version": version, "received": "yes"})
    assert refused.status_code == 403 and translated("ru", REPRESENTATIVE_DOES_IT) in refused.text
    assert '<html lang="ru"' in refused.text
    assert status_of(database_url, "monthly_report", report_id) == "submitted"
    withdraw = f"/ru/applications/{application_id}/withdraw"
    refused = client.post(withdraw, data={"csrf_token": csrf_of(client.get(withdraw).text), "reason": ""})
    assert refused.status_code == 403 and translated("ru", REPRESENTATIVE_DOES_IT) in refused.text
    assert status_of(database_url, "application", application_id) == "submitted"
    start = client.get("/ru/apply/new").text
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', start))
    refused = client.post("/ru/apply/new", data={**hidden, "answer": "self"})
    assert refused.status_code == 403
    # Her father confirms it: his pages offer him what hers do not.
    switch_to(client, JANIS)
    assert f'href="/lv/reports/{report_id}/confirm"' in client.get(f"/lv/reports/{report_id}").text
    assert f'href="/lv/applications/{application_id}/withdraw"' in client.get(f"/lv/applications/{application_id}").text
    page = client.get(f"/lv/reports/{report_id}/confirm").text
    confirmed = client.post(f"/lv/reports/{report_id}/confirm", data={
        "csrf_token": csrf_of(page), "version": re.search(r'name="version" value="(\d+)"', page).group(1), "received": "yes"})  # type: ignore[union-attr]
    assert confirmed.status_code == 303 and status_of(database_url, "monthly_report", report_id) == "confirmed"


def care_service_applied_for_marta(database_url: str) -> int:
    """Jānis applies for the care service for Marta (open: it could be withdrawn)."""

    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            janis, marta = await people.person_by_code(session, JANIS), await people.person_by_code(session, MARTA)
            answers = demo_applications.child_answers(ServiceKind.CHILD_CARE)
            application = await demo_applications.submitted_application(session, janis, marta, answers, "lv")
            found = application.id
        await db.dispose()
        return found

    return asyncio.run(work())


def code_born_on(born: date, serial: int = 100) -> str:
    """A valid old-format personal code of someone born that day."""
    century = {18: "0", 19: "1", 20: "2"}[born.year // 100]
    while True:
        first_ten = f"{born:%d%m%y}{century}{serial:03d}"
        digit = check_digit(first_ten)
        if digit is not None:
            return f"{first_ten[:6]}-{first_ten[6:]}{digit}"
        serial += 1


def test_it_turns_over_on_the_18th_birthday_and_a_new_code_with_a_parent_is_a_minors(database_url: str) -> None:
    today = clock.today()
    born = date(today.year - 18, today.month, min(today.day, 28))
    birthday = date(today.year, born.month, born.day)  # the 18th

    async def work() -> tuple[bool, bool, bool, bool, bool]:
        db = Database(database_url)
        async with db.session() as session:
            parent = await people.ensure_person(session, "020790-11000", "Jānis", "Kalniņš")
            child = await people.ensure_person(session, code_born_on(born), "Līna", "Kalniņa")
            unrepresented = await people.ensure_person(session, code_born_on(date(today.year - 12, 3, 3)), "Roberts", "Ozols")
            new_code = await people.ensure_person(session, "328673-00679", "Ольга", "Иванова")  # no birth date in it
            await people.add_representation(session, parent, child, RepresentationKind.PARENT, born, None)
            before = await decides_for_themself(session, child, date.fromordinal(birthday.toordinal() - 1))
            on = await decides_for_themself(session, child, birthday)
            alone = await decides_for_themself(session, unrepresented, today)
            new_alone = await decides_for_themself(session, new_code, today)
            await people.add_representation(session, parent, new_code, RepresentationKind.PARENT, date(2020, 1, 1), None)
            new_with_parent = await decides_for_themself(session, new_code, today)
        await db.dispose()
        return before, on, alone, new_alone, new_with_parent

    before, on, alone, new_alone, new_with_parent = asyncio.run(work())
    assert (before, on) == (False, True), "the day before the 18th birthday the parent decides; on it, the person"
    assert alone, "a minor nobody represents acts for themself (there is no one else)"
    assert (new_alone, new_with_parent) == (True, False)

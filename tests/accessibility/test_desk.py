"""The social service's desk and the person's answers to it, in a real browser, in both languages:
every page and every error state (axe, titles, focused error summary, 320 px)."""

from __future__ import annotations

import asyncio

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal import clock
from portal.applications import demo as demo_applications
from portal.applications.rules import ServiceKind
from portal.casework import service as casework
from portal.db import Database
from portal.people import service as people
from portal.people.models import StaffRoleName
from tests.accessibility.conftest import LANGS, sign_in_as, wait_for_path
from tests.accessibility.test_apply import PageChecks
from tests.accessibility.test_apply_details import submit, type_into

pytestmark = pytest.mark.browser

LIGA, ANNA = "230565-11005", "150385-11001"


def seed_cases(database_url: str) -> tuple[int, int]:
    """Līga is a caseworker of Rīga; Anna has one submitted case, and one where information is requested."""

    async def work() -> tuple[int, int]:
        db = Database(database_url)
        async with db.session() as session:
            liga = await people.ensure_person(session, LIGA, "Līga", "Liepiņa")
            anna = await people.ensure_person(session, ANNA, "Anna", "Bērziņa")
            await people.add_staff_role(session, liga, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, "riga"))
            contact = {"method": "post", "phone": "", "email": ""}
            waiting = await demo_applications.submitted_application(session, anna, anna, demo_applications.adult_answers(contact), "lv")
            asked = await demo_applications.submitted_application(session, anna, anna, demo_applications.adult_answers(contact), "lv")
            casework.start_review(session, asked, liga)
            casework.request_information(session, asked, liga, "Lūdzu, atsūtiet darba līgumu.")
            ids = (waiting.id, asked.id)
        await db.dispose()
        return ids

    return asyncio.run(work())


@pytest.mark.parametrize("lang", LANGS)
def test_desk_pages(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    driver = browser
    waiting, asked = seed_cases(database_url)
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, LIGA, lang)
    driver.get(f"{live_server}/{lang}/desk")
    wait_for_path(driver, f"/{lang}/desk")
    assert driver.find_elements(By.CSS_SELECTOR, f'main a[href="/{lang}/desk/cases/{waiting}"]')
    check("desk queue")
    case = f"/{lang}/desk/cases/{waiting}"
    driver.get(live_server + case)
    wait_for_path(driver, case)
    check("case page")

    for action, fields in (
        ("request-information", ("message",)),
        ("refuse", ("reasons",)),
        ("note", ("note",)),
        ("grant", ("hours", "start-day", "end-day", "text")),
        ("assign", ("code", "given_name", "family_name")),
    ):
        driver.get(f"{live_server}{case}/{action}")
        wait_for_path(driver, f"{case}/{action}")
        check(f"{action} page")
        if action == "assign":
            for part in ("day", "month", "year"):
                driver.find_element(By.ID, f"start-{part}").clear()
            for field in ("given_name",):
                type_into(driver, field, "")
        submit(driver)
        check(f"{action} page, nothing filled in", error=True, error_fields=fields + (("start-day",) if action == "assign" else ()))

    # The person's side: the request, the answer page and its error state.
    driver.delete_all_cookies()
    sign_in_as(driver, live_server, ANNA, lang)
    status = f"/{lang}/applications/{asked}"
    driver.get(live_server + status)
    wait_for_path(driver, status)
    check("status page with a request for information")
    driver.find_element(By.CSS_SELECTOR, f'main a[href="{status}/respond"]').click()
    wait_for_path(driver, status + "/respond")
    check("answer the request")
    submit(driver)
    check("answer the request, nothing given", error=True, error_fields=("answer",))
    type_into(driver, "answer", "Līgums pievienots.")
    submit(driver)
    wait_for_path(driver, status)
    check.assert_none()

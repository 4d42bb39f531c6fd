"""The social service's desk and the person's answers to it, in a real browser, in both languages:
every page and every error state (axe, titles, focused error summary, 320 px)."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal.applications import demo as demo_applications
from portal.applications.rules import ServiceKind
from portal.casework import service as casework
from portal.db import Database
from portal.people import service as people
from portal.people.models import StaffRoleName
from tests.accessibility.conftest import LANGS, sign_in_as, wait_for_path, wait_until
from tests.accessibility.test_apply import PageChecks
from tests.accessibility.test_apply_details import submit, tick, type_into

pytestmark = pytest.mark.browser

LIGA, ANNA = "230565-11005", "150385-11001"


def seed_cases(database_url: str) -> tuple[int, int, int, int]:
    """Līga is a caseworker of Rīga; Anna's cases: submitted, information requested, granted, refused."""

    async def work() -> tuple[int, int, int, int]:
        db = Database(database_url)
        async with db.session() as session:
            liga = await people.ensure_person(session, LIGA, "Līga", "Liepiņa")
            anna = await people.ensure_person(session, ANNA, "Anna", "Bērziņa")
            await people.add_staff_role(session, liga, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, "riga"))
            contact = {"method": "post", "phone": "", "email": ""}
            waiting = await demo_applications.submitted_application(session, anna, anna, demo_applications.adult_answers(contact), "lv")
            asked = await demo_applications.submitted_application(session, anna, anna, demo_applications.adult_answers(contact), "lv")
            await casework.start_review(session, asked, liga)
            await casework.request_information(session, asked, liga, "Lūdzu, atsūtiet darba līgumu.")
            granted = await demo_applications.submitted_application(session, anna, anna, demo_applications.adult_answers(contact), "lv")
            await casework.grant(session, granted, liga, kind=ServiceKind.ADULT_ASSISTANT, minutes=80 * 60,
                           valid_from=date(2027, 1, 1), valid_to=date(2028, 12, 31), decision_text="Piešķirts darbam.")
            refused = await demo_applications.submitted_application(session, anna, anna, demo_applications.adult_answers(contact), "lv")
            await casework.refuse(session, refused, liga, "Nav noteikta I vai II invaliditātes grupa.")
            ids = (waiting.id, asked.id, granted.id, refused.id)
        await db.dispose()
        return ids

    return asyncio.run(work())


@pytest.mark.parametrize("lang", LANGS)
def test_desk_pages(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    driver = browser
    waiting, asked, granted, refused = seed_cases(database_url)
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, LIGA, lang)
    driver.get(f"{live_server}/{lang}/desk")
    wait_for_path(driver, f"/{lang}/desk")
    assert driver.find_elements(By.CSS_SELECTOR, f'main a[href="/{lang}/desk/cases/{waiting}"]')
    check("desk queue")
    driver.get(f"{live_server}/{lang}/desk?q=Neviens&whose=mine")
    wait_for_path(driver, f"/{lang}/desk")
    assert not driver.find_elements(By.ID, "cases")
    check("desk queue, a search that finds nothing", again=True)
    case = f"/{lang}/desk/cases/{waiting}"
    driver.get(live_server + case)
    wait_for_path(driver, case)
    check("case page")
    driver.find_element(By.CSS_SELECTOR, f'form[action="{case}/take"] button').click()
    # The same path before and after: wait for the page that no longer offers to take it.
    wait_until(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, f'form[action="{case}/take"]'), "the case taken")
    wait_for_path(driver, case)
    check("case page, taken", again=True)
    driver.get(f"{live_server}/{lang}/desk?whose=mine")
    wait_for_path(driver, f"/{lang}/desk")
    assert driver.find_elements(By.CSS_SELECTOR, f'main a[href="{case}"]')
    check("desk queue, my cases", again=True)

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

    # A decision sent for a case decided meanwhile (another tab, another caseworker): the case says so.
    decided = f"/{lang}/desk/cases/{refused}"
    driver.get(f"{live_server}{decided}?decided=before")
    wait_for_path(driver, decided)
    assert driver.find_elements(By.CSS_SELECTOR, ".notification-banner dl"), "the decision that stands"
    check("case page, decided before this decision")

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
    for application_id, state in ((granted, "granted"), (refused, "refused")):
        driver.get(f"{live_server}/{lang}/applications/{application_id}")
        wait_for_path(driver, f"/{lang}/applications/{application_id}")
        check(f"status page, {state}")
    check.assert_none()


def test_a_case_from_queue_to_grant_without_javascript(browser_no_js: WebDriver, live_server: str, database_url: str) -> None:
    """Līga, JavaScript off, in Russian: the queue, a case, start the review, grant; Anna then reads the decision."""
    from selenium.webdriver.support.ui import Select

    from tests.accessibility.test_no_javascript import assert_scripts_do_not_run

    driver, lang = browser_no_js, "ru"
    waiting, *_others = seed_cases(database_url)
    sign_in_as(driver, live_server, LIGA, lang)
    assert_scripts_do_not_run(driver)
    driver.get(f"{live_server}/{lang}/dashboard")
    driver.find_element(By.CSS_SELECTOR, f'main a[href="/{lang}/desk"]').click()
    wait_for_path(driver, f"/{lang}/desk")
    Select(driver.find_element(By.ID, "status")).select_by_value("submitted")
    driver.find_element(By.CSS_SELECTOR, "main form.filter-form button").click()  # a GET form: the filters are in the address
    wait_until(driver, lambda d: "status=submitted" in d.current_url, "the filtered queue")
    case = f"/{lang}/desk/cases/{waiting}"
    driver.find_element(By.CSS_SELECTOR, f'main a[href="{case}"]').click()
    wait_for_path(driver, case)
    submit(driver)  # start the review
    wait_for_path(driver, case)
    assert not driver.find_elements(By.CSS_SELECTOR, f'main form[action="{case}/start-review"]')
    driver.find_element(By.CSS_SELECTOR, f'main a[href="{case}/grant"]').click()
    wait_for_path(driver, case + "/grant")
    type_into(driver, "hours", "80")
    for name, (day, month, year) in (("start", ("1", "1", "2027")), ("end", ("31", "12", "2028"))):
        type_into(driver, f"{name}-day", day)
        type_into(driver, f"{name}-month", month)
        type_into(driver, f"{name}-year", year)
    type_into(driver, "text", "Предоставить 80 часов в месяц.")
    submit(driver)
    wait_for_path(driver, case + "/decision")  # the document's preview, then issue it
    tick(driver, "checked", "yes")
    submit(driver)
    wait_for_path(driver, case)
    assert "Предоставить 80 часов в месяц." in driver.find_element(By.TAG_NAME, "main").text

    driver.delete_all_cookies()
    sign_in_as(driver, live_server, ANNA, lang)
    driver.get(f"{live_server}/{lang}/applications/{waiting}")
    wait_for_path(driver, f"/{lang}/applications/{waiting}")
    main = driver.find_element(By.TAG_NAME, "main").text
    assert "Предоставить 80 часов в месяц." in main and "2028" in main


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_for_a_case_the_caseworker_is_part_of(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """Līga represents Anna: Anna's case is not hers to open, and the page says who handles it."""
    from tests.accessibility.conftest import assert_no_axe_violations
    from tests.accessibility.test_axe import assert_page_basics
    from tests.casework.test_segregation import liga_represents_anna

    waiting, *_ = seed_cases(database_url)
    liga_represents_anna(database_url)
    sign_in_as(browser, live_server, LIGA, lang)
    browser.get(f"{live_server}/{lang}/desk/cases/{waiting}")
    expected = {"lv": "Šo lietu izskata cits darbinieks", "ru": "Это дело ведёт другой сотрудник"}[lang]
    wait_until(browser, lambda d: d.title.startswith(expected), "the page for one's own case")
    assert_page_basics(browser, lang, "own case")
    assert_no_axe_violations(browser, f"the own-case page ({lang})")


def compose_a_grant(database_url: str) -> int:
    """Anna applied in Russian; Līga composed a grant: its preview has the Latvian text and the Russian explanation."""

    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            liga = await people.ensure_person(session, LIGA, "Līga", "Liepiņa")
            anna = await people.ensure_person(session, ANNA, "Anna", "Bērziņa")
            await people.add_staff_role(session, liga, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, "riga"))
            contact = {"method": "post", "phone": "", "email": ""}
            application = await demo_applications.submitted_application(session, anna, anna, demo_applications.adult_answers(contact), "ru")
            await casework.compose_grant(session, application, liga, casework.Grant(
                ServiceKind.ADULT_ASSISTANT, 80 * 60, date(2027, 1, 1), date(2027, 12, 31), "Strādā algotu darbu."))
            application_id = application.id
        await db.dispose()
        return application_id

    return asyncio.run(work())


@pytest.mark.parametrize("lang", LANGS)
def test_the_decision_preview_and_issuing_it(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """The document as the person will get it, its error state (the box not ticked), then issued: the case links the PDF."""
    driver = browser
    case = f"/{lang}/desk/cases/{compose_a_grant(database_url)}"
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, LIGA, lang)
    driver.get(f"{live_server}{case}/decision")
    wait_for_path(driver, f"{case}/decision")
    assert driver.find_elements(By.CSS_SELECTOR, '#decision-document section[lang="lv"] h2')
    assert driver.find_elements(By.CSS_SELECTOR, '#decision-document section[lang="ru"] h2')
    check("decision preview")
    submit(driver)
    check("decision preview, the box not ticked", error=True, error_fields=("checked",))
    tick(driver, "checked", "yes")
    submit(driver)
    wait_for_path(driver, case)
    assert driver.find_elements(By.CSS_SELECTOR, f'main a[href="{case}/decision.pdf"]')
    check.assert_none()

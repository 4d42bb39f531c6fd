"""Surveys in a real browser.

- Every page and error state in both languages: the list, the start, a page of questions, its
  errors, the check page, the thanks (axe, titles, focused error summary, 320 px).
- JavaScript off: Anna answers in Latvian, switches to Russian half-way with the language link,
  finishes and cannot answer twice.
- Keyboard alone: a visitor answers the public survey without signing in.
"""

from __future__ import annotations

from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from portal.surveys.definitions import all_surveys
from tests.accessibility.conftest import LANGS, sign_in_as, wait_for_path, wait_until
from tests.accessibility.test_apply import PageChecks
from tests.accessibility.test_apply_details import submit, tick, type_into
from tests.accessibility.test_keyboard import Journey, active, press
from tests.accessibility.test_no_javascript import assert_scripts_do_not_run
from tests.timesheets.helpers import ANNA, grant_and_assign

pytestmark = pytest.mark.browser

RECIPIENTS = all_surveys()["recipients-2026"]
PORTAL = all_surveys()["portal-2026"]


def answer_page(driver: WebDriver, survey: Any, number: int) -> None:
    for question in survey.pages[number - 1].questions:
        if not driver.find_elements(By.CSS_SELECTOR, f'main [name="{question.id}"]'):
            continue  # a follow-up that does not show
        if question.kind == "text":
            type_into(driver, question.id, "Vairāk stundu.")
        elif question.id == "where":
            tick(driver, question.id, "university")
        else:
            tick(driver, question.id, question.options[-1].value)


@pytest.mark.parametrize("lang", LANGS)
def test_survey_pages(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    driver = browser
    grant_and_assign(database_url)
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, ANNA, lang)
    for path, label in ((f"/{lang}/surveys", "the surveys"), (f"/{lang}/surveys/{RECIPIENTS.id}", "a survey's start"),
                        (f"/{lang}/surveys/{RECIPIENTS.id}/1", "a survey page")):
        driver.get(live_server + path)
        wait_for_path(driver, path)
        check(label)
    submit(driver)
    required = tuple(q.id for q in RECIPIENTS.pages[0].questions if q.required)
    check("a survey page, nothing answered", error=True, error_fields=required, again=True)
    for number in range(1, len(RECIPIENTS.pages) + 1):
        driver.get(f"{live_server}/{lang}/surveys/{RECIPIENTS.id}/{number}")
        wait_for_path(driver, f"/{lang}/surveys/{RECIPIENTS.id}/{number}")
        if number == 2:
            check("another survey page")
        answer_page(driver, RECIPIENTS, number)
        submit(driver)
    wait_for_path(driver, f"/{lang}/surveys/{RECIPIENTS.id}/check")
    check("a survey's check page")
    submit(driver)
    wait_for_path(driver, f"/{lang}/surveys/{RECIPIENTS.id}/thanks")
    check("a survey's thanks")
    check.assert_none()


def test_answer_in_latvian_switch_to_russian_and_finish_without_javascript(browser_no_js: WebDriver, live_server: str,
                                                                          database_url: str) -> None:
    driver = browser_no_js
    grant_and_assign(database_url)
    sign_in_as(driver, live_server, ANNA, "lv")
    assert_scripts_do_not_run(driver)
    driver.find_element(By.CSS_SELECTOR, f'main a[href="/lv/surveys/{RECIPIENTS.id}"]').click()
    wait_for_path(driver, f"/lv/surveys/{RECIPIENTS.id}")
    driver.find_element(By.CSS_SELECTOR, f'main a[href="/lv/surveys/{RECIPIENTS.id}/1"]').click()
    half = len(RECIPIENTS.pages) // 2
    for number in range(1, half + 1):
        wait_for_path(driver, f"/lv/surveys/{RECIPIENTS.id}/{number}")
        answer_page(driver, RECIPIENTS, number)
        submit(driver)
    lang_link = driver.find_element(By.CSS_SELECTOR, 'a[hreflang="ru"], a[lang="ru"]')
    lang_link.click()
    wait_for_path(driver, f"/ru/surveys/{RECIPIENTS.id}/{half + 1}")
    driver.get(f"{live_server}/ru/surveys/{RECIPIENTS.id}/1")  # what was answered in Latvian is still there
    assert driver.find_element(By.CSS_SELECTOR, 'input[name="where"][value="university"]').is_selected()
    for number in range(half + 1, len(RECIPIENTS.pages) + 1):
        driver.get(f"{live_server}/ru/surveys/{RECIPIENTS.id}/{number}")
        wait_for_path(driver, f"/ru/surveys/{RECIPIENTS.id}/{number}")
        answer_page(driver, RECIPIENTS, number)
        submit(driver)
    wait_for_path(driver, f"/ru/surveys/{RECIPIENTS.id}/check")
    submit(driver)
    wait_for_path(driver, f"/ru/surveys/{RECIPIENTS.id}/thanks")
    driver.get(f"{live_server}/ru/surveys/{RECIPIENTS.id}/1")
    wait_for_path(driver, f"/ru/surveys/{RECIPIENTS.id}")  # answered: back to the start, which says so


def test_a_visitor_answers_the_public_survey_by_keyboard(browser: WebDriver, live_server: str) -> None:
    driver, lang = browser, "lv"
    driver.get(f"{live_server}/{lang}/surveys/{PORTAL.id}")
    wait_for_path(driver, f"/{lang}/surveys/{PORTAL.id}")
    journey = Journey(driver, live_server, lang, [])

    def follow(condition: str, what: str) -> None:
        journey.tab_to(condition, what)
        before = driver.current_url
        press(driver, Keys.ENTER)
        wait_until(driver, lambda d: d.current_url != before, f"the page after {before}")

    follow(f"el.matches('main a[href=\"/{lang}/surveys/{PORTAL.id}/1\"]')", "start")
    for question in PORTAL.questions():
        journey.tab_to(f"el.name === {question.id!r}", question.id)
        if question.kind == "text":
            press(driver, "Lielāku tekstu.")
        else:
            press(driver, Keys.SPACE)
            assert active(driver, "el.checked") is True
    follow("el.matches('main form button[type=submit]')", "save and continue")
    wait_for_path(driver, f"/{lang}/surveys/{PORTAL.id}/check")
    follow("el.matches('main form button[type=submit]')", "send")
    wait_for_path(driver, f"/{lang}/surveys/{PORTAL.id}/thanks")


@pytest.mark.parametrize("lang", LANGS)
def test_the_analysts_pages(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """The results as tables and charts: the chart is an image that draws the figures, named once
    (test_assistive_technology.py checks its name), and the table beside it says them."""
    from tests.surveys.test_analysis import PETERIS, seed

    driver = browser
    seed(database_url, [("lv", {"where": "municipality", "hours_fit": "5", "help_with": ["transport"]})] * 6
         + [("ru", {"where": "college", "hours_fit": "3"})] * 2)
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, PETERIS, lang)
    for path, label in ((f"/{lang}/analysis", "the surveys' results"), (f"/{lang}/analysis/{RECIPIENTS.id}", "a survey's results"),
                        (f"/{lang}/analysis/{RECIPIENTS.id}?language=ru", "a survey's results, too few to show")):
        driver.get(live_server + path)
        wait_until(driver, lambda d: d.find_elements(By.TAG_NAME, "main"), label)
        check(label, again=path.endswith("=ru"))
    driver.get(f"{live_server}/{lang}/analysis/{RECIPIENTS.id}")
    chart = driver.find_element(By.ID, "chart-where")
    drawn = chart.get_attribute("textContent") or ""
    assert chart.get_attribute("role") == "img" and "6 (" in drawn
    assert driver.find_elements(By.CSS_SELECTOR, "#table-where td")
    check.assert_none()

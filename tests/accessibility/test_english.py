"""A few English pages in a real browser: axe, titles, 320 px, and the language switch of three languages.

The rest of the browser suite runs in Latvian and Russian; tests/pages/test_english.py walks every
English page over HTTP.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal.assessment.definitions import all_definitions
from tests.accessibility.conftest import ANNA, open_page, sign_in_as, wait_for_path
from tests.accessibility.test_apply import PageChecks

pytestmark = pytest.mark.browser

ADULTS = all_definitions()["adults-2021"]


def switch_problems(driver: WebDriver, label: str) -> list[str]:
    """English marked as the page's language; Latvian and Russian links to the same page, each in its language."""
    path = driver.execute_script("return location.pathname")
    header = driver.find_element(By.CSS_SELECTOR, "header .language-switch")
    current = [(e.get_attribute("lang"), e.text) for e in header.find_elements(By.CSS_SELECTOR, '[aria-current="true"]')]
    # What a screen reader says for each link: the English words, then the language in its own name.
    links = {(a.get_attribute("hreflang"), a.get_attribute("lang"), a.get_attribute("pathname"), a.get_attribute("textContent"))
             for a in header.find_elements(By.TAG_NAME, "a")}
    expected = {(code, code, f"/{code}{path.removeprefix('/en')}", f"Change language: {name}")
                for code, name in (("lv", "Latviešu"), ("ru", "Русский"))}
    problems = [] if current == [("en", "English")] else [f"{label}: the switch marks {current!r} as the page's language"]
    return problems + ([] if links == expected else [f"{label}: the switch links to {sorted(links)!r}"])


def test_english_pages_in_a_browser(browser: WebDriver, live_server: str) -> None:
    driver = browser
    check = PageChecks(driver, "en")
    problems: list[str] = []
    open_page(driver, live_server, "en", "start")
    check("the start page")
    problems += switch_problems(driver, "the start page")
    open_page(driver, live_server, "en", "settings-error")
    check("the display settings with an error", error=True, error_fields=("text",))

    sign_in_as(driver, live_server, ANNA.personal_code, "en")
    check("the overview")
    problems += switch_problems(driver, "the overview")
    section = ADULTS.sections[0]
    driver.get(f"{live_server}/en/assessment/{section.id}")
    wait_for_path(driver, f"/en/assessment/{section.id}")
    check("a section of the self-assessment")
    problems += switch_problems(driver, "a section of the self-assessment")
    if section.questions[0].text("en") not in driver.find_element(By.TAG_NAME, "main").text:
        problems.append("the self-assessment's question is not in English")
    driver.get(f"{live_server}/en/surveys/portal-2026/1")
    wait_for_path(driver, "/en/surveys/portal-2026/1")
    check("a survey's page")
    check.problems += problems
    check.assert_none()

"""A report's pages for someone whose it is not to confirm it, in a real browser, in both languages
(axe, title, 320 px): Marta (a minor: her father confirms) and Ilze (Anna's assistant and here her
guardian: the social service confirms) open the report, its confirm and its "something is wrong"
page; each says who does it, and none has a form.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.accessibility.conftest import LANGS, sign_in_as, wait_for_path
from tests.accessibility.test_apply import PageChecks
from tests.timesheets.helpers import ANNA, ILZE, MARTA, grant_and_assign, recorded_and_submitted, represents

pytestmark = pytest.mark.browser


def check_report_pages(driver: WebDriver, base: str, lang: str, report: int, who: str) -> None:
    check = PageChecks(driver, lang)
    for page, label in (("", "report"), ("/confirm", "confirm"), ("/dispute", "something is wrong")):
        path = f"/{lang}/reports/{report}{page}"
        driver.get(base + path)
        wait_for_path(driver, path)
        assert driver.find_elements(By.CSS_SELECTOR, "main #decided-by"), f"{label}: who does it"
        assert not driver.find_elements(By.CSS_SELECTOR, "main form"), f"{label}: no form"
        check(f"{label}, {who}")
    check.assert_none()


@pytest.mark.parametrize("lang", LANGS)
def test_a_minors_report_pages_say_her_representative_confirms(browser: WebDriver, live_server: str, database_url: str,
                                                               lang: str) -> None:
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.marta_assignment, grants.last_month)
    sign_in_as(browser, live_server, MARTA, lang)
    check_report_pages(browser, live_server, lang, report, "a minor")


@pytest.mark.parametrize("lang", LANGS)
def test_an_assistant_representatives_report_pages_say_the_social_service_confirms(
    browser: WebDriver, live_server: str, database_url: str, lang: str
) -> None:
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    represents(database_url, ILZE, ANNA)
    sign_in_as(browser, live_server, ILZE, lang)
    check_report_pages(browser, live_server, lang, report, "her own hours")

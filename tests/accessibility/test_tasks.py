"""The overview that leads with a task, in a real browser, in both languages (axe, title, 320 px)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.accessibility.conftest import LANGS, sign_in_as, wait_for_path
from tests.accessibility.test_apply import PageChecks
from tests.timesheets.helpers import ANNA, grant_and_assign, recorded_and_submitted

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", LANGS)
def test_the_overview_with_a_report_to_confirm(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    grants = grant_and_assign(database_url)
    recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    sign_in_as(browser, live_server, ANNA, lang)
    path = f"/{lang}/dashboard"
    browser.get(live_server + path)
    wait_for_path(browser, path)
    assert browser.find_elements(By.CSS_SELECTOR, "#section-tasks + ul a[href$='/reports']")
    check = PageChecks(browser, lang)
    check("the overview with a task")
    check.assert_none()

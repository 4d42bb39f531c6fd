"""Deleting an entry asks first (issue 15): "Delete" deleted at once, with nothing to undo it.

- JavaScript on, both languages: the month's Delete leads to a page that names the entry and asks;
  "No, keep the entry" keeps it; "Yes, delete the entry" deletes it and the month says so. The page
  is checked like every page (axe, title, 320 px), and in its error state: the report changed in
  another tab meanwhile, answered with the month as it is now (409) and the message.
- JavaScript off (Russian): the same, by plain links and form posts.
- Nobody else's entry, and no entry of a report that can no longer change, is offered.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal.timesheets.forms import CHANGED_SINCE_SHOWN
from tests.accessibility.conftest import LANGS, sign_in_as
from tests.accessibility.test_apply import PageChecks
from tests.accessibility.test_assistive_technology import go, month_path, recorded
from tests.accessibility.test_no_javascript import assert_scripts_do_not_run
from tests.accessibility.test_timesheets import click_and_wait
from tests.applications.test_routes import translated
from tests.pages.test_html_valid import assert_valid
from tests.timesheets.helpers import ANNA, ILZE, grant_and_assign, recorded_and_submitted

pytestmark = pytest.mark.browser

# Another tab adds an entry to the month (the month's own form, sent with the version this page shows).
ADD_IN_ANOTHER_TAB = """
const done = arguments[arguments.length - 1];
const shown = new FormData(document.querySelector('main form'));
const data = new URLSearchParams({csrf_token: shown.get('csrf_token'), version: shown.get('version'), day: arguments[1],
                                  start: '08:00', end: '09:00', purpose: 'work_study_sport'});
fetch(arguments[0], {method: 'POST', body: data, redirect: 'manual'}).then(r => done(r.status));
"""

PAGE_HTML_JS = "const done = arguments[arguments.length - 1]; fetch(location.href).then(r => r.text()).then(done);"

STATUS_OF_JS = """
const done = arguments[arguments.length - 1];
fetch(arguments[0], {redirect: 'follow'}).then(r => done([r.status, new URL(r.url).pathname]), e => done([0, String(e)]));
"""


def entries(driver: WebDriver) -> int:
    return len(driver.find_elements(By.CSS_SELECTOR, "#entries tbody th"))


def delete_links(driver: WebDriver) -> list[str]:
    return [link.get_attribute("href") or "" for link in driver.find_elements(By.CSS_SELECTOR, "#entries a[href$='/delete']")]


@pytest.mark.parametrize("lang", LANGS)
def test_deleting_an_entry_asks_first(browser: WebDriver, live_server: str, database_url: str, lang: str, tmp_path: Path) -> None:
    driver = browser
    grants = grant_and_assign(database_url)
    recorded(database_url, grants.marta_assignment, grants.last_month)
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, ILZE, lang)
    month = month_path(lang, grants.marta_assignment, grants.last_month)
    go(driver, live_server, month)
    assert entries(driver) == 3
    first = delete_links(driver)[0]
    click_and_wait(driver, f"#entries a[href='{first.split(live_server, 1)[1]}']")
    assert driver.current_url == first
    check("deleting an entry")
    main = driver.find_element(By.TAG_NAME, "main").text
    assert "09:00–12:00" in main and "Pie ārsta" in main, "the page names the entry it would delete"
    assert_valid({f"deleting an entry ({lang})": driver.execute_async_script(PAGE_HTML_JS)}, tmp_path)  # the Nu HTML Checker

    click_and_wait(driver, f"main a[href='{month}']")  # No, keep the entry
    assert driver.current_url == live_server + month and entries(driver) == 3

    go(driver, live_server, first.split(live_server, 1)[1])
    click_and_wait(driver, "main form button[type=submit]")  # Yes, delete the entry
    assert driver.current_url.startswith(live_server + month) and entries(driver) == 2
    assert driver.find_element(By.ID, "month-status").text.strip(), "the month says the entry was deleted"
    check("the month, an entry deleted", again=True)

    # The page kept open while the report changed in another tab: the month as it is now, and why.
    second = delete_links(driver)[0]
    go(driver, live_server, second.split(live_server, 1)[1])
    assert driver.execute_async_script(ADD_IN_ANOTHER_TAB, live_server + month, grants.last_month.replace(day=20).isoformat()) in (0, 303)
    click_and_wait(driver, "main form button[type=submit]")
    assert translated(lang, CHANGED_SINCE_SHOWN) in driver.find_element(By.CSS_SELECTOR, ".error-summary").text
    assert entries(driver) == 3, "nothing was deleted; the other tab's entry is shown"
    check("deleting an entry, the report changed meanwhile", error=True, error_fields=("day",), again=True)
    check.assert_none()


def test_deleting_an_entry_asks_first_without_javascript(browser_no_js: WebDriver, live_server: str, database_url: str) -> None:
    driver, lang = browser_no_js, "ru"
    grants = grant_and_assign(database_url)
    recorded(database_url, grants.marta_assignment, grants.last_month)
    sign_in_as(driver, live_server, ILZE, lang)
    assert_scripts_do_not_run(driver)
    month = month_path(lang, grants.marta_assignment, grants.last_month)
    go(driver, live_server, month)
    last = delete_links(driver)[-1]
    click_and_wait(driver, f"#entries a[href='{last.split(live_server, 1)[1]}']")
    assert driver.current_url == last and entries(driver) == 0, "the page that asks, not the month"
    click_and_wait(driver, "main form button[type=submit]")
    assert driver.current_url.startswith(live_server + month) and entries(driver) == 2
    assert last not in delete_links(driver), "the entry asked about is the one deleted"


def test_no_one_is_asked_about_an_entry_they_may_not_delete(browser: WebDriver, live_server: str, database_url: str) -> None:
    """Another assignment's entry in this month's URL, an entry of a submitted report, and Anna
    (whose month it is, but who is not its assistant) opening the page."""
    driver = browser
    grants = grant_and_assign(database_url)
    recorded(database_url, grants.marta_assignment, grants.last_month, days=1, start=14)
    recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month, days=1, hours=2)
    sign_in_as(driver, live_server, ILZE, "lv")
    marta_month = month_path("lv", grants.marta_assignment, grants.last_month)
    anna_month = month_path("lv", grants.anna_assignment, grants.last_month)
    go(driver, live_server, marta_month)
    marta_entry = delete_links(driver)[0].rsplit("/entries/", 1)[1].split("/")[0]
    go(driver, live_server, anna_month)
    assert not delete_links(driver), "a submitted month offers no Delete"
    anna_entry = str(driver.execute_script("return document.querySelector('#entries tbody tr').id.split('-')[1]"))

    def status(path: str) -> list[object]:
        return list(driver.execute_async_script(STATUS_OF_JS, live_server + path))

    assert status(f"{marta_month}/entries/{marta_entry}/delete") == [200, f"{marta_month}/entries/{marta_entry}/delete"]
    assert status(f"{marta_month}/entries/{anna_entry}/delete")[0] == 404  # Anna's entry, under Marta's month
    assert status(f"{anna_month}/entries/{anna_entry}/delete") == [200, anna_month]  # submitted: the month says why
    assert status(f"{anna_month}/entries/99999/delete")[0] == 404

    driver.delete_all_cookies()
    sign_in_as(driver, live_server, ANNA, "lv")
    assert status(f"{anna_month}/entries/{anna_entry}/delete")[0] == 404

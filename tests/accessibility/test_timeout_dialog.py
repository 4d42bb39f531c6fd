"""The idle-timeout warning (WCAG 2.2.1) in a real browser, on a portal with a short timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.accessibility.conftest import ANNA, assert_no_axe_violations, serve_portal, sign_in_as, wait_until

# A sign-in of its own for each: the timeouts count from it.
pytestmark = [pytest.mark.browser, pytest.mark.fresh_sign_in]

IDLE_SECONDS = 8
WARN_SECONDS = 6  # the dialog opens 2 s after the last request
DIALOG = "document.querySelector('dialog.timeout-dialog')"


@pytest.fixture(scope="module")
def short_session_portal(database_url: str, provider: str) -> Iterator[str]:
    with serve_portal(database_url, provider, idle_timeout_seconds=IDLE_SECONDS, idle_warning_seconds=WARN_SECONDS) as url:
        yield url


def dialog_open(driver: WebDriver) -> bool:
    return bool(driver.execute_script(f"return {DIALOG}.open"))


def test_stay_signed_in_by_keyboard_extends_the_session(browser: WebDriver, short_session_portal: str) -> None:
    sign_in_as(browser, short_session_portal, ANNA.personal_code, "lv")
    last_request = time.monotonic()
    wait_until(browser, dialog_open, "the timeout warning dialog")
    assert browser.execute_script(f"return {DIALOG}.contains(document.activeElement)"), "focus is not in the dialog"
    assert_no_axe_violations(browser, "timeout dialog (opened by its timer)")
    focused = browser.switch_to.active_element
    assert "data-timeout-extend" in browser.execute_script("return arguments[0].form.outerHTML", focused)
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait_until(browser, lambda d: not dialog_open(d), "the dialog to close")

    # Past the deadline the session had before "stay signed in": still signed in.
    time.sleep(max(0.0, last_request + IDLE_SECONDS + 1 - time.monotonic()))
    browser.get(f"{short_session_portal}/lv/dashboard")
    assert urlsplit(browser.current_url).path == "/lv/dashboard"
    assert "Anna Bērziņa" in browser.page_source


def test_doing_nothing_signs_out_and_explains(browser: WebDriver, short_session_portal: str) -> None:
    sign_in_as(browser, short_session_portal, ANNA.personal_code, "lv")
    browser.get(f"{short_session_portal}/lv/settings")
    wait_until(browser, lambda d: urlsplit(d.current_url).path == "/lv/session-ended", "the signed-out page")
    query = parse_qs(urlsplit(browser.current_url).query)
    assert query == {"reason": ["idle"], "next": ["/lv/settings"]}
    assert "Iziet" not in browser.page_source
    # The server agrees: the session is over.
    browser.get(f"{short_session_portal}/lv/dashboard")
    assert urlsplit(browser.current_url).path != "/lv/dashboard"

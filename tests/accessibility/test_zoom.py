"""Zoomed in (issue 15): 320 CSS px, and 400 % with the portal's largest text setting.

At 400 % a 1280 x 900 window is 320 x 225 CSS px; the "Larger" setting makes text half as large
again on top. On each page every action in <main> (every link and button) must be in view without
scrolling sideways: not past the window's edge, not in a box scrolled past its own edge (the
assistant's Change and Delete were in the 7th column of a table that scrolled), and nothing scrolls
the page sideways or cuts text off. The survey's charts keep their labels whole and their text as
large as the page's. The timeout dialog opens with its title in view.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.accessibility.conftest import choose_display_settings, serve_portal, sign_in_as, wait_until
from tests.accessibility.test_assistive_technology import (
    LIGA,
    PETERIS,
    desk_comparison,
    go,
    month_path,
    recorded,
    survey_answers,
)
from tests.accessibility.test_keyboard import active, press
from tests.accessibility.test_reflow import _DESCRIBE_JS, clipped_text_problems, horizontal_scroll_problems
from tests.timesheets.helpers import ANNA, ILZE, grant_and_assign, recorded_and_submitted

pytestmark = pytest.mark.browser

# (width, height, device pixels per CSS px, the portal's text setting)
ZOOMS = {
    "320px": (320, 900, 1, None),
    "400%-larger-text": (320, 225, 4, "larger"),
}

ACTIONS = "main a[href], main button, main summary"

# Each action that is not wholly in view sideways: past the window's edge, or past the edge of a box
# that clips or scrolls it (a table's scroll box), where only scrolling sideways would bring it in.
OUT_OF_REACH_JS = _DESCRIBE_JS + r"""
const limit = document.documentElement.clientWidth;
const out = [];
for (const el of document.querySelectorAll(arguments[0])) {
  const box = el.getBoundingClientRect();
  if (box.width < 2 || box.height < 2 || getComputedStyle(el).visibility === 'hidden') continue;  // not shown
  let left = 0, right = limit;
  for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    if (getComputedStyle(a).overflowX === 'visible') continue;
    const edge = a.getBoundingClientRect();
    left = Math.max(left, edge.left + a.clientLeft);
    right = Math.min(right, edge.left + a.clientLeft + a.clientWidth);
  }
  if (box.left < left - 1 || box.right > right + 1) {
    out.push(describe(el) + ' spans ' + Math.round(box.left) + '-' + Math.round(box.right) + ' px, in view ' + Math.round(left) + '-' + Math.round(right));
  }
}
return out;
"""


def zoom(driver: WebDriver, base: str, lang: str, how: str) -> None:
    """The window as the zoom makes it, and the text setting chosen on the settings page (a cookie)."""
    width, height, scale, text = ZOOMS[how]
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": False})
    if text:
        choose_display_settings(driver, base, lang, text=text, contrast="standard")


class InReach:
    """Collects the problems of every page visited."""

    def __init__(self, driver: WebDriver, how: str) -> None:
        self.driver = driver
        self.how = how
        self.problems: list[str] = []

    def __call__(self, label: str) -> None:
        label = f"{label} at {self.how}"
        self.driver.execute_script("window.scrollTo(0, 0)")
        self.problems += [f"{label}: {what} is out of reach" for what in self.driver.execute_script(OUT_OF_REACH_JS, ACTIONS)]
        self.problems += horizontal_scroll_problems(self.driver, label, ZOOMS[self.how][0])
        self.problems += clipped_text_problems(self.driver, label)

    def assert_none(self) -> None:
        assert not self.problems, "\n".join(self.problems)


@pytest.mark.parametrize("how", ZOOMS)
@pytest.mark.parametrize("lang", ["lv", "ru"])
def test_the_assistants_actions_are_in_reach(browser: WebDriver, live_server: str, database_url: str, lang: str, how: str) -> None:
    """Ilze on her phone: her people, a month with entries (Change and Delete), the page that asks
    before deleting, and a submitted month."""
    driver = browser
    grants = grant_and_assign(database_url)
    recorded(database_url, grants.marta_assignment, grants.last_month, start=14)
    recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month, days=2)
    zoom(driver, live_server, lang, how)
    check = InReach(driver, how)
    sign_in_as(driver, live_server, ILZE, lang)
    go(driver, live_server, f"/{lang}/assistant")
    check("the assistant's people")
    month = month_path(lang, grants.marta_assignment, grants.last_month)
    go(driver, live_server, month)
    check("a month with entries")
    deletes = [link.get_attribute("href") or "" for link in driver.find_elements(By.CSS_SELECTOR, "#entries a[href$='/delete']")]
    if len(deletes) == 3:
        go(driver, live_server, deletes[0].split(live_server, 1)[1])
        check("deleting an entry")
    else:
        check.problems.append(f"each of the 3 entries should have a Delete that leads to a page that asks first; {len(deletes)} do")
    go(driver, live_server, month_path(lang, grants.anna_assignment, grants.last_month))
    check("a submitted month")
    check.assert_none()


@pytest.mark.parametrize("how", ZOOMS)
def test_the_persons_pages_are_in_reach(browser: WebDriver, live_server: str, database_url: str, how: str) -> None:
    """Anna: her hours, her reports, a report with its entries, confirming it."""
    driver, lang = browser, "lv"
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    zoom(driver, live_server, lang, how)
    check = InReach(driver, how)
    sign_in_as(driver, live_server, ANNA, lang)
    for path, label in ((f"/{lang}/dashboard", "the overview"), (f"/{lang}/entitlement", "the person's hours"),
                        (f"/{lang}/reports", "the person's reports"), (f"/{lang}/reports/{report}", "a report"),
                        (f"/{lang}/reports/{report}/confirm", "confirming a report"), (f"/{lang}/settings", "the settings")):
        go(driver, live_server, path)
        check(label)
    check.assert_none()


@pytest.mark.parametrize("how", ZOOMS)
def test_the_desks_comparison_is_in_reach(browser: WebDriver, live_server: str, database_url: str, how: str) -> None:
    driver, lang = browser, "lv"
    case = desk_comparison(database_url)
    zoom(driver, live_server, lang, how)
    check = InReach(driver, how)
    sign_in_as(driver, live_server, LIGA, lang)
    go(driver, live_server, f"/{lang}/desk/cases/{case}/assessment")
    check("the self-assessment beside the desk's")
    check.assert_none()


# Each chart's labels and text: whole (as the table beside it says them), not wider than the chart, and
# drawn at least as large as the page's text (an SVG's text shrinks with its width: about 6 px at 320 px).
CHART_TEXT_JS = r"""
const body = parseFloat(getComputedStyle(document.body).fontSize);
const out = [];
for (const chart of document.querySelectorAll('main [id^="chart-"][role="img"]')) {
  const table = document.getElementById('table-' + chart.id.slice('chart-'.length));
  const expected = Array.from(table.querySelectorAll('tbody th')).map(th => th.textContent.trim());
  const labels = Array.from(chart.querySelectorAll('.bar-chart__label, .chart__label'));
  const shown = labels.map(label => label.textContent.trim());
  if (JSON.stringify(shown) !== JSON.stringify(expected)) out.push(chart.id + ': the labels read ' + JSON.stringify(shown) + ', the table ' + JSON.stringify(expected));
  const edge = chart.getBoundingClientRect();
  for (const text of chart.querySelectorAll('.bar-chart__label, .bar-chart__value, text')) {
    const scale = typeof text.getScreenCTM === 'function' ? text.getScreenCTM().a : 1;
    const size = parseFloat(getComputedStyle(text).fontSize) * scale;
    if (size < body - 0.5) out.push(chart.id + ': "' + text.textContent.trim() + '" is drawn ' + size.toFixed(1) + ' px high, the page\'s text ' + body + ' px');
    const box = text.getBoundingClientRect();
    if (box.right > edge.right + 1 || text.scrollWidth > text.clientWidth + 1) out.push(chart.id + ': "' + text.textContent.trim() + '" does not fit the chart');
  }
}
return out;
"""


@pytest.mark.parametrize("how", ZOOMS)
def test_the_survey_charts_wrap_and_scale(browser: WebDriver, live_server: str, database_url: str, how: str) -> None:
    driver, lang = browser, "lv"
    survey_answers(database_url)
    zoom(driver, live_server, lang, how)
    check = InReach(driver, how)
    sign_in_as(driver, live_server, PETERIS, lang)
    go(driver, live_server, f"/{lang}/analysis/recipients-2026")
    check("a survey's results")
    check.problems += driver.execute_script(CHART_TEXT_JS)
    assert driver.find_elements(By.CSS_SELECTOR, 'main [id^="chart-"][role="img"]'), "no charts to look at"
    check.assert_none()


# ------------------------------------------------------------- the timeout dialog

IDLE_SECONDS = 20
WARN_SECONDS = 17  # the dialog opens 3 s after the last request

DIALOG_VIEW_JS = r"""
const dialog = document.querySelector('dialog.timeout-dialog');
const frame = dialog.getBoundingClientRect();
const top = Math.max(0, frame.top + dialog.clientTop), bottom = Math.min(window.innerHeight, frame.top + dialog.clientTop + dialog.clientHeight);
function seen(selector) {
  const box = dialog.querySelector(selector).getBoundingClientRect();
  return box.top >= top - 1 && box.bottom <= bottom + 1 && box.left >= 0 && box.right <= document.documentElement.clientWidth + 1;
}
return {open: dialog.open, title: seen('.timeout-dialog__title'), countdown: seen('.timeout-dialog__countdown'),
        focusInside: dialog.contains(document.activeElement), scrolls: dialog.scrollHeight > dialog.clientHeight,
        sideways: dialog.scrollWidth > dialog.clientWidth + 1, scrollTop: dialog.scrollTop,
        focused: document.activeElement.outerHTML.slice(0, 80)};
"""


@pytest.fixture(scope="module")
def short_session_portal(database_url: str, provider: str) -> Iterator[str]:
    with serve_portal(database_url, provider, idle_timeout_seconds=IDLE_SECONDS, idle_warning_seconds=WARN_SECONDS) as url:
        yield url


@pytest.mark.fresh_sign_in  # the timeouts count from a sign-in of its own
@pytest.mark.parametrize("text", ["normal", "larger"])
def test_the_timeout_dialog_opens_with_its_title_in_view(browser: WebDriver, short_session_portal: str, text: str) -> None:
    """At 400 % the dialog is taller than the window: it scrolls its own content, and opens at its
    top, the title and the countdown in view, the focus on the title; Tab reaches "Stay signed in"."""
    driver, base = browser, short_session_portal
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 320, "height": 225, "deviceScaleFactor": 4, "mobile": False})
    choose_display_settings(driver, base, "lv", text=text, contrast="standard")
    sign_in_as(driver, base, ANNA, "lv")
    wait_until(driver, lambda d: d.execute_script("return document.querySelector('dialog.timeout-dialog').open"), "the timeout dialog")
    time.sleep(0.3)  # whatever the opening does to the focus and the scrolling is done
    view = driver.execute_script(DIALOG_VIEW_JS)
    assert view["scrolls"], f"at 400 % the dialog fits the window after all: {view}"
    assert view["title"] and view["countdown"], f"the dialog opened with its title or countdown out of view: {view}"
    assert view["focusInside"] and not view["sideways"], view
    assert active(driver, "el.matches('.timeout-dialog__title')"), view
    # The title is where reading starts; the next Tab is "Stay signed in", scrolled into view.
    press(driver, Keys.TAB)
    assert active(driver, "el.form && el.form.matches('[data-timeout-extend]')"), active(driver, "el.outerHTML")
    assert driver.execute_script(OUT_OF_REACH_JS, "dialog[open] button") == []
    press(driver, Keys.ENTER)
    wait_until(driver, lambda d: not d.execute_script("return document.querySelector('dialog.timeout-dialog').open"), "the dialog to close")

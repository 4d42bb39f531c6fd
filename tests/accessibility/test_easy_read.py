"""Easy read in a real browser: axe finds nothing on any easy-read page, in either language; at
320 CSS px (a phone, or 1280 px at 400 % zoom) nothing scrolls sideways, and each picture stands
above its words instead of beside them, as it does on a wide screen (a link's small picture may
stay beside its few words); never over them."""

from __future__ import annotations

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.accessibility.conftest import LANGS, assert_no_axe_violations, wait_for_path
from tests.accessibility.test_axe import assert_page_basics
from tests.accessibility.test_reflow import horizontal_scroll_problems, set_viewport

pytestmark = pytest.mark.browser

PAGES = ("/easy-read", "/easy-read/service", "/easy-read/apply", "/easy-read/self-assessment", "/easy-read/monthly-hours")

# Where each picture is against its words: beside them (its top at theirs, its right edge before their left) or above them.
PLACEMENT_JS = """
return Array.from(document.querySelectorAll(arguments[0])).map(item => {
  const picture = item.querySelector(':scope > .easy-read__picture').getBoundingClientRect();
  const words = item.querySelector(':scope > .easy-read__text').getBoundingClientRect();
  if (picture.bottom <= words.top) return 'above';
  if (picture.right <= words.left) return 'beside';
  return 'overlapping';
});
"""


def _open(driver: WebDriver, base_url: str, lang: str, page: str) -> None:
    driver.get(f"{base_url}/{lang}{page}")
    wait_for_path(driver, f"/{lang}{page}")


@pytest.mark.parametrize("lang", LANGS)
def test_easy_read_pages_have_no_axe_violations(browser: WebDriver, live_server: str, lang: str) -> None:
    for page in PAGES:
        _open(browser, live_server, lang, page)
        assert_page_basics(browser, lang, page)
        assert set(browser.execute_script(PLACEMENT_JS, ".easy-read__item")) == {"beside"}, f"{page} ({lang}): a picture is not beside its words"
        assert_no_axe_violations(browser, f"{page} ({lang})")


@pytest.mark.parametrize("lang", LANGS)
def test_easy_read_pages_reflow_at_320_px(browser: WebDriver, live_server: str, lang: str) -> None:
    set_viewport(browser, 320)
    problems: list[str] = []
    for page in PAGES:
        _open(browser, live_server, lang, page)
        problems += horizontal_scroll_problems(browser, f"{page} ({lang})", 320)
        placements = browser.execute_script(PLACEMENT_JS, ".easy-read__item:not(.easy-read__link)")
        if set(placements) != {"above"}:
            problems.append(f"{page} ({lang}) at 320 px: pictures {placements}, not each above its words")
        if "overlapping" in browser.execute_script(PLACEMENT_JS, ".easy-read__link"):
            problems.append(f"{page} ({lang}) at 320 px: a link's picture overlaps its words")
    assert not problems, "\n".join(problems)

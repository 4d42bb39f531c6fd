"""Reflow (WCAG 1.4.10) and resize text (1.4.4): nothing scrolls sideways, no text is cut off.

- 320 CSS px wide: no horizontal scrolling on any page, in either language.
- 200% text: the browser's text zoom, emulated by a root font size of 200% at 640 CSS px
  (the same layout as 1280 px at 200% zoom): no horizontal scrolling and no clipped text.
- The portal's own "Larger" text and "High contrast" settings, chosen on the settings page.

"No horizontal scrolling" means the document is no wider than the layout viewport
(`scrollWidth <= clientWidth`), which excludes the vertical scrollbar; comparing with
`innerWidth` would let a page overflow by the scrollbar's width unnoticed.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.accessibility.conftest import (
    LANGS,
    PERSON_FOR,
    PUBLIC_PAGES,
    SIGNED_IN_PAGES,
    choose_display_settings,
    open_page,
    sign_in_as,
)

pytestmark = pytest.mark.browser

# Describes an element for a failure message.
_DESCRIBE_JS = r"""
function describe(el) {
  let name = el.tagName.toLowerCase();
  if (el.id) name += '#' + el.id;
  if (typeof el.className === 'string' && el.className.trim()) name += '.' + el.className.trim().split(/\s+/).join('.');
  const text = (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 60);
  return text ? name + ' "' + text + '"' : name;
}
"""

HORIZONTAL_SCROLL_JS = _DESCRIBE_JS + r"""
const root = document.documentElement;
const limit = root.clientWidth;
const result = {scrollWidth: root.scrollWidth, clientWidth: limit, innerWidth: window.innerWidth, offenders: []};
if (root.scrollWidth <= limit) return result;
function contained(el) {  // inside something that scrolls or clips on its own
  for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    if (getComputedStyle(a).overflowX !== 'visible') return true;
  }
  return false;
}
const sticking = Array.from(document.body.querySelectorAll('*')).filter(
  el => el.getBoundingClientRect().right + window.scrollX > limit + 1 && !contained(el));
const set = new Set(sticking);
result.offenders = sticking
  .filter(el => !Array.from(el.children).some(child => set.has(child)))
  .slice(0, 8)
  .map(el => describe(el) + ' right=' + Math.round(el.getBoundingClientRect().right + window.scrollX));
return result;
"""

CLIPPED_TEXT_JS = _DESCRIBE_JS + r"""
const clipped = [];
for (const el of document.body.querySelectorAll('*')) {
  const style = getComputedStyle(el);
  const clipsX = style.overflowX === 'hidden' || style.overflowX === 'clip';
  const clipsY = style.overflowY === 'hidden' || style.overflowY === 'clip';
  if (!clipsX && !clipsY) continue;
  if (!(el.textContent || '').trim() || style.display === 'none' || style.visibility === 'hidden') continue;
  // Visually hidden on purpose (text for screen readers only).
  if (el.clientWidth <= 1 || el.clientHeight <= 1 || style.clipPath === 'inset(50%)') continue;
  if ((clipsX && el.scrollWidth > el.clientWidth + 1) || (clipsY && el.scrollHeight > el.clientHeight + 1)) {
    clipped.push(describe(el) + ' scroll=' + el.scrollWidth + 'x' + el.scrollHeight + ' client=' + el.clientWidth + 'x' + el.clientHeight);
  }
}
return clipped;
"""


def set_viewport(driver: WebDriver, width: int, height: int = 900) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    )


def zoom_text(driver: WebDriver, percent: int = 200) -> None:
    """What the browser's text-only zoom does: every rem grows, the media queries (in em) do not."""
    driver.execute_script(f"document.documentElement.style.fontSize = '{percent}%';")
    size = driver.execute_script("return getComputedStyle(document.documentElement).fontSize")
    assert size == f"{16 * percent // 100}px", f"the root font size is {size} after zooming text to {percent}%"


def horizontal_scroll_problems(driver: WebDriver, label: str, width: int) -> list[str]:
    result = driver.execute_script(HORIZONTAL_SCROLL_JS)
    assert result["innerWidth"] == width, f"{label}: the viewport is {result['innerWidth']} px wide, not {width}"
    if result["scrollWidth"] <= result["clientWidth"]:
        return []
    offenders = "".join(f"\n      {offender}" for offender in result["offenders"])
    return [
        f"{label}: scrolls sideways at {width} px: the page is {result['scrollWidth']} px wide in a "
        f"{result['clientWidth']} px viewport; sticking out:{offenders}"
    ]


def clipped_text_problems(driver: WebDriver, label: str) -> list[str]:
    return [f"{label}: text cut off in {element}" for element in driver.execute_script(CLIPPED_TEXT_JS)]


def _assert_none(problems: list[str]) -> None:
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------ 320 px


@pytest.mark.parametrize("page", PUBLIC_PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_public_page_reflows_at_320_px(browser: WebDriver, live_server: str, lang: str, page: str) -> None:
    set_viewport(browser, 320)
    open_page(browser, live_server, lang, page)
    _assert_none(horizontal_scroll_problems(browser, f"{page} ({lang})", 320))


@pytest.mark.parametrize("page", SIGNED_IN_PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_signed_in_page_reflows_at_320_px(browser: WebDriver, live_server: str, lang: str, page: str) -> None:
    set_viewport(browser, 320)
    sign_in_as(browser, live_server, PERSON_FOR[lang].personal_code, lang)
    open_page(browser, live_server, lang, page)
    _assert_none(horizontal_scroll_problems(browser, f"{page} signed in ({lang})", 320))


# ---------------------------------------------------------------- 200% text


@pytest.mark.parametrize("page", PUBLIC_PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_public_page_at_200_percent_text(browser: WebDriver, live_server: str, lang: str, page: str) -> None:
    set_viewport(browser, 640)
    open_page(browser, live_server, lang, page)
    zoom_text(browser)
    label = f"{page} ({lang}) at 200% text"
    _assert_none(horizontal_scroll_problems(browser, label, 640) + clipped_text_problems(browser, label))


@pytest.mark.parametrize("page", SIGNED_IN_PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_signed_in_page_at_200_percent_text(browser: WebDriver, live_server: str, lang: str, page: str) -> None:
    set_viewport(browser, 640)
    sign_in_as(browser, live_server, PERSON_FOR[lang].personal_code, lang)
    open_page(browser, live_server, lang, page)
    zoom_text(browser)
    label = f"{page} signed in ({lang}) at 200% text"
    _assert_none(horizontal_scroll_problems(browser, label, 640) + clipped_text_problems(browser, label))


# ------------------------------------------------ the portal's own settings


@pytest.mark.parametrize("lang", LANGS)
def test_larger_text_and_high_contrast_settings_reflow(browser: WebDriver, live_server: str, lang: str) -> None:
    """"Larger" text and "High contrast" chosen on the settings page, then every page at 320 px."""
    set_viewport(browser, 320)
    choose_display_settings(browser, live_server, lang, text="larger", contrast="high")
    classes = browser.execute_script("return document.documentElement.className").split()
    assert {"text-larger", "contrast-high"} <= set(classes), f"<html class> is {classes} after saving the settings"

    problems: list[str] = []
    for page in PUBLIC_PAGES:
        open_page(browser, live_server, lang, page)
        label = f"{page} ({lang}) with larger text and high contrast"
        problems += horizontal_scroll_problems(browser, label, 320) + clipped_text_problems(browser, label)
    sign_in_as(browser, live_server, PERSON_FOR[lang].personal_code, lang)
    for page in SIGNED_IN_PAGES:
        open_page(browser, live_server, lang, page)
        label = f"{page} signed in ({lang}) with larger text and high contrast"
        problems += horizontal_scroll_problems(browser, label, 320) + clipped_text_problems(browser, label)
    classes = browser.execute_script("return document.documentElement.className").split()
    assert {"text-larger", "contrast-high"} <= set(classes), f"the settings did not last through signing in: {classes}"
    _assert_none(problems)


def test_the_checks_can_fail(browser: WebDriver, live_server: str) -> None:
    """Each check catches what it is for: a too-wide box, and text cut off by overflow: hidden."""
    set_viewport(browser, 320)
    open_page(browser, live_server, "lv", "accessibility")
    assert horizontal_scroll_problems(browser, "clean", 320) == []
    browser.execute_script(
        "const wide = document.createElement('p'); wide.id = 'too-wide'; wide.textContent = 'wide';"
        "wide.style.width = '400px'; document.querySelector('main').append(wide);"
        "const cut = document.createElement('p'); cut.id = 'cut-off'; cut.textContent = 'a long text that cannot fit';"
        "cut.style.width = '3rem'; cut.style.overflow = 'hidden'; cut.style.whiteSpace = 'nowrap';"
        "document.querySelector('main').append(cut);"
    )
    [scroll] = horizontal_scroll_problems(browser, "wide", 320)
    assert "p#too-wide" in scroll, scroll
    [clipped] = clipped_text_problems(browser, "cut")
    assert "p#cut-off" in clipped, clipped

"""Keyboard alone, JavaScript on: skip link, sign in, change the text size, sign out.

Nothing here clicks: every step is Tab, Enter or an arrow key sent to whatever has
focus, and every element that takes focus on the portal's pages must show it
(WCAG 2.4.7): a visible outline, or a box-shadow or background that the element
does not have without focus. For radios (drawn by CSS, the real input is
transparent) the label's drawn circle counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.accessibility.conftest import (
    ANNA,
    OLGA,
    SIGN_IN_TEXT,
    SIGN_OUT_TEXT,
    Person,
    wait_for_path,
    wait_for_url_prefix,
    wait_until,
)

pytestmark = pytest.mark.browser

MAX_TABS = 40

# Styles of the focused element (and, for a transparent input, its labels and their
# ::before/::after), then the same without focus, then focus put back.
FOCUS_STYLES_JS = r"""
const el = document.activeElement;
const props = ['outlineStyle', 'outlineWidth', 'outlineColor', 'boxShadow', 'backgroundColor'];
function parts(node) {
  // A transparent control (a radio or checkbox drawn by CSS) shows nothing itself: only its labels count.
  if (getComputedStyle(node).opacity !== '0') return [[node, null]];
  const list = [];
  for (const label of (node.labels || [])) list.push([label, null], [label, '::before'], [label, '::after']);
  return list;
}
function snap(list) {
  return list.map(([node, pseudo]) => {
    const style = getComputedStyle(node, pseudo);
    const out = {where: node.tagName.toLowerCase() + (pseudo || '')};
    for (const p of props) out[p] = style[p];
    return out;
  });
}
const list = parts(el);
const focused = snap(list);
el.blur();
const unfocused = snap(list);
el.focus({preventScroll: true});
let name = el.tagName.toLowerCase();
if (el.id) name += '#' + el.id;
if (el.getAttribute('href')) name += '[href=' + el.getAttribute('href') + ']';
const text = (el.innerText || el.value || '').trim().replace(/\s+/g, ' ').slice(0, 40);
return {name: text ? name + ' "' + text + '"' : name, focused: focused, unfocused: unfocused,
        restored: document.activeElement === el};
"""


def _transparent(colour: str) -> bool:
    """A computed colour: "rgb(r, g, b)" is opaque, "rgba(r, g, b, a)" is transparent when a is 0."""
    colour = colour.replace(" ", "")
    return colour == "transparent" or (colour.startswith("rgba(") and float(colour[5:-1].split(",")[3]) == 0)


def focus_indicator(driver: WebDriver) -> tuple[str, str | None]:
    """(the focused element, how its focus shows or None)."""
    result = driver.execute_script(FOCUS_STYLES_JS)
    assert result["restored"], f"could not put focus back on {result['name']}"
    for on, off in zip(result["focused"], result["unfocused"], strict=True):
        outline = (on["outlineStyle"], on["outlineWidth"], on["outlineColor"])
        outline_shows = on["outlineStyle"] != "none" and on["outlineWidth"] != "0px" and not _transparent(on["outlineColor"])
        if outline_shows and outline != (off["outlineStyle"], off["outlineWidth"], off["outlineColor"]):
            return result["name"], f"{on['where']} outline {' '.join(outline)}"
        if on["backgroundColor"] != off["backgroundColor"] and not _transparent(on["backgroundColor"]):
            return result["name"], f"{on['where']} background {on['backgroundColor']}"
        if on["boxShadow"] != "none" and on["boxShadow"] != off["boxShadow"]:
            return result["name"], f"{on['where']} box-shadow {on['boxShadow']}"
    return result["name"], None


def press(driver: WebDriver, key: str) -> None:
    ActionChains(driver).send_keys(key).perform()


def active(driver: WebDriver, script: str) -> object:
    """Evaluate `script` with `el` bound to document.activeElement."""
    return driver.execute_script(f"const el = document.activeElement; return ({script});")


@dataclass
class Journey:
    driver: WebDriver
    base_url: str
    lang: str
    seen: list[str]

    def on_portal(self) -> bool:
        return self.driver.current_url.startswith(self.base_url + "/")

    def assert_focus_visible(self) -> None:
        name, how = focus_indicator(self.driver)
        assert how, f"{name} on {self.driver.current_url} has focus but shows no focus indicator"
        self.seen.append(f"{name}: {how}")

    def tab_to(self, condition: str, what: str) -> None:
        """Press Tab until `condition` (JS, `el` is the focused element) holds; check each stop."""
        for _ in range(MAX_TABS):
            press(self.driver, Keys.TAB)
            # Past the page's last control the focus goes to the browser (headless: document.body),
            # then round to the top: no element of the portal's to show it.
            if self.on_portal() and not active(self.driver, "el === document.body"):
                self.assert_focus_visible()
            if active(self.driver, condition):
                return
        pytest.fail(f"{MAX_TABS} presses of Tab on {self.driver.current_url} never reached {what}")


def keyboard_journey(driver: WebDriver, base_url: str, person: Person, lang: str) -> list[str]:
    journey = Journey(driver, base_url, lang, [])
    driver.get(f"{base_url}/{lang}/")

    # The skip link: the first stop, visible once focused, and it leads into <main>.
    skip_box = driver.execute_script("return document.querySelector('.skip-link').getBoundingClientRect().toJSON()")
    assert skip_box["width"] <= 1 and skip_box["height"] <= 1, f"the skip link shows before it has focus: {skip_box}"
    press(driver, Keys.TAB)
    assert active(driver, "el.matches('a.skip-link')"), "the first Tab stop is not the skip link: " + str(
        active(driver, "el.outerHTML")
    )
    box = active(driver, "el.getBoundingClientRect().toJSON()")
    viewport = driver.execute_script("return [window.innerWidth, window.innerHeight]")
    assert box["width"] > 1 and box["height"] > 1, f"the focused skip link is not visible: {box}"
    assert box["left"] >= 0 and box["top"] >= 0 and box["right"] <= viewport[0] and box["bottom"] <= viewport[1], (
        f"the focused skip link is off screen: {box} in {viewport}"
    )
    journey.assert_focus_visible()
    press(driver, Keys.ENTER)
    wait_until(driver, lambda d: active(d, "el.id === 'main-content'"), "focus on <main> after the skip link")
    assert active(driver, "el.tagName === 'MAIN'"), "the skip link's target is not <main>"

    # Sign in: from <main> onwards, the first sign-in control.
    journey.tab_to(f"el.matches('a[href$=\"/{lang}/sign-in\"], form[action$=\"/{lang}/sign-in\"] button')", "the sign-in control")
    label = active(driver, "el.innerText")
    assert SIGN_IN_TEXT[lang] in str(label), f"the sign-in control reads {label!r}, not {SIGN_IN_TEXT[lang]!r}"
    press(driver, Keys.ENTER)
    wait_until(driver, lambda d: not d.current_url.startswith(base_url + "/"), "the eID provider's page")
    provider = driver.current_url.split("/oauth2/")[0] + "/"
    wait_for_url_prefix(driver, provider)
    journey.tab_to(f"el.tagName === 'BUTTON' && el.textContent.trim() === {person.personal_code!r}", "the person's button")
    press(driver, Keys.ENTER)
    wait_for_path(driver, f"/{lang}/dashboard")
    assert person.name in driver.page_source

    # Display settings: Tab to the link, Enter, arrows in the text size group, Tab to save.
    journey.tab_to(f"el.getAttribute('href') === '/{lang}/settings'", "the settings link")
    press(driver, Keys.ENTER)
    wait_for_path(driver, f"/{lang}/settings")
    journey.tab_to("el.matches('input[type=radio][name=text]')", "the text size radios")
    assert active(driver, "el.value") == "normal", "the text size group does not start at the chosen size"
    press(driver, Keys.ARROW_DOWN)
    assert active(driver, "el.value + ' ' + el.checked") == "large true", "ArrowDown did not choose the next size"
    journey.assert_focus_visible()
    press(driver, Keys.ARROW_DOWN)
    assert active(driver, "el.value + ' ' + el.checked") == "larger true", "ArrowDown did not choose the next size"
    journey.assert_focus_visible()
    journey.tab_to(f"el.matches('main form[action$=\"/{lang}/settings\"] button[type=submit]')", "the save button")
    press(driver, Keys.ENTER)
    wait_until(driver, lambda d: "saved=1" in d.current_url, "the saved settings page")
    classes = driver.execute_script("return document.documentElement.className").split()
    assert "text-larger" in classes, f"<html class> is {classes} after saving larger text"
    font_size = driver.execute_script("return getComputedStyle(document.documentElement).fontSize")
    assert font_size == "24px", f"larger text is {font_size}, not 150% of 16px"
    # The confirmation has the focus (a screen reader reads it); Tab goes on from there.
    assert active(driver, "el.matches('.notification-banner--success')"), "the saved banner does not have the focus"

    # Sign out, and confirm at the provider, by keyboard; focus still shows at the larger size.
    journey.tab_to(f"el.matches('form[action$=\"/{lang}/sign-out\"] button')", "the sign-out button")
    label = active(driver, "el.innerText")
    assert SIGN_OUT_TEXT[lang] in str(label), f"the sign-out button reads {label!r}, not {SIGN_OUT_TEXT[lang]!r}"
    press(driver, Keys.ENTER)
    wait_for_url_prefix(driver, provider)
    journey.tab_to("el.tagName === 'BUTTON' && el.form && el.form.action.includes('end_session')", "the provider's confirm button")
    press(driver, Keys.ENTER)
    wait_for_path(driver, f"/{lang}/signed-out")
    assert not driver.find_elements("css selector", f'form[action$="/{lang}/sign-out"]'), "still signed in"
    return journey.seen


def test_keyboard_journey_in_latvian(browser: WebDriver, live_server: str) -> None:
    keyboard_journey(browser, live_server, ANNA, "lv")


def test_keyboard_journey_in_russian(browser: WebDriver, live_server: str) -> None:
    keyboard_journey(browser, live_server, OLGA, "ru")


def test_the_focus_check_can_fail(browser: WebDriver, live_server: str) -> None:
    """The indicator check is not vacuous: a button styled without any focus style fails it."""
    browser.get(f"{live_server}/lv/accessibility")
    browser.execute_script(
        "const b = document.createElement('button'); b.textContent = 'x'; b.id = 'bare';"
        "b.style.outline = 'none'; b.style.boxShadow = 'none'; b.style.background = 'white';"
        "document.querySelector('main').prepend(b); b.focus();"
    )
    name, how = focus_indicator(browser)
    assert name.startswith("button#bare") and how is None, (name, how)
    press(browser, Keys.TAB)  # a real link of the portal does show focus
    name, how = focus_indicator(browser)
    assert how, f"{name} shows no focus"

"""The "apply for the service" journey in a real browser.

- Every page of the journey, in both languages: axe (the suite's WCAG tags), `<html lang>`,
  a title (with "Error: " first in an error state, whose summary takes focus), and no
  horizontal scrolling at 320 CSS px. One sign-in per language covers all signed-in pages.
- Keyboard alone, JavaScript on (Latvian): dashboard to the check page and a change link back.
- JavaScript off (Russian, Ольга, whose age the personal code does not tell): the same journey,
  and the list of applications shows her draft.

The journey's texts are still being translated: everything is found by href, name, value or id.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.accessibility.conftest import (
    ALL_SERVICE_KINDS,
    ANNA,
    ERROR_TITLE_PREFIX,
    LANGS,
    OLGA,
    RULED_OUT_ADULT_ANSWERS,
    RULED_OUT_STEP,
    answer_and_continue,
    answer_values,
    apply_step_path,
    assert_no_axe_violations,
    journey_form,
    sign_in_as,
    submit_journey_form,
    submit_without_answer,
    wait_for_apply_step,
    wait_for_path,
    wait_until,
)
from tests.accessibility.test_keyboard import Journey, active, press
from tests.accessibility.test_no_javascript import assert_scripts_do_not_run
from tests.accessibility.test_reflow import horizontal_scroll_problems, set_viewport

pytestmark = pytest.mark.browser

REFLOW_WIDTH = 320


class PageChecks:
    """Runs the checks on the page the browser shows and collects every problem (not just the first)."""

    def __init__(self, driver: WebDriver, lang: str) -> None:
        self.driver = driver
        self.lang = lang
        self.problems: list[str] = []
        self.titles: dict[str, str] = {}

    def __call__(self, page: str, error: bool = False, error_fields: tuple[str, ...] = ("answer",), again: bool = False) -> None:
        """`again`: the same page as one checked before, in another state (so its title repeats)."""
        driver, lang = self.driver, self.lang
        label = f"{page} ({lang})"
        html_lang = driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
        if html_lang != lang:
            self.problems.append(f"{label}: <html lang={html_lang!r}> on a /{lang}/ page")
        title = driver.title.strip()
        if not title:
            self.problems.append(f"{label}: empty <title>")
        if error:
            if not title.startswith(ERROR_TITLE_PREFIX[lang]):
                self.problems.append(f"{label}: the title {title!r} does not start with {ERROR_TITLE_PREFIX[lang]!r}")
            if not driver.execute_script("return document.activeElement.matches('.error-summary')"):
                self.problems.append(f"{label}: the error summary is not focused")
            links = [a.get_attribute("href") or "" for a in driver.find_elements(By.CSS_SELECTOR, ".error-summary a")]
            if [urlsplit(href).fragment for href in links] != list(error_fields):
                self.problems.append(f"{label}: the error summary should link to {error_fields!r}; it links to {links!r}")
            for field in error_fields:
                if not driver.find_elements(By.CSS_SELECTOR, f'main #{field}[aria-invalid="true"]'):
                    self.problems.append(f"{label}: no invalid #{field} for the summary's link")
                # A date's parts share one message, at the fieldset: #start-day's is #start-error.
                date_part = field.rsplit("-", 1)[0] if field.endswith(("-day", "-month", "-year")) else field
                if not driver.find_elements(By.CSS_SELECTOR, f"main #{field}-error, main #{date_part}-error"):
                    self.problems.append(f"{label}: no error message at #{field}")
        else:
            if any(title.startswith(prefix) for prefix in ERROR_TITLE_PREFIX.values()):
                self.problems.append(f"{label}: not an error state, but the title is {title!r}")
            if not again:
                self.titles[label] = title
        try:
            assert_no_axe_violations(driver, label)
        except AssertionError as failure:
            self.problems.append(str(failure))
        # The same page, not reloaded (an error state is the answer to a POST), at 320 px.
        set_viewport(driver, REFLOW_WIDTH)
        try:
            self.problems += horizontal_scroll_problems(driver, label, REFLOW_WIDTH)
        finally:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    def assert_none(self) -> None:
        by_title: dict[str, list[str]] = {}
        for label, title in self.titles.items():
            by_title.setdefault(title, []).append(label)
        self.problems += [
            f"pages sharing the title {title!r}: {', '.join(labels)}" for title, labels in by_title.items() if len(labels) > 1
        ]
        assert not self.problems, "\n".join(self.problems)


def change_links(driver: WebDriver) -> list[str]:
    """The check page's change links, as path?query."""
    links = []
    for a in driver.find_elements(By.CSS_SELECTOR, "main .summary-list a[href]"):
        parts = urlsplit(a.get_attribute("href") or "")
        links.append(f"{parts.path}?{parts.query}" if parts.query else parts.path)
    return links


# The adult assistant's pages after the eligibility questions, before any is answered
# (no purpose chosen yet, so no documents page).
ADULT_DETAIL_STEPS = ("details", "contact", "purposes", "frequency", "assistant", "declarations")


def expected_change_links(lang: str, application_id: int, steps: tuple[str, ...]) -> list[str]:
    """The check page's links: the eligibility answers given, then the adult's pages still to fill in."""
    return [apply_step_path(lang, application_id, step) + "?change=1" for step in steps + ADULT_DETAIL_STEPS]


def assert_opens_at_the_top(driver: WebDriver) -> None:
    """A page reached through a form opens like any other: no fragment, nothing focused, not scrolled.

    A form without an action posts to the page's address, #fragment included, and the
    browser keeps that fragment through the redirect: after the error summary's link
    (#answer), every following question would open scrolled to, and focused on, its first radio.
    """
    state = driver.execute_script(
        "return {hash: location.hash, body: document.activeElement === document.body, y: window.scrollY}"
    )
    assert state == {"hash": "", "body": True, "y": 0}, f"{driver.current_url} did not open at the top: {state}"


# ----------------------------------------------------------------- every page


@pytest.mark.parametrize("lang", LANGS)
def test_apply_pages(browser: WebDriver, live_server: str, lang: str) -> None:
    """The start page signed out, then (one sign-in) every page of a ruled-out adult's journey."""
    driver = browser
    check = PageChecks(driver, lang)

    driver.get(f"{live_server}/{lang}/apply")
    wait_for_path(driver, f"/{lang}/apply")
    assert driver.find_elements(By.CSS_SELECTOR, f'main a[href="/{lang}/apply/new"]'), "the start page has no link to start"
    check("apply start page, signed out")

    sign_in_as(driver, live_server, ANNA.personal_code, lang)
    driver.get(f"{live_server}/{lang}/apply/new")
    wait_for_path(driver, f"/{lang}/apply/new")
    assert answer_values(driver) == ["self"], f"Anna represents no one, yet she is offered {answer_values(driver)!r}"
    check("for-whom question")
    submit_without_answer(driver)
    check("for-whom question, nothing chosen", error=True)
    answer_and_continue(driver, "self")

    application_id = wait_for_apply_step(driver, lang, "service")
    check("service question")
    submit_without_answer(driver)
    check("service question, nothing chosen", error=True)
    for step, value in RULED_OUT_ADULT_ANSWERS:
        wait_for_path(driver, apply_step_path(lang, application_id, step))
        if step != "service":  # checked above, and in its error state
            check(f"{step} question")
        answer_and_continue(driver, value)

    wait_for_path(driver, apply_step_path(lang, application_id, RULED_OUT_STEP))
    check("ruled-out page")
    submit_journey_form(driver)
    wait_for_path(driver, apply_step_path(lang, application_id, "details"))  # the application goes on
    driver.get(f"{live_server}{apply_step_path(lang, application_id, 'check')}")
    wait_for_path(driver, apply_step_path(lang, application_id, "check"))
    steps = tuple(step for step, _ in RULED_OUT_ADULT_ANSWERS)
    assert change_links(driver) == expected_change_links(lang, application_id, steps)
    check("check page")

    driver.get(f"{live_server}/{lang}/applications")
    wait_for_path(driver, f"/{lang}/applications")
    assert driver.find_elements(By.CSS_SELECTOR, f'main a[href="/{lang}/apply/{application_id}/check"]'), "the draft is not listed"
    check("applications list with a draft")

    driver.get(f"{live_server}/{lang}/dashboard")
    wait_for_path(driver, f"/{lang}/dashboard")
    assert driver.find_elements(By.CSS_SELECTOR, f'main a[href="/{lang}/apply/{application_id}/check"]'), "no draft on the dashboard"
    check("dashboard with a draft")

    check.assert_none()


def test_the_page_checks_can_fail(browser: WebDriver, live_server: str) -> None:
    """PageChecks reports what it is for: a wrong title prefix, an unfocused summary, axe, and reflow."""
    browser.get(f"{live_server}/lv/apply")
    wait_for_path(browser, "/lv/apply")
    browser.execute_script(
        "const wide = document.createElement('p'); wide.id = 'too-wide'; wide.textContent = 'wide';"
        "wide.style.width = '400px'; document.querySelector('main').append(wide);"
        "const img = document.createElement('img'); img.src = '/static/no-such.png'; img.id = 'no-alt';"
        "document.querySelector('main').append(img);"
    )
    check = PageChecks(browser, "lv")
    check("a broken page", error=True)
    with pytest.raises(AssertionError) as failure:
        check.assert_none()
    message = str(failure.value)
    for expected in ("does not start with 'Kļūda: '", "error summary is not focused", "image-alt", "p#too-wide"):
        assert expected in message, f"{expected!r} not reported:\n{message}"


# ------------------------------------------------------------------ keyboard


def test_keyboard_journey_through_apply_in_latvian(browser: WebDriver, live_server: str) -> None:
    """Tab, Space, arrows and Enter only, from the dashboard to the check page and back through a change link."""
    driver, lang = browser, "lv"
    sign_in_as(driver, live_server, ANNA.personal_code, lang)  # signing in by keyboard: test_keyboard.py
    journey = Journey(driver, live_server, lang, [])

    def submit() -> None:
        journey.tab_to("el.matches('main form[method=post] button[type=submit]')", "the form's submit button")
        press(driver, Keys.ENTER)

    def focused_radio() -> str:
        return str(active(driver, "el.matches('input[type=radio][name=answer]') ? el.value + ' ' + el.checked : el.outerHTML"))

    # Dashboard -> the start page -> "Start now".
    journey.tab_to(f"el.getAttribute('href') === '/{lang}/apply'", "the dashboard's link to apply")
    press(driver, Keys.ENTER)
    wait_for_path(driver, f"/{lang}/apply")
    journey.tab_to(f"el.getAttribute('href') === '/{lang}/apply/new'", "the start button")
    press(driver, Keys.ENTER)
    wait_for_path(driver, f"/{lang}/apply/new")

    # For whom: Tab into the group (nothing chosen yet: the first radio), Space chooses "self".
    journey.tab_to("el.matches('input[type=radio][name=answer]')", "the for-whom radios")
    press(driver, Keys.SPACE)
    assert focused_radio() == "self true", "Space did not choose the focused radio"
    journey.assert_focus_visible()
    submit()
    application_id = wait_for_apply_step(driver, lang, "service")

    # Enter on "Save and continue" without a choice: the error summary takes focus,
    # its link leads to the first radio, Space chooses it (the adult assistant).
    submit()
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".error-summary"), "the error summary")
    wait_for_path(driver, apply_step_path(lang, application_id, "service"))
    assert driver.title.startswith(ERROR_TITLE_PREFIX[lang]), f"the title {driver.title!r} does not say there is an error"
    wait_until(driver, lambda d: active(d, "el.matches('.error-summary')"), "focus on the error summary")
    journey.tab_to("el.matches('.error-summary a[href=\"#answer\"]')", "the error summary's link")
    press(driver, Keys.ENTER)
    wait_until(driver, lambda d: active(d, "el.id") == "answer", "focus on the first radio after the summary's link")
    assert focused_radio() == "adult_assistant false", f"the summary's link led to {focused_radio()}"
    press(driver, Keys.SPACE)
    assert focused_radio() == "adult_assistant true"
    journey.assert_focus_visible()
    submit()

    # The summary's link put #answer in the address; the next question must still open at
    # the top of the page (skip link first), not with focus on its own first radio.
    wait_for_path(driver, apply_step_path(lang, application_id, "disability-group"))
    assert_opens_at_the_top(driver)

    # Disability group: Space on the first (group I), two arrows down to group III.
    journey.tab_to("el.matches('input[type=radio][name=answer]')", "the disability group radios")
    press(driver, Keys.SPACE)
    assert focused_radio() == "1 true"
    press(driver, Keys.ARROW_DOWN)
    press(driver, Keys.ARROW_DOWN)
    assert focused_radio() == "3 true", "two presses of ArrowDown did not reach group III"
    journey.assert_focus_visible()
    submit()

    # Limitations: yes. Transport indication: yes, then ArrowDown to no.
    wait_for_path(driver, apply_step_path(lang, application_id, "limitations"))
    journey.tab_to("el.matches('input[type=radio][name=answer]')", "the limitations radios")
    press(driver, Keys.SPACE)
    assert focused_radio() == "yes true"
    submit()
    wait_for_path(driver, apply_step_path(lang, application_id, "transport-indication"))
    journey.tab_to("el.matches('input[type=radio][name=answer]')", "the transport indication radios")
    press(driver, Keys.SPACE)
    press(driver, Keys.ARROW_DOWN)
    assert focused_radio() == "no true"
    journey.assert_focus_visible()
    submit()

    # Ruled out: its "continue" button goes on with the application; the answers so far are on the check page.
    wait_for_path(driver, apply_step_path(lang, application_id, RULED_OUT_STEP))
    submit()
    wait_for_path(driver, apply_step_path(lang, application_id, "details"))
    driver.get(f"{live_server}{apply_step_path(lang, application_id, 'check')}")
    wait_for_path(driver, apply_step_path(lang, application_id, "check"))
    assert change_links(driver) == expected_change_links(lang, application_id, tuple(step for step, _ in RULED_OUT_ADULT_ANSWERS))

    # A change link: the group page with group III chosen; ArrowUp twice to group I, and back.
    group_change = apply_step_path(lang, application_id, "disability-group") + "?change=1"
    journey.tab_to(f"el.getAttribute('href') === {group_change!r}", "the disability group's change link")
    press(driver, Keys.ENTER)
    wait_for_path(driver, apply_step_path(lang, application_id, "disability-group"))
    assert urlsplit(driver.current_url).query == "change=1"
    journey.tab_to("el.matches('input[type=radio][name=answer]')", "the disability group radios")
    assert focused_radio() == "3 true", "Tab did not land on the chosen group"
    press(driver, Keys.ARROW_UP)
    press(driver, Keys.ARROW_UP)
    assert focused_radio() == "1 true"
    submit()
    wait_for_path(driver, apply_step_path(lang, application_id, "check"))
    # Group I: no transport question any more, and the service is no longer ruled out.
    assert change_links(driver) == expected_change_links(lang, application_id, ("service", "disability-group", "limitations"))
    assert len(journey.seen) >= 10, journey.seen


# ------------------------------------------------------------- no JavaScript


def test_apply_without_javascript_in_russian(browser_no_js: WebDriver, live_server: str) -> None:
    """Ольга, JavaScript off: dashboard, start, every question, the check page, a change; then her list."""
    driver, lang = browser_no_js, "ru"
    sign_in_as(driver, live_server, OLGA.personal_code, lang)
    assert_scripts_do_not_run(driver)

    driver.find_element(By.CSS_SELECTOR, f'main a[href="/{lang}/apply"]').click()
    wait_for_path(driver, f"/{lang}/apply")
    driver.find_element(By.CSS_SELECTOR, f'main a[href="/{lang}/apply/new"]').click()
    wait_for_path(driver, f"/{lang}/apply/new")
    assert answer_values(driver) == ["self"]
    answer_and_continue(driver, "self")
    application_id = wait_for_apply_step(driver, lang, "service")

    # Her age is unknown (new-format personal code): every kind is offered.
    assert answer_values(driver) == list(ALL_SERVICE_KINDS)
    assert not driver.find_elements(By.CSS_SELECTOR, "main h2.heading-s"), "kinds listed as not offered to someone of unknown age"

    # Nothing chosen: the error state works without scripts, and its link moves focus to the field.
    submit_without_answer(driver)
    assert_scripts_do_not_run(driver)
    assert driver.title.startswith(ERROR_TITLE_PREFIX[lang]), f"the title {driver.title!r} does not say there is an error"
    link = driver.find_element(By.CSS_SELECTOR, '.error-summary a[href="#answer"]')
    assert driver.find_element(By.ID, "answer-error").text.strip(), "no error message at the question"
    assert "answer-error" in (journey_form(driver).find_element(By.TAG_NAME, "fieldset").get_attribute("aria-describedby") or "")
    link.click()
    wait_until(driver, lambda d: d.execute_script("return location.hash") == "#answer", "the summary's link")
    assert driver.execute_script("return document.activeElement.id") == "answer", "the first radio did not take focus"

    for step, value in RULED_OUT_ADULT_ANSWERS:
        wait_for_path(driver, apply_step_path(lang, application_id, step))
        answer_and_continue(driver, value)
        assert_opens_at_the_top(driver)  # the summary's #answer is not carried on
    # Her age is unknown, but the answers alone rule the adult assistant out.
    wait_for_path(driver, apply_step_path(lang, application_id, RULED_OUT_STEP))
    submit_journey_form(driver)
    wait_for_path(driver, apply_step_path(lang, application_id, "details"))
    driver.get(f"{live_server}{apply_step_path(lang, application_id, 'check')}")
    wait_for_path(driver, apply_step_path(lang, application_id, "check"))
    steps = tuple(step for step, _ in RULED_OUT_ADULT_ANSWERS)
    assert change_links(driver) == expected_change_links(lang, application_id, steps)

    # Change the group to I through its change link: straight back to the check page.
    driver.find_element(By.CSS_SELECTOR, 'main .summary-list a[href$="/disability-group?change=1"]').click()
    wait_for_path(driver, apply_step_path(lang, application_id, "disability-group"))
    assert driver.find_element(By.CSS_SELECTOR, 'main input[name="answer"][value="3"]').is_selected(), "her answer is not shown"
    answer_and_continue(driver, "1")
    wait_for_path(driver, apply_step_path(lang, application_id, "check"))
    assert change_links(driver) == expected_change_links(lang, application_id, ("service", "disability-group", "limitations"))

    # Her applications, from the dashboard: the draft, with a link to continue it.
    driver.get(f"{live_server}/{lang}/dashboard")
    wait_for_path(driver, f"/{lang}/dashboard")
    driver.find_element(By.CSS_SELECTOR, f'main a[href="/{lang}/applications"]').click()
    wait_for_path(driver, f"/{lang}/applications")
    items = driver.find_elements(By.CSS_SELECTOR, "main .application-list__item")
    assert len(items) == 1, f"expected her one draft on the list, found {len(items)} item(s)"
    continue_links = items[0].find_elements(By.CSS_SELECTOR, f'a[href="/{lang}/apply/{application_id}/check"]')
    assert continue_links, "her draft has no link to continue it"
    assert OLGA.name in items[0].text, "the list does not say whom the draft is for"
    continue_links[0].click()
    wait_for_path(driver, apply_step_path(lang, application_id, "check"))

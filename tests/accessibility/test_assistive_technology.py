"""What assistive technology meets (issue 15, points 6-7), each finding checked where it was found.

- Chromium's accessibility tree (CDP `Accessibility.getFullAXTree`) of the key pages, in both
  languages: every control's role, name and states; links and buttons that share a name lead to
  the same place; one h1; no two landmarks of a kind with one name; charts named once; the hours
  meter in hours; the "saved" banner focused.
- Tab stops: a table's box is one only while it scrolls.
- The character count: one announcement when typing pauses, not one per keystroke.
- Zoom (`test_zoom.py`): 320 px, and 400 % with the largest text setting.
- Deleting an entry asks first, with JavaScript and without (`test_delete_entry.py`).
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import date

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from portal import clock
from portal.applications.models import Application
from portal.assessment import service as assessments
from portal.assessment.demo import ANNA_ANSWERS
from portal.db import Database
from portal.people import service as people
from portal.timesheets import service
from tests.accessibility import axtree
from tests.accessibility.conftest import (
    LANGS,
    choose_display_settings,
    show_settings_error,
    sign_in_as,
    wait_for_path,
    wait_until,
)
from tests.accessibility.test_keyboard import active, focus_indicator, press
from tests.timesheets.helpers import ANNA, ILZE, grant_and_assign, recorded_and_submitted

pytestmark = pytest.mark.browser

LIGA, PETERIS = "230565-11005", "300688-11000"


# ------------------------------------------------------------------ the data


def recorded(database_url: str, assignment_id: int, month: date, days: int = 3, hours: int = 3, start: int = 9) -> None:
    """Ilze records `days` entries of `hours` from `start` o'clock in the month, and does not submit it."""

    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            ilze = await people.person_by_code(session, ILZE)
            assisted = await service.assignment_of(session, ilze, assignment_id)
            for number in range(days):
                entry = service.EntryInput(month.replace(day=number + 1), start * 60, (start + hours) * 60, "work_study_sport",
                                           "Pie ārsta" if number == 0 else "")
                _saved, problems = await service.save_entry(session, ilze, assisted, month, entry, clock.today(), None)
                assert not problems, problems
        await db.dispose()

    asyncio.run(work())


def desk_comparison(database_url: str) -> int:
    """Anna's case with her self-assessment sent with it and the desk's submitted beside it: the case's id."""
    from tests.accessibility.test_assessment import ADULTS
    from tests.accessibility.test_assessment import seed as case_at_the_desk

    ids = case_at_the_desk(database_url)

    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            anna = await people.person_by_code(session, ANNA)
            liga = await people.person_by_code(session, LIGA)
            for section in ADULTS.sections:
                await assessments.save_section(session, anna, anna, ADULTS, {q.id: ANNA_ANSWERS[q.id] for q in section.questions})
            version = await assessments.submit(session, anna, anna)
            case = await session.get(Application, ids["case"])
            assert case is not None
            case.assessment_id = version.id
            await assessments.submit_desk(session, liga, case)
        await db.dispose()

    asyncio.run(work())
    return ids["case"]


def survey_answers(database_url: str) -> None:
    from tests.surveys.test_analysis import seed

    seed(database_url, [("lv", {"where": "municipality", "hours_fit": "5", "help_with": ["transport"]})] * 6
         + [("ru", {"where": "college", "hours_fit": "3"})] * 2)


def go(driver: WebDriver, base: str, path: str) -> None:
    driver.get(base + path)
    wait_for_path(driver, path.split("?")[0])
    wait_until(driver, lambda d: d.execute_script("return document.readyState") == "complete", f"{path} loaded")


def month_path(lang: str, assignment: int, month: date) -> str:
    return f"/{lang}/assistant/{assignment}/{month:%Y-%m}"


# ----------------------------------------------------------- the tree's checks


class TreeChecks:
    """The checks every key page gets from Chromium's tree; problems are collected, not raised one by one."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver
        self.problems: list[str] = []

    def __call__(self, label: str) -> list[axtree.Node]:
        nodes = axtree.tree(self.driver)
        self.problems += axtree.problems_of_controls(self.driver, nodes, label)
        self.problems += axtree.problems_of_structure(nodes, label)
        for node in axtree.controls(nodes):
            if node.role in ("radio", "checkbox") and node.states.get("checked") not in ("true", "false", "mixed"):
                self.problems.append(f"{label}: {node} does not say whether it is checked")
            if node.role == "combobox" and not node.value:
                self.problems.append(f"{label}: {node} does not say what is chosen")
        return nodes

    def assert_none(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def named(nodes: list[axtree.Node], role: str) -> list[str]:
    return [node.name for node in nodes if node.role == role]


# ------------------------------------------------------------------ the pages


MONTH_LINK = re.compile(r"/assistant/[0-9]+/[0-9]{4}-[0-9]{2}$")


@pytest.mark.parametrize("lang", LANGS)
def test_each_months_link_has_a_name_of_its_own(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """Ilze's people: a link to December for Anna and one for Marta were two links named "December"."""
    driver = browser
    grant_and_assign(database_url)
    check = TreeChecks(driver)
    sign_in_as(driver, live_server, ILZE, lang)
    go(driver, live_server, f"/{lang}/assistant")
    nodes = check("the assistant's people")
    months = [node for node in axtree.controls(nodes) if node.role == "link" and MONTH_LINK.search(str(node.states.get("url")))]
    assert len(months) == 4, [str(node) for node in axtree.controls(nodes)]
    assert len({node.name for node in months}) == 4, f"the months' links share names: {[node.name for node in months]}"
    check.assert_none()


@pytest.mark.parametrize("lang", LANGS)
def test_the_month_and_deleting_an_entry_in_the_tree(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """The month with its entries: each entry's Change and Delete named for the entry; Delete leads
    to the page that asks first (test_delete_entry.py follows it through)."""
    driver = browser
    grants = grant_and_assign(database_url)
    recorded(database_url, grants.marta_assignment, grants.last_month)
    recorded(database_url, grants.anna_assignment, grants.last_month, days=1, start=14)
    check = TreeChecks(driver)
    sign_in_as(driver, live_server, ILZE, lang)
    go(driver, live_server, month_path(lang, grants.marta_assignment, grants.last_month))
    nodes = check("a month with three entries")
    deletes = [node for node in axtree.controls(nodes) if node.role == "link" and str(node.states.get("url")).endswith("/delete")]
    assert len(deletes) == 3, f"Delete is no link to a page that asks first: {[str(node) for node in axtree.controls(nodes)]}"
    go(driver, live_server, str(deletes[0].states["url"]).split(live_server, 1)[1])
    check("deleting an entry")
    check.assert_none()


@pytest.mark.parametrize("lang", LANGS)
def test_the_meter_says_hours(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """Anna's hours: the meter of this month's use said "180 of 4800" (minutes)."""
    driver = browser
    grants = grant_and_assign(database_url)
    recorded(database_url, grants.anna_assignment, grants.this_month, days=1, hours=3)
    check = TreeChecks(driver)
    sign_in_as(driver, live_server, ANNA, lang)
    go(driver, live_server, f"/{lang}/entitlement")
    nodes = check("the person's hours")
    [meter] = [node for node in nodes if node.role == "meter"]
    assert meter.name and meter.description, f"the meter is not named and explained: {meter}"
    # Its numbers are hours too, for a reader that says the numbers instead of the text.
    assert (meter.value, meter.states.get("valuemax")) == ("3", 80), f"the meter's numbers are {meter.value} of {meter.states}"
    # Chromium passes aria-valuetext to the platform's accessibility API, where a screen reader takes
    # the meter's value from; CDP reports only the number, so the text is read from the DOM.
    spoken = driver.find_element(By.CSS_SELECTOR, "main [role=meter], main meter").get_attribute("aria-valuetext") or ""
    hours = {"lv": ("3 stundas", "80 stundas"), "ru": ("3 часа", "80 часов")}[lang]
    assert all(figure in spoken for figure in hours) and "180" not in spoken, f"the meter says {spoken!r}"
    check.assert_none()


@pytest.mark.parametrize("lang", LANGS)
def test_the_persons_pages_in_the_tree(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """Anna's overview, her reports, a report waiting for her, confirming it (and its error state),
    and "something is wrong": every control named, and in the error state said to be invalid."""
    from tests.accessibility.test_apply_details import submit

    driver = browser
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    check = TreeChecks(driver)
    sign_in_as(driver, live_server, ANNA, lang)
    for path, label in ((f"/{lang}/dashboard", "the overview"), (f"/{lang}/reports", "the person's reports"),
                        (f"/{lang}/reports/{report}", "a report"), (f"/{lang}/reports/{report}/dispute", "something is wrong"),
                        (f"/{lang}/reports/{report}/confirm", "confirming a report")):
        go(driver, live_server, path)
        check(label)
    submit(driver)
    nodes = check("confirming a report, not ticked")
    [box] = [node for node in axtree.controls(nodes) if node.role == "checkbox"]
    assert box.states.get("invalid") == "true" and box.states.get("checked") == "false", box
    check.assert_none()


@pytest.mark.parametrize("lang", LANGS)
def test_the_settings_page_has_one_h1(browser: WebDriver, live_server: str, lang: str) -> None:
    """The display settings: its two questions' legends were h1s too; and in its error state the
    text size's radios say they are invalid."""
    driver = browser
    check = TreeChecks(driver)
    sign_in_as(driver, live_server, ANNA, lang)
    go(driver, live_server, f"/{lang}/settings")
    nodes = check("the settings")
    assert [node.states.get("level") for node in axtree.headings(nodes) if node.name in named(nodes, "group")] == [2, 2]
    show_settings_error(driver, live_server, lang)
    nodes = check("the settings, an error")
    radios = [node for node in axtree.controls(nodes) if node.role == "radio"]
    assert [node.states.get("invalid") for node in radios] == ["true"] * 3 + ["false"] * 2, [str(node) for node in radios]
    check.assert_none()


@pytest.mark.parametrize("lang", LANGS)
def test_the_saved_banner_takes_the_focus(browser: WebDriver, live_server: str, lang: str) -> None:
    """"Your settings have been saved": the banner was not focused, so a screen reader did not read it."""
    driver = browser
    choose_display_settings(driver, live_server, lang, text="large", contrast="standard")
    nodes = TreeChecks(driver)("the settings, saved")
    focused = [str(node) for node in nodes if node.states.get("focused")]
    banner = driver.find_element(By.CSS_SELECTOR, ".notification-banner--success")
    assert driver.execute_script("return document.activeElement === arguments[0]", banner), f"the focus is on {focused}"
    [alert] = [node for node in nodes if node.role == "alert"]
    assert alert.name == banner.find_element(By.TAG_NAME, "h2").text and alert.states.get("focused"), alert
    # And the focus shows (as the page would with the window focused, which headless Chromium may not be).
    driver.execute_cdp_cmd("Emulation.setFocusEmulationEnabled", {"enabled": True})
    try:
        name, how = focus_indicator(driver)
        assert how, f"{name} has the focus but does not show it"
    finally:
        driver.execute_cdp_cmd("Emulation.setFocusEmulationEnabled", {"enabled": False})
    press(driver, Keys.TAB)  # and Tab goes on from there, into the form, not from the top
    assert active(driver, "el.matches('main input[name=text]')"), active(driver, "el.outerHTML")


@pytest.mark.parametrize("lang", LANGS)
def test_the_desks_comparison_in_the_tree(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """The self-assessment beside the desk's: two results, each with a table "Hours a month for each
    purpose", were two regions with one name."""
    driver = browser
    case = desk_comparison(database_url)
    check = TreeChecks(driver)
    sign_in_as(driver, live_server, LIGA, lang)
    go(driver, live_server, f"/{lang}/desk/cases/{case}/assessment")
    nodes = check("the desk's comparison")
    assert len([node for node in nodes if node.role == "table"]) >= 8  # both results and every section
    check.assert_none()


@pytest.mark.parametrize("lang", LANGS)
def test_the_survey_results_in_the_tree(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """Each chart is an image named once, without the figures (they are the table's, beside it)."""
    driver = browser
    survey_answers(database_url)
    check = TreeChecks(driver)
    sign_in_as(driver, live_server, PETERIS, lang)
    go(driver, live_server, f"/{lang}/analysis/recipients-2026")
    nodes = check("a survey's results")
    images = [node for node in nodes if node.role == "image"]
    tables = [node for node in nodes if node.role == "table"]
    assert images and len(images) == len(tables), (images, tables)
    for image, table in zip(images, tables, strict=True):
        assert table.name in image.name, f"the chart {image} is not named for its question {table.name!r}"
        assert "%" not in image.name and not image.description, f"the chart {image} says its figures ({image.description!r})"
    # Nor is a figure as the chart draws it ("6 (75 %)") read as text: the table says "6" and "75 %".
    drawn = [node for node in nodes if node.role == "StaticText" and re.fullmatch(r"[0-9]+ \([0-9,.]+ %\)", node.name)]
    assert not drawn, [str(node) for node in drawn]
    check.assert_none()


# ---------------------------------------------------------------- tab stops

SCROLL_BOXES_JS = """
return Array.from(document.querySelectorAll('main .table-wrapper')).map(box => ({
  name: box.querySelector('caption') ? box.querySelector('caption').textContent.trim() : box.outerHTML.slice(0, 60),
  scrolls: box.scrollWidth > box.clientWidth + 1, focusable: box.tabIndex >= 0 && box.hasAttribute('tabindex'),
  role: box.getAttribute('role') || ''}));
"""


# The focused element, described; '' once the focus has left the page or come round to where it started.
FOCUSED_JS = """
const el = document.activeElement;
if (!el || el === document.body || el.hasAttribute('data-first-stop')) { return ''; }
return (el.matches('.table-wrapper') ? 'table-wrapper: ' : '') + el.tagName.toLowerCase()
  + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
"""


def tab_stops(driver: WebDriver, limit: int = 80) -> list[str]:
    """From the skip link (every page's first Tab stop) to the page's end: what Tab stops at, in order."""
    driver.execute_script("document.querySelectorAll('[data-first-stop]').forEach(el => el.removeAttribute('data-first-stop'));"
                          "const skip = document.querySelector('a.skip-link'); skip.focus(); skip.setAttribute('data-first-stop', '');")
    stops = ["a.skip-link"]
    for _ in range(limit):
        press(driver, Keys.TAB)
        here = str(driver.execute_script(FOCUSED_JS))
        if not here:
            return stops
        stops.append(here)
    pytest.fail(f"{limit} presses of Tab did not reach the end of {driver.current_url}: {stops}")


def test_a_table_is_a_tab_stop_only_while_it_scrolls(browser: WebDriver, live_server: str, database_url: str) -> None:
    """The survey's results: 11 of the page's 24 Tab stops were table boxes that did not scroll."""
    driver = browser
    survey_answers(database_url)
    sign_in_as(driver, live_server, PETERIS, "lv")
    go(driver, live_server, "/lv/analysis/recipients-2026")
    boxes = driver.execute_script(SCROLL_BOXES_JS)
    assert boxes and not any(box["scrolls"] for box in boxes), f"at 1280 px no table should scroll: {boxes}"
    stops = tab_stops(driver)
    assert len(stops) > 10, stops
    assert not [stop for stop in stops if stop.startswith("table-wrapper:")], f"Tab stops at tables that do not scroll: {stops}"
    assert not [box for box in boxes if box["focusable"] or box["role"]], boxes

    # A table that does scroll (made wider than its box) is a named, focusable group at once.
    driver.execute_script("document.querySelector('main .table-wrapper table').style.minWidth = '200rem';")
    wait_until(driver, lambda d: d.execute_script(SCROLL_BOXES_JS)[0]["focusable"], "the scrolling box to become focusable")
    first = driver.execute_script(SCROLL_BOXES_JS)[0]
    assert first["scrolls"] and first["role"] == "group", first
    stops = tab_stops(driver)
    assert any(stop.startswith("table-wrapper:") for stop in stops), f"the scrolling table is no Tab stop: {stops}"
    nodes = axtree.tree(driver)
    groups = [node for node in nodes if node.role == "group" and node.states.get("focusable")]
    assert [node.name for node in groups] == [first["name"]], [str(node) for node in groups]


def test_without_javascript_every_table_can_be_scrolled_by_keyboard(browser_no_js: WebDriver, live_server: str,
                                                                    database_url: str) -> None:
    """Without the script that measures them, a table's box stays focusable: it may scroll."""
    from tests.accessibility.test_no_javascript import assert_scripts_do_not_run

    driver = browser_no_js
    survey_answers(database_url)
    sign_in_as(driver, live_server, PETERIS, "lv")
    go(driver, live_server, "/lv/analysis/recipients-2026")
    assert_scripts_do_not_run(driver)
    boxes = driver.execute_script(SCROLL_BOXES_JS)
    assert boxes and all(box["focusable"] and box["role"] == "group" for box in boxes), boxes


# ------------------------------------------------------- the character count

# Every change of what a live region says, as a screen reader is told of it (one per task).
COUNT_ANNOUNCEMENTS_JS = """
window.announced = [];
const regions = document.querySelectorAll('[aria-live]:not([aria-live="off"]), [role="status"], [role="alert"], [role="log"]');
const last = new Map();
const observer = new MutationObserver(records => {
  const changed = new Set(records.map(r => (r.target.nodeType === 1 ? r.target : r.target.parentElement).closest(
    '[aria-live], [role="status"], [role="alert"], [role="log"]')));
  for (const region of changed) {
    const text = region.textContent.trim();
    if (text && text !== last.get(region)) { window.announced.push(text); }
    last.set(region, text);
  }
});
regions.forEach(region => { last.set(region, region.textContent.trim());
  observer.observe(region, {childList: true, characterData: true, subtree: true}); });
return regions.length;
"""


@pytest.mark.parametrize("lang", LANGS)
def test_the_character_count_is_announced_when_typing_pauses(browser: WebDriver, live_server: str, lang: str) -> None:
    """Ten characters typed: one announcement of what is left, not ten; each pause, one more."""
    driver = browser
    go(driver, live_server, f"/{lang}/components")
    field = driver.find_element(By.ID, "g-story")
    assert driver.execute_script(COUNT_ANNOUNCEMENTS_JS) > 0
    shown = driver.find_element(By.ID, "g-story-count-status")
    field.send_keys("abcdefghij")
    # What is shown follows every keystroke at once.
    wait_until(driver, lambda d: "190" in shown.text, "the count shown")
    time.sleep(1.6)  # the announcement comes 1 s after typing stops
    announced = driver.execute_script("return window.announced")
    assert len(announced) == 1 and "190" in announced[0], f"typing 10 characters announced {len(announced)} times: {announced}"
    field.send_keys("abc")
    time.sleep(1.6)
    field.send_keys("de")
    time.sleep(1.6)
    announced = driver.execute_script("return window.announced")
    assert len(announced) == 3 and "187" in announced[1] and "185" in announced[2], announced

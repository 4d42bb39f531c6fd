"""The month in a real browser.

- Every page and error state, in both languages (axe, titles, focused error summary, 320 px):
  the assistant's people and month, the person's hours, reports, a report, confirming,
  "something is wrong".
- Keyboard alone, JavaScript on (Latvian): Ilze records last month for Anna; htmx adds each entry
  in place, announces it and keeps the focus in the form; she submits the month.
- htmx and two tabs (Latvian): a stale month answers 409 in place, with the entries as they are
  now and what was typed; a busy service (503) shows its page instead of nothing.
- JavaScript off (Russian): Ilze records and submits; Anna returns one entry; Ilze corrects it;
  Anna confirms; Jānis confirms for Marta.
"""

from __future__ import annotations

from datetime import date

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.accessibility.conftest import LANGS, click_for_the_answer, serve_portal, sign_in_as, wait_for_path, wait_until
from tests.accessibility.test_apply import PageChecks
from tests.accessibility.test_apply_details import submit, tick, type_into
from tests.accessibility.test_keyboard import Journey, active, press
from tests.accessibility.test_no_javascript import assert_scripts_do_not_run
from tests.timesheets.helpers import ANNA, ILZE, JANIS, grant_and_assign, recorded_and_submitted

pytestmark = pytest.mark.browser


def month_path(lang: str, assignment: int, month: date) -> str:
    return f"/{lang}/assistant/{assignment}/{month:%Y-%m}"


def go(driver: WebDriver, base: str, path: str) -> None:
    driver.get(base + path)
    wait_for_path(driver, path.split("?")[0])


def submit_in_place(driver: WebDriver) -> None:
    """Send the entry form with JavaScript on: htmx replaces #month-entries, the document stays."""
    driver.execute_script("document.getElementById('month-entries').dataset.old = 'yes'")
    driver.find_element(By.CSS_SELECTOR, "#entry-form button[type=submit]").click()
    wait_until(driver, lambda d: d.execute_script(
        "const r = document.getElementById('month-entries'); return r && !r.dataset.old && document.readyState === 'complete'"),
        "the entries swapped in place")


def click_and_wait(driver: WebDriver, selector: str) -> None:
    """Click a button that posts a form without JavaScript, and wait for the page that answers."""
    click_for_the_answer(driver, driver.find_element(By.CSS_SELECTOR, selector), selector)


def choose(driver: WebDriver, select_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element(By.ID, select_id)).select_by_value(value)


@pytest.mark.parametrize("lang", LANGS)
def test_month_pages(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    driver = browser
    grants = grant_and_assign(database_url)
    waiting = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, ILZE, lang)
    go(driver, live_server, f"/{lang}/assistant")
    check("the assistant's people")
    path = month_path(lang, grants.marta_assignment, grants.last_month)
    go(driver, live_server, path)
    check("a month, nothing recorded")
    submit_in_place(driver)
    check("a month, an empty entry", error=True, error_fields=("day", "start", "end", "purpose"))
    choose(driver, "day", grants.last_month.replace(day=2).isoformat())
    type_into(driver, "start", "15:00")
    type_into(driver, "end", "14:00")
    choose(driver, "purpose", "school")
    submit_in_place(driver)
    check("a month, the end before the start", error=True, error_fields=("end",), again=True)
    type_into(driver, "end", "17:00")
    submit_in_place(driver)
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "#entries tbody th"), "the entry in the table")
    check("a month with an entry", again=True)
    go(driver, live_server, month_path(lang, grants.anna_assignment, grants.last_month))
    check("a submitted month", again=True)

    driver.delete_all_cookies()
    sign_in_as(driver, live_server, ANNA, lang)
    for page, label in ((f"/{lang}/entitlement", "the person's hours"), (f"/{lang}/reports", "the person's reports"),
                        (f"/{lang}/reports/{waiting}", "a report waiting"), (f"/{lang}/reports/{waiting}/confirm", "confirm")):
        go(driver, live_server, page)
        check(label)
    submit(driver)
    check("confirm, not ticked", error=True, error_fields=("received",), again=True)
    go(driver, live_server, f"/{lang}/reports/{waiting}/dispute")
    check("something is wrong")
    submit(driver)
    check("something is wrong, no reason", error=True, error_fields=("reason",), again=True)
    go(driver, live_server, f"/{lang}/reports/{waiting}/confirm")
    tick(driver, "received", "yes")
    submit(driver)
    wait_for_path(driver, f"/{lang}/reports/{waiting}/confirmed")
    check("confirmed")
    check.assert_none()


def test_ilze_records_a_month_by_keyboard_with_htmx(browser: WebDriver, live_server: str, database_url: str) -> None:
    driver, lang = browser, "lv"
    grants = grant_and_assign(database_url)
    sign_in_as(driver, live_server, ILZE, lang)
    path = month_path(lang, grants.anna_assignment, grants.last_month)
    go(driver, live_server, path)
    journey = Journey(driver, live_server, lang, [])
    driver.execute_script("document.documentElement.dataset.sameDocument = 'yes'")
    for number, (day, start, end) in enumerate(((2, "09:00", "12:00"), (3, "10:00", "13:30"))):
        journey.tab_to("el.id === 'day'", "the day")
        target = grants.last_month.replace(day=day).isoformat()
        for _ in range(40):
            if active(driver, "el.value") == target:
                break
            press(driver, Keys.ARROW_DOWN)
        assert active(driver, "el.value") == target
        journey.tab_to("el.id === 'start'", "from")
        press(driver, start)
        journey.tab_to("el.id === 'end'", "to")
        press(driver, end)
        journey.tab_to("el.id === 'purpose'", "the purpose")
        press(driver, Keys.ARROW_DOWN)
        assert active(driver, "el.value") == "work_study_sport"
        journey.tab_to("el.matches('#entry-form button[type=submit]')", "the add button")
        press(driver, Keys.ENTER)
        wait_until(driver, lambda d, rows=number + 1: len(d.find_elements(By.CSS_SELECTOR, "#entries tbody th")) == rows, "the new row")
        # htmx swapped the entries in place: the same document, the change announced, the focus kept in the form.
        assert driver.execute_script("return document.documentElement.dataset.sameDocument") == "yes"
        wait_until(driver, lambda d: d.find_element(By.ID, "month-status").text.strip() != "", "the announcement")
        assert active(driver, "el.id") == "entry-form-heading"
        journey.assert_focus_visible()
    assert driver.find_element(By.CSS_SELECTOR, "#entries tfoot strong").text == "6,5 stundas"
    # Change the first entry in place: its values come into the form, the focus to the form's heading.
    for _ in range(30):  # back up the page with Shift+Tab to the last entry's change link
        ActionChains(driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
        journey.assert_focus_visible()
        if active(driver, "el.matches('#entries a[href*=\"?edit=\"]')"):
            break
    press(driver, Keys.ENTER)
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, '#entry-form input[name="entry"]'), "the entry in the form")
    assert active(driver, "el.id") == "entry-form-heading"
    assert driver.execute_script("return document.documentElement.dataset.sameDocument") == "yes"
    journey.tab_to("el.id === 'end'", "to")
    assert active(driver, "el.selectionStart === 0 && el.selectionEnd === el.value.length")  # Tab selects it all
    press(driver, "12:00")  # the second entry: 10:00–12:00, two hours instead of three and a half
    journey.tab_to("el.matches('#entry-form button[type=submit]')", "the save button")
    press(driver, Keys.ENTER)
    total_js = "const t = document.querySelector('#entries tfoot strong'); return t ? t.textContent.trim() : ''"
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".error-summary") or d.execute_script(total_js) == "5 stundas",
               "the answer")
    assert not driver.find_elements(By.CSS_SELECTOR, ".error-summary"), driver.execute_script(
        "return document.querySelector('.error-summary').textContent")
    wait_until(driver, lambda d: d.find_element(By.ID, "month-status").text.strip() != "", "the announcement")
    assert active(driver, "el.id") == "entry-form-heading"
    journey.tab_to("el.matches('form[action$=\"/submit\"] button')", "submit the report")
    press(driver, Keys.ENTER)
    wait_until(driver, lambda d: not d.find_elements(By.ID, "entry-form"), "the locked month")


def test_a_month_confirmed_and_disputed_without_javascript_in_russian(browser_no_js: WebDriver, live_server: str,
                                                                     database_url: str) -> None:
    driver, lang = browser_no_js, "ru"
    grants = grant_and_assign(database_url)
    marta_report = recorded_and_submitted(database_url, grants.marta_assignment, grants.last_month, hours=2)
    sign_in_as(driver, live_server, ILZE, lang)
    assert_scripts_do_not_run(driver)
    go(driver, live_server, f"/{lang}/assistant")
    path = month_path(lang, grants.anna_assignment, grants.last_month)
    driver.find_element(By.CSS_SELECTOR, f'main a[href="{path}"]').click()
    wait_for_path(driver, path)
    for day, start, end in ((5, "12:00", "14:00"), (6, "12:00", "15:00")):
        choose(driver, "day", grants.last_month.replace(day=day).isoformat())
        type_into(driver, "start", start)
        type_into(driver, "end", end)
        choose(driver, "purpose", "work_study_sport")
        click_and_wait(driver, "#entry-form button[type=submit]")
        wait_for_path(driver, path)
    click_and_wait(driver, 'form[action$="/submit"] button')
    assert not driver.find_elements(By.ID, "entry-form")

    driver.delete_all_cookies()
    sign_in_as(driver, live_server, ANNA, lang)
    go(driver, live_server, f"/{lang}/reports")
    driver.find_element(By.CSS_SELECTOR, 'main a[href^="/ru/reports/"]').click()
    report = driver.current_url.rsplit("/", 1)[1]
    driver.find_element(By.CSS_SELECTOR, f'main a[href="/{lang}/reports/{report}/dispute"]').click()
    wait_for_path(driver, f"/{lang}/reports/{report}/dispute")
    type_into(driver, "reason", "6-го ассистент была у меня только два часа.")
    driver.find_elements(By.CSS_SELECTOR, 'main input[name="entries"]')[1].click()
    submit(driver)
    wait_for_path(driver, f"/{lang}/reports/{report}")

    driver.delete_all_cookies()
    sign_in_as(driver, live_server, ILZE, lang)
    go(driver, live_server, path)
    assert "6-го ассистент была у меня только два часа." in driver.find_element(By.TAG_NAME, "main").text
    driver.find_elements(By.CSS_SELECTOR, "#entries a[href*='?edit=']")[1].click()
    wait_until(driver, lambda d: "edit=" in d.current_url, "the entry in the form")
    type_into(driver, "end", "14:00")
    click_and_wait(driver, "#entry-form button[type=submit]")
    wait_for_path(driver, path)
    click_and_wait(driver, 'form[action$="/submit"] button')

    driver.delete_all_cookies()
    sign_in_as(driver, live_server, ANNA, lang)
    go(driver, live_server, f"/{lang}/reports/{report}/confirm")
    assert "4 часа" in driver.find_element(By.TAG_NAME, "main").text  # 2 + 2 after the correction
    tick(driver, "received", "yes")
    submit(driver)
    wait_for_path(driver, f"/{lang}/reports/{report}/confirmed")

    driver.delete_all_cookies()
    sign_in_as(driver, live_server, JANIS, lang)
    go(driver, live_server, f"/{lang}/reports/{marta_report}/confirm")
    tick(driver, "received", "yes")
    submit(driver)
    wait_for_path(driver, f"/{lang}/reports/{marta_report}/confirmed")
    assert "Jānis Kalniņš" in driver.find_element(By.TAG_NAME, "main").text


@pytest.mark.parametrize("lang", LANGS)
def test_the_desks_month_pages(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """Līga: the month's overview, a report, the sample (and its errors), a check, the summary."""
    from tests.timesheets.helpers import LIGA, confirmed_report

    driver = browser
    grants = grant_and_assign(database_url)
    report = confirmed_report(database_url, grants.anna_assignment, grants.last_month)
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, LIGA, lang)
    month = f"{grants.last_month:%Y-%m}"
    for path, label in ((f"/{lang}/desk", "the desk with the month's links"), (f"/{lang}/desk/reports?month={month}", "the month's reports"),
                        (f"/{lang}/desk/reports/{report}", "a report at the desk"), (f"/{lang}/desk/summary?month={month}", "the summary"),
                        (f"/{lang}/desk/sample?month={month}", "the sample")):
        go(driver, live_server, path)
        check(label)
    type_into(driver, "percent", "0")
    submit(driver)
    check("the sample, a wrong percentage", error=True, error_fields=("percent",), again=True)
    type_into(driver, "percent", "100")
    submit(driver)
    go(driver, live_server, f"/{lang}/desk/sample/reports/{report}/check")
    check("checking a sampled report")
    submit(driver)
    check("checking a sampled report, no note", error=True, error_fields=("note",), again=True)
    check.assert_none()


# Another tab adds an entry through the month's own form, so the page's version is left behind.
ADD_IN_ANOTHER_TAB = """
const done = arguments[arguments.length - 1];
const form = document.querySelector('#entry-form form');
const data = new FormData(form);
data.set('day', arguments[0]); data.set('start', '08:00'); data.set('end', '09:00'); data.set('purpose', 'work_study_sport');
fetch(form.action, {method: 'POST', body: new URLSearchParams(data), redirect: 'manual'}).then(r => done(r.status));
"""


def fill_entry(driver: WebDriver, day: str, start: str, end: str) -> None:
    driver.execute_script(
        "document.getElementById('day').value = arguments[0]; document.getElementById('start').value = arguments[1];"
        "document.getElementById('end').value = arguments[2]; document.getElementById('purpose').value = 'work_study_sport';",
        day, start, end)


def test_a_stale_month_and_a_busy_service_with_htmx(
    browser: WebDriver, database_url: str, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal import db as portal_db
    from portal.timesheets.forms import CHANGED_SINCE_SHOWN
    from tests.applications.test_routes import translated
    from tests.test_capacity import BUSY_TITLE, database_locked

    driver = browser
    grants = grant_and_assign(database_url)
    monkeypatch.setattr(portal_db, "SQLITE_BUSY_TIMEOUT_MS", 300)  # SQLite's wait for the write lock
    with serve_portal(database_url, provider, db_lock_timeout_ms=300) as base:  # PostgreSQL's
        sign_in_as(driver, base, ILZE, "lv")
        path = month_path("lv", grants.anna_assignment, grants.last_month)
        go(driver, base, path)
        driver.execute_script("document.documentElement.dataset.sameDocument = 'yes'")
        other_day, day = grants.last_month.replace(day=2).isoformat(), grants.last_month.replace(day=3).isoformat()
        assert driver.execute_async_script(ADD_IN_ANOTHER_TAB, other_day) in (0, 303)  # an opaque redirect reads 0
        fill_entry(driver, day, "10:00", "13:00")
        driver.find_element(By.CSS_SELECTOR, "#entry-form button[type=submit]").click()
        wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".error-summary"), "the conflict in place")
        assert driver.execute_script("return document.documentElement.dataset.sameDocument") == "yes"
        assert translated("lv", CHANGED_SINCE_SHOWN) in driver.find_element(By.CSS_SELECTOR, ".error-summary").text
        assert len(driver.find_elements(By.CSS_SELECTOR, "#entries tbody th")) == 1, "the other tab's entry is shown"
        assert driver.find_element(By.ID, "end").get_attribute("value") == "13:00", "what was typed is kept"
        assert active(driver, "el.closest('.error-summary') !== null"), "the focus is on the message"
        # Sent again with the current version, while the database is stuck: the busy page, not nothing.
        with database_locked(database_url):
            driver.find_element(By.CSS_SELECTOR, "#entry-form button[type=submit]").click()
            wait_until(driver, lambda d: d.title.startswith(translated("lv", BUSY_TITLE)), "the busy page")
        assert active(driver, "el.tagName === 'H1'")
        assert not driver.find_elements(By.ID, "entry-form")


def confirm_and_be_refused(driver: WebDriver, base: str, who: str, report_id: int, lang: str, title: str, page: str) -> None:
    """`who` confirms the report and is answered with the page titled `title`, checked like every page."""
    from tests.accessibility.conftest import assert_no_axe_violations
    from tests.accessibility.test_axe import assert_page_basics

    sign_in_as(driver, base, who, lang)
    go(driver, base, f"/{lang}/reports/{report_id}/confirm")
    # The page offers no form that would be refused (tests/accessibility/test_decided_by.py checks it);
    # one sent anyway (a page kept from before, a crafted request) is answered with the refusal page.
    assert not driver.find_elements(By.CSS_SELECTOR, 'main input[name="received"]')
    driver.execute_script("""
        const form = Object.assign(document.createElement("form"), {method: "post", action: arguments[0]});
        const token = document.querySelector('input[name="csrf_token"]').value;
        for (const [name, value] of [["csrf_token", token], ["version", "0"], ["received", "yes"]]) {
          form.append(Object.assign(document.createElement("input"), {type: "hidden", name, value}));
        }
        document.body.append(form);
        form.submit();""", f"/{lang}/reports/{report_id}/confirm")
    wait_until(driver, lambda d: d.title.startswith(title), f"the page {title!r}")
    assert_page_basics(driver, lang, page)
    assert_no_axe_violations(driver, f"the {page} page ({lang})")


@pytest.mark.parametrize("lang", LANGS)
def test_a_minor_is_told_her_representative_confirms(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """Marta (11) opens the report waiting for her and confirms it: the page says her father does this."""
    from tests.timesheets.helpers import MARTA

    driver = browser
    grants = grant_and_assign(database_url)
    report_id = recorded_and_submitted(database_url, grants.marta_assignment, grants.last_month)
    expected = {"lv": "To jūsu vietā dara jūsu likumiskais pārstāvis", "ru": "Это за вас делает ваш законный представитель"}[lang]
    confirm_and_be_refused(driver, live_server, MARTA, report_id, lang, expected, "representative decides")


@pytest.mark.parametrize("lang", LANGS)
def test_an_assistant_representative_is_told_the_desk_confirms_and_the_desk_is_asked_to(
    browser: WebDriver, live_server: str, database_url: str, lang: str
) -> None:
    from tests.accessibility.conftest import assert_no_axe_violations
    from tests.timesheets.helpers import LIGA, represents

    driver = browser
    grants = grant_and_assign(database_url)
    report_id = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    represents(database_url, ILZE, ANNA)
    expected = {"lv": "Šīs stundas apstiprina sociālais dienests", "ru": "Эти часы подтверждает социальная служба"}[lang]
    confirm_and_be_refused(driver, live_server, ILZE, report_id, lang, expected, "own hours")
    driver.delete_all_cookies()
    sign_in_as(driver, live_server, LIGA, lang)
    go(driver, live_server, f"/{lang}/desk/reports/{report_id}")
    assert driver.find_elements(By.CSS_SELECTOR, f'form[action="/{lang}/desk/reports/{report_id}/confirm"]')
    assert_no_axe_violations(driver, f"the desk's report waiting for it ({lang})")

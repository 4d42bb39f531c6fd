"""The apply journey after the eligibility questions, in a real browser, to the status page.

- Every page (details, contact, purposes, frequency, assistant, documents, declarations,
  check, confirmation, status, withdraw) in both languages and in its error state:
  axe, <html lang>, titles, the focused error summary linking to each invalid field, 320 px.
- Keyboard alone, JavaScript on (Latvian): from the details page to the confirmation.
- JavaScript off (Russian): the same with a document uploaded, then withdrawing.

Things are found by name, id, value or href, never by their words (the catalogs decide those).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.accessibility.conftest import (
    ANNA,
    JANIS,
    LANGS,
    OLGA,
    PERSON_FOR,
    answer_and_continue,
    apply_step_path,
    click_for_the_answer,
    sign_in_as,
    wait_for_apply_step,
    wait_for_path,
    wait_for_path_matching,
    wait_until,
)
from tests.accessibility.test_apply import PageChecks
from tests.accessibility.test_keyboard import Journey, active, press
from tests.accessibility.test_no_javascript import assert_scripts_do_not_run

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def main_form(driver: WebDriver) -> object:
    """The page's journey form: the last POST form in <main> (remove buttons come before it)."""
    return driver.find_elements(By.CSS_SELECTOR, 'main form[method="post"]')[-1]


def submit(driver: WebDriver, button: str = 'button[type="submit"]:not([name])') -> None:
    """Click the journey form's button and wait for the page that answers (another page, or this one again)."""
    clicked = main_form(driver).find_element(By.CSS_SELECTOR, button)  # type: ignore[attr-defined]
    click_for_the_answer(driver, clicked, driver.current_url)


def type_into(driver: WebDriver, field_id: str, text: str) -> None:
    field = driver.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)


def tick(driver: WebDriver, name: str, value: str) -> None:
    """Click the label of a radio or checkbox, as a person with a mouse does."""
    box = driver.find_element(By.CSS_SELECTOR, f'main input[name="{name}"][value="{value}"]')
    driver.find_element(By.CSS_SELECTOR, f'label[for="{box.get_attribute("id")}"]').click()
    assert box.is_selected(), f"{name}={value} not chosen"


def to_details(driver: WebDriver, live_server: str, lang: str) -> int:
    """Start an adult assistant application (group I, limitations yes): returns its id at the details page."""
    driver.get(f"{live_server}/{lang}/apply/new")
    wait_for_path(driver, f"/{lang}/apply/new")
    answer_and_continue(driver, "self")
    application_id = wait_for_apply_step(driver, lang, "service")
    for value in ("adult_assistant", "1", "yes"):
        answer_and_continue(driver, value)
    wait_for_path(driver, apply_step_path(lang, application_id, "details"))
    return application_id


@pytest.mark.parametrize("lang", LANGS)
def test_detail_pages(browser: WebDriver, live_server: str, lang: str, tmp_path: Path) -> None:
    driver = browser
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, PERSON_FOR[lang].personal_code, lang)
    application_id = to_details(driver, live_server, lang)

    def at(step: str) -> None:
        wait_for_path(driver, apply_step_path(lang, application_id, step))

    check("details page")
    submit(driver)
    check("details page, nothing filled in", error=True, error_fields=("municipality", "address"))
    Select(driver.find_element(By.ID, "municipality")).select_by_value("riga")
    type_into(driver, "address", "Brīvības iela 1-2, Rīga, LV-1010")
    submit(driver)

    at("contact")
    check("contact page")
    tick(driver, "method", "phone")
    type_into(driver, "phone", "123")
    type_into(driver, "email", "not an address")
    submit(driver)
    check("contact page, a wrong phone and e-mail", error=True, error_fields=("phone", "email"))
    type_into(driver, "phone", "20 123 456")
    type_into(driver, "email", "anna@example.lv")
    submit(driver)

    at("purposes")
    check("purposes page")
    submit(driver)
    check("purposes page, nothing chosen", error=True, error_fields=("purposes",))
    tick(driver, "purposes", "work_study_sport")
    tick(driver, "purposes", "other")
    submit(driver)

    at("frequency")
    check("frequency page")
    submit(driver)
    check("frequency page, nothing chosen", error=True, error_fields=("frequency-work-study-sport", "frequency-other"))
    tick(driver, "frequency-work-study-sport", "daily")
    tick(driver, "frequency-other", "weekly")
    submit(driver)

    at("assistant")
    check("assistant page")
    tick(driver, "choice", "known")
    submit(driver)
    check("assistant page, no name or code", error=True, error_fields=("assistant-name", "assistant-code"))
    type_into(driver, "assistant-name", "Ilze Ozola")
    type_into(driver, "assistant-code", "110978-11006")
    submit(driver)

    at("documents")
    check("documents page")
    submit(driver)
    check("documents page, nothing uploaded", error=True, error_fields=("document-work-or-studies",))
    not_a_pdf = tmp_path / "contract.pdf"
    not_a_pdf.write_text("plain text")
    driver.find_element(By.ID, "document-work-or-studies").send_keys(str(not_a_pdf))
    submit(driver, 'button[name="action"]')
    check("documents page, a file of the wrong type", error=True, error_fields=("document-work-or-studies",))
    good = tmp_path / "līgums.pdf"
    good.write_bytes(PDF)
    driver.find_element(By.ID, "document-work-or-studies").send_keys(str(good))
    submit(driver, 'button[name="action"]')
    at("documents")
    assert "līgums.pdf" in driver.find_element(By.TAG_NAME, "main").text
    check("documents page with a file", again=True)
    submit(driver)

    at("declarations")
    check("declarations page")
    tick(driver, "declarations", "truth")
    submit(driver)
    check("declarations page, not all confirmed", error=True, error_fields=("declarations",))
    tick(driver, "declarations", "changes")
    tick(driver, "declarations", "data")
    submit(driver)

    at("check")
    check("check your answers, complete")
    submit(driver)
    match = wait_for_path_matching(driver, rf"/{lang}/applications/(\d+)/submitted")
    assert int(match.group(1)) == application_id
    check("confirmation page")
    assert driver.find_element(By.CSS_SELECTOR, "main .panel strong").text.startswith("AP-")

    driver.find_element(By.CSS_SELECTOR, f'main a[href="/{lang}/applications/{application_id}"]').click()
    wait_for_path(driver, f"/{lang}/applications/{application_id}")
    check("status page, submitted")
    driver.find_element(By.CSS_SELECTOR, f'main a[href="/{lang}/applications/{application_id}/withdraw"]').click()
    wait_for_path(driver, f"/{lang}/applications/{application_id}/withdraw")
    check("withdraw page")
    # The textarea stops typing at 1000 characters; a longer reason can still arrive (pasted, old browser).
    driver.execute_script("const t = document.getElementById('reason'); t.removeAttribute('maxlength'); t.value = 'x'.repeat(1001);")
    submit(driver)
    check("withdraw page, reason too long", error=True, error_fields=("reason",))
    type_into(driver, "reason", "Vairs nevajag")
    submit(driver)
    wait_for_path(driver, f"/{lang}/applications/{application_id}")
    check("status page, withdrawn", again=True)
    driver.get(f"{live_server}/{lang}/applications")
    wait_for_path(driver, f"/{lang}/applications")
    check("applications list with a withdrawn application")
    check.assert_none()


def test_keyboard_from_details_to_confirmation_in_latvian(browser: WebDriver, live_server: str) -> None:
    """Tab, Space, arrows, typing and Enter only: an application with no documents to upload."""
    driver, lang = browser, "lv"
    sign_in_as(driver, live_server, ANNA.personal_code, lang)
    application_id = to_details(driver, live_server, lang)
    journey = Journey(driver, live_server, lang, [])

    def focus(field_id: str) -> None:
        journey.tab_to(f"el.id === {field_id!r}", f"#{field_id}")

    def send() -> None:
        journey.tab_to("el.matches('main form[method=post] button[type=submit]')", "the form's submit button")
        before = driver.current_url
        press(driver, Keys.ENTER)
        wait_until(driver, lambda d: d.current_url != before, f"the page after {before}")

    focus("municipality")
    press(driver, "Rīg")  # typing a name chooses it in a closed select
    assert active(driver, "el.value") == "riga", active(driver, "el.value")
    focus("address")
    press(driver, "Brīvības iela 1, Rīga")
    send()

    wait_for_path(driver, apply_step_path(lang, application_id, "contact"))
    focus("method")
    press(driver, Keys.ARROW_DOWN)  # the first radio (phone) to the second (e-mail)
    assert active(driver, "el.value + ' ' + el.checked") == "email true"
    journey.assert_focus_visible()
    focus("email")
    press(driver, "anna@example.lv")
    send()

    wait_for_path(driver, apply_step_path(lang, application_id, "purposes"))
    journey.tab_to("el.matches('input[name=purposes][value=other]')", "the 'other activities' checkbox")
    press(driver, Keys.SPACE)
    assert active(driver, "el.checked") is True
    journey.assert_focus_visible()
    send()

    wait_for_path(driver, apply_step_path(lang, application_id, "frequency"))
    focus("frequency-other")
    press(driver, Keys.SPACE)
    send()

    wait_for_path(driver, apply_step_path(lang, application_id, "assistant"))
    focus("choice")
    press(driver, Keys.ARROW_DOWN)
    assert active(driver, "el.value + ' ' + el.checked") == "find true"
    send()

    wait_for_path(driver, apply_step_path(lang, application_id, "declarations"))  # "other" needs no documents
    for value in ("truth", "changes", "data"):
        journey.tab_to(f"el.matches('input[name=declarations][value={value}]')", f"the declaration {value}")
        press(driver, Keys.SPACE)
        journey.assert_focus_visible()
    send()

    wait_for_path(driver, apply_step_path(lang, application_id, "check"))
    send()
    wait_for_path(driver, f"/{lang}/applications/{application_id}/submitted")
    assert driver.find_element(By.CSS_SELECTOR, "main .panel strong").text.startswith("AP-")


def test_apply_and_withdraw_without_javascript_in_russian(browser_no_js: WebDriver, live_server: str, tmp_path: Path) -> None:
    """Ольга, JavaScript off: details to confirmation with a document uploaded, the status page, withdrawing."""
    driver, lang = browser_no_js, "ru"
    sign_in_as(driver, live_server, OLGA.personal_code, lang)
    assert_scripts_do_not_run(driver)
    application_id = to_details(driver, live_server, lang)

    def at(step: str) -> None:
        wait_for_path(driver, apply_step_path(lang, application_id, step))

    Select(driver.find_element(By.ID, "municipality")).select_by_value("daugavpils")
    type_into(driver, "address", "Rīgas iela 10, Daugavpils")
    submit(driver)
    at("contact")
    tick(driver, "method", "post")
    submit(driver)
    at("purposes")
    tick(driver, "purposes", "volunteering")
    submit(driver)
    at("frequency")
    tick(driver, "frequency-volunteering", "several_weekly")
    submit(driver)
    at("assistant")
    tick(driver, "choice", "find")
    submit(driver)
    at("documents")
    contract = tmp_path / "договор.png"
    contract.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    driver.find_element(By.ID, "document-volunteering").send_keys(str(contract))
    submit(driver)  # "save and continue" uploads too
    at("declarations")
    for value in ("truth", "changes", "data"):
        tick(driver, "declarations", value)
    submit(driver)
    at("check")
    assert "договор.png" in driver.find_element(By.TAG_NAME, "main").text
    submit(driver)
    wait_for_path(driver, f"/{lang}/applications/{application_id}/submitted")
    assert_scripts_do_not_run(driver)
    # The back button after sending: the journey's pages lead to the application, not to a second one.
    driver.back()
    wait_until(driver, lambda d: d.execute_script("return document.readyState") == "complete", "the page before")
    driver.get(f"{live_server}{apply_step_path(lang, application_id, 'check')}")
    wait_for_path(driver, f"/{lang}/applications/{application_id}")
    driver.find_element(By.CSS_SELECTOR, f'main a[href="/{lang}/applications/{application_id}/withdraw"]').click()
    wait_for_path(driver, f"/{lang}/applications/{application_id}/withdraw")
    submit(driver)
    wait_for_path(driver, f"/{lang}/applications/{application_id}")
    assert not driver.find_elements(By.CSS_SELECTOR, f'main a[href="/{lang}/applications/{application_id}/withdraw"]')


@pytest.mark.parametrize("lang", LANGS)
def test_pages_for_a_represented_child_and_a_student(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """Every question a child's or a student's application asks, and the school pages, with their error states."""
    from tests.applications.test_routes import add_parent
    from tests.casework.test_schools import add_school_with_staff

    add_parent(database_url)
    add_school_with_staff(database_url)  # Jelgava's school page offers a list
    driver = browser
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, JANIS.personal_code, lang)

    def new_for_marta(kind: str) -> int:
        driver.get(f"{live_server}/{lang}/apply/new")
        wait_for_path(driver, f"/{lang}/apply/new")
        values = driver.find_elements(By.CSS_SELECTOR, 'main input[name="answer"]')
        answer_and_continue(driver, values[1].get_attribute("value") or "")  # Marta, after "myself"
        application_id = wait_for_apply_step(driver, lang, "service")
        answer_and_continue(driver, kind)
        return application_id

    def question(application_id: int, step: str, value: str, label: str, again: bool = False) -> None:
        wait_for_path(driver, apply_step_path(lang, application_id, step))
        check(label, again=again)
        submit(driver)
        check(f"{label}, nothing chosen", error=True)
        answer_and_continue(driver, value)

    school = new_for_marta("school_assistant")
    question(school, "studies-at-school", "yes", "studies-at-school question")
    question(school, "special-care-opinion", "yes", "special-care-opinion question")
    wait_for_path(driver, apply_step_path(lang, school, "details"))
    check("details page for a represented child", again=True)
    Select(driver.find_element(By.ID, "municipality")).select_by_value("jelgava")
    type_into(driver, "address", "Lielā iela 5, Jelgava")
    submit(driver)
    wait_for_path(driver, apply_step_path(lang, school, "contact"))
    tick(driver, "method", "post")
    submit(driver)
    wait_for_path(driver, apply_step_path(lang, school, "school"))
    check("school page")
    submit(driver)
    check("school page, nothing filled in", error=True, error_fields=("school-id", "activities"))
    tick(driver, "school-id", "other")
    type_into(driver, "school", "Jelgavas Valsts ģimnāzija")
    tick(driver, "activities", "moving")
    submit(driver)
    question(school, "school-documents", "upload", "school-documents question")
    wait_for_path(driver, apply_step_path(lang, school, "assistant"))
    tick(driver, "choice", "find")
    submit(driver)
    wait_for_path(driver, apply_step_path(lang, school, "documents"))
    check("documents page asking for two documents", again=True)

    companion = new_for_marta("child_companion")
    question(companion, "disability", "yes", "disability question")
    question(companion, "special-care-opinion", "no", "special-care-opinion question, companion", again=True)
    question(companion, "companion-opinion", "yes", "companion-opinion question")
    care = new_for_marta("child_care")
    for step, value in (("disability", "yes"), ("special-care-opinion", "yes")):
        wait_for_path(driver, apply_step_path(lang, care, step))
        answer_and_continue(driver, value)
    question(care, "family-works", "no", "family-works question")
    wait_for_path(driver, apply_step_path(lang, care, "eligibility"))

    # A student: Jānis for himself (he is 36).
    driver.get(f"{live_server}/{lang}/apply/new")
    wait_for_path(driver, f"/{lang}/apply/new")
    answer_and_continue(driver, "self")
    study = wait_for_apply_step(driver, lang, "service")
    answer_and_continue(driver, "study_assistant")
    wait_for_path(driver, apply_step_path(lang, study, "disability-group"))
    answer_and_continue(driver, "2")
    question(study, "assistant-opinion", "yes", "assistant-opinion question")
    wait_for_path(driver, apply_step_path(lang, study, "details"))
    check.assert_none()

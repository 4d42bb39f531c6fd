"""Contact details and their confirmation in a real browser, in both languages and in their error states
(axe, titles, the error summary linked to each field, 320 px); then the settings page's summary of them."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.accessibility.conftest import LANGS, PERSON_FOR, click_for_the_answer, sign_in_as, wait_for_path
from tests.accessibility.test_apply import PageChecks

pytestmark = pytest.mark.browser


def typed(driver: WebDriver, field: str, text: str) -> None:
    element = driver.find_element(By.ID, field)
    element.clear()
    element.send_keys(text)


def submit(driver: WebDriver, path: str, button: str = "main form button[type=submit]") -> None:
    """Post the form and wait for its answer at `path` (an error answers at the form's own address)."""
    click_for_the_answer(driver, driver.find_element(By.CSS_SELECTOR, button), path)
    wait_for_path(driver, path)


@pytest.mark.parametrize("lang", LANGS)
def test_contact_details_and_their_confirmation(browser: WebDriver, live_server: str, lang: str) -> None:
    driver = browser
    check = PageChecks(driver, lang)
    contact, confirm = f"/{lang}/settings/contact", f"/{lang}/settings/contact/confirm/email"
    sign_in_as(driver, live_server, PERSON_FOR[lang].personal_code, lang)
    driver.get(live_server + f"/{lang}/settings")
    wait_for_path(driver, f"/{lang}/settings")
    driver.find_element(By.CSS_SELECTOR, f'main a[href="{contact}"]').click()
    wait_for_path(driver, contact)
    check("contact details")

    typed(driver, "email", "nav-adrese")
    typed(driver, "phone", "67123456")
    driver.find_element(By.CSS_SELECTOR, 'label[for="channel-2"]').click()  # by text message
    submit(driver, contact)
    check("contact details, wrong", error=True, error_fields=("email", "phone"))

    typed(driver, "email", f"{lang}.person@example.lv")
    typed(driver, "phone", "")
    driver.find_element(By.CSS_SELECTOR, 'label[for="channel"]').click()  # by e-mail
    submit(driver, confirm)
    check("confirm the address")
    typed(driver, "code", "12")
    submit(driver, confirm)
    check("confirm the address, a wrong code", error=True, error_fields=("code",))

    driver.get(live_server + f"/{lang}/settings")
    wait_for_path(driver, f"/{lang}/settings")
    assert driver.find_elements(By.CSS_SELECTOR, "main #contact + p + .summary-list .tag--yellow")  # not confirmed yet
    check("settings with contact details", again=True)
    check.assert_none()

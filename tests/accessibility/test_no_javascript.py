"""With JavaScript switched off in the browser: sign in, choose high contrast, sign out; and errors.

The browser's own content setting blocks every script of every page; the test
itself still reads the page through WebDriver.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.accessibility.conftest import (
    ANNA,
    ERROR_TITLE_PREFIX,
    LANGS,
    OLGA,
    Person,
    provider_user_button,
    settings_form,
    settings_save_button,
    show_settings_error,
    sign_in_control,
    sign_out_control,
    wait_for_path,
    wait_for_url_prefix,
    wait_until,
)

pytestmark = pytest.mark.browser


def assert_scripts_do_not_run(driver: WebDriver) -> None:
    """portal.js would focus an error summary and htmx would add its API; neither happened."""
    assert driver.execute_script("return typeof window.htmx") == "undefined", "JavaScript is running in the no-JS browser"


@pytest.mark.parametrize(("person", "lang"), [(ANNA, "lv"), (OLGA, "ru")], ids=["lv", "ru"])
def test_journey_without_javascript(browser_no_js: WebDriver, live_server: str, person: Person, lang: str) -> None:
    driver = browser_no_js
    driver.get(f"{live_server}/{lang}/")
    assert_scripts_do_not_run(driver)

    sign_in_control(driver, lang).click()
    wait_until(driver, lambda d: not d.current_url.startswith(live_server + "/"), "the eID provider's page")
    provider = driver.current_url.split("/oauth2/")[0] + "/"
    provider_user_button(driver, person.personal_code).click()
    wait_for_path(driver, f"/{lang}/dashboard")
    assert person.name in driver.find_element(By.TAG_NAME, "header").text

    driver.find_element(By.CSS_SELECTOR, f'header a[href="/{lang}/settings"]').click()
    wait_for_path(driver, f"/{lang}/settings")
    form = settings_form(driver, lang)
    high = form.find_element(By.CSS_SELECTOR, 'input[name="contrast"][value="high"]')
    form.find_element(By.CSS_SELECTOR, f'label[for="{high.get_attribute("id")}"]').click()
    assert high.is_selected(), "clicking the label did not choose high contrast"
    settings_save_button(driver, lang).click()
    wait_until(driver, lambda d: "saved=1" in d.current_url, "the saved settings page")
    classes = driver.execute_script("return document.documentElement.className").split()
    assert "contrast-high" in classes, f"<html class> is {classes} after saving high contrast"
    assert driver.find_element(By.CSS_SELECTOR, 'input[name="contrast"][value="high"]').is_selected()
    assert driver.find_elements(By.CSS_SELECTOR, ".notification-banner--success"), "no confirmation that the settings were saved"
    driver.get(f"{live_server}/{lang}/dashboard")
    assert "contrast-high" in driver.execute_script("return document.documentElement.className").split(), "not kept"

    sign_out_control(driver, lang).click()
    wait_for_url_prefix(driver, provider)
    confirm = driver.find_elements(By.CSS_SELECTOR, "form[action*='end_session'] button[type=submit]")
    assert confirm, f"no confirm button on the provider's end-session page {driver.current_url}"
    confirm[0].click()
    wait_for_path(driver, f"/{lang}/signed-out")
    assert not driver.find_elements(By.CSS_SELECTOR, f'form[action$="/{lang}/sign-out"]'), "still signed in"
    driver.get(f"{live_server}/{lang}/dashboard")
    assert driver.current_url.startswith(provider), "the dashboard answered after signing out"


@pytest.mark.parametrize("lang", LANGS)
def test_settings_errors_without_javascript(browser_no_js: WebDriver, live_server: str, lang: str) -> None:
    driver = browser_no_js
    show_settings_error(driver, live_server, lang)
    assert_scripts_do_not_run(driver)
    assert driver.title.startswith(ERROR_TITLE_PREFIX[lang]), f"the title {driver.title!r} does not say there is an error"

    summary = driver.find_element(By.CSS_SELECTOR, ".error-summary")
    links = summary.find_elements(By.CSS_SELECTOR, "a[href^='#']")
    assert links, "the error summary has no links to the fields"
    target_id = links[0].get_attribute("href").split("#", 1)[1]
    field = driver.find_element(By.ID, target_id)
    assert field.get_attribute("name") == "text" and field.get_attribute("aria-invalid") == "true"
    message = driver.find_element(By.ID, "text-error")
    assert message.text.strip(), "no error message at the field"
    assert "text-error" in (driver.find_element(By.CSS_SELECTOR, "fieldset:has(#text)").get_attribute("aria-describedby") or "")

    # Following the link (no script) moves focus to the field.
    links[0].click()
    wait_until(driver, lambda d: d.execute_script("return location.hash") == f"#{target_id}", "the link to the field")
    assert driver.execute_script("return document.activeElement.id") == target_id, "the field did not take focus"

"""axe-core finds no WCAG 2.2 A/AA violation on any page, in either language, in any state.

Also: `<html lang>` is the URL's language, every title is there and unique, and an
error state's title says so first.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver

from tests.accessibility.conftest import (
    ERROR_STATES,
    ERROR_TITLE_PREFIX,
    LANGS,
    PERSON_FOR,
    PUBLIC_PAGES,
    SIGNED_IN_PAGES,
    assert_no_axe_violations,
    open_page,
    serve_portal,
    sign_in_as,
    wait_until,
)

pytestmark = pytest.mark.browser


def assert_page_basics(driver: WebDriver, lang: str, page: str) -> str:
    """Language, title and (in an error state) the error prefix and focused summary. Returns the title."""
    html_lang = driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
    assert html_lang == lang, f"{page}: <html lang={html_lang!r}> on a /{lang}/ page"
    title = driver.title.strip()
    assert title, f"{page} ({lang}) has an empty <title>"
    if page in ERROR_STATES:
        assert title.startswith(ERROR_TITLE_PREFIX[lang]), (
            f"{page} ({lang}): the title {title!r} does not start with {ERROR_TITLE_PREFIX[lang]!r}"
        )
        # The summary takes focus so that a screen reader reads the problems first.
        focused = driver.execute_script("return document.activeElement.matches('.error-summary')")
        assert focused, f"{page} ({lang}): the error summary is not focused"
    else:
        for prefix in ERROR_TITLE_PREFIX.values():
            assert not title.startswith(prefix), f"{page} ({lang}) is not an error page but its title is {title!r}"
    return title


@pytest.mark.parametrize("page", PUBLIC_PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_public_page(browser: WebDriver, live_server: str, lang: str, page: str) -> None:
    open_page(browser, live_server, lang, page)
    assert_page_basics(browser, lang, page)
    assert_no_axe_violations(browser, f"{page} ({lang})")


@pytest.mark.parametrize("page", SIGNED_IN_PAGES)
@pytest.mark.parametrize("lang", LANGS)
def test_signed_in_page(browser: WebDriver, live_server: str, lang: str, page: str) -> None:
    person = PERSON_FOR[lang]
    sign_in_as(browser, live_server, person.personal_code, lang)
    open_page(browser, live_server, lang, page)
    assert_page_basics(browser, lang, page)
    assert person.name in browser.find_element(By.TAG_NAME, "header").text, "the header does not name who is signed in"
    assert_no_axe_violations(browser, f"{page} signed in as {person.name} ({lang})")


def test_every_page_has_its_own_title(browser: WebDriver, live_server: str) -> None:
    """One title per (page, language): no two pages, and no page in both languages, share one."""
    titles: dict[tuple[str, str], str] = {}
    for lang in LANGS:
        for page in PUBLIC_PAGES:
            open_page(browser, live_server, lang, page)
            titles[(page, lang)] = assert_page_basics(browser, lang, page)
        sign_in_as(browser, live_server, PERSON_FOR[lang].personal_code, lang)
        titles[("dashboard", lang)] = assert_page_basics(browser, lang, "dashboard")
        browser.execute_cdp_cmd("Network.clearBrowserCookies", {})
    by_title: dict[str, list[str]] = {}
    for (page, lang), title in titles.items():
        by_title.setdefault(title, []).append(f"{page} ({lang})")
    shared = {title: pages for title, pages in by_title.items() if len(pages) > 1}
    assert not shared, "pages sharing a title:\n" + "\n".join(f"  {title!r}: {', '.join(pages)}" for title, pages in shared.items())


def test_axe_can_fail(browser: WebDriver, live_server: str) -> None:
    """axe runs the WCAG rules on the page it is given: an image without alt text is reported."""
    open_page(browser, live_server, "lv", "accessibility")
    browser.execute_script(
        "const img = document.createElement('img'); img.src = '/static/no-such.png'; img.id = 'no-alt';"
        "document.querySelector('main').append(img);"
    )
    with pytest.raises(AssertionError, match=r"(?s)image-alt \(critical\).*#no-alt"):
        assert_no_axe_violations(browser, "a page with an image without alt")


SEND_NOT_UTF8 = """
const form = document.createElement('form');
form.method = 'post'; form.action = location.pathname; form.acceptCharset = 'ISO-8859-1';
for (const [name, value] of [['csrf_token', document.querySelector('[name=csrf_token]').value], ['text', 'é']]) {
  const field = document.createElement('input'); field.type = 'hidden'; field.name = name; field.value = value; form.append(field);
}
document.body.append(form); form.submit();
"""


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_for_a_form_that_cannot_be_read(browser: WebDriver, live_server: str, lang: str) -> None:
    """A browser that sends a form in another encoding than UTF-8 gets the 400 page, in the page's language."""
    open_page(browser, live_server, lang, "settings")
    browser.execute_script(SEND_NOT_UTF8)
    expected = {"lv": "Veidlapu nevarēja nolasīt", "ru": "Не удалось прочитать форму"}[lang]
    wait_until(browser, lambda d: d.title.startswith(expected), "the 400 page")
    assert_page_basics(browser, lang, "unreadable form")
    assert_no_axe_violations(browser, f"the 400 page ({lang})")


SEND_TOO_LARGE = """
const form = document.createElement('form'); form.method = 'post'; form.action = location.pathname;
const field = document.createElement('input'); field.type = 'hidden'; field.name = 'text'; field.value = 'x'.repeat(1100000);
form.append(field); document.body.append(form); form.submit();
"""


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_for_a_body_too_large(browser: WebDriver, live_server: str, lang: str) -> None:
    """A form post past its limit gets the 413 page, in the page's language."""
    from tests.test_capacity import translated

    open_page(browser, live_server, lang, "settings")
    browser.execute_script(SEND_TOO_LARGE)
    wait_until(browser, lambda d: d.title.startswith(translated(lang, "What you sent is too large")), "the 413 page")
    assert_page_basics(browser, lang, "body too large")
    assert_no_axe_violations(browser, f"the 413 page ({lang})")


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_for_too_many_attempts(
    browser: WebDriver, database_url: str, provider: str, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """Starting sign-in past the address's limit gets the 429 page, in the page's language."""
    from portal import ratelimit
    from tests.test_capacity import translated

    monkeypatch.setattr(ratelimit, "SIGN_IN", ratelimit.Limit("sign_in", 1, 600))
    with serve_portal(database_url, provider) as base_url:
        browser.get(f"{base_url}/{lang}/sign-in")
        browser.get(f"{base_url}/{lang}/sign-in")
        assert browser.title.startswith(translated(lang, "Too many attempts")), browser.title
        assert_page_basics(browser, lang, "too many attempts")
        assert_no_axe_violations(browser, f"the 429 page ({lang})")


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_for_a_busy_service(
    browser: WebDriver, database_url: str, provider: str, monkeypatch: pytest.MonkeyPatch, lang: str
) -> None:
    """A signed-in person whose request the database cannot serve in time gets the 503 page, in the page's language.

    The desk's queue, which writes (an audit event): on SQLite only a transaction that may write waits for a stuck writer."""
    from portal import db as portal_db
    from tests.casework.test_desk import make_caseworker
    from tests.test_capacity import BUSY_TITLE, LIGA, database_locked, translated

    monkeypatch.setattr(portal_db, "SQLITE_BUSY_TIMEOUT_MS", 300)  # SQLite's wait for the write lock
    make_caseworker(database_url, LIGA, "riga")
    with serve_portal(database_url, provider, db_lock_timeout_ms=300) as base_url:  # PostgreSQL's
        sign_in_as(browser, base_url, LIGA, lang)
        with database_locked(database_url):
            browser.get(f"{base_url}/{lang}/desk")
        assert browser.title.startswith(translated(lang, BUSY_TITLE)), browser.title
        assert_page_basics(browser, lang, "busy service")
        assert_no_axe_violations(browser, f"the 503 page ({lang})")


@pytest.mark.parametrize("lang", LANGS)
def test_the_page_for_a_file_that_cannot_be_opened(browser: WebDriver, database_url: str, provider: str, lang: str) -> None:
    """A document whose stored file is gone gets the page that says so (404), in the page's language, when its link is followed."""
    from pathlib import Path

    from sqlalchemy import text

    from portal.people.demo import ANNA
    from portal.storage import FileStorage
    from tests.casework.test_missing_files import UNAVAILABLE
    from tests.conftest import engine_for, make_settings
    from tests.demo_seed import seed_demo

    with serve_portal(database_url, provider) as base_url:
        settings = make_settings(database_url, provider)
        seed_demo(settings)
        with engine_for(database_url).connect() as connection:
            application_id, document_id, key = connection.execute(text(
                "SELECT d.application_id, d.id, d.storage_key FROM application_document d JOIN application a ON a.id = d.application_id"
                " JOIN person p ON p.id = a.person_id WHERE p.personal_code = :code ORDER BY d.id LIMIT 1"),
                {"code": ANNA.personal_code}).one()
        Path(FileStorage(settings.upload_dir)._path(key)).unlink()
        sign_in_as(browser, base_url, ANNA.personal_code, lang)
        # Followed from the person's page as she would: the link is not a `download` one, so the
        # browser shows the answer instead of a failed download that explains nothing.
        browser.get(f"{base_url}/{lang}/applications/{application_id}")
        browser.find_element(By.CSS_SELECTOR, f'a[href$="/documents/{document_id}"]').send_keys(Keys.ENTER)
        wait_until(browser, lambda d: d.title.startswith(UNAVAILABLE[lang]), "the page for a missing file")
        assert_page_basics(browser, lang, "file unavailable")
        assert_no_axe_violations(browser, f"the page for a missing file ({lang})")

"""Real-browser fixtures: the portal served by uvicorn on loopback, Debian's Chromium, axe-core.

The portal runs in a thread against the session's database and talks to the
session's real eID provider (oidc-provider-mock); the browser signs in through
the provider's own pages, exactly as a person would: once per person and
situation in the session, after which sign_in_as() replays what that sign-in
did (tests/conftest.py, "signing in") and opens the page it ended on.

One Chromium with JavaScript and one without are started once per session (lazily);
each test gets a clean one: no cookies, a 1280x900 window, no device emulation.
"""

from __future__ import annotations

import functools
import json
import re
import socket
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
from axe_selenium_python import Axe
from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from portal.app import SESSION_COOKIE, create_app
from portal.eid.session import PERSON_ID
from portal.settings import Settings
from tests.conftest import ROOT, SIGN_INS, make_settings, session_data

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__tests__/axe.min.js"  # served beside the portal by serve_portal() (WithAxe)
WINDOW = (1280, 900)
WAIT_SECONDS = 15
# How often a wait looks again. Selenium's default, half a second, was most of a page's time: the first
# look comes right after the click, before the browser has left the page.
WAIT_POLL_SECONDS = 0.02

# The languages every page is checked in; English, the third, on a few pages (test_english.py).
LANGS = ("lv", "ru")
# The only labels the tests find by their text; everything else is found by href or attribute.
SIGN_IN_TEXT = {"lv": "Pieslēgties", "ru": "Войти", "en": "Sign in"}
SIGN_OUT_TEXT = {"lv": "Iziet", "ru": "Выйти", "en": "Sign out"}
ERROR_TITLE_PREFIX = {"lv": "Kļūda: ", "ru": "Ошибка: ", "en": "Error: "}


@dataclass(frozen=True)
class Person:
    personal_code: str
    name: str


ANNA = Person("150385-11001", "Anna Bērziņa")
JANIS = Person("020790-11000", "Jānis Kalniņš")
OLGA = Person("328673-00679", "Ольга Иванова")
# Who signs in for the signed-in pages of each language.
PERSON_FOR = {"lv": ANNA, "ru": OLGA}

# Pages anyone can open, by name. Every name here is handled by open_page().
PUBLIC_PAGES = (
    "start",
    "settings",
    "accessibility",
    "components",
    "signed-out",
    "session-ended",
    "not-found",
    "sign-in-failed",
    "settings-error",
)
# Pages of a signed-in person (open_page() is called after sign_in_as()).
SIGNED_IN_PAGES = ("dashboard", "settings", "settings-error", "timeout-dialog", "sessions")
ERROR_STATES = {"settings-error"}
PAGE_PATHS = {
    "start": "/",
    "settings": "/settings",
    "accessibility": "/accessibility",
    "components": "/components",
    "signed-out": "/signed-out",
    "session-ended": "/session-ended",
    "not-found": "/no-such-page",
    "dashboard": "/dashboard",
    "sessions": "/sessions",
}

AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
    "resultTypes": ["violations"],
}


# ------------------------------------------------------------------ the portal

_SERVED: dict[str, Settings] = {}  # base URL -> the settings of the portal served there


class WithAxe:
    """The portal, and axe-core at AXE_PATH on its origin (for the tests only): a page with JavaScript loads it
    as it loads the site's own scripts (allowed by `script-src 'self'`), and the browser keeps it and its
    compiled code, instead of 500 KB sent through WebDriver for every check (about 100 ms each)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.headers = [(b"content-type", b"text/javascript; charset=utf-8"), (b"cache-control", b"max-age=86400")]

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == AXE_PATH:
            await send({"type": "http.response.start", "status": 200, "headers": self.headers})
            await send({"type": "http.response.body", "body": _axe_source()})
            return
        await self.app(scope, receive, send)


@functools.cache
def _axe_source() -> bytes:
    if not AXE_JS.is_file():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run `npm ci` (or `make test-deps`) in {ROOT}")
    return AXE_JS.read_bytes()


@contextmanager
def serve_portal(database_url: str, provider: str, **overrides: object) -> Iterator[str]:
    """The portal on a free loopback port, served by uvicorn in a daemon thread; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    settings = make_settings(database_url, provider, base_url=base_url, component_gallery=True, **overrides)
    app = WithAxe(create_app(settings))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    # uvicorn listens on the socket bound above, so no other process can take the port meanwhile.
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-portal", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"the portal did not start on {base_url} (see the log above)")
        time.sleep(0.05)
    _SERVED[base_url] = settings
    try:
        yield base_url
    finally:
        _SERVED.pop(base_url, None)
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="session")
def live_server(database_url: str, provider: str) -> Iterator[str]:
    with serve_portal(database_url, provider) as base_url:
        yield base_url


# ----------------------------------------------------------------- the browser


def _chrome(user_data_dir: Path, javascript: bool) -> WebDriver:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            pytest.fail(f"{path} is missing: the browser tests need Debian's chromium and chromium-driver (make test-deps)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={user_data_dir}",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        # Nothing leaves the machine: the mock provider's pages link a stylesheet on a CDN,
        # which now fails at once instead of waiting for a network that may not be there.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(60)  # axe on the component gallery
    return driver


_WITHOUT_JAVASCRIPT: weakref.WeakSet[WebDriver] = weakref.WeakSet()


class _Browsers:
    """Started on first use, quit at the end of the session."""

    def __init__(self, factory: pytest.TempPathFactory) -> None:
        self.factory = factory
        self.drivers: dict[bool, WebDriver] = {}

    def get(self, javascript: bool) -> WebDriver:
        driver = self.drivers.get(javascript)
        if driver is not None:
            try:
                _reset(driver)
                return driver
            except WebDriverException:  # the browser died in an earlier test: start another
                self._quit(driver)
        profile = self.factory.mktemp("chromium-js" if javascript else "chromium-nojs")
        driver = self.drivers[javascript] = _chrome(profile, javascript)
        if not javascript:
            _WITHOUT_JAVASCRIPT.add(driver)
        _reset(driver)
        return driver

    @staticmethod
    def _quit(driver: WebDriver) -> None:
        with suppress(WebDriverException):
            driver.quit()

    def quit(self) -> None:
        for driver in self.drivers.values():
            self._quit(driver)


def _reset(driver: WebDriver) -> None:
    """What one test did is gone for the next: cookies, window size, emulation."""
    driver.get("about:blank")
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    if driver.get_window_size() != {"width": WINDOW[0], "height": WINDOW[1]}:
        driver.set_window_size(*WINDOW)


@pytest.fixture(scope="session")
def _browsers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Browsers]:
    browsers = _Browsers(tmp_path_factory)
    try:
        yield browsers
    finally:
        browsers.quit()


@pytest.fixture
def browser(_browsers: _Browsers, live_server: str) -> WebDriver:
    """Chromium with JavaScript, 1280x900, no cookies."""
    return _browsers.get(javascript=True)


@pytest.fixture
def browser_no_js(_browsers: _Browsers, live_server: str) -> WebDriver:
    """Chromium with JavaScript switched off by the browser's own content setting."""
    return _browsers.get(javascript=False)


# ------------------------------------------------------------------- helpers


def wait_until(driver: WebDriver, condition: Callable[[WebDriver], object], what: str) -> None:
    try:
        WebDriverWait(driver, WAIT_SECONDS, poll_frequency=WAIT_POLL_SECONDS).until(condition)
    except TimeoutException:
        pytest.fail(f"timed out waiting for {what}; the browser is at {driver.current_url} ({driver.title!r})")


def wait_for_path(driver: WebDriver, path: str) -> None:
    wait_until(driver, lambda d: urlsplit(d.current_url).path == path and _loaded(d), f"the page {path}")


def click_for_the_answer(driver: WebDriver, clicked: WebElement, what: str) -> None:
    """Click a control that posts a form (or follows a link) and wait for the page that answers: another
    page, or this one again at the same address (an error), so the address is no signal. The page is
    marked before the click; the answer is a new document without the mark (an element's staleness is
    no signal either: Chromium may report a node of the old page as foreign)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); document.documentElement.dataset.left = 'yes';", clicked)
    clicked.click()

    def answered(d: WebDriver) -> bool:
        try:
            return bool(d.execute_script("return document.readyState === 'complete' && !document.documentElement.dataset.left"))
        except WebDriverException:  # the old document went away mid-call: not there yet
            return False

    wait_until(driver, answered, f"the answer to {what}")


def wait_for_url_prefix(driver: WebDriver, prefix: str) -> None:
    wait_until(driver, lambda d: d.current_url.startswith(prefix) and _loaded(d), f"a page under {prefix}")


def _loaded(driver: WebDriver) -> bool:
    return driver.execute_script("return document.readyState") == "complete"


def _visible_control(driver: WebDriver, selector: str, text: str, what: str) -> WebElement:
    candidates = [element for element in driver.find_elements(By.CSS_SELECTOR, selector) if element.is_displayed()]
    matching = [element for element in candidates if text in element.text]
    if not matching:
        pytest.fail(
            f"no visible {what} reading {text!r} on {driver.current_url}; "
            f"the {what}s there read {[element.text for element in candidates]!r} (not translated?)"
        )
    return matching[0]


def sign_in_control(driver: WebDriver, lang: str) -> WebElement:
    """The visible sign-in link or button of the current page, found by its (translated) text."""
    selector = f'a[href$="/{lang}/sign-in"], form[action$="/{lang}/sign-in"] button'
    return _visible_control(driver, selector, SIGN_IN_TEXT[lang], "sign-in control")


def sign_out_control(driver: WebDriver, lang: str) -> WebElement:
    selector = f'header form[action$="/{lang}/sign-out"] button'
    return _visible_control(driver, selector, SIGN_OUT_TEXT[lang], "header sign-out button")


def provider_user_button(driver: WebDriver, personal_code: str) -> WebElement:
    """On the provider's authorization page: the predefined user's button (its text is the code)."""
    for button in driver.find_elements(By.CSS_SELECTOR, 'button[name="sub"]'):
        if button.text.strip() == personal_code:
            return button
    pytest.fail(f"the provider's page {driver.current_url} has no button for {personal_code}")


def sign_in_as(driver: WebDriver, base_url: str, personal_code: str, lang: str) -> None:
    """The real flow: start page, sign-in control, the provider's page, the person's button.

    Once per situation in the session (tests/conftest.py, "signing in"); after that the rows
    it wrote and the cookies it set are put back and the browser opens the page it ended on.
    """
    known = _browser_situation(driver, base_url, personal_code, lang)
    if known is not None:
        replay = SIGN_INS.replay(known[1], known[0])
        if replay is not None:
            cookies, path = replay.effects
            for cookie in cookies:
                driver.execute_cdp_cmd("Network.setCookie", _set_cookie_params(cookie, base_url))
            driver.get(base_url + path)
            wait_for_path(driver, path)
            return
    before = {_cookie_key(cookie): cookie["value"] for cookie in _browser_cookies(driver, base_url)}

    def flow() -> None:
        driver.get(f"{base_url}/{lang}/")
        sign_in_control(driver, lang).click()
        wait_until(driver, lambda d: not d.current_url.startswith(base_url + "/") and _loaded(d), "the eID provider's page")
        provider_user_button(driver, personal_code).click()
        wait_for_path(driver, f"/{lang}/dashboard")

    def finish(_: None) -> tuple[str, Any] | None:
        after = {_cookie_key(cookie): cookie for cookie in _browser_cookies(driver, base_url)}
        session = next((cookie for cookie in after.values() if cookie["name"] == SESSION_COOKIE), None)
        if session is None or before.keys() - after.keys():
            return None
        changed = [cookie for key, cookie in after.items() if before.get(key) != cookie["value"]]
        return session["value"], (changed, urlsplit(driver.current_url).path)

    settings, situation = known if known is not None else (None, None)
    SIGN_INS.run(situation, settings, flow, finish)


def _browser_cookies(driver: WebDriver, base_url: str) -> list[dict[str, Any]]:
    """The cookies the browser sends to the portal (the provider's, on the same host, too)."""
    return list(driver.execute_cdp_cmd("Network.getCookies", {"urls": [base_url + "/"]})["cookies"])


def _cookie_key(cookie: dict[str, Any]) -> tuple[str, str, str]:
    return (cookie["domain"], cookie["path"], cookie["name"])


def _browser_situation(driver: WebDriver, base_url: str, personal_code: str, lang: str) -> tuple[Settings, tuple[object, ...]] | None:
    """The browser's part of the situation: the portal's settings and the browser's cookies but an empty session."""
    settings = _SERVED.get(base_url)
    if settings is None:
        return None
    others = []
    for cookie in _browser_cookies(driver, base_url):
        if cookie["name"] == SESSION_COOKIE:
            session = session_data(cookie["value"], settings.secret_key)
            if session is None or PERSON_ID in session:
                return None  # signed in already (or an unknown cookie): only the real flow says what happens
        else:
            others.append((*_cookie_key(cookie), cookie["value"]))
    return settings, SIGN_INS.situation(("browser", base_url, tuple(sorted(others))), settings, personal_code, lang)


def _set_cookie_params(cookie: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Network.setCookie for a cookie as Network.getCookies described it."""
    params: dict[str, Any] = {name: cookie[name] for name in ("name", "value", "path", "secure", "httpOnly") if name in cookie}
    if cookie["domain"].startswith("."):
        params["domain"] = cookie["domain"]
    else:  # a host-only cookie
        params["url"] = f"{urlsplit(base_url).scheme}://{cookie['domain']}{cookie['path']}"
    for name in ("sameSite", "sourceScheme", "sourcePort", "priority"):
        if name in cookie:
            params[name] = cookie[name]
    if not cookie.get("session") and cookie.get("expires", -1) > 0:
        params["expires"] = cookie["expires"]
    return params


def deny_sign_in(driver: WebDriver, base_url: str, lang: str) -> None:
    """Start signing in, then press the provider's "Deny": the portal's "You did not sign in" page."""
    driver.get(f"{base_url}/{lang}/sign-in")
    wait_until(driver, lambda d: not d.current_url.startswith(base_url + "/") and _loaded(d), "the eID provider's page")
    deny = driver.find_elements(By.CSS_SELECTOR, 'button[name="action"][value="deny"]')
    assert deny, f"the provider's page {driver.current_url} has no Deny button"
    deny[0].click()
    wait_until(driver, lambda d: d.current_url.startswith(f"{base_url}/auth/callback") and _loaded(d), "the portal's callback page")


def settings_form(driver: WebDriver, lang: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f'main form[action$="/{lang}/settings"]')


def settings_save_button(driver: WebDriver, lang: str) -> WebElement:
    """Scrolled to, as a person scrolls to it: at 320 px it is below the fold, and a click at a point outside
    the emulated viewport (Emulation.setDeviceMetricsOverride) reaches nothing."""
    button = settings_form(driver, lang).find_element(By.CSS_SELECTOR, 'button[type="submit"]')
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    return button


def show_settings_error(driver: WebDriver, base_url: str, lang: str) -> None:
    """The display settings page answering an invalid text size ("huge"): its error state."""
    driver.get(f"{base_url}/{lang}/settings")
    driver.execute_script(
        "var radio = document.getElementById('text'); radio.value = 'huge'; radio.checked = true;"
    )
    settings_save_button(driver, lang).click()
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".error-summary") and _loaded(d), "the error summary")


def choose_display_settings(driver: WebDriver, base_url: str, lang: str, text: str, contrast: str) -> None:
    """Set text size and contrast the way a person does: the settings form (clicking the labels)."""
    driver.get(f"{base_url}/{lang}/settings")
    form = settings_form(driver, lang)
    for name, value in (("text", text), ("contrast", contrast)):
        radio = form.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]')
        form.find_element(By.CSS_SELECTOR, f'label[for="{radio.get_attribute("id")}"]').click()
        assert radio.is_selected(), f"clicking the label did not choose {name}={value}"
    settings_save_button(driver, lang).click()
    wait_for_path(driver, f"/{lang}/settings")
    wait_until(driver, lambda d: "saved=1" in d.current_url, "the saved settings page")


def open_timeout_dialog(driver: WebDriver) -> None:
    driver.execute_script('document.querySelector("dialog.timeout-dialog").showModal();')
    assert driver.execute_script('return document.querySelector("dialog.timeout-dialog").open'), "the dialog did not open"


def open_page(driver: WebDriver, base_url: str, lang: str, page: str) -> None:
    """Bring the browser to the named page (or state) in the language."""
    if page in PAGE_PATHS:
        driver.get(f"{base_url}/{lang}{PAGE_PATHS[page]}")
    elif page == "sign-in-failed":
        deny_sign_in(driver, base_url, lang)
    elif page == "settings-error":
        show_settings_error(driver, base_url, lang)
    elif page == "timeout-dialog":
        driver.get(f"{base_url}/{lang}/dashboard")
        open_timeout_dialog(driver)
    else:  # pragma: no cover - a typo in a test
        raise ValueError(f"unknown page {page!r}")
    wait_until(driver, _loaded, f"the page {page}")
    assert_still_at(driver, expected_path(lang, page), page)


def expected_path(lang: str, page: str) -> str:
    if page in PAGE_PATHS:
        return f"/{lang}{PAGE_PATHS[page]}"
    return {
        "sign-in-failed": "/auth/callback",
        "settings-error": f"/{lang}/settings",
        "timeout-dialog": f"/{lang}/dashboard",
    }[page]


def assert_still_at(driver: WebDriver, path: str, page: str) -> None:
    """The browser shows the page asked for (not a redirect, nor where a script went next)."""
    now = driver.execute_script("return location.pathname")
    assert now == path, f"{page}: expected the browser at {path}, but it is at {driver.current_url} ({driver.title!r})"


# ------------------------------------------------------------------------ axe


def assert_no_axe_violations(driver: WebDriver, label: str) -> None:
    """axe-core (WCAG 2.0/2.1/2.2 A and AA rules) finds nothing on the current page."""
    axe = Axe(driver, script_url=str(AXE_JS))
    if not _load_axe_from_the_site(driver):
        # Without JavaScript the page runs no script of its own: WebDriver's do run, so axe comes through it.
        _axe_source()
        try:
            axe.inject()
        except WebDriverException as error:
            pytest.fail(f"could not inject axe-core into {driver.current_url} (Content-Security-Policy?): {error.msg}")
    if not driver.execute_script("return typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
        pytest.fail(f"axe-core did not load into {driver.current_url} (Content-Security-Policy?)")
    before = driver.execute_script("return location.href")
    results = axe.run(options=json.dumps(AXE_OPTIONS))
    after = driver.execute_script("return location.href")
    assert after == before, f"{label}: the page went from {before} to {after} while axe ran"
    violations = results["violations"]
    assert violations == [], f"axe found {len(violations)} violation(s) on {label} at {driver.current_url}:\n" + format_violations(
        violations
    )


_LOAD_AXE = """
const done = arguments[arguments.length - 1];
if (typeof window.axe === "object") { done(true); return; }
const script = document.createElement("script");
script.src = arguments[0];
script.onload = () => done(true);
script.onerror = () => done(false);
document.head.appendChild(script);
"""


def _load_axe_from_the_site(driver: WebDriver) -> bool:
    """axe-core loaded by the page from AXE_PATH on its own origin; False where that cannot be (no JavaScript, a page
    of another origin, such as the eID provider's)."""
    if driver in _WITHOUT_JAVASCRIPT or urlsplit(driver.current_url).netloc not in {urlsplit(url).netloc for url in _SERVED}:
        return False
    return bool(driver.execute_async_script(_LOAD_AXE, AXE_PATH))


def format_violations(violations: list[dict], nodes_each: int = 4) -> str:  # type: ignore[type-arg]
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']} [{len(violation['nodes'])} node(s)]")
        for node in violation["nodes"][:nodes_each]:
            target = " ".join(str(part) for part in node["target"])
            html = " ".join(node.get("html", "").split())
            lines.append(f"    {target}\n      {html[:240]}")
            summary = (node.get("failureSummary") or "").strip().splitlines()
            if len(summary) > 1:
                lines.append(f"      {summary[1].strip()[:240]}")
    return "\n".join(lines)


# ---------------------------------------------------------- the apply journey
#
# Found by href, name, value and id only: the journey's texts are still being translated.

# An adult (Anna, or Ольга whose age is unknown) choosing the adult assistant with group III,
# limitations but no transport indication: the answers rule the service out.
RULED_OUT_ADULT_ANSWERS = (
    ("service", "adult_assistant"),
    ("disability-group", "3"),
    ("limitations", "yes"),
    ("transport-indication", "no"),
)
RULED_OUT_STEP = "eligibility"
ALL_SERVICE_KINDS = (
    "adult_assistant",
    "child_assistant",
    "child_companion",
    "child_care",
    "school_assistant",
    "study_assistant",
)


def wait_for_path_matching(driver: WebDriver, pattern: str) -> re.Match[str]:
    """Wait for a page whose path matches `pattern` (whole path); returns the match."""
    wait_until(
        driver, lambda d: re.fullmatch(pattern, urlsplit(d.current_url).path) is not None and _loaded(d), f"a page matching {pattern}"
    )
    match = re.fullmatch(pattern, urlsplit(driver.current_url).path)
    assert match is not None
    return match


def apply_step_path(lang: str, application_id: int | str, step: str) -> str:
    return f"/{lang}/apply/{application_id}/{step}"


def wait_for_apply_step(driver: WebDriver, lang: str, step: str) -> int:
    """Wait for the journey's page `step` of some draft; returns the draft's id."""
    return int(wait_for_path_matching(driver, rf"/{lang}/apply/(\d+)/{re.escape(step)}").group(1))


def journey_form(driver: WebDriver) -> WebElement:
    """The one POST form in <main> (the question, or the ruled-out page's "continue")."""
    forms = driver.find_elements(By.CSS_SELECTOR, 'main form[method="post"]')
    assert len(forms) == 1, f"{driver.current_url}: expected one POST form in <main>, found {len(forms)}"
    return forms[0]


def answer_values(driver: WebDriver) -> list[str]:
    """The values of the question's radios, in order."""
    radios = journey_form(driver).find_elements(By.CSS_SELECTOR, 'input[type="radio"][name="answer"]')
    return [radio.get_attribute("value") or "" for radio in radios]


def choose_answer(driver: WebDriver, value: str) -> None:
    """Choose a radio the way a person with a mouse does: click its label."""
    form = journey_form(driver)
    radios = form.find_elements(By.CSS_SELECTOR, f'input[type="radio"][name="answer"][value="{value}"]')
    assert radios, f"{driver.current_url} offers no answer {value!r}; it offers {answer_values(driver)!r}"
    form.find_element(By.CSS_SELECTOR, f'label[for="{radios[0].get_attribute("id")}"]').click()
    assert radios[0].is_selected(), f"clicking the label did not choose {value!r} on {driver.current_url}"


def submit_journey_form(driver: WebDriver) -> None:
    journey_form(driver).find_element(By.CSS_SELECTOR, 'button[type="submit"]').click()


def submit_without_answer(driver: WebDriver) -> None:
    """Submit the question with nothing chosen: the page answers with its error state."""
    path = urlsplit(driver.current_url).path
    assert not driver.find_elements(By.CSS_SELECTOR, 'main input[name="answer"]:checked'), f"{path} already has an answer chosen"
    submit_journey_form(driver)
    wait_until(
        driver,
        lambda d: urlsplit(d.current_url).path == path and d.find_elements(By.CSS_SELECTOR, ".error-summary") and _loaded(d),
        f"the error summary on {path}",
    )


def answer_and_continue(driver: WebDriver, value: str) -> None:
    """Choose `value` and submit; waits until the browser has left the page (its POST redirected)."""
    before = driver.current_url
    choose_answer(driver, value)
    submit_journey_form(driver)
    wait_until(driver, lambda d: d.current_url != before and _loaded(d), f"the page after answering {value!r} at {before}")

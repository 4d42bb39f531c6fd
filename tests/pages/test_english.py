"""English, the third language: every page under /en/, in English, with the switch to Latvian and Russian.

One walk over HTTP (the browser suite stays in Latvian and Russian; tests/accessibility/test_english.py
checks a few English pages with axe).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape

import pytest

from portal import i18n
from portal.app import create_app
from portal.applications.models import Application
from portal.applications.rules import ServiceKind
from portal.assessment.definitions import all_definitions
from portal.notifications import notices
from portal.people.models import Municipality, Person
from portal.settings import Settings
from portal.surveys.definitions import all_surveys
from tests.client import TestClient
from tests.conftest import sign_in
from tests.crawl import DEMO_PEOPLE, PageParser, crawl
from tests.demo_seed import seed_demo

# Each demo person's walk from the overview, as far as this (the access walk goes everywhere in Latvian).
WALK_LIMIT = 40
MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


@pytest.fixture
def walker(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False, raise_server_exceptions=False) as client:
        yield client


def assert_in_english(path: str, page: PageParser) -> None:
    assert page.html_lang == "en", path
    rest = path.removeprefix("/en")
    # The switch marks English as the page's language and links to the same page in Latvian and Russian.
    assert page.switch_current == "en", path
    assert {(href, hreflang, lang) for href, hreflang, lang in page.switch_links} == {
        (f"/lv{rest}", "lv", "lv"), (f"/ru{rest}", "ru", "ru")
    }, path


def text_of(client: TestClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return unescape(response.text)


def test_the_portal_in_english(walker: TestClient, settings: Settings) -> None:
    seed_demo(settings)
    pages = crawl(walker, "/en/") | crawl(walker, "/en/surveys/portal-2026")
    for code in DEMO_PEOPLE[:-1]:  # all but Ольга, who prefers Russian (signing in takes her to /ru/)
        walker.cookies.clear()
        sign_in(walker, code, lang="en")
        pages |= {path: page for path, page in crawl(walker, "/en/dashboard", limit=WALK_LIMIT).items() if path not in pages}
    shown = {path: page for path, page in pages.items() if page.status == 200 and page.is_html}
    for path, page in shown.items():
        assert_in_english(path, page)
    # Nothing missing in English: a page answers, or sends on (the sign-in to the eID provider, a form's next step).
    assert {path: page.status for path, page in pages.items() if page.status not in (200, 302, 303)} == {}
    for area in ("/en/applications", "/en/reports", "/en/assessment", "/en/surveys", "/en/desk", "/en/analysis", "/en/settings"):
        assert any(path.startswith(area) for path in shown), f"the walk did not reach {area}"

    # The definitions' own English: a questionnaire of each kind, and each survey.
    walker.cookies.clear()
    sign_in(walker, "150385-11001", lang="en")  # Anna: the adults' self-assessment
    adults = next(d for d in all_definitions().values() if d.id.startswith("adults"))
    section = adults.sections[0]
    html = text_of(walker, f"/en/assessment/{section.id}")
    assert section.title("en") in html and section.questions[0].text("en") in html
    assert section.questions[0].text("lv") not in html
    for survey in all_surveys().values():
        question = survey.pages[0].questions[0]
        start = text_of(walker, f"/en/surveys/{survey.id}")
        assert survey.title("en") in start and survey.title("lv") not in start
        first = walker.get(f"/en/surveys/{survey.id}/1")
        # Anna may answer both (the portal's is everyone's; she receives the service the recipients' one asks about).
        assert first.status_code == 200, survey.id
        assert question.text("en") in unescape(first.text) and question.text("lv") not in unescape(first.text)
    children = next(d for d in all_definitions().values() if d.id.startswith("children"))
    walker.cookies.clear()
    sign_in(walker, "020790-11000", lang="en")  # Jānis, for Marta: the children's checklist
    marta_assessment = next(path for path in pages if path.startswith("/en/assessment?for="))
    marta = marta_assessment.split("for=")[1]
    html = text_of(walker, f"/en/assessment/{children.sections[0].id}?for={marta}")
    assert children.sections[0].questions[0].text("en", "Marta Kalniņa") in html

    # Dates as British English writes them, never the Latvian way.
    [application, *_others] = re.findall(r'href="(/en/applications/\d+)"', text_of(walker, "/en/applications"))
    status = text_of(walker, application)
    assert re.search(rf"\b\d{{1,2}} ({MONTHS}) \d{{4}}\b", status), "no date in English on the application's page"
    assert "gada" not in status


def test_the_root_sends_an_english_reader_to_english_unless_the_cookie_says_otherwise(client: TestClient) -> None:
    assert client.get("/", headers={"accept-language": "en-GB,en;q=0.8"}).headers["location"] == "/en/"
    client.get("/ru/")  # visiting a language remembers it
    assert client.get("/", headers={"accept-language": "en"}).headers["location"] == "/ru/"
    client.get("/en/accessibility")
    assert client.get("/", headers={"accept-language": "lv"}).headers["location"] == "/en/"


def test_who_reads_english_is_told_in_english() -> None:
    """A notice is written in its recipient's language (notifications/notices.py picks it from their
    contact details); in English its dates are English and its links lead to the English pages."""
    application = Application(
        id=7, reference="AP-2026-000007", kind=ServiceKind.ADULT_ASSISTANT, submitted_at=datetime(2026, 11, 3, 9, 0, tzinfo=UTC),
        language="lv",
    )
    riga = Municipality(code="riga", name_lv="Rīgas valstspilsēta", name_ru="город Рига")
    with i18n.in_locale("en"):
        received = notices._received(application, Person(given_name="Anna", family_name="Bērziņa"), riga, "https://portal.example/en")
        granted = notices._decided(application, True, "20 hours a month.", "https://portal.example/en")
    assert received.subject == "Your application AP-2026-000007 has been received"
    assert received.body.startswith("Hello,\n\nThe social service of Rīgas valstspilsēta has received the application")
    assert "decides by 3 December 2026" in received.body and "https://portal.example/en/applications/7" in received.body
    assert granted.subject == "Decision on your application AP-2026-000007: granted"
    assert "https://portal.example/en/applications/7" in granted.body and "Labdien" not in granted.body

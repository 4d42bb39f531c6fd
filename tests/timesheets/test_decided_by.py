"""A report's confirm and "something is wrong" pages offer their form only to whoever may send it.

Marta (a minor whom her father Jānis represents) and Ilze (Anna's assistant who is also her
guardian here) open both pages: each reads the report, sees no form, and is told who does it
instead: her representative, or the social service. What they would send is still refused by the
policy; Jānis and Anna, whose it is to do, get the forms.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.applications.test_routes import translated
from tests.client import TestClient
from tests.conftest import csrf_of, engine_for, sign_in
from tests.timesheets.helpers import ANNA, ILZE, JANIS, MARTA, OLGA, grant_and_assign, recorded_and_submitted, represents

REPRESENTATIVE_DOES_IT = "Your legal representative does this for you"
MINOR_TEXT = "Until you are 18, your parent or guardian confirms or returns the assistant's reports for you. You can read the report here."
SOCIAL_SERVICE_DOES_IT = "The social service confirms these hours"
OWN_HOURS_TEXT = ("You are the assistant in this report, so you cannot confirm or return it, even as the person's representative: "
                  "no one confirms their own hours. The social service checks the report with the person and confirms it.")


def forms_in(html: str) -> list[str]:
    """The actions of the POST forms in <main> (the header's sign-out form is outside it)."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.findall(r'<form method="post" action="([^"]+)"', main)


def status_of(database_url: str, report: int) -> str:
    with engine_for(database_url).connect() as connection:
        return str(connection.scalar(text("SELECT status FROM monthly_report WHERE id = :id"), {"id": report}))


def version_of(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)  # type: ignore[union-attr]


def assert_told(client: TestClient, lang: str, report: int, heading: str, text: str) -> None:
    """The report, confirm and dispute pages in `lang`: each answers 200, has no form, and says who does it."""
    for path in (f"/{lang}/reports/{report}", f"/{lang}/reports/{report}/confirm", f"/{lang}/reports/{report}/dispute"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert forms_in(page.text) == [], path
        assert 'name="received"' not in page.text and 'name="reason"' not in page.text, path
        assert f'href="/{lang}/reports/{report}/confirm"' not in page.text, path
        assert translated(lang, heading) in page.text and translated(lang, text) in page.text, path
        assert f'<html lang="{lang}"' in page.text


@pytest.mark.parametrize("lang", ["lv", "ru"])
def test_a_minor_reads_the_pages_and_is_told_her_representative_does_it(client: TestClient, database_url: str, lang: str) -> None:
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.marta_assignment, grants.last_month)
    sign_in(client, JANIS, lang)  # her father: the forms are his
    confirm, dispute = client.get(f"/{lang}/reports/{report}/confirm").text, client.get(f"/{lang}/reports/{report}/dispute").text
    assert forms_in(confirm) == [f"/{lang}/reports/{report}/confirm"] and forms_in(dispute) == [f"/{lang}/reports/{report}/dispute"]
    assert translated(lang, REPRESENTATIVE_DOES_IT) not in confirm + dispute
    version = version_of(confirm)

    client.cookies.clear()
    sign_in(client, MARTA, lang)
    assert_told(client, lang, report, REPRESENTATIVE_DOES_IT, MINOR_TEXT)
    # What the pages no longer offer is refused all the same when sent (a page kept from before).
    token = csrf_of(client.get(f"/{lang}/reports/{report}").text)
    refused = client.post(f"/{lang}/reports/{report}/dispute", data={"csrf_token": token, "version": version, "reason": "x"})
    assert refused.status_code == 403 and translated(lang, REPRESENTATIVE_DOES_IT) in refused.text
    refused = client.post(f"/{lang}/reports/{report}/confirm", data={"csrf_token": token, "version": version, "received": "yes"})
    assert refused.status_code == 403
    assert status_of(database_url, report) == "submitted"


@pytest.mark.parametrize("lang", ["lv", "ru"])
def test_an_assistant_who_represents_the_person_is_told_the_social_service_confirms(
    client: TestClient, database_url: str, lang: str
) -> None:
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    represents(database_url, ILZE, ANNA)
    sign_in(client, ILZE, lang)
    assert_told(client, lang, report, SOCIAL_SERVICE_DOES_IT, OWN_HOURS_TEXT)
    page = client.get(f"/{lang}/reports/{report}").text
    refused = client.post(f"/{lang}/reports/{report}/dispute", data={"csrf_token": csrf_of(page), "version": "1", "reason": "x"})
    assert refused.status_code == 403 and translated(lang, SOCIAL_SERVICE_DOES_IT) in refused.text
    assert status_of(database_url, report) == "submitted"

    # Anna's own pages offer her the forms: the report is hers to confirm.
    client.cookies.clear()
    sign_in(client, ANNA, lang)
    confirm = client.get(f"/{lang}/reports/{report}/confirm").text
    assert forms_in(confirm) == [f"/{lang}/reports/{report}/confirm"]
    assert translated(lang, SOCIAL_SERVICE_DOES_IT) not in confirm


def test_someone_elses_report_pages_answer_404(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.marta_assignment, grants.last_month)
    sign_in(client, OLGA)
    for path in (f"/lv/reports/{report}", f"/lv/reports/{report}/confirm", f"/lv/reports/{report}/dispute"):
        assert client.get(path).status_code == 404, path

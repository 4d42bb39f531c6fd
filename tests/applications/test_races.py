"""An application draft holds when two requests arrive at once (two tabs of one browser, two server processes).

Each round sends two requests through two apps at the same moment (tests/race.py): a page saved
in one tab is never written over by a page saved in the other, the same "start" form sent twice
starts one draft, and two submits send the application once.
"""

from __future__ import annotations

import html
import json
import re
from functools import partial
from typing import Any

from sqlalchemy import text

from portal.applications.forms import CHANGED_SINCE_OPENED
from portal.settings import Settings
from portal.validation import latvian_phone
from tests.applications.test_details import complete_adult
from tests.applications.test_routes import ANNA, answer, start_for, translated
from tests.client import TestClient
from tests.conftest import csrf_of, engine_for, sign_in
from tests.contacts import give_contact
from tests.race import at_once, workers

ROUNDS = 6


def rows(database_url: str, query: str) -> list[dict[str, Any]]:
    with engine_for(database_url).connect() as connection:
        found = [dict(row._mapping) for row in connection.execute(text(query))]
    for row in found:
        if isinstance(row.get("answers"), str):  # SQLite hands JSON back as text
            row["answers"] = json.loads(row["answers"])
    return found


def round_pages(round_: int) -> dict[str, dict[str, Any]]:
    """Two pages' answers that differ from round to round, so a lost page shows as an older answer."""
    return {
        "details": {"municipality": "riga", "address": f"Brīvības iela {round_ + 1}, Rīga, LV-1010"},
        "contact": {"method": "phone", "phone": f"2012345{round_}"},
    }


def lost_pages(answers: dict[str, Any], pages: dict[str, dict[str, Any]]) -> list[str]:
    """The pages whose stored answer is not the one this round sent (a phone number is kept as +371 …)."""
    kept = {slug: {key: latvian_phone(value) if key == "phone" else value for key, value in given.items()}
            for slug, given in pages.items()}
    return [slug for slug, given in kept.items() if any(answers.get(slug, {}).get(key) != value for key, value in given.items())]


def test_two_tabs_saving_two_pages_of_one_draft_keep_both(client: TestClient, settings: Settings, database_url: str) -> None:
    draft = complete_adult(client).removesuffix("/check")  # signs Anna in
    lost = []
    with workers(settings, client) as (first, second):
        for round_ in range(ROUNDS):
            pages = round_pages(round_)
            forms = [{"csrf_token": csrf_of(tab.get(f"{draft}/{slug}?change=1").text), **pages[slug]}
                     for tab, slug in ((first, "details"), (second, "contact"))]
            answers = at_once(partial(first.post, f"{draft}/details?change=1", data=forms[0]),
                              partial(second.post, f"{draft}/contact?change=1", data=forms[1]))
            assert [answer.status_code for answer in answers] == [303, 303], [a.text[:300] for a in answers]
            (application,) = rows(database_url, "SELECT answers FROM application")
            lost += [(round_, slug) for slug in lost_pages(application["answers"], pages)]
    assert lost == [], f"pages lost (round, page): {lost}"


def test_the_start_form_sent_twice_at_once_starts_one_draft(client: TestClient, settings: Settings, database_url: str) -> None:
    """A double click (or the same page sent from two tabs) on "who is it for": one draft, and both land on it."""
    sign_in(client, ANNA)
    with workers(settings, client) as (first, second):
        for round_ in range(ROUNDS):
            with engine_for(database_url).begin() as connection:
                connection.execute(text("DELETE FROM application_event"))
                connection.execute(text("DELETE FROM application"))
            page = first.get("/lv/apply/new").text
            form = {"csrf_token": csrf_of(page), "answer": "self", **hidden_fields(page)}
            answers = at_once(partial(first.post, "/lv/apply/new", data=form), partial(second.post, "/lv/apply/new", data=form))
            assert [answer.status_code for answer in answers] == [303, 303], [a.text[:300] for a in answers]
            drafts = rows(database_url, "SELECT id FROM application")
            assert len(drafts) == 1, (round_, drafts)
            assert {answer.headers["location"] for answer in answers} == {f"/lv/apply/{drafts[0]['id']}/service"}
            assert len(rows(database_url, "SELECT id FROM application_event WHERE action = 'started'")) == 1


def hidden_fields(page: str) -> dict[str, str]:
    """The form's hidden fields other than the CSRF token (what the page sends with the answer)."""
    return {name: value for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)
            if name != "csrf_token"}


def test_submitting_in_two_tabs_at_once_sends_it_once(client: TestClient, settings: Settings, database_url: str) -> None:
    give_contact(database_url, ANNA, "Anna", "Bērziņa", email="anna@example.lv")  # confirmed: the notice goes there
    check = complete_adult(client)  # signs Anna in
    submit = check.replace("/check", "/submit")
    with workers(settings, client) as (first, second):
        forms = [{"csrf_token": csrf_of(tab.get(check).text)} for tab in (first, second)]
        answers = at_once(partial(first.post, submit, data=forms[0]), partial(second.post, submit, data=forms[1]))
    assert [answer.status_code for answer in answers] == [303, 303], [a.text[:300] for a in answers]
    assert {answer.headers["location"] for answer in answers} == {check.replace("/apply/", "/applications/").replace("/check", "/submitted")}
    (application,) = rows(database_url, "SELECT status, reference FROM application")
    assert application["status"] == "submitted" and application["reference"]
    assert len(rows(database_url, "SELECT id FROM application_event WHERE action = 'submitted'")) == 1
    assert len(rows(database_url, "SELECT id FROM outbox_message")) == 1  # one notice by e-mail


def test_a_page_no_longer_asked_since_another_tab_changed_an_answer_gets_the_application_as_it_is(
    client: TestClient, database_url: str
) -> None:
    """Tab one shows the transport question (group III); tab two changes the group to I, which does not ask it.
    Tab one's answer is not an error page: the answers as they are now, and why, with 409."""
    sign_in(client, ANNA)
    group = answer(client, start_for(client, "self"), "adult_assistant")
    transport = answer(client, answer(client, group, "3"), "yes")
    assert transport.endswith("/transport-indication")
    stale = {"csrf_token": csrf_of(client.get(transport).text), "answer": "yes"}
    answer(client, group + "?change=1", "1")  # the other tab
    response = client.post(transport, data=stale)
    assert response.status_code == 409
    assert html.escape(translated("lv", CHANGED_SINCE_OPENED)) in response.text
    assert 'href="#answers"' in response.text and 'id="answers"' in response.text
    (application,) = rows(database_url, "SELECT answers FROM application")
    assert "transport-indication" not in application["answers"] and application["answers"]["disability-group"] == "1"
    assert client.get(transport).status_code == 404  # the page itself is not part of the journey now


def test_a_page_sent_after_another_tab_submitted_shows_the_status(client: TestClient, database_url: str) -> None:
    check = complete_adult(client)  # signs Anna in
    contact = check.replace("/check", "/contact?change=1")
    stale = {"csrf_token": csrf_of(client.get(contact).text), "method": "phone", "phone": "20123456"}
    assert client.post(check.replace("/check", "/submit"), data={"csrf_token": stale["csrf_token"]}).status_code == 303
    response = client.post(contact, data=stale)
    assert response.status_code == 303 and response.headers["location"] == check.replace("/apply/", "/applications/").removesuffix("/check")
    (application,) = rows(database_url, "SELECT answers FROM application")
    assert application["answers"]["contact"]["method"] == "email"  # as it was sent

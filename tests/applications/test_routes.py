"""The apply journey over HTTP, signed in through the real eID flow."""

from __future__ import annotations

import asyncio
import re
from datetime import date

import pytest

from portal import i18n
from portal.applications import journey
from portal.applications.rules import DisabilityGroup, Reason, ServiceKind
from portal.db import Database
from portal.people import service as people
from portal.people.models import RepresentationKind
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in

ANNA, JANIS, MARTA, OLGA = "150385-11001", "020790-11000", "120215-21007", "328673-00679"


def add_parent(database_url: str, valid_to: date | None = date(2033, 2, 11)) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            janis = await people.ensure_person(session, JANIS, "Jānis", "Kalniņš")
            marta = await people.ensure_person(session, MARTA, "Marta", "Kalniņa")
            await people.add_representation(session, janis, marta, RepresentationKind.PARENT, date(2015, 2, 12), valid_to)
        await db.dispose()

    asyncio.run(work())


def translated(locale: str, text: object) -> str:
    """What the page shows for a source message in that language (the catalog decides the words)."""
    i18n.set_locale(locale)
    try:
        return str(text) if not isinstance(text, str) else i18n.gettext(text)
    finally:
        i18n.set_locale(i18n.DEFAULT_LOCALE)


def answer(client: TestClient, path: str, value: str | None) -> str:
    """Post one answer; returns where the journey goes next."""
    token = csrf_of(client.get(path).text)
    data = {"csrf_token": token} | ({"answer": value} if value is not None else {})
    response = client.post(path, data=data)
    assert response.status_code == 303, response.text[:500]
    return response.headers["location"]


def start_for(client: TestClient, who: str, lang: str = "lv") -> str:
    return answer(client, f"/{lang}/apply/new", who)


def radio_values(html: str) -> list[str]:
    return re.findall(r'name="answer" type="radio" value="([^"]+)"', html)


@pytest.mark.parametrize("lang", ["lv", "ru"])
def test_the_start_page_is_public_and_plain(client: TestClient, lang: str) -> None:
    page = client.get(f"/{lang}/apply")
    assert page.status_code == 200
    assert f'href="/{lang}/apply/new"' in page.text
    assert client.get(f"/{lang}/apply/new").headers["location"].startswith(f"/{lang}/sign-in")


def test_an_adult_ruled_out_is_told_why_and_may_still_go_on(client: TestClient) -> None:
    sign_in(client, ANNA)
    service_page = start_for(client, "self")
    assert service_page.endswith("/service")
    page = client.get(service_page).text
    assert radio_values(page) == ["adult_assistant", "school_assistant", "study_assistant"]
    # The kinds not offered are listed with why not.
    not_offered = page.split('class="heading-s"', 1)[1]
    for kind in (ServiceKind.CHILD_ASSISTANT, ServiceKind.CHILD_COMPANION, ServiceKind.CHILD_CARE):
        assert translated("lv", journey.KIND_TEXTS[kind][0]) in not_offered
    assert translated("lv", journey.REASON_TEXTS[Reason.TOO_OLD]) in not_offered
    group = answer(client, service_page, "adult_assistant")
    assert group.endswith("/disability-group")
    limitations = answer(client, group, "3")
    transport = answer(client, limitations, "yes")
    assert transport.endswith("/transport-indication")
    ruled_out = answer(client, transport, "no")
    assert ruled_out.endswith("/eligibility")
    page = client.get(ruled_out)
    assert page.status_code == 200
    assert translated("lv", journey.REASON_TEXTS[Reason.NEEDS_GROUP_I_OR_II]) in page.text
    # Going on past the ruled-out page leads to the rest of the application.
    assert answer(client, ruled_out, None).endswith("/details")
    summary = client.get(ruled_out.replace("/eligibility", "/check")).text
    group_iii = next(o.text for o in journey.GROUP_OPTIONS if o.value == DisabilityGroup.GROUP_III)
    assert translated("lv", group_iii) in summary
    assert re.search(r'href="/lv/apply/\d+/disability-group\?change=1"', summary)


def test_a_change_link_returns_to_the_check_page(client: TestClient) -> None:
    sign_in(client, ANNA)
    service_page = start_for(client, "self")
    group = answer(client, service_page, "adult_assistant")
    assert answer(client, answer(client, group, "1"), "yes") == service_page.replace("/service", "/details")
    # Changing an answer that brings in nothing new goes back to the check page, not on to the details.
    assert answer(client, group + "?change=1", "2") == service_page.replace("/service", "/check")


def test_a_change_that_brings_new_questions_asks_them_then_returns(client: TestClient) -> None:
    sign_in(client, ANNA)
    service_page = start_for(client, "self")
    group = answer(client, service_page, "adult_assistant")
    limitations = answer(client, group, "1")
    assert answer(client, limitations, "yes").endswith("/details")
    # Now the study assistant: its own question comes next, then the answers so far.
    opinion = answer(client, service_page + "?change=1", "study_assistant")
    assert opinion.endswith("/assistant-opinion?change=1")
    assert answer(client, opinion, "yes").endswith("/check")


def test_changing_an_earlier_answer_drops_answers_that_no_longer_apply(client: TestClient) -> None:
    sign_in(client, ANNA)
    service_page = start_for(client, "self")
    group = answer(client, service_page, "adult_assistant")
    answer(client, group, "3")  # brings in the transport question
    answer(client, group + "?change=1", "1")  # group I: the transport question goes
    assert client.get(group.replace("/disability-group", "/transport-indication")).status_code == 404


def test_no_answer_shows_the_error_at_the_field_in_both_languages(client: TestClient) -> None:
    sign_in(client, ANNA)
    service_page = start_for(client, "self")
    for lang, prefix in (("lv", "Kļūda: "), ("ru", "Ошибка: ")):
        path = service_page.replace("/lv/", f"/{lang}/")
        token = csrf_of(client.get(path).text)
        response = client.post(path, data={"csrf_token": token, "answer": "child_assistant"})  # not offered to an adult
        assert response.status_code == 422
        assert f"<title>{prefix}" in response.text
        assert 'href="#answer"' in response.text and 'id="answer-error"' in response.text


def test_a_parent_applies_for_a_child_and_the_draft_is_theirs_alone(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    add_parent(settings.database_url)
    sign_in(client, JANIS)
    who = client.get("/lv/apply/new").text
    assert "Marta Kalniņa" in who
    options = radio_values(who)
    assert options[0] == "self" and len(options) == 2
    service_page = start_for(client, options[1])
    assert radio_values(client.get(service_page).text) == ["child_assistant", "child_companion", "child_care", "school_assistant"]
    assert "Marta Kalniņa" in client.get(service_page).text
    check = service_page.replace("/service", "/check")
    dashboard = client.get("/lv/dashboard").text
    assert f'href="{check}"' in dashboard and "Marta Kalniņa" in dashboard
    # Marta herself (and anyone else) does not see her father's draft.
    client.cookies.clear()
    sign_in(client, MARTA)
    assert client.get(service_page).status_code == 404
    assert client.get(check).status_code == 404
    assert check not in client.get("/lv/applications").text
    assert check not in client.get("/lv/dashboard").text


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_persons_draft_answers_404_on_every_route(client: TestClient, method: str) -> None:
    sign_in(client, ANNA)
    service_page = start_for(client, "self")
    check = service_page.replace("/service", "/check")
    client.cookies.clear()
    sign_in(client, OLGA)
    token = csrf_of(client.get("/lv/dashboard").text)
    for path in (service_page, service_page.replace("/service", "/disability-group"), service_page.replace("/service", "/eligibility")):
        response = client.request(method, path, data={"csrf_token": token, "answer": "adult_assistant"} if method == "POST" else None)
        assert response.status_code == 404, path
    assert client.get(check).status_code == 404


def test_someone_else_cannot_be_chosen_as_the_applicant(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    add_parent(settings.database_url)
    sign_in(client, ANNA)
    token = csrf_of(client.get("/lv/apply/new").text)
    # Marta's person id exists, but Anna does not represent her.
    for candidate in ("1", "2", "3"):
        response = client.post("/lv/apply/new", data={"csrf_token": token, "answer": candidate})
        assert response.status_code in (303, 422)
        if response.status_code == 303:
            pytest.fail("an application was started for someone Anna does not represent")


def test_access_ends_with_the_representation(client: TestClient, settings) -> None:  # type: ignore[no-untyped-def]
    add_parent(settings.database_url, valid_to=date(2020, 1, 1))
    sign_in(client, JANIS)
    page = client.get("/lv/apply/new").text
    assert radio_values(page) == ["self"]
    assert translated("lv", "Applying for someone you represent?") in page


def test_drafts_appear_on_the_list_and_dashboard_with_how_much_is_answered(client: TestClient) -> None:
    sign_in(client, OLGA, lang="ru")
    service_page = start_for(client, "self", lang="ru")
    answer(client, service_page, "adult_assistant")
    listing = client.get("/ru/applications").text
    assert translated("ru", "Draft") in listing
    i18n.set_locale("ru")
    progress = i18n.ngettext("%(answered)s of %(num)s question answered", "%(answered)s of %(num)s questions answered", 10, answered=1)
    i18n.set_locale(i18n.DEFAULT_LOCALE)
    # service, group, limitations, transport; details, contact, purposes, frequency, assistant, declarations
    assert progress in listing
    assert service_page.replace("/service", "/check") in client.get("/ru/dashboard").text

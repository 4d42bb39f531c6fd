"""The self-assessment over HTTP, signed in through the real eID flow: sections in any order,
answers kept through errors, versions, the result, applying with it, and nobody else's."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from sqlalchemy import select

from portal import i18n
from portal.applications.models import Application
from portal.assessment.definitions import all_definitions
from portal.audit import AuditEvent
from portal.db import Database
from tests.applications.test_details import complete_adult
from tests.applications.test_routes import ANNA, OLGA, add_parent, translated
from tests.casework.test_desk import LIGA, anna_submits, count, desk_client, mail, make_caseworker, switch_to
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in

__all__ = ["desk_client", "mail"]  # fixtures used by the desk's tests below

ADULTS = all_definitions()["adults-2021"]
CHILDREN = all_definitions()["children-2021"]


def section_form(definition: Any, section_id: str, level: str = "some_help", comment: str = "Vajag palīdzību.") -> dict[str, Any]:
    """Answers for every question of a section (ratings at `level`, the first options of choices)."""
    section = definition.section(section_id)
    data: dict[str, Any] = {}
    for question in section.questions:
        if question.kind == "rating":
            data[question.id] = level
            data[f"{question.id}-comment"] = comment
        elif question.kind == "purposes":
            data[question.id] = ["work_study_sport", "volunteering"]
        elif question.kind == "choices":
            data[question.id] = [question.options[0].value]
        elif question.kind == "choice":
            data[question.id] = question.options[0].value
        elif question.kind == "yes_no":
            data[question.id] = "yes"
        elif question.kind == "number":
            data[question.id] = str(question.minimum)
        else:
            data[question.id] = "Nekas cits."
    return data


def post_section(client: TestClient, lang: str, section_id: str, data: dict[str, Any], query: str = "") -> Any:
    path = f"/{lang}/assessment/{section_id}{query}"
    token = csrf_of(client.get(path).text)
    return client.post(path, data={"csrf_token": token, **data})


def fill_all(client: TestClient, definition: Any, lang: str = "lv", query: str = "", level: str = "some_help") -> None:
    for section in reversed(definition.sections):  # any order
        response = post_section(client, lang, section.id, section_form(definition, section.id, level), query)
        assert response.status_code == 303, response.text[:2000]
        assert response.headers["location"].startswith(f"/{lang}/assessment/{section.id}/check")


def submit(client: TestClient, lang: str = "lv", query: str = "") -> str:
    token = csrf_of(client.get(f"/{lang}/assessment{query}").text)
    response = client.post(f"/{lang}/assessment/submit{query}", data={"csrf_token": token})
    assert response.status_code == 303
    return response.headers["location"]


def test_sections_in_any_order_then_a_result_with_its_reasons(client: TestClient) -> None:
    sign_in(client, ANNA)
    page = client.get("/lv/assessment")
    assert page.status_code == 200
    assert page.text.count(translated("lv", "Not started")) == len(ADULTS.sections)
    fill_all(client, ADULTS)
    overview = client.get("/lv/assessment").text
    assert overview.count(translated("lv", "Completed")) == len(ADULTS.sections)
    location = submit(client)
    assert re.fullmatch(r"/lv/assessment/versions/\d+", location)
    result = client.get(location).text
    assert "Augstāka atbalsta intensitāte" in result  # 18 ratings x 2 points = 36 >= 27
    assert "160 stundas" in result
    assert translated("lv", "How this was worked out") in result
    for question in ADULTS.ratings():  # every answer that gave points is named, with its level
        assert f"{question.text('lv')}: {ADULTS.level('some_help').text('lv')}" in result


def test_an_error_keeps_every_answer_given_and_names_the_field(client: TestClient) -> None:
    sign_in(client, ANNA)
    data = section_form(ADULTS, "mobility_outside")
    data["stairs-comment"] = ""  # "needs some help" without saying why
    response = post_section(client, "lv", "mobility_outside", data)
    assert response.status_code == 422
    assert 'href="#stairs-comment"' in response.text
    assert "<title>Kļūda:" in response.text
    # The other answers were kept: the section is in progress, three of four answered.
    overview = client.get("/lv/assessment").text
    assert translated("lv", "In progress") in overview
    assert answered_text("lv", 3, 4) in overview


def answered_text(locale: str, answered: int, total: int) -> str:
    i18n.set_locale(locale)
    try:
        return i18n.ngettext("%(answered)s of %(num)s question answered", "%(answered)s of %(num)s questions answered", total,
                             answered=answered)
    finally:
        i18n.set_locale(i18n.DEFAULT_LOCALE)


def test_another_persons_version_answers_404(client: TestClient) -> None:
    sign_in(client, ANNA)
    fill_all(client, ADULTS)
    location = submit(client)
    switch_to(client, OLGA)
    assert client.get(location).status_code == 404
    assert client.get("/lv/assessment?for=1").status_code == 404
    anna_id = location.rsplit("/", 1)[1]
    token = csrf_of(client.get("/lv/assessment").text)
    assert client.post(f"/lv/assessment/versions/{anna_id}/apply", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/lv/assessment/versions/{anna_id}/attach", data={"csrf_token": token, "application": "1"}).status_code == 404


def test_a_post_without_the_csrf_token_is_refused(client: TestClient) -> None:
    sign_in(client, ANNA)
    response = client.post("/lv/assessment/mobility_home", data=section_form(ADULTS, "mobility_home"))
    assert response.status_code == 403
    assert translated("lv", "Not started") in client.get("/lv/assessment").text  # nothing was saved


def test_a_comment_is_required_from_some_help_with_the_message_in_russian(client: TestClient) -> None:
    sign_in(client, OLGA, "ru")
    data = section_form(ADULTS, "communication", level="full_help", comment="")
    response = post_section(client, "ru", "communication", data)
    assert response.status_code == 422
    assert "<title>Ошибка:" in response.text
    for question in ADULTS.section("communication").questions:
        assert f'href="#{question.id}-comment"' in response.text
        assert f'id="{question.id}-comment-error"' in response.text
    # What was chosen is still chosen.
    assert response.text.count('value="full_help" checked') == 3


def test_changing_answers_after_submitting_makes_a_new_version_and_the_old_one_stays(client: TestClient) -> None:
    sign_in(client, ANNA)
    fill_all(client, ADULTS, level="independent")
    first = submit(client)
    assert "80 stundas" in client.get(first).text  # the largest purpose, work, at the base intensity
    # A change: one section at "full help" starts version 2, copied from version 1.
    response = post_section(client, "lv", "mobility_outside", section_form(ADULTS, "mobility_outside", "full_help"))
    assert response.status_code == 303
    overview = client.get("/lv/assessment").text
    assert overview.count(translated("lv", "Completed")) == len(ADULTS.sections)  # version 2 starts complete
    second = submit(client)
    assert second != first
    old = client.get(first)
    assert old.status_code == 200
    assert translated("lv", "This is an earlier version.") in old.text
    assert translated("lv", "This is an earlier version.") not in client.get(second).text
    assert translated("lv", "Earlier versions") in client.get("/lv/assessment").text


def test_apply_with_it_and_the_application_keeps_that_version(client: TestClient, database_url: str) -> None:
    check = complete_adult(client)  # signs Anna in: a draft application, ready to send
    fill_all(client, ADULTS)
    first = submit(client)
    first_id = int(first.rsplit("/", 1)[1])
    application_id = int(check.split("/")[-2])
    result = client.get(first).text
    assert translated("lv", "Or attach it to an application you have started") in result
    token = csrf_of(result)
    missing = client.post(f"/lv/assessment/versions/{first_id}/attach", data={"csrf_token": token})
    assert missing.status_code == 422 and 'href="#application"' in missing.text
    attached = client.post(f"/lv/assessment/versions/{first_id}/attach", data={"csrf_token": token, "application": str(application_id)})
    assert attached.headers["location"] == f"/lv/apply/{application_id}/check"
    assert f"/lv/assessment/versions/{first_id}" in client.get(check).text
    # A second version does not change what the application carries.
    post_section(client, "lv", "communication", section_form(ADULTS, "communication", "full_help"))
    submit(client)
    client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(client.get(check).text)})
    assert application_assessment(database_url, application_id) == first_id
    # "Apply with this": a new draft with the version attached, at the journey's first question.
    started = client.post(f"/lv/assessment/versions/{first_id}/apply", data={"csrf_token": token})
    assert started.status_code == 303 and started.headers["location"].endswith("/service")
    new_id = int(started.headers["location"].split("/")[-2])
    assert application_assessment(database_url, new_id) == first_id


def application_assessment(database_url: str, application_id: int) -> int | None:
    async def work() -> int | None:
        db = Database(database_url)
        async with db.session() as session:
            found = await session.scalar(select(Application.assessment_id).where(Application.id == application_id))
        await db.dispose()
        return found

    return asyncio.run(work())


def test_sending_an_application_carries_the_latest_submitted_version(client: TestClient, database_url: str) -> None:
    check = complete_adult(client)
    fill_all(client, ADULTS)
    latest = int(submit(client).rsplit("/", 1)[1])
    client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(client.get(check).text)})
    assert application_assessment(database_url, int(check.split("/")[-2])) == latest


def test_a_parent_fills_in_the_childs_checklist_about_her_by_name(client: TestClient, database_url: str) -> None:
    add_parent(database_url)
    sign_in(client, "020790-11000")
    overview = client.get("/lv/assessment").text
    marta_id = re.search(r'/lv/assessment\?for=(\d+)">Marta Kalniņa', overview)
    assert marta_id, "the representative can switch to the person they represent"
    query = f"?for={marta_id.group(1)}"
    page = client.get(f"/lv/assessment{query}").text
    assert "Marta Kalniņa" in page
    assert len(re.findall(r'class="task-list__item', page)) == len(CHILDREN.sections)
    section = CHILDREN.sections[0]
    form_page = client.get(f"/lv/assessment/{section.id}{query}").text
    assert "Marta Kalniņa" in form_page
    assert any(q.text("lv", "Marta Kalniņa") in form_page for q in section.questions if q.text.other)
    fill_all(client, CHILDREN, query=query)
    result = client.get(submit(client, query=query)).text
    assert "80" in result and "VDEĀVK" in result  # the regulation's hours, not a score
    assert translated("lv", "How this was worked out") not in result
    # Marta's checklist is not the parent's own.
    assert client.get("/lv/assessment").text.count(translated("lv", "Not started")) == len(ADULTS.sections)


def test_the_desk_fills_in_its_own_and_sees_every_difference(desk_client: TestClient, database_url: str) -> None:
    client = desk_client
    make_caseworker(database_url, LIGA, "riga")
    check = complete_adult(client)
    fill_all(client, ADULTS)  # "needs some help" everywhere: 36 points, higher intensity, 160 h
    submit(client)
    client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(client.get(check).text)})
    case = f"/lv/desk/cases/{check.split('/')[-2]}"
    switch_to(client, LIGA)
    case_page = client.get(case).text
    assert f"{case}/assessment" in case_page
    compare = client.get(f"{case}/assessment")
    assert compare.status_code == 200
    audited = count(database_url, AuditEvent, action="self_assessment_viewed")
    assert audited == 1
    # The desk answers the same but differs in two ratings.
    for section in ADULTS.sections:
        data = section_form(ADULTS, section.id)
        if section.id == "mobility_outside":
            data["stairs"] = "independent"
            data["orientation"] = "full_help"
        path = f"{case}/assessment/{section.id}"
        response = client.post(path, data={"csrf_token": csrf_of(client.get(path).text), **data})
        assert response.status_code == 303, response.text[:1000]
    token = csrf_of(client.get(f"{case}/assessment").text)
    assert client.post(f"{case}/assessment/submit", data={"csrf_token": token}).status_code == 303
    compare = client.get(f"{case}/assessment").text
    assert compare.count(f"<strong>{translated('lv', 'Different')}</strong>") == 2
    assert 'href="#row-stairs"' in compare and 'href="#row-orientation"' in compare
    # The desk's result prefills the grant: 36 - 2 + 1 = 35 points, still the higher intensity.
    grant = client.get(f"{case}/grant").text
    assert 'name="hours" type="text" value="160"' in grant


def test_the_desk_pages_answer_404_to_everyone_else(desk_client: TestClient, database_url: str) -> None:
    client = desk_client
    make_caseworker(database_url, LIGA, "jelgava")  # not Rīga's
    _status, case = anna_submits(client)
    assert client.get(f"{case}/assessment").status_code == 404  # Anna is not a caseworker
    switch_to(client, LIGA)
    assert client.get(f"{case}/assessment").status_code == 404
    assert client.get(f"{case}/assessment/mobility_home").status_code == 404

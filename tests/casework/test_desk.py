"""The social service's desk over HTTP: only caseworkers, only their municipality's cases;
the queue, the case, and request / answer / grant / refuse / assign, with the person's side of each."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from portal.app import create_app
from portal.audit import AuditEvent
from portal.db import Database
from portal.entitlements.models import Entitlement
from portal.people import service as people
from portal.people.models import StaffRoleName
from portal.settings import Settings
from tests.applications.test_details import PDF, complete_adult, error_ids, fill, post
from tests.applications.test_routes import ANNA, translated
from tests.casework.decisions import decide
from tests.client import TestClient
from tests.conftest import csrf_of, make_settings, sign_in
from tests.contacts import give_contact
from tests.mail import Inbox, body_of, smtp_server

LIGA = "230565-11005"
OTHER_CASEWORKER = "110978-11006"  # Ilze, made a caseworker of Jelgava here


def make_caseworker(database_url: str, code: str, municipality: str) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            person = await people.ensure_person(session, code, "Līga", "Liepiņa")
            await people.add_staff_role(session, person, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, municipality))
        await db.dispose()

    asyncio.run(work())


def count(database_url: str, model: type, **where: object) -> int:
    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            query = select(func.count()).select_from(model)
            for column, value in where.items():
                query = query.where(getattr(model, column) == value)
            result = int(await session.scalar(query) or 0)
        await db.dispose()
        return result

    return asyncio.run(work())


@pytest.fixture
def mail(database_url: str, provider: str) -> Iterator[tuple[Settings, Inbox]]:
    with smtp_server() as (smtp_url, inbox):
        yield make_settings(database_url, provider, smtp_url=smtp_url), inbox


@pytest.fixture
def desk_client(mail: tuple[Settings, Inbox]) -> Iterator[TestClient]:
    with TestClient(create_app(mail[0]), base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


def anna_submits(client: TestClient) -> tuple[str, str]:
    """Anna applies (Rīga, e-mail); returns her status page and the desk's case page."""
    check = complete_adult(client)
    status = client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(client.get(check).text)})
    path = status.headers["location"].replace("/submitted", "")
    application_id = path.rsplit("/", 1)[1]
    return path, f"/lv/desk/cases/{application_id}"


def switch_to(client: TestClient, code: str) -> None:
    client.cookies.clear()
    sign_in(client, code)


def test_the_desk_is_for_caseworkers_and_their_municipality_only(client: TestClient, settings: Settings) -> None:
    make_caseworker(settings.database_url, LIGA, "riga")
    make_caseworker(settings.database_url, OTHER_CASEWORKER, "jelgava")
    _status, case = anna_submits(client)
    assert client.get("/lv/desk").status_code == 404  # Anna is no caseworker
    assert client.get(case).status_code == 404
    switch_to(client, OTHER_CASEWORKER)
    assert client.get("/lv/desk").status_code == 200
    assert case not in client.get("/lv/desk").text
    actions = ("/request-information", "/grant", "/refuse", "/assign", "/note", "/decision")
    for path in (case, case + "/documents/1", case + "/decision.pdf", *(case + action for action in actions)):
        assert client.get(path).status_code == 404, path
    token = csrf_of(client.get("/lv/desk").text)
    filled = {"csrf_token": token, "message": "x", "reasons": "x", "note": "x", "code": "110978-11006", "hours": "1", "text": "x", "draft": "1"}
    for path in (case + "/start-review", *(case + action for action in actions)):
        assert client.post(path, data=filled).status_code == 404, path
    switch_to(client, LIGA)
    queue = client.get("/lv/desk").text
    assert f'href="{case}"' in queue
    i18n_days = translated("lv", "Oldest first")
    assert i18n_days in queue
    assert f'href="{case}"' not in client.get("/lv/desk?kind=child_assistant").text
    assert f'href="{case}"' in client.get("/lv/desk?status=submitted&kind=adult_assistant").text
    assert f'href="{case}"' not in client.get("/lv/desk?status=granted").text
    before = count(settings.database_url, AuditEvent, action="case_viewed")
    page = client.get(case).text
    assert count(settings.database_url, AuditEvent, action="case_viewed") == before + 1
    assert "Brīvības iela 1-2" in page and "darba līgums.pdf" in page and "150385-11001" in page
    document = re.search(rf'href="({case}/documents/\d+)"', page)
    assert document and client.get(document.group(1)).content == PDF


def test_request_answer_grant_and_the_person_sees_each_step(desk_client: TestClient, mail: tuple[Settings, Inbox]) -> None:
    settings, inbox = mail
    client = desk_client
    make_caseworker(settings.database_url, LIGA, "riga")
    give_contact(settings.database_url, ANNA, "Anna", "Bērziņa", email="anna@example.lv")  # confirmed: notices go there
    status, case = anna_submits(client)
    switch_to(client, LIGA)
    token = csrf_of(client.get(case).text)
    assert client.post(case + "/start-review", data={"csrf_token": token}).status_code == 303

    request_page = case + "/request-information"
    response = post(client, request_page, {"message": ""})
    assert response.status_code == 422 and error_ids(response.text) == ["message"]
    assert fill(client, request_page, {"message": "Lūdzu, atsūtiet darba līgumu ar abām pusēm."}) == case

    switch_to(client, ANNA)
    shown = client.get(status).text
    assert "Lūdzu, atsūtiet darba līgumu" in shown and translated("lv", "More information requested") in shown
    respond = status + "/respond"
    response = post(client, respond, {"answer": ""})
    assert response.status_code == 422 and error_ids(response.text) == ["answer"]
    response = post(client, respond, {"answer": "Pievienoju līgumu."}, files=[("documents", ("līgums-2.pdf", PDF, "application/pdf"))])
    assert response.status_code == 303
    assert translated("lv", "In review") in client.get(status).text

    switch_to(client, LIGA)
    page = client.get(case).text
    assert "Pievienoju līgumu." in page and "līgums-2.pdf" in page
    grant = case + "/grant"
    response = post(client, grant, {"kind": "adult_assistant", "hours": "0", "start-day": "1", "start-month": "13", "start-year": "2027",
                                    "end-day": "", "end-month": "", "end-year": "", "text": ""})
    assert response.status_code == 422
    assert error_ids(response.text) == ["hours", "start-month", "end-day", "text"]
    response = post(client, grant, {"kind": "adult_assistant", "hours": "80", "start-day": "1", "start-month": "1", "start-year": "2027",
                                    "end-day": "1", "end-month": "1", "end-year": "2030", "text": "Piešķirt."})
    assert error_ids(response.text) == ["end-day"]  # more than 3 years
    assert "2029" in response.text  # says the latest possible end
    response = post(client, grant, {"kind": "adult_assistant", "hours": "80", "start-day": "1", "start-month": "1", "start-year": "2027",
                                    "end-day": "31", "end-month": "12", "end-year": "2028", "disability_until-day": "30",
                                    "disability_until-month": "6", "disability_until-year": "2028", "text": "Piešķirt."})
    assert error_ids(response.text) == ["end-day"]  # beyond the disability period
    composed = post(client, grant, {"kind": "adult_assistant", "hours": "80", "start-day": "1", "start-month": "1", "start-year": "2027",
                                    "end-day": "31", "end-month": "12", "end-year": "2028",
                                    "text": "Piešķirt asistenta pakalpojumu darbam."})
    assert count(settings.database_url, Entitlement) == 0  # composed, previewed, not yet issued
    assert decide(client, composed) == case
    assert count(settings.database_url, Entitlement) == 1
    assert client.get(grant).headers["location"] == case  # decided: no second grant

    switch_to(client, ANNA)
    shown = client.get(status).text
    assert translated("lv", "Granted") in shown and "Piešķirt asistenta pakalpojumu darbam." in shown
    assert "80" in shown
    assert status + "/withdraw" not in shown

    subjects = [m["Subject"] for m in inbox.messages]
    assert len(subjects) == 3, subjects  # received, information requested, granted
    assert {m["To"] for m in inbox.messages} == {"anna@example.lv"}
    assert "Lūdzu, atsūtiet darba līgumu" in body_of(inbox.messages[1])
    assert "Piešķirt asistenta pakalpojumu darbam." in body_of(inbox.messages[2])


def test_refuse_assign_and_notes(client: TestClient, settings: Settings) -> None:
    make_caseworker(settings.database_url, LIGA, "riga")
    status, case = anna_submits(client)
    switch_to(client, LIGA)
    assign = case + "/assign"
    response = post(client, assign, {"code": "123", "given_name": "", "family_name": "", "start-day": "1", "start-month": "1", "start-year": "2027"})
    assert response.status_code == 422 and error_ids(response.text) == ["code", "given_name", "family_name"]
    for code, day in (("110978-11006", "1"), ("020790-11000", "2"), ("300688-11000", "3")):
        fill(client, assign, {"code": code, "given_name": "Asistents", "family_name": "Jauns", "start-day": day, "start-month": "1", "start-year": "2026"})
    # Two changes after the first assistant: the desk is told a third would exceed the rule.
    assert "warning-text" in client.get(assign).text
    fill(client, case + "/note", {"note": "Iekšēja piezīme"})
    assert decide(client, post(client, case + "/refuse", {"reasons": "Nav I vai II grupas."})) == case
    switch_to(client, ANNA)
    shown = client.get(status).text
    assert translated("lv", "Refused") in shown and "Nav I vai II grupas." in shown
    assert "Iekšēja piezīme" not in shown  # the desk's notes are its own


def test_a_childs_grant_ends_before_the_child_turns_18(client: TestClient, settings: Settings) -> None:
    from portal.applications import demo as demo_applications
    from portal.applications.rules import ServiceKind
    from tests.applications.test_routes import JANIS, MARTA, add_parent

    add_parent(settings.database_url)
    make_caseworker(settings.database_url, LIGA, "riga")

    async def work() -> int:
        db = Database(settings.database_url)
        async with db.session() as session:
            janis = await people.person_by_code(session, JANIS)
            marta = await people.person_by_code(session, MARTA)
            answers = demo_applications.child_answers(ServiceKind.CHILD_ASSISTANT)
            application = await demo_applications.submitted_application(session, janis, marta, answers, "lv")
            application_id = application.id
        await db.dispose()
        return application_id

    case = f"/lv/desk/cases/{asyncio.run(work())}"
    sign_in(client, LIGA)
    grant = {"kind": "child_assistant", "hours": "80", "start-day": "1", "start-month": "1", "start-year": "2031",
             "end-day": "31", "end-month": "12", "end-year": "2033", "text": "Piešķirt."}
    response = post(client, case + "/grant", grant)
    assert response.status_code == 422 and error_ids(response.text) == ["end-day"]
    assert "2033. gada 11. februāris" in response.text  # Marta, born 12 February 2015, turns 18 the next day
    assert decide(client, post(client, case + "/grant", grant | {"end-day": "11", "end-month": "2"})) == case

"""Who is told of each event, by which channel, in which language (notifications/notices.py), over real SMTP.

Anna (Latvian, e-mail) is assisted by Ilze (an assistant: her own contact details, Latvian, e-mail);
Ольга chose text messages, in Russian; Jānis, Marta's father, saved an e-mail address he never confirmed.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, i18n, policy
from portal.app import create_app
from portal.applications import demo as demo_applications
from portal.applications.rules import ServiceKind
from portal.casework import service as casework
from portal.db import Database
from portal.notifications import eaddress
from portal.notifications.models import OutboxMessage
from portal.notifications.service import deliver_pending
from portal.notifications.sms import LogSender
from portal.people import service as people
from portal.people.models import Channel, Person, RepresentationKind, StaffRoleName
from portal.settings import Settings
from portal.storage import FileStorage
from portal.timesheets import service as timesheets
from tests.client import TestClient
from tests.conftest import csrf_of, make_settings, sign_in
from tests.contacts import confirmed_contact
from tests.mail import Inbox, body_of, smtp_server

ANNA, OLGA, ILZE, JANIS, MARTA, LIGA = ("150385-11001", "328673-00679", "110978-11006", "020790-11000", "120215-21007",
                                        "230565-11005")
ANNA_EMAIL, ILZE_EMAIL, OLGA_PHONE, JANIS_EMAIL = "anna@example.lv", "ilze@example.lv", "+371 29111222", "janis@example.lv"
BASE_URL = "http://testserver"
MARCH = date(2026, 3, 1)
SMS_LOG, EADDRESS_LOG = "portal.notifications.sms", "portal.notifications.eaddress"


def in_db(database_url: str, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        db = Database(database_url, base_url=BASE_URL)
        try:
            async with db.session() as session:
                return await work(session)
        finally:
            await db.dispose()

    return asyncio.run(run())


def deliver(settings: Settings) -> int:
    """What `portal worker` does: every channel, with the logging SMS and e-address senders."""

    async def run() -> int:
        db = Database(settings.database_url)
        try:
            return await deliver_pending(db, settings.smtp_url, settings.mail_from, sms=LogSender(), eaddress=eaddress.LogSender())
        finally:
            await db.dispose()

    return asyncio.run(run())


def outbox(database_url: str) -> list[OutboxMessage]:
    async def work(db: AsyncSession) -> list[OutboxMessage]:
        return list(await db.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))

    return list(in_db(database_url, work))


def logged(caplog: pytest.LogCaptureFixture, logger: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == logger]


def written(lang: str, message: str, **variables: object) -> str:
    with i18n.in_locale(lang):
        return i18n.gettext(message, **variables)


@pytest.fixture
def mail(database_url: str, provider: str) -> Iterator[tuple[Settings, Inbox]]:
    with smtp_server() as (smtp_url, inbox):
        yield make_settings(database_url, provider, smtp_url=smtp_url, base_url=BASE_URL), inbox


@pytest.fixture
def app_client(mail: tuple[Settings, Inbox]) -> Iterator[TestClient]:
    with TestClient(create_app(mail[0]), base_url=BASE_URL, follow_redirects=False) as test_client:
        yield test_client


def people_and_contacts(database_url: str) -> None:
    async def work(db: AsyncSession) -> None:
        anna = await people.ensure_person(db, ANNA, "Anna", "Bērziņa")
        olga = await people.ensure_person(db, OLGA, "Ольга", "Иванова", "ru")
        ilze = await people.ensure_person(db, ILZE, "Ilze", "Ozola")
        janis = await people.ensure_person(db, JANIS, "Jānis", "Kalniņš")
        marta = await people.ensure_person(db, MARTA, "Marta", "Kalniņa")
        liga = await people.ensure_person(db, LIGA, "Līga", "Liepiņa")
        await people.add_representation(db, janis, marta, RepresentationKind.PARENT, date(2015, 2, 12), None)
        await people.add_staff_role(db, liga, StaffRoleName.CASEWORKER, await people.municipality_by_code(db, "riga"))
        await confirmed_contact(db, anna, email=ANNA_EMAIL, eaddress=True, language="lv")
        await confirmed_contact(db, ilze, email=ILZE_EMAIL, language="lv")
        await confirmed_contact(db, olga, phone=OLGA_PHONE, channel=Channel.SMS, language="ru")
        await confirmed_contact(db, janis, email=JANIS_EMAIL, language="ru", confirm=False)

    in_db(database_url, work)


def submitted(database_url: str, code: str, for_code: str, answers: dict[str, Any], language: str) -> int:
    async def work(db: AsyncSession) -> int:
        by, person = await people.person_by_code(db, code), await people.person_by_code(db, for_code)
        return (await demo_applications.submitted_application(db, by, person, answers, language)).id

    return int(in_db(database_url, work))


def granted_to_anna_with_ilze(database_url: str, monkeypatch: pytest.MonkeyPatch) -> int:
    """Anna's grant, Ilze her assistant, Ilze's March submitted; returns the report's id."""
    monkeypatch.setattr(clock, "today", lambda: date(2026, 4, 2))
    application_id = submitted(database_url, ANNA, ANNA, demo_applications.adult_answers(
        {"method": "email", "email": ANNA_EMAIL, "phone": ""}), "lv")

    async def work(db: AsyncSession) -> int:
        liga, ilze = await people.person_by_code(db, LIGA), await people.person_by_code(db, ILZE)
        application = await casework.open_case(db, liga, await _scope(db, liga), application_id)
        await casework.grant(db, application, liga, kind=ServiceKind.ADULT_ASSISTANT, minutes=80 * 60, valid_from=MARCH,
                             valid_to=date(2027, 2, 28), decision_text="Piešķirts.")
        assignment = await casework.assign(db, application, liga, ilze, MARCH)
        assisted = await timesheets.assignment_of(db, ilze, assignment.id)
        entry = timesheets.EntryInput(date(2026, 3, 2), 9 * 60, 12 * 60, "work_study_sport", "")
        await timesheets.save_entry(db, ilze, assisted, MARCH, entry, clock.today(), None)
        return (await timesheets.submit(db, ilze, assisted, MARCH, clock.today(), None)).id

    return int(in_db(database_url, work))


async def _scope(db: AsyncSession, staff: Person) -> policy.DeskScope:
    riga = await people.municipality_by_code(db, "riga")
    return policy.DeskScope(municipality_ids=(riga.id,))


def test_anna_returns_a_report_and_ilze_the_assistant_is_told_not_anna(
    app_client: TestClient, mail: tuple[Settings, Inbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, inbox = mail
    people_and_contacts(settings.database_url)
    report_id = granted_to_anna_with_ilze(settings.database_url, monkeypatch)
    deliver(settings)
    before = len(inbox.messages)
    assert {m["To"] for m in inbox.messages} == {ANNA_EMAIL, ILZE_EMAIL}  # received, decided, assigned, submitted

    sign_in(app_client, ANNA)
    page = app_client.get(f"/lv/reports/{report_id}/dispute").text
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version
    response = app_client.post(f"/lv/reports/{report_id}/dispute", data={
        "csrf_token": csrf_of(page), "version": version.group(1), "reason": "2. martā asistente nestrādāja."})
    assert response.status_code == 303  # the app delivers what it queued after the response: no worker needed

    [told] = inbox.messages[before:]
    assert told["To"] == ILZE_EMAIL
    assert told["Subject"] == written("lv", "The report for %(month)s was returned", month=written_month("lv", MARCH))
    body = body_of(told)
    assert "2. martā asistente nestrādāja." in body and f"{BASE_URL}/lv/assistant" in body


def written_month(lang: str, month: date) -> str:
    with i18n.in_locale(lang):
        return i18n.format_month(month)


def test_the_desk_asks_olga_for_information_and_she_gets_a_text_message(
    app_client: TestClient, mail: tuple[Settings, Inbox], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Ольга chose text messages in Russian; the caseworker works in Latvian: the SMS is Russian, to her phone."""
    caplog.set_level(logging.INFO, logger=SMS_LOG)
    settings, inbox = mail
    people_and_contacts(settings.database_url)
    application_id = submitted(settings.database_url, OLGA, OLGA, demo_applications.adult_answers(
        {"method": "phone", "email": "", "phone": OLGA_PHONE}), "lv")
    deliver(settings)
    [received] = logged(caplog, SMS_LOG)
    assert received.startswith(f"SMS to {OLGA_PHONE}: ") and f"{BASE_URL}/ru/applications/{application_id}" in received

    sign_in(app_client, LIGA)
    case = f"/lv/desk/cases/{application_id}"
    page = app_client.get(case + "/request-information").text
    response = app_client.post(case + "/request-information",
                               data={"csrf_token": csrf_of(page), "message": "Lūdzu, atsūtiet darba līgumu."})
    assert response.status_code == 303  # the app delivers after the response, by every channel it has a sender for
    asked = logged(caplog, SMS_LOG)[1:]
    assert len(asked) == 1 and asked[0].startswith(f"SMS to {OLGA_PHONE}: ")
    with i18n.in_locale("ru"):
        answer_by = i18n.format_date(clock.today() + timedelta(days=14))
    assert f"{BASE_URL}/ru/applications/{application_id}" in asked[0] and answer_by in asked[0]
    assert inbox.messages == []  # no e-mail: she chose the phone


def test_a_decision_goes_by_the_person_s_channel_and_to_the_e_address_nobody_at_an_unconfirmed_address(
    mail: tuple[Settings, Inbox], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=EADDRESS_LOG)
    settings, inbox = mail
    people_and_contacts(settings.database_url)
    anna_application = submitted(settings.database_url, ANNA, ANNA, demo_applications.adult_answers(
        {"method": "email", "email": ANNA_EMAIL, "phone": ""}), "lv")
    marta_application = submitted(settings.database_url, JANIS, MARTA, demo_applications.child_answers(
        ServiceKind.CHILD_ASSISTANT), "ru")

    async def decide(db: AsyncSession) -> None:
        liga = await people.person_by_code(db, LIGA)
        scope = await _scope(db, liga)
        await casework.refuse(db, await casework.open_case(db, liga, scope, anna_application), liga, "Nav pamata.")
        await casework.refuse(db, await casework.open_case(db, liga, scope, marta_application), liga, "Нет оснований.")

    in_db(settings.database_url, decide)
    queued = outbox(settings.database_url)
    assert {m.to_address for m in queued} == {ANNA_EMAIL, "_PRIVATE@15038511001"}  # never Jānis's unconfirmed address
    assert sorted(m.channel for m in queued if "Nav pamata." in m.body) == ["eaddress", "email"]
    deliver(settings)
    [by_eaddress] = [line for line in logged(caplog, EADDRESS_LOG) if "Nav pamata." in line]
    assert by_eaddress.startswith("e-address message to _PRIVATE@15038511001: ")
    assert written("lv", "Hello,") in by_eaddress
    decided = [m for m in inbox.messages if "Nav pamata." in body_of(m)]
    assert [m["To"] for m in decided] == [ANNA_EMAIL]
    assert written("lv", "Hello,") in body_of(decided[0])


def test_each_notice_is_in_its_recipient_s_language_not_the_actor_s(
    mail: tuple[Settings, Inbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anna fills in her application in Russian, but her contact details say Latvian: the notice is Latvian."""
    settings, inbox = mail
    people_and_contacts(settings.database_url)
    with i18n.in_locale("ru"):  # the actor's page is Russian
        submitted(settings.database_url, ANNA, ANNA, demo_applications.adult_answers(
            {"method": "email", "email": ANNA_EMAIL, "phone": ""}), "ru")
    deliver(settings)
    [received] = inbox.messages
    assert received["To"] == ANNA_EMAIL
    body = body_of(received)
    assert written("lv", "Hello,") in body and written("ru", "Hello,") not in body
    assert f"{BASE_URL}/lv/applications/" in body


class RecordingEAddress:
    """The e-address service as a test sees it: what each message delivered, its documents included."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, list[tuple[str, bytes]]]] = []

    def send(self, to: str, subject: str, text: str, attachments: Any = ()) -> None:
        self.sent.append((to, subject, list(attachments)))


def test_an_issued_decision_is_delivered_to_the_e_address_as_its_document(
    mail: tuple[Settings, Inbox], app_client: TestClient
) -> None:
    """The desk issues a refusal (compose, preview, issue): Anna's e-mail says where it is; her official
    e-address receives the PDF itself, the very file the portal keeps as issued."""
    from tests.casework.decisions import issue

    settings, inbox = mail
    recorded = RecordingEAddress()
    app_client.app.state.eaddress = recorded  # type: ignore[attr-defined]  # the app's sender, delivering after the response
    people_and_contacts(settings.database_url)
    application_id = submitted(settings.database_url, ANNA, ANNA, demo_applications.adult_answers(
        {"method": "email", "email": ANNA_EMAIL, "phone": ""}), "lv")
    sign_in(app_client, LIGA)
    case = f"/lv/desk/cases/{application_id}"
    composed = app_client.post(f"{case}/refuse", data={"csrf_token": csrf_of(app_client.get(f"{case}/refuse").text),
                                                        "reasons": "Nav pamata."})
    assert issue(app_client, composed).status_code == 303

    async def kept(db: AsyncSession) -> tuple[str, bytes]:
        from portal.casework.models import DecisionDocument

        document = await db.scalar(select(DecisionDocument).where(DecisionDocument.application_id == application_id))
        assert document is not None
        return document.storage_key, FileStorage(settings.upload_dir).read(document.storage_key)

    key, issued_pdf = in_db(settings.database_url, kept)
    [by_eaddress] = [m for m in outbox(settings.database_url) if m.channel == "eaddress"]
    assert by_eaddress.attachment_key == key
    [by_email] = [m for m in outbox(settings.database_url) if m.channel == "email" and "Nav pamata." in m.body]
    assert by_email.attachment_key is None

    # Both went right after the response: the e-mail says where the decision is, the e-address has it.
    assert [m["To"] for m in inbox.messages if "Nav pamata." in body_of(m)] == [ANNA_EMAIL]
    [(to, _subject, attachments)] = recorded.sent
    assert to == "_PRIVATE@15038511001"
    [(name, content)] = attachments
    assert name.endswith(".pdf") and content == issued_pdf and content.startswith(b"%PDF")


def test_an_assistant_replaced_is_told_her_work_ends_and_the_new_one_that_it_begins(
    mail: tuple[Settings, Inbox], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, _inbox = mail
    people_and_contacts(settings.database_url)
    granted_to_anna_with_ilze(settings.database_url, monkeypatch)
    application_id = outbox_application_of_anna(settings.database_url)
    before = {m.id for m in outbox(settings.database_url)}

    async def replace_ilze(db: AsyncSession) -> None:
        liga, olga = await people.person_by_code(db, LIGA), await people.person_by_code(db, OLGA)
        application = await casework.open_case(db, liga, await _scope(db, liga), application_id)
        await casework.assign(db, application, liga, olga, date(2026, 5, 1))

    in_db(settings.database_url, replace_ilze)
    new = [m for m in outbox(settings.database_url) if m.id not in before]
    [to_ilze] = [m for m in new if m.to_address == ILZE_EMAIL]
    assert to_ilze.subject == written("lv", "Your work as an assistant ends")
    assert "2026. gada 30. aprīlis" in to_ilze.body and "Anna Bērziņa" in to_ilze.body
    [to_olga] = [m for m in new if m.to_address == OLGA_PHONE]  # the new assistant, by her channel, in Russian
    assert to_olga.channel == "sms" and "/ru/assistant" in to_olga.body


def outbox_application_of_anna(database_url: str) -> int:
    async def work(db: AsyncSession) -> int:
        from portal.applications.models import Application

        anna = await people.person_by_code(db, ANNA)
        found = await db.scalar(select(Application.id).where(Application.person_id == anna.id))
        assert found is not None
        return int(found)

    return int(in_db(database_url, work))

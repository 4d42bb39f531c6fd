"""`portal notify`: reminders and notices about monthly reports, once each, in each person's language.

Anna (Latvian, e-mail) is assisted by Ольга (Russian, e-mail; her own application was in Latvian);
Marta, a child, is assisted by Ilze (no contact details); her father Jānis chose text messages, in Russian.
Each address is confirmed (tests/contacts.py). Days are frozen with `clock.today`. What the events told
while the grants were set up is cleared, so each test sees only what it does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from email.message import Message
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import cli, clock, i18n
from portal.applications import demo as demo_applications
from portal.applications.rules import ServiceKind
from portal.casework import service as casework
from portal.db import Database
from portal.notifications.models import OutboxMessage
from portal.notifications.service import deliver_pending, queue_once
from portal.notifications.sms import LogSender
from portal.people import service as people
from portal.people.models import Channel, RepresentationKind, StaffRoleName
from portal.timesheets import service
from portal.timesheets.models import ReportEvent
from portal.timesheets.reminders import Counts, notify
from tests.conftest import make_settings
from tests.contacts import confirmed_contact
from tests.mail import body_of, smtp_server

ANNA, OLGA, ILZE, JANIS, MARTA, LIGA = ("150385-11001", "328673-00679", "110978-11006", "020790-11000", "120215-21007",
                                        "230565-11005")
ANNA_EMAIL, OLGA_EMAIL, JANIS_PHONE = "anna@example.lv", "olga@example.lv", "+371 29123456"
BASE_URL = "https://asistents.example.lv"
MARCH, APRIL = date(2026, 3, 1), date(2026, 4, 1)
SMS_LOG = "portal.notifications.sms"


@dataclass(frozen=True)
class Cases:
    anna: int  # assignment ids
    marta: int


def on(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)


def in_db(database_url: str, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    async def run() -> Any:
        db = Database(database_url, base_url=BASE_URL)  # as the app's: notices queued at an event link to the portal
        try:
            async with db.session() as session:
                return await work(session)
        finally:
            await db.dispose()

    return asyncio.run(run())


def granted(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Cases:
    """Both grants from 1 March 2026, with the applications that give the contacts."""
    on(monkeypatch, MARCH)

    async def work(db: AsyncSession) -> Cases:
        anna = await people.ensure_person(db, ANNA, "Anna", "Bērziņa")
        olga = await people.ensure_person(db, OLGA, "Ольга", "Иванова", "ru")
        ilze = await people.ensure_person(db, ILZE, "Ilze", "Ozola")
        janis = await people.ensure_person(db, JANIS, "Jānis", "Kalniņš")
        marta = await people.ensure_person(db, MARTA, "Marta", "Kalniņa")
        liga = await people.ensure_person(db, LIGA, "Līga", "Liepiņa")
        await people.add_representation(db, janis, marta, RepresentationKind.PARENT, date(2015, 2, 12), None)
        await people.add_staff_role(db, liga, StaffRoleName.CASEWORKER, await people.municipality_by_code(db, "riga"))
        await confirmed_contact(db, anna, email=ANNA_EMAIL, language="lv")
        await confirmed_contact(db, olga, email=OLGA_EMAIL, language="ru")
        await confirmed_contact(db, janis, phone=JANIS_PHONE, channel=Channel.SMS, language="ru")
        olga_contact = {"method": "email", "email": OLGA_EMAIL, "phone": ""}
        await demo_applications.submitted_application(db, olga, olga, demo_applications.adult_answers(olga_contact), "lv")
        anna_contact = {"method": "email", "email": ANNA_EMAIL, "phone": ""}
        ids = []
        for person, by, answers, language, kind, assistant in (
            (anna, anna, demo_applications.adult_answers(anna_contact), "lv", ServiceKind.ADULT_ASSISTANT, olga),
            (marta, janis, demo_applications.child_answers(ServiceKind.CHILD_ASSISTANT), "ru", ServiceKind.CHILD_ASSISTANT, ilze),
        ):
            application = await demo_applications.submitted_application(db, by, person, answers, language)
            await casework.grant(db, application, liga, kind=kind, minutes=80 * 60, valid_from=MARCH, valid_to=date(2027, 2, 28),
                           decision_text="Piešķirts.")
            ids.append((await casework.assign(db, application, liga, assistant, MARCH)).id)
        await db.execute(delete(OutboxMessage))
        return Cases(*ids)

    return in_db(database_url, work)


async def _stamp(db: AsyncSession, report_id: int) -> None:
    """The services stamp events with the real time; here the event happens at noon of the frozen day."""
    latest = select(ReportEvent).where(ReportEvent.report_id == report_id).order_by(ReportEvent.id.desc()).limit(1)
    event = await db.scalar(latest)
    assert event is not None
    event.at = datetime.combine(clock.today(), time(12), tzinfo=clock.RIGA)


def submitted(database_url: str, assistant_code: str, assignment_id: int, month: date) -> int:
    """The assistant records one morning on the 2nd (unless recorded already) and submits the month."""

    async def work(db: AsyncSession) -> int:
        assistant = await people.person_by_code(db, assistant_code)
        assisted = await service.assignment_of(db, assistant, assignment_id)
        report = await service.current_report(db, assisted, month)
        if report is None:
            entry = service.EntryInput(month.replace(day=2), 9 * 60, 12 * 60, "work_study_sport", "")
            _saved, problems = await service.save_entry(db, assistant, assisted, month, entry, clock.today(), None)
            assert not problems, problems
        report = await service.submit(db, assistant, assisted, month, clock.today(), None)
        await _stamp(db, report.id)
        return report.id

    return int(in_db(database_url, work))


def decided(database_url: str, actor_code: str, report_id: int, reason: str | None = None) -> None:
    """Confirmed by the recipient (or their representative), or returned with a reason."""

    async def work(db: AsyncSession) -> None:
        actor = await people.person_by_code(db, actor_code)
        report = await service.visible_report(db, actor, report_id, clock.today())
        if reason is None:
            await service.confirm(db, actor, report, None)
        else:
            await service.dispute(db, actor, report, None, reason, [])
        await _stamp(db, report_id)

    in_db(database_url, work)


def run_notify(database_url: str, smtp_url: str) -> Counts:
    settings = make_settings(database_url, "http://127.0.0.1:9400", smtp_url=smtp_url, base_url=BASE_URL)

    async def work() -> Counts:
        db = Database(database_url)
        try:
            return await notify(db, settings, LogSender())
        finally:
            await db.dispose()

    return asyncio.run(work())


def queued_keys(database_url: str) -> set[str]:
    async def work(db: AsyncSession) -> set[str]:
        return {key for key in await db.scalars(select(OutboxMessage.dedupe_key)) if key}

    return set(in_db(database_url, work))


def written(lang: str, message: str, **variables: object) -> str:
    with i18n.in_locale(lang):
        return i18n.gettext(message, **variables)


def month_in(lang: str, month: date) -> str:
    with i18n.in_locale(lang):
        return i18n.format_month(month)


def to(inbox_messages: list[Message], address: str) -> list[Message]:
    return [m for m in inbox_messages if m["To"] == address]


def sms_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == SMS_LOG]


def assert_in_language(body: str, lang: str) -> None:
    assert written(lang, "Hello,") in body
    assert all(written(other, "Hello,") not in body for other in i18n.other_locales(lang))


def test_assistants_are_reminded_from_the_1st_of_a_month_not_submitted(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = granted(database_url, monkeypatch)
    on(monkeypatch, date(2026, 3, 31))
    submitted(database_url, OLGA, cases.anna, MARCH)  # Ольга's March is in; Ilze's (Marta's) is not
    with smtp_server() as (smtp_url, inbox):
        assert run_notify(database_url, smtp_url) == Counts(sent=1)  # March is not over: nothing is late yet
        [waits] = to(inbox.messages, ANNA_EMAIL)  # told when it was submitted: she confirms it
        assert waits["Subject"] == written("lv", "The report for %(month)s waits for your confirmation", month=month_in("lv", MARCH))
        on(monkeypatch, date(2026, 4, 1))
        counts = run_notify(database_url, smtp_url)
        assert f"report-reminder:{cases.anna}:2026-03:assistant" not in " ".join(queued_keys(database_url))
        assert counts.no_contact == 1  # Ilze, for Marta's March: she gave no contact details
        assert to(inbox.messages, OLGA_EMAIL) == []

        on(monkeypatch, date(2026, 5, 1))  # April: Ольга submitted nothing
        run_notify(database_url, smtp_url)
        assert any(key.startswith(f"report-reminder:{cases.anna}:2026-04:assistant") for key in queued_keys(database_url))
        [reminder] = to(inbox.messages, OLGA_EMAIL)
        april = month_in("ru", APRIL)
        assert reminder["Subject"] == written("ru", "Please submit the report for %(month)s", month=april)
        body = body_of(reminder)
        assert "Anna Bērziņa" in body and april in body and f"{BASE_URL}/ru/assistant" in body
        assert_in_language(body, "ru")  # her contact details' language, not her application's Latvian

        on(monkeypatch, date(2026, 5, 20))
        assert run_notify(database_url, smtp_url).queued == 0
        assert len(to(inbox.messages, OLGA_EMAIL)) == 1


def test_recipients_are_reminded_two_days_after_submission_and_a_child_s_parent_by_sms(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=SMS_LOG)
    cases = granted(database_url, monkeypatch)
    on(monkeypatch, date(2026, 4, 1))
    anna_report = submitted(database_url, OLGA, cases.anna, MARCH)
    submitted(database_url, ILZE, cases.marta, MARCH)
    reminder_subject = written("lv", "A report waits for your confirmation")
    with smtp_server() as (smtp_url, inbox):
        assert run_notify(database_url, smtp_url) == Counts(sent=2)  # each submission, told when it happened
        on(monkeypatch, date(2026, 4, 2))
        assert run_notify(database_url, smtp_url) == Counts()
        assert [m["To"] for m in inbox.messages] == [ANNA_EMAIL] and len(sms_lines(caplog)) == 1

        on(monkeypatch, date(2026, 4, 3))
        assert run_notify(database_url, smtp_url) == Counts(queued=2, sent=2)
        [reminder] = [m for m in inbox.messages if m["Subject"] == reminder_subject]
        assert reminder["To"] == ANNA_EMAIL
        body = body_of(reminder)
        assert "Ольга Иванова" in body and month_in("lv", MARCH) in body and f"{BASE_URL}/lv/reports/{anna_report}" in body
        assert_in_language(body, "lv")
        sms = sms_lines(caplog)[-1]  # to Jānis, in the language of his contact details
        assert sms.startswith(f"SMS to {JANIS_PHONE}: ")
        assert "Marta Kalniņa" in sms and month_in("ru", MARCH) in sms and f"{BASE_URL}/ru/reports" in sms

        assert run_notify(database_url, smtp_url) == Counts(already=2)  # cron again: nothing twice
        assert len(inbox.messages) == 2 and len(sms_lines(caplog)) == 2

        on(monkeypatch, date(2026, 4, 10))  # returned, submitted again: that submission waits afresh
        decided(database_url, ANNA, anna_report, reason="2. martā asistents nestrādāja.")
        submitted(database_url, OLGA, cases.anna, MARCH)
        run_notify(database_url, smtp_url)
        assert len([m for m in to(inbox.messages, ANNA_EMAIL) if m["Subject"] == reminder_subject]) == 1
        on(monkeypatch, date(2026, 4, 12))
        run_notify(database_url, smtp_url)
        assert len([m for m in to(inbox.messages, ANNA_EMAIL) if m["Subject"] == reminder_subject]) == 2


def test_returned_and_confirmed_reports_are_told_to_the_assistant_once(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Anna returns Ольга's report: Ольга (the assistant) is told, with the reason, in Russian; Anna is not."""
    caplog.set_level(logging.INFO, logger=SMS_LOG)
    cases = granted(database_url, monkeypatch)
    on(monkeypatch, date(2026, 3, 31))
    report = submitted(database_url, OLGA, cases.anna, MARCH)
    marta_report = submitted(database_url, ILZE, cases.marta, MARCH)
    returned_lv = written("lv", "The report for %(month)s was returned", month=month_in("lv", MARCH))
    confirmed_lv = written("lv", "The report for %(month)s was confirmed", month=month_in("lv", MARCH))
    with smtp_server() as (smtp_url, inbox):
        decided(database_url, ANNA, report, reason="2. martā asistents nestrādāja.")
        # Queued when it was returned; `notify` finds it queued (its catch-up), and delivers it with the submissions'.
        assert run_notify(database_url, smtp_url) == Counts(already=1, sent=3)
        [to_olga] = to(inbox.messages, OLGA_EMAIL)
        assert to_olga["Subject"] == written("ru", "The report for %(month)s was returned", month=month_in("ru", MARCH))
        body = body_of(to_olga)
        assert "2. martā asistents nestrādāja." in body and f"{BASE_URL}/ru/assistant" in body
        assert_in_language(body, "ru")
        assert returned_lv not in [m["Subject"] for m in to(inbox.messages, ANNA_EMAIL)]  # not the one who returned it

        on(monkeypatch, date(2026, 4, 1))  # still returned on the 1st: the month is not in
        assert run_notify(database_url, smtp_url) == Counts(queued=1, already=1, sent=1)
        [reminder] = [m for m in to(inbox.messages, OLGA_EMAIL) if m is not to_olga]
        assert reminder["Subject"] == written("ru", "Please submit the report for %(month)s", month=month_in("ru", MARCH))

        submitted(database_url, OLGA, cases.anna, MARCH)
        decided(database_url, ANNA, report)
        decided(database_url, JANIS, marta_report)
        counts = run_notify(database_url, smtp_url)
        assert (counts.queued, counts.no_contact, counts.sent) == (0, 1, 2)  # Ilze gave no contact details
        [confirmed] = [m for m in to(inbox.messages, OLGA_EMAIL) if m not in (to_olga, reminder)]
        assert confirmed["Subject"] == written("ru", "The report for %(month)s was confirmed", month=month_in("ru", MARCH))
        with i18n.in_locale("ru"):
            assert i18n.format_hours(180) in body_of(confirmed)
        assert not {returned_lv, confirmed_lv} & {m["Subject"] for m in to(inbox.messages, ANNA_EMAIL)}
        assert [line for line in sms_lines(caplog) if "/ru/reports" not in line] == []  # Jānis: only what he confirms

        counts = run_notify(database_url, smtp_url)
        assert (counts.queued, counts.sent) == (0, 0)


def test_an_entitlement_ending_within_60_days_is_announced_once_to_whoever_acts(
    database_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Both grants end on 28 February 2027: Anna is told by e-mail, Marta's father Jānis by SMS; once each."""
    caplog.set_level(logging.INFO, logger=SMS_LOG)
    granted(database_url, monkeypatch)
    with smtp_server() as (smtp_url, inbox):
        on(monkeypatch, date(2026, 12, 29))  # 61 days before the end
        run_notify(database_url, smtp_url)
        assert not any(key.startswith("entitlement-ending:") for key in queued_keys(database_url))
        on(monkeypatch, date(2026, 12, 30))
        run_notify(database_url, smtp_url)
        assert len([key for key in queued_keys(database_url) if key.startswith("entitlement-ending:")]) == 2
        [to_anna] = to(inbox.messages, ANNA_EMAIL)
        with i18n.in_locale("lv"):
            assert i18n.format_date(date(2027, 2, 28)) in to_anna["Subject"] and f"{BASE_URL}/lv/apply" in body_of(to_anna)
        [sms] = [line for line in sms_lines(caplog) if "/ru/apply" in line]
        assert sms.startswith(f"SMS to {JANIS_PHONE}: ")
        on(monkeypatch, date(2027, 1, 15))
        run_notify(database_url, smtp_url)  # (December's report reminders go out now; the ending is not told again)
        assert len([key for key in queued_keys(database_url) if key.startswith("entitlement-ending:")]) == 2
        assert len(to(inbox.messages, ANNA_EMAIL)) == 1 and len([line for line in sms_lines(caplog) if "/ru/apply" in line]) == 1


def test_the_command_queues_delivers_and_counts(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = granted(database_url, monkeypatch)
    on(monkeypatch, date(2026, 5, 1))  # nobody submitted April
    with smtp_server() as (smtp_url, inbox):
        for name, value in {"PORTAL_DATABASE_URL": database_url, "PORTAL_SECRET_KEY": "cli-test", "PORTAL_SMTP_URL": smtp_url,
                            "PORTAL_BASE_URL": BASE_URL, "PORTAL_SMS_SENDER": "log"}.items():
            monkeypatch.setenv(name, value)
        assert cli.main(["notify"]) == 0
        assert capsys.readouterr().out == "1 queued, 0 queued before, 1 skipped (no confirmed contact); 1 sent\n"
        [reminder] = inbox.messages
        assert reminder["To"] == OLGA_EMAIL and f"{BASE_URL}/ru/assistant" in body_of(reminder)
        assert any(key.startswith(f"report-reminder:{cases.anna}:2026-04:assistant") for key in queued_keys(database_url))

        assert cli.main(["notify"]) == 0
        assert capsys.readouterr().out == "0 queued, 1 queued before, 1 skipped (no confirmed contact); 0 sent\n"
        assert len(inbox.messages) == 1

        monkeypatch.setenv("PORTAL_SMS_SENDER", "carrier-pigeon")
        assert cli.main(["notify"]) == 2
        assert "carrier-pigeon" in capsys.readouterr().err


def test_text_messages_wait_for_a_delivery_that_has_an_sms_sender(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The app delivers its e-mail after a response without an SMS sender: the SMS stays for notify or the worker."""
    caplog.set_level(logging.INFO, logger=SMS_LOG)

    async def work() -> None:
        db = Database(database_url)
        try:
            async with db.session() as session:
                assert await queue_once(session, "test:1", "sms", JANIS_PHONE, "Atgādinājums", "Pārskats gaida.")
                assert not await queue_once(session, "test:1", "sms", JANIS_PHONE, "Atgādinājums", "Pārskats gaida.")
            with smtp_server() as (smtp_url, inbox):
                assert await deliver_pending(db, smtp_url, "portal@example.lv") == 0
                assert sms_lines(caplog) == []
                assert await deliver_pending(db, smtp_url, "portal@example.lv", sms=LogSender()) == 1
                assert inbox.messages == []
            assert sms_lines(caplog) == [f"SMS to {JANIS_PHONE}: Pārskats gaida."]
        finally:
            await db.dispose()

    asyncio.run(work())

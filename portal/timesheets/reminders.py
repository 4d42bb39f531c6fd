"""Reminders and notices about monthly reports: queued by `portal notify` (run from cron), sent by the outbox.

- To the assistant, from the 1st of a month: last month's report is not submitted (none yet, open or returned).
- To the recipient, or to their representatives today (a child's parents, say): a submitted report has waited
  RECIPIENT_WAIT_DAYS days for confirmation (counted in days in Riga: submitted on the 1st, reminded from the 3rd).
- To both, when a report is returned or confirmed. Only events of the last EVENT_NOTICE_DAYS days, so that a
  first run, or one after weeks without cron, does not announce old history.

Every notice has a dedupe key in the outbox, so running this twice sends nothing twice. A person is written to
in their language, by the contact they gave in the latest application they filled in (for themself or for
someone they represent): e-mail, or SMS for "phone". Without one (assistants often have none) nothing is sent,
and that is counted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal import clock, i18n
from portal.applications.models import Application
from portal.db import Database
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.i18n import gettext as _
from portal.notifications.service import deliver_pending, queue_once
from portal.notifications.sms import SmsSender
from portal.people.models import Person, Representation
from portal.settings import Settings
from portal.timesheets.models import MonthlyReport, ReportAction, ReportEvent, ReportStatus
from portal.timesheets.service import EDITABLE, last_day, month_of, previous_month

RECIPIENT_WAIT_DAYS = 2
EVENT_NOTICE_DAYS = 7
DELIVERY_BATCH = 50


@dataclass
class Counts:
    queued: int = 0
    already: int = 0  # queued by an earlier run
    no_contact: int = 0
    sent: int = 0


@dataclass(frozen=True)
class Contact:
    lang: str
    channel: str  # "email" or "sms"
    address: str


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str  # the e-mail
    sms: str  # the text message: one sentence and the link


# ------------------------------------------------------------------ who, how, in which language


async def contact_of(db: AsyncSession, person: Person) -> Contact | None:
    """The contact given in the latest application the person filled in ("How should the social service contact you?")."""
    latest = (await db.execute(
        select(Application.answers, Application.language)
        .where(Application.created_by_id == person.id, Application.submitted_at.is_not(None))
        .order_by(Application.submitted_at.desc(), Application.id.desc()).limit(1)
    )).first()
    if latest is None:
        return None
    answers, language = latest
    lang = person.preferred_locale or language or i18n.DEFAULT_LOCALE
    contact = answers.get("contact") or {}
    if contact.get("method") == "email" and contact.get("email"):
        return Contact(lang, "email", contact["email"])
    if contact.get("method") == "phone" and contact.get("phone"):
        return Contact(lang, "sms", contact["phone"])
    return None  # by post, or nothing usable


def riga_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.RIGA)


class Notifier:
    """One run: queues notices in one transaction, remembers contacts, counts."""

    def __init__(self, db: AsyncSession, base_url: str, today: date) -> None:
        self.db, self.base_url, self.today = db, base_url.rstrip("/"), today
        self.counts = Counts()
        self._contacts: dict[int, Contact | None] = {}

    async def person(self, person_id: int) -> Person:
        person = await self.db.get(Person, person_id)
        assert person is not None
        return person

    async def recipients(self, person_id: int) -> list[Person]:
        """The person, or, when someone represents them today, their representatives."""
        representatives = await self.db.scalars(
            select(Person).join(Representation, Representation.representative_id == Person.id)
            .where(Representation.represented_id == person_id, Representation.valid_from <= self.today,
                   or_(Representation.valid_to.is_(None), Representation.valid_to >= self.today))
            .order_by(Person.id)
        )
        return list(representatives) or [await self.person(person_id)]

    async def send(self, to: Person, key: str, page: str, write: Callable[[str], Notice]) -> None:
        """Queue once what `write` writes, in the person's language, given the link to their `page`."""
        if to.id not in self._contacts:
            self._contacts[to.id] = await contact_of(self.db, to)
        contact = self._contacts[to.id]
        if contact is None:
            self.counts.no_contact += 1
            return
        with i18n.in_locale(contact.lang):
            notice = write(f"{self.base_url}/{i18n.get_locale()}/{page}")
        text = notice.sms if contact.channel == "sms" else notice.body
        if await queue_once(self.db, key, contact.channel, contact.address, notice.subject, text):
            self.counts.queued += 1
        else:
            self.counts.already += 1


# ------------------------------------------------------------------ the notices


def _letter(*paragraphs: str) -> str:
    return "\n\n".join([_("Hello,"), *paragraphs, _("This message was sent automatically; please do not reply to it.")])


def unsubmitted(person: Person, month: date, link: str) -> Notice:
    about = {"name": person.full_name, "month": i18n.format_month(month)}
    return Notice(
        _("Please submit the report for %(month)s", **about),
        _letter(_("the report on the assistant's service to %(name)s for %(month)s has not been submitted yet.", **about),
                _("Record the hours given and submit the report in the portal: %(link)s", link=link)),
        _("Assistant's service: please submit the report for %(name)s for %(month)s in the portal: %(link)s", link=link, **about),
    )


def waiting(report: MonthlyReport, person: Person, assistant: Person, submitted: ReportEvent, link: str) -> Notice:
    about = {"name": person.full_name, "month": i18n.format_month(report.month)}
    on = i18n.format_date(submitted.at.astimezone(clock.RIGA).date())
    return Notice(
        _("A report waits for your confirmation"),
        _letter(_("%(assistant)s submitted the report on the assistant's service to %(name)s for %(month)s on %(date)s; "
                  "it waits for your confirmation.", assistant=assistant.full_name, date=on, **about),
                _("Check the hours, then confirm the report or say what is wrong, in the portal: %(link)s", link=link)),
        _("Assistant's service: the report for %(name)s for %(month)s waits for your confirmation in the portal: %(link)s",
          link=link, **about),
    )


def returned(report: MonthlyReport, person: Person, assistant: Person, event: ReportEvent, to_assistant: bool,
             link: str) -> Notice:
    about = {"name": person.full_name, "month": i18n.format_month(report.month)}
    subject = _("The report for %(month)s was returned", **about)
    if to_assistant:
        return Notice(
            subject,
            _letter(_("the report on the assistant's service to %(name)s for %(month)s was returned to you, with this reason:",
                      **about),
                    event.message,
                    _("Correct the entries and submit the report again in the portal: %(link)s", link=link)),
            _("Assistant's service: the report for %(name)s for %(month)s was returned to you; the reason is in the portal: "
              "%(link)s", link=link, **about),
        )
    return Notice(
        subject,
        _letter(_("the report on the assistant's service to %(name)s for %(month)s was returned to the assistant "
                  "%(assistant)s, with this reason:", assistant=assistant.full_name, **about),
                event.message,
                _("When the assistant has corrected it, it comes back to you for confirmation: %(link)s", link=link)),
        _("Assistant's service: the report for %(name)s for %(month)s was returned to the assistant: %(link)s",
          link=link, **about),
    )


def confirmed(report: MonthlyReport, person: Person, link: str) -> Notice:
    about = {"name": person.full_name, "month": i18n.format_month(report.month)}
    return Notice(
        _("The report for %(month)s was confirmed", **about),
        _letter(_("the report on the assistant's service to %(name)s for %(month)s was confirmed: %(hours)s.",
                  hours=i18n.format_hours(report.total_minutes), **about),
                _("The report is in the portal: %(link)s", link=link)),
        _("Assistant's service: the report for %(name)s for %(month)s was confirmed: %(link)s", link=link, **about),
    )


# ------------------------------------------------------------------ what is due


async def remind_assistants(n: Notifier) -> None:
    """Last month's report of every assignment active then (with its grant), unless submitted or confirmed."""
    month = previous_month(month_of(n.today))
    person, assistant = aliased(Person), aliased(Person)
    rows = (await n.db.execute(
        select(AssistantAssignment, person, assistant)
        .join(Entitlement, Entitlement.application_id == AssistantAssignment.application_id)
        .join(person, person.id == AssistantAssignment.person_id)
        .join(assistant, assistant.id == AssistantAssignment.assistant_id)
        .where(AssistantAssignment.valid_from <= last_day(month),
               or_(AssistantAssignment.valid_to.is_(None), AssistantAssignment.valid_to >= month),
               Entitlement.valid_from <= last_day(month), Entitlement.valid_to >= month)
        .order_by(AssistantAssignment.id)
    )).all()
    latest: dict[int, MonthlyReport] = {}
    for report in await n.db.scalars(select(MonthlyReport).where(MonthlyReport.month == month).order_by(MonthlyReport.revision)):
        latest[report.assignment_id] = report  # the last revision wins
    for assignment, recipient, to in rows:
        current = latest.get(assignment.id)
        if current is None or current.status in EDITABLE:
            await n.send(to, f"report-reminder:{assignment.id}:{month:%Y-%m}:assistant", "assistant",
                         partial(unsubmitted, recipient, month))


async def remind_recipients(n: Notifier) -> None:
    """Reports still waiting RECIPIENT_WAIT_DAYS days after their latest submission: once per submission."""
    rows = (await n.db.execute(
        select(MonthlyReport, ReportEvent).join(ReportEvent, ReportEvent.report_id == MonthlyReport.id)
        .where(MonthlyReport.status == ReportStatus.SUBMITTED, ReportEvent.action == ReportAction.SUBMITTED)
        .order_by(ReportEvent.at, ReportEvent.id)
    )).all()
    latest = {report.id: (report, event) for report, event in rows}  # the last submission wins
    cutoff = riga_midnight(n.today - timedelta(days=RECIPIENT_WAIT_DAYS - 1))
    for report, event in latest.values():
        if event.at >= cutoff:
            continue
        person, assistant = await n.person(report.person_id), await n.person(report.assistant_id)
        for to in await n.recipients(report.person_id):
            await n.send(to, f"report-waiting:{event.id}:recipient:{to.id}", "reports",
                         partial(waiting, report, person, assistant, event))


async def tell_decisions(n: Notifier) -> None:
    """Returned and confirmed reports (events of the last EVENT_NOTICE_DAYS days), to the assistant and the recipient."""
    rows = (await n.db.execute(
        select(ReportEvent, MonthlyReport).join(MonthlyReport, MonthlyReport.id == ReportEvent.report_id)
        .where(ReportEvent.action.in_((ReportAction.RETURNED, ReportAction.CONFIRMED)),
               ReportEvent.at >= riga_midnight(n.today - timedelta(days=EVENT_NOTICE_DAYS)))
        .order_by(ReportEvent.id)
    )).all()
    for event, report in rows:
        person, assistant = await n.person(report.person_id), await n.person(report.assistant_id)
        key = f"report-{event.action.value}:{event.id}"  # the dedupe key keeps the stored value
        if event.action is ReportAction.RETURNED:
            to_assistant = partial(returned, report, person, assistant, event, True)
            to_recipient = partial(returned, report, person, assistant, event, False)
        else:
            to_assistant = to_recipient = partial(confirmed, report, person)
        await n.send(assistant, f"{key}:assistant", "assistant", to_assistant)
        for to in await n.recipients(report.person_id):
            await n.send(to, f"{key}:recipient:{to.id}", "reports", to_recipient)


async def queue_notices(db: AsyncSession, today: date, base_url: str) -> Counts:
    n = Notifier(db, base_url, today)
    await remind_assistants(n)
    await remind_recipients(n)
    await tell_decisions(n)
    return n.counts


async def notify(database: Database, settings: Settings, sms: SmsSender, today: date | None = None) -> Counts:
    """`portal notify`: queue what is due today (in one transaction), then deliver everything waiting."""
    async with database.session() as db:
        counts = await queue_notices(db, today or clock.today(), settings.base_url)
    while True:  # batch after batch, until one is not sent in full (the rest waits for the next run)
        sent = await deliver_pending(database, settings.smtp_url, settings.mail_from, limit=DELIVERY_BATCH, sms=sms)
        counts.sent += sent
        if sent < DELIVERY_BATCH:
            return counts

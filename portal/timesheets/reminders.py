"""Reminders and notices about monthly reports: queued by `portal notify` (run from cron), sent by the outbox.

- To the assistant, from the 1st of a month: last month's report is not submitted (none yet, open or returned).
- To the recipient, or to their representatives today (a child's parents, say): a submitted report has waited
  RECIPIENT_WAIT_DAYS days for confirmation (counted in days in Riga: submitted on the 1st, reminded from the 3rd).
- To the assistant, when a report is returned or confirmed: told when it happens; caught up here for events of
  the last EVENT_NOTICE_DAYS days, so that a first run, or one after weeks without cron, does not announce old history.
- To the person side, when an entitlement ends within notices.ENDING_WITHIN_DAYS days.

Every notice has a dedupe key in the outbox, so running this twice sends nothing twice. Who is told, by which
channel, in which language, is notifications/notices.py: each person's confirmed contact details.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from portal import clock
from portal.db import Database
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.notifications import notices
from portal.notifications.eaddress import EAddressSender
from portal.notifications.service import deliver_pending
from portal.notifications.sms import SmsSender
from portal.people.models import Person
from portal.settings import Settings
from portal.storage import Storage
from portal.timesheets.models import MonthlyReport, ReportAction, ReportEvent, ReportStatus
from portal.timesheets.service import EDITABLE, last_day, month_of, previous_month

RECIPIENT_WAIT_DAYS = 2
EVENT_NOTICE_DAYS = 7
DELIVERY_BATCH = 50


@dataclass
class Counts:
    queued: int = 0
    already: int = 0  # queued by an earlier run, or when the event happened
    no_contact: int = 0  # no confirmed address: nothing sent
    sent: int = 0


def riga_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.RIGA)


class Notifier:
    """One run: queues notices in one transaction (through notifications/notices.py), counts."""

    def __init__(self, db: AsyncSession, today: date) -> None:
        self.db, self.today = db, today
        self.counts = Counts()

    async def person(self, person_id: int) -> Person:
        person = await self.db.get(Person, person_id)
        assert person is not None
        return person

    def count(self, told: notices.Told) -> None:
        self.counts.queued += told.queued
        self.counts.already += told.already
        self.counts.no_contact += told.unreachable

    async def send(self, to: list[Person], key: str, write: notices.Write) -> None:
        self.count(await notices.tell(self.db, to, write, key=key))


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
            await n.send([to], f"report-reminder:{assignment.id}:{month:%Y-%m}:assistant",
                         partial(notices.unsubmitted, recipient, month))


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
        await n.send(await notices.deciders_for(n.db, report.person_id, n.today), f"report-waiting:{event.id}:recipient",
                     partial(notices.waiting, report, person, assistant, event))


async def tell_decisions(n: Notifier) -> None:
    """Returned and confirmed reports (events of the last EVENT_NOTICE_DAYS days), to the assistant: told when they
    happened; this catches up any that were not (the same dedupe key, so none twice)."""
    rows = (await n.db.execute(
        select(ReportEvent, MonthlyReport).join(MonthlyReport, MonthlyReport.id == ReportEvent.report_id)
        .where(ReportEvent.action.in_((ReportAction.RETURNED, ReportAction.CONFIRMED)),
               ReportEvent.at >= riga_midnight(n.today - timedelta(days=EVENT_NOTICE_DAYS)))
        .order_by(ReportEvent.id)
    )).all()
    for event, report in rows:
        if event.action is ReportAction.RETURNED:
            n.count(await notices.report_returned(n.db, report, event))
        else:
            n.count(await notices.report_confirmed(n.db, report, event))


async def tell_endings(n: Notifier) -> None:
    """Entitlements ending within ENDING_WITHIN_DAYS (and not yet ended), once each, unless a later one follows."""
    later = aliased(Entitlement)
    rows = await n.db.scalars(
        select(Entitlement)
        .where(Entitlement.valid_to >= n.today, Entitlement.valid_to <= n.today + timedelta(days=notices.ENDING_WITHIN_DAYS),
               ~select(later.id).where(later.person_id == Entitlement.person_id, later.kind == Entitlement.kind,
                                       later.valid_to > Entitlement.valid_to).exists())
        .order_by(Entitlement.id)
    )
    for entitlement in rows:
        n.count(await notices.entitlement_ending(n.db, entitlement))


async def queue_notices(db: AsyncSession, today: date) -> Counts:
    n = Notifier(db, today)
    await remind_assistants(n)
    await remind_recipients(n)
    await tell_decisions(n)
    await tell_endings(n)
    return n.counts


async def notify(database: Database, settings: Settings, sms: SmsSender, today: date | None = None,
                 eaddress: EAddressSender | None = None, storage: Storage | None = None) -> Counts:
    """`portal notify`: queue what is due today (in one transaction), then deliver everything waiting."""
    async with database.session() as db:
        db.info["base_url"] = settings.base_url  # the links in the notices
        counts = await queue_notices(db, today or clock.today())
    while True:  # batch after batch, until one is not sent in full (the rest waits for the next run)
        sent = await deliver_pending(database, settings.smtp_url, settings.mail_from, limit=DELIVERY_BATCH, sms=sms,
                                     eaddress=eaddress, storage=storage)
        counts.sent += sent
        if sent < DELIVERY_BATCH:
            return counts

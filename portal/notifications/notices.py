"""Who is told of each event, by which channel, at which address, in which language: the one place that decides.

Every event of an application, an assignment, a monthly report and an entitlement is told here, to whoever
must act on it or is affected by it, each by the channel of their contact details (people/contacts.py) and in
THEIR language (not the actor's), at a confirmed address only. A decision goes to the official e-address
(e-adrese) as well, when the person has confirmed one (Official Electronic Address Law). The messages are
queued in the caller's transaction (notifications/service.py), so a rolled-back change tells nobody.

- application received, information requested, decision issued: the person, or their representatives
  today; and whoever filed the application for them.
- assistant assigned or changed: the same, and the assistant.
- report submitted, and a reminder that it waits: whoever confirms it (the person or their representatives).
- report returned (with the reason) and confirmed: the assistant.
- the monthly reminder to submit: the assistant. The entitlement ending in ENDING_WITHIN_DAYS: the person side.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, i18n
from portal.applications.journey import kind_name
from portal.applications.models import Application
from portal.applications.rules import KIND_RULES, ServiceKind, decision_due
from portal.entitlements.models import Entitlement
from portal.i18n import gettext as _
from portal.notifications.service import StoredAttachment, queue, queue_once
from portal.people.contacts import Reach, reach_of
from portal.people.models import Channel, Municipality, Person, Representation
from portal.settings import Settings
from portal.timesheets.models import MonthlyReport, ReportEvent

# The person's answer to a request for information is asked for within this many days (the desk's practice;
# *unverified*: Regulation 316 sets no period, the Administrative Procedure Law lets the institution set one).
ANSWER_WITHIN_DAYS = 14
# An entitlement's end is announced this many days ahead, so that a new application is decided in time.
ENDING_WITHIN_DAYS = 60


@dataclass(frozen=True)
class Recipient:
    """One message to send: to whom, by which channel, at which address, in which language."""

    person: Person
    channel: Channel
    address: str
    language: str


@dataclass(frozen=True)
class Notice:
    subject: str
    body: str  # the e-mail and the e-address message
    sms: str  # the text message: one sentence and the link


def base_url(db: AsyncSession) -> str:
    """The portal's address for links: the app's and the worker's sessions carry it (Database.for_settings)."""
    return str(db.info.get("base_url") or Settings.base_url).rstrip("/")


# ------------------------------------------------------------------ who


async def deciders_for(db: AsyncSession, person_id: int, today: date | None = None) -> list[Person]:
    """The person, or, when someone represents them today, their representatives (a child's parents): who acts."""
    day = today or clock.today()
    representatives = await db.scalars(
        select(Person).join(Representation, Representation.representative_id == Person.id)
        .where(Representation.represented_id == person_id, Representation.valid_from <= day,
               or_(Representation.valid_to.is_(None), Representation.valid_to >= day))
        .order_by(Person.id)
    )
    found = list(representatives)
    if found:
        return found
    person = await db.get(Person, person_id)
    assert person is not None
    return [person]


async def _application_side(db: AsyncSession, application: Application) -> list[Person]:
    people = await deciders_for(db, application.person_id)
    if application.created_by_id not in {p.id for p in people}:
        filer = await db.get(Person, application.created_by_id)
        if filer is not None:
            people.append(filer)
    return people


def _recipients(reach: Reach, *, with_eaddress: bool) -> list[Recipient]:
    found = [Recipient(reach.person, reach.channel, reach.address, reach.language)] if reach.channel else []
    if with_eaddress and reach.eaddress and reach.channel is not Channel.EADDRESS:
        found.append(Recipient(reach.person, Channel.EADDRESS, reach.eaddress, reach.language))
    return found


Write = Callable[[str], Notice]  # given the portal's address in the recipient's language (…/lv), the notice


@dataclass
class Told:
    queued: int = 0
    already: int = 0  # with a key: queued before (by an earlier run, or when the event happened)
    unreachable: int = 0  # people with no confirmed address: nothing sent

    def __iadd__(self, other: Told) -> Told:
        self.queued, self.already, self.unreachable = (self.queued + other.queued, self.already + other.already,
                                                       self.unreachable + other.unreachable)
        return self


async def tell(db: AsyncSession, people: list[Person], write: Write, *, key: str | None = None,
               with_eaddress: bool = False, document: StoredAttachment | None = None) -> Told:
    """Queue `write`'s notice to each of `people`, written in each one's language (not the actor's).

    With `key`, each message goes once only (a reminder that cron runs twice, an event told at once and
    again by the catch-up of `portal notify`). `document`: a stored file the e-address message delivers
    (a decision: the document itself goes to the official address; the other channels say where it is).
    """
    told = Told()
    for person in people:
        reach = await reach_of(db, person)
        recipients = _recipients(reach, with_eaddress=with_eaddress)
        told.unreachable += 0 if recipients else 1
        for to in recipients:
            with i18n.in_locale(to.language):
                notice = write(f"{base_url(db)}/{i18n.get_locale()}")
            text = notice.sms if to.channel is Channel.SMS else notice.body
            attached = document if to.channel is Channel.EADDRESS else None
            if key is None:
                queue(db, to.channel.value, to.address, notice.subject, text, attached)
                told.queued += 1
            elif await queue_once(db, f"{key}:{to.person.id}:{to.channel.value}", to.channel.value, to.address,
                                  notice.subject, text, attached):
                told.queued += 1
            else:
                told.already += 1
    return told


# ------------------------------------------------------------------ the words


def letter(*paragraphs: str) -> str:
    return "\n\n".join([_("Hello,"), *paragraphs, _("This message was sent automatically; please do not reply to it.")])


def decides_by(kind: ServiceKind, due: date) -> str:
    if KIND_RULES[kind].decided_by_school:
        return _("The school decides by %(date)s and tells you its decision.", date=i18n.format_date(due))
    return _("The social service decides by %(date)s and tells you its decision.", date=i18n.format_date(due))


def _received(application: Application, person: Person, municipality: Municipality, portal: str) -> Notice:
    assert application.reference and application.kind and application.submitted_at
    link = f"{portal}/applications/{application.id}"
    due = decision_due(clock.day_of(application.submitted_at))
    return Notice(
        _("Your application %(reference)s has been received", reference=application.reference),
        letter(
            _("the social service of %(municipality)s has received the application for %(service)s for %(name)s.",
              municipality=municipality.name(i18n.get_locale()), service=kind_name(application.kind), name=person.full_name),
            _("Reference number: %(reference)s", reference=application.reference),
            decides_by(application.kind, due),
            _("You can follow the application and read the decision in the portal: %(link)s", link=link),
        ),
        _("Assistant's service: application %(reference)s has been received. Follow it in the portal: %(link)s",
          reference=application.reference, link=link),
    )


def _information_requested(application: Application, message: str, answer_by: date, portal: str) -> Notice:
    link = f"{portal}/applications/{application.id}"
    by = i18n.format_date(answer_by)
    return Notice(
        _("The social service asks for more information: %(reference)s", reference=application.reference),
        letter(
            _("The social service needs more information to decide on your application:"),
            message,
            _("Please answer by %(date)s.", date=by),
            _("You can answer and send documents in the portal: %(link)s", link=link),
        ),
        _("Assistant's service: the social service asks for more information on application %(reference)s by %(date)s. "
          "Answer in the portal: %(link)s", reference=application.reference, date=by, link=link),
    )


def _decided(application: Application, granted: bool, text: str, portal: str) -> Notice:
    link = f"{portal}/applications/{application.id}"
    reference = application.reference
    if granted:
        return Notice(
            _("Decision on your application %(reference)s: granted", reference=reference),
            letter(_("The social service has granted the service:"), text,
                   _("The hours, the period and the decision are in the portal: %(link)s", link=link)),
            _("Assistant's service: the decision on application %(reference)s is in the portal: %(link)s",
              reference=reference, link=link),
        )
    return Notice(
        _("Decision on your application %(reference)s: refused", reference=reference),
        letter(_("The social service has refused the application, for these reasons:"), text,
               _("You can appeal against the decision to the administrative commission of your municipality within one month. "
                 "The decision is in the portal: %(link)s", link=link)),
        _("Assistant's service: the decision on application %(reference)s is in the portal: %(link)s",
          reference=reference, link=link),
    )


def _assigned(application: Application, person: Person, assistant: Person, valid_from: date, to_assistant: bool,
              portal: str) -> Notice:
    start = i18n.format_date(valid_from)
    if to_assistant:
        link = f"{portal}/assistant"
        return Notice(
            _("You have been assigned as an assistant"),
            letter(_("The social service has assigned you as the assistant from %(date)s.", date=start),
                   _("Person assisted: %(name)s", name=person.full_name),
                   _("Record the hours you give and submit each month's report in the portal: %(link)s", link=link)),
            _("Assistant's service: you have been assigned as the assistant from %(date)s. See the portal: %(link)s",
              date=start, link=link),
        )
    link = f"{portal}/applications/{application.id}"
    return Notice(
        _("The assistant has been assigned: %(reference)s", reference=application.reference),
        letter(_("The social service has assigned the assistant from %(date)s.", date=start),
               _("Assistant: %(name)s", name=assistant.full_name),
               _("The details are in the portal: %(link)s", link=link)),
        _("Assistant's service: the assistant has been assigned from %(date)s. See the portal: %(link)s", date=start, link=link),
    )


def _replaced(person: Person, last_day: date, portal: str) -> Notice:
    link = f"{portal}/assistant"
    end = i18n.format_date(last_day)
    return Notice(
        _("Your work as an assistant ends"),
        letter(_("The social service has assigned another assistant. Your last day as the assistant: %(date)s.", date=end),
               _("Person assisted: %(name)s", name=person.full_name),
               _("Record the hours you gave until then and submit the month's report in the portal: %(link)s", link=link)),
        _("Assistant's service: another assistant has been assigned. Your last day: %(date)s. Submit your hours in the portal: %(link)s",
          date=end, link=link),
    )


def unsubmitted(person: Person, month: date, portal: str) -> Notice:
    link = f"{portal}/assistant"
    about = {"name": person.full_name, "month": i18n.format_month(month)}
    return Notice(
        _("Please submit the report for %(month)s", **about),
        letter(_("the report on the assistant's service to %(name)s for %(month)s has not been submitted yet.", **about),
               _("Record the hours given and submit the report in the portal: %(link)s", link=link)),
        _("Assistant's service: please submit the report for %(name)s for %(month)s in the portal: %(link)s", link=link, **about),
    )


def _submitted(report: MonthlyReport, person: Person, assistant: Person, portal: str) -> Notice:
    link = f"{portal}/reports/{report.id}"
    month = i18n.format_month(report.month)
    return Notice(
        _("The report for %(month)s waits for your confirmation", month=month),
        letter(_("The assistant has submitted the report for %(month)s; it waits for your confirmation.", month=month),
               _("Person assisted: %(name)s", name=person.full_name),
               _("Assistant: %(name)s", name=assistant.full_name),
               _("Check the hours, then confirm the report or say what is wrong, in the portal: %(link)s", link=link)),
        _("Assistant's service: the report for %(name)s for %(month)s waits for your confirmation in the portal: %(link)s",
          link=link, name=person.full_name, month=month),
    )


def waiting(report: MonthlyReport, person: Person, assistant: Person, submitted: ReportEvent, portal: str) -> Notice:
    link = f"{portal}/reports/{report.id}"
    about = {"name": person.full_name, "month": i18n.format_month(report.month)}
    on = i18n.format_date(submitted.at)
    return Notice(
        _("A report waits for your confirmation"),
        letter(_("%(assistant)s submitted the report on the assistant's service to %(name)s for %(month)s on %(date)s; "
                 "it waits for your confirmation.", assistant=assistant.full_name, date=on, **about),
               _("Check the hours, then confirm the report or say what is wrong, in the portal: %(link)s", link=link)),
        _("Assistant's service: the report for %(name)s for %(month)s waits for your confirmation in the portal: %(link)s",
          link=link, **about),
    )


def returned(report: MonthlyReport, person: Person, reason: str, portal: str) -> Notice:
    link = f"{portal}/assistant"
    about = {"name": person.full_name, "month": i18n.format_month(report.month)}
    return Notice(
        _("The report for %(month)s was returned", **about),
        letter(_("the report on the assistant's service to %(name)s for %(month)s was returned to you, with this reason:", **about),
               reason,
               _("Correct the entries and submit the report again in the portal: %(link)s", link=link)),
        _("Assistant's service: the report for %(name)s for %(month)s was returned to you; the reason is in the portal: "
          "%(link)s", link=link, **about),
    )


def confirmed(report: MonthlyReport, person: Person, portal: str) -> Notice:
    link = f"{portal}/assistant"
    about = {"name": person.full_name, "month": i18n.format_month(report.month)}
    return Notice(
        _("The report for %(month)s was confirmed", **about),
        letter(_("the report on the assistant's service to %(name)s for %(month)s was confirmed: %(hours)s.",
                 hours=i18n.format_hours(report.total_minutes), **about),
               _("The report is in the portal: %(link)s", link=link)),
        _("Assistant's service: the report for %(name)s for %(month)s was confirmed: %(link)s", link=link, **about),
    )


def _ending(entitlement: Entitlement, person: Person, portal: str) -> Notice:
    link = f"{portal}/apply"
    end = i18n.format_date(entitlement.valid_to)
    return Notice(
        _("The assistant's service ends on %(date)s", date=end),
        letter(_("The granted assistant's service ends on %(date)s.", date=end),
               _("Receives the service: %(name)s", name=person.full_name),
               _("To go on receiving it, apply again in good time; the social service needs up to a month to decide: %(link)s",
                 link=link)),
        _("Assistant's service: it ends on %(date)s. To go on receiving it, apply again in the portal: %(link)s",
          date=end, link=link),
    )


# ------------------------------------------------------------------ the events (each caller's one call)


async def application_received(db: AsyncSession, application: Application) -> None:
    person = await db.get(Person, application.person_id)
    municipality = await db.get(Municipality, application.municipality_id) if application.municipality_id else None
    if person is None or municipality is None:
        return
    await tell(db, await _application_side(db, application), lambda portal: _received(application, person, municipality, portal))


def answer_by(today: date) -> date:
    return today + timedelta(days=ANSWER_WITHIN_DAYS)


async def information_requested(db: AsyncSession, application: Application, message: str) -> None:
    by = answer_by(clock.today())
    await tell(db, await _application_side(db, application), lambda portal: _information_requested(application, message, by, portal))


async def decision_issued(db: AsyncSession, application: Application, granted: bool, text: str,
                          document_key: str | None = None) -> None:
    """A decision: by each one's channel, and to their confirmed e-address as well, which gets the issued
    document itself (`document_key`: its stored PDF) — the official delivery of the administrative act."""
    attached = (document_key, f"{application.reference or 'lemums'}.pdf") if document_key else None
    await tell(db, await _application_side(db, application), lambda portal: _decided(application, granted, text, portal),
               with_eaddress=True, document=attached)


async def assistant_assigned(db: AsyncSession, application: Application, assistant: Person, valid_from: date,
                             replaced_ids: Collection[int] = ()) -> None:
    """The person's side and the new assistant; an assistant replaced (`replaced_ids`) is told her work ends."""
    person = await db.get(Person, application.person_id)
    assert person is not None
    side = await _application_side(db, application)
    await tell(db, side, lambda portal: _assigned(application, person, assistant, valid_from, False, portal))
    await tell(db, [assistant], lambda portal: _assigned(application, person, assistant, valid_from, True, portal))
    replaced = [someone for someone in [await db.get(Person, person_id) for person_id in sorted(replaced_ids)] if someone]
    last_day = valid_from - timedelta(days=1)
    await tell(db, replaced, lambda portal: _replaced(person, last_day, portal))


async def _parties(db: AsyncSession, report: MonthlyReport) -> tuple[Person, Person]:
    person, assistant = await db.get(Person, report.person_id), await db.get(Person, report.assistant_id)
    assert person is not None and assistant is not None
    return person, assistant


async def report_submitted(db: AsyncSession, report: MonthlyReport) -> None:
    person, assistant = await _parties(db, report)
    await tell(db, await deciders_for(db, report.person_id), lambda portal: _submitted(report, person, assistant, portal))


async def report_returned(db: AsyncSession, report: MonthlyReport, event: ReportEvent) -> Told:
    """To the assistant, with the reason: it is the assistant who acts on it."""
    person, assistant = await _parties(db, report)
    return await tell(db, [assistant], lambda portal: returned(report, person, event.message, portal),
                      key=f"report-returned:{event.id}:assistant")


async def report_confirmed(db: AsyncSession, report: MonthlyReport, event: ReportEvent) -> Told:
    person, assistant = await _parties(db, report)
    return await tell(db, [assistant], lambda portal: confirmed(report, person, portal), key=f"report-confirmed:{event.id}:assistant")


async def entitlement_ending(db: AsyncSession, entitlement: Entitlement) -> Told:
    person = await db.get(Person, entitlement.person_id)
    assert person is not None
    return await tell(db, await deciders_for(db, entitlement.person_id), lambda portal: _ending(entitlement, person, portal),
                      key=f"entitlement-ending:{entitlement.id}:{entitlement.valid_to:%Y-%m-%d}")

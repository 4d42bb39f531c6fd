"""What the portal tells a person by e-mail about their application, in the language they used."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n
from portal.applications.journey import kind_name
from portal.applications.models import Application
from portal.applications.rules import KIND_RULES, ServiceKind, decision_due
from portal.i18n import gettext as _
from portal.notifications.service import queue_email
from portal.people.models import Municipality, Person


def decides_by(kind: ServiceKind, due: date) -> str:
    if KIND_RULES[kind].decided_by_school:
        return _("The school decides by %(date)s and tells you its decision.", date=i18n.format_date(due))
    return _("The social service decides by %(date)s and tells you its decision.", date=i18n.format_date(due))


def queue_submitted(
    db: AsyncSession, application: Application, person: Person, municipality: Municipality, to_address: str, base_url: str
) -> None:
    """The confirmation of a submitted application: reference, who decides, by when, where to follow it."""
    assert application.reference and application.kind and application.submitted_at
    lang = i18n.get_locale()
    municipality_name = municipality.name_ru if lang == "ru" else municipality.name_lv
    due = decision_due(application.submitted_at.date())
    link = f"{base_url.rstrip('/')}/{lang}/applications/{application.id}"
    subject = _("Your application %(reference)s has been received", reference=application.reference)
    body = "\n\n".join(
        [
            _("Hello,"),
            _(
                "the social service of %(municipality)s has received the application for %(service)s for %(name)s.",
                municipality=municipality_name,
                service=kind_name(application.kind),
                name=person.full_name,
            ),
            _("Reference number: %(reference)s", reference=application.reference),
            decides_by(application.kind, due),
            _("You can follow the application and read the decision in the portal: %(link)s", link=link),
            _("This message was sent automatically; please do not reply to it."),
        ]
    )
    queue_email(db, to_address, subject, body)


async def queue_update(db: AsyncSession, application: Application, action: str, text: str, base_url: str) -> None:
    """Tell the person by e-mail (when that is their contact method) that the social service acted on the application."""
    contact = application.answers.get("contact", {})
    if contact.get("method") != "email" or not contact.get("email"):
        return
    with i18n.in_locale(application.language):
        lang = i18n.get_locale()
        link = f"{base_url.rstrip('/')}/{lang}/applications/{application.id}"
        subjects = {
            "information_requested": _("The social service asks for more information: %(reference)s", reference=application.reference),
            "granted": _("Decision on your application %(reference)s: granted", reference=application.reference),
            "refused": _("Decision on your application %(reference)s: refused", reference=application.reference),
        }
        leads = {
            "information_requested": _("The social service needs more information to decide on your application:"),
            "granted": _("The social service has granted the service:"),
            "refused": _("The social service has refused the application, for these reasons:"),
        }
        closing = {
            "information_requested": _("You can answer and send documents in the portal: %(link)s", link=link),
            "granted": _("The hours, the period and the decision are in the portal: %(link)s", link=link),
            "refused": _(
                "You can appeal against the decision to the administrative commission of your municipality within one month. "
                "The decision is in the portal: %(link)s",
                link=link,
            ),
        }
        body = "\n\n".join(
            [_("Hello,"), leads[action], text, closing[action], _("This message was sent automatically; please do not reply to it.")]
        )
        queue_email(db, contact["email"], subjects[action], body)

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

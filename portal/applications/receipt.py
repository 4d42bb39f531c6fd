"""The receipt of a sent application as a PDF/A: what was received, when, for whom, and what happens next.

Made when it is asked for, from what the application holds since it was sent (its reference, its
sending time, the service, the municipality: none of them changes after sending). In Latvian, with a
Russian explanation beside it for a person who applied in Russian: fixed template text, as the
decision's (casework/documents.py says why).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, i18n, pdf
from portal.applications.journey import kind_name
from portal.applications.models import Application
from portal.applications.rules import KIND_RULES, decision_due
from portal.people.models import Municipality, Person

TEMPLATE = "documents/receipt.html"


def _section(application: Application, municipality: Municipality, lang: str) -> dict[str, Any]:
    assert application.kind and application.submitted_at
    with i18n.in_locale(lang):
        return {
            "lang": lang,
            "sent": i18n.format_datetime(application.submitted_at, "short"),
            "service": kind_name(application.kind),
            "municipality": municipality.name(lang),
            "due": i18n.format_date(decision_due(clock.day_of(application.submitted_at))),
        }


async def receipt_html(db: AsyncSession, application: Application) -> str:
    """The receipt of a sent application (not a draft's), as the HTML of its PDF."""
    assert application.reference and application.municipality_id is not None
    person = await db.get_one(Person, application.person_id)
    sender = await db.get_one(Person, application.created_by_id)
    municipality = await db.get_one(Municipality, application.municipality_id)
    languages = ["lv", "ru"] if application.language == "ru" else ["lv"]
    assert application.kind
    return pdf.html_of(TEMPLATE, {
        "application": application, "person": person, "sender": sender if sender.id != person.id else None,
        "by_school": KIND_RULES[application.kind].decided_by_school,
        "sections": [_section(application, municipality, lang) for lang in languages],
    })


def receipt_pdf_sync(html: str) -> bytes:
    """The receipt's HTML as a tagged PDF/A (CPU-bound: callers run it off the event loop)."""
    return pdf.pdf_of(html, {"receipt-ru-title": "ru"})


async def receipt_pdf(db: AsyncSession, application: Application) -> bytes:
    """The receipt as a PDF/A: for the notices that may attach it (portal/notifications)."""
    return await asyncio.to_thread(receipt_pdf_sync, await receipt_html(db, application))


def filename_of(application: Application) -> str:
    return f"{application.reference}-apliecinajums.pdf"

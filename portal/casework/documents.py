"""A decision as a document: its content from the case and the caseworker's draft, the HTML that the
desk previews and the PDF/A that is issued, and the document as issued, from storage.

The document's own words are Latvian (the official language, State Language Law), with a Russian
explanation beside it for a person who applied in Russian; both are fixed template text (templates/
documents/), not catalog messages: the Latvian text is the legal one, written as such, and neither
changes with the language of the page that shows it. Every value in it is formatted for its section's
language by the locale helpers (portal/i18n.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import i18n, pdf
from portal.applications.journey import kind_name
from portal.applications.models import Application
from portal.applications.rules import KIND_RULES, Period, ServiceKind
from portal.casework import legal_basis
from portal.casework.models import DecisionDocument, DecisionDraft, Outcome
from portal.people.models import Municipality, Person
from portal.storage import FileUnavailable, Storage

TEMPLATE = "documents/decision.html"


@dataclass(frozen=True)
class DecisionContent:
    """Everything the document says: the case, who decided, what, and why."""

    reference: str
    outcome: Outcome
    issued_on: date
    municipality: Municipality
    caseworker: Person
    person: Person
    kind: ServiceKind
    reasons: str
    minutes: int | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    russian: bool = False  # the person applied in Russian: the explanation goes beside the Latvian text

    @property
    def languages(self) -> str:
        return "lv ru" if self.russian else "lv"


def content_of(application: Application, person: Person, municipality: Municipality, caseworker: Person,
               draft: DecisionDraft, issued_on: date) -> DecisionContent:
    assert application.reference and application.kind
    return DecisionContent(
        reference=application.reference, outcome=draft.outcome, issued_on=issued_on, municipality=municipality,
        caseworker=caseworker, person=person, kind=draft.kind or application.kind, reasons=draft.reasons,
        minutes=draft.minutes, valid_from=draft.valid_from, valid_to=draft.valid_to, russian=application.language == "ru",
    )


def _section(content: DecisionContent, lang: str) -> dict[str, Any]:
    """The values of one language's section, formatted in that language."""
    with i18n.in_locale(lang):
        per_week = KIND_RULES[content.kind].period is Period.WEEK
        basis = legal_basis.BASIS[content.kind]
        return {
            "lang": lang,
            "date": i18n.format_date(content.issued_on),
            "municipality": content.municipality.name(lang),
            "service": kind_name(content.kind),
            "hours": i18n.format_hours(content.minutes) if content.minutes else "",
            "per_week": per_week,
            "valid_from": i18n.format_date(content.valid_from) if content.valid_from else "",
            "valid_to": i18n.format_date(content.valid_to) if content.valid_to else "",
            "points": basis.points_lv if lang == "lv" else basis.points_ru,
        }


def context_of(content: DecisionContent, heading_level: int = 1) -> dict[str, Any]:
    """What the document's template needs; `heading_level`: its title's level (2 inside a portal page)."""
    return {
        "content": content,
        "granted": content.outcome is Outcome.GRANTED,
        "sections": [_section(content, "lv")] + ([_section(content, "ru")] if content.russian else []),
        "law": legal_basis,
        "level": heading_level,
    }


def decision_html(content: DecisionContent) -> str:
    """The whole document as HTML, as it goes into the PDF."""
    return pdf.html_of(TEMPLATE, context_of(content))


def render(content: DecisionContent) -> bytes:
    """The decision as a tagged PDF/A (CPU-bound, a second or so: callers run it off the event loop)."""
    return pdf.pdf_of(decision_html(content), {"decision-ru-title": "ru"})


def sha256_of(document: bytes) -> str:
    return hashlib.sha256(document).hexdigest()


async def issued_document(db: AsyncSession, application: Application) -> DecisionDocument | None:
    return await db.scalar(select(DecisionDocument).where(DecisionDocument.application_id == application.id))


class Altered(FileUnavailable):
    """The stored file is not the one issued (its SHA-256 differs): never handed out as the decision."""


async def decision_pdf(db: AsyncSession, storage: Storage, application: Application) -> bytes | None:
    """The decision as issued, checked against its SHA-256; None before one is issued. For the person's
    and the desk's downloads, and for the notices that deliver it (portal/notifications)."""
    document = await issued_document(db, application)
    if document is None:
        return None
    content = storage.read(document.storage_key)
    if sha256_of(content) != document.sha256:
        raise Altered(f"decision document {document.id}: the stored file's SHA-256 is not the one issued")
    return content


def filename_of(application: Application) -> str:
    return f"{application.reference or application.id}-lemums.pdf"

"""Event actions are enums: every member has its one text in each language, and is stored as its plain value."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import Any

import pytest
from babel.messages.pofile import read_po
from sqlalchemy import select, text

from portal import audit, i18n
from portal.applications import presenters as application_presenters
from portal.applications.models import ApplicationAction, ApplicationEvent
from portal.audit import AuditAction, AuditEvent
from portal.db import Database
from portal.timesheets import presenters as report_presenters
from portal.timesheets.models import ReportAction, ReportEvent

LOCALES = i18n.LOCALES
MAPPINGS: list[tuple[type[StrEnum], dict[Any, Any]]] = [
    (ApplicationAction, application_presenters.EVENT_TEXTS),
    (ReportAction, report_presenters.EVENT_TEXTS),
]


def _translations(locale: str) -> set[str]:
    with (i18n.LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return {m.string for m in read_po(po, locale=locale) if m.id and isinstance(m.string, str) and m.string and not m.fuzzy}


@pytest.mark.parametrize(("actions", "texts"), MAPPINGS, ids=[enum.__name__ for enum, _texts in MAPPINGS])
def test_every_action_has_exactly_one_text(actions: type[StrEnum], texts: dict[Any, Any]) -> None:
    assert set(texts) == set(actions)
    assert all(type(key) is actions for key in texts)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_action_text_is_translated(locale: str) -> None:
    """A msgid missing from a catalog would show the English source: each text is one of the catalog's translations."""
    translated = _translations(locale)
    shown: dict[str, dict[StrEnum, str]] = {}
    for other in LOCALES:
        with i18n.in_locale(other):
            shown[other] = {action: application_presenters.event_text(action) for action in ApplicationAction}
            shown[other] |= {action: report_presenters.event_text(action) for action in ReportAction}
    untranslated = [str(action) for action, words in shown[locale].items() if words not in translated]
    assert untranslated == []
    others = [other for other in LOCALES if other != locale]
    assert all(shown[locale][action] != shown[other][action] for other in others for action in shown[locale])


@pytest.mark.parametrize("column", [ApplicationEvent.action, ReportEvent.action, AuditEvent.action])
def test_the_column_keeps_its_length(column: Any) -> None:
    """The VARCHAR lengths of before the enums (so no migration): 40 for the events, 64 for the audit."""
    assert column.type.length == (64 if column is AuditEvent.action else 40)
    assert max(len(member.value) for member in column.type.enum_class) <= column.type.length


def test_an_audit_action_is_stored_as_its_plain_value_and_read_as_the_member(database_url: str) -> None:
    async def work() -> tuple[list[str], list[AuditAction]]:
        db = Database(database_url)
        async with db.session() as session:
            for action in AuditAction:
                audit.record(session, actor=None, subject=None, action=action)
        async with db.session() as session:
            stored = list((await session.scalars(text("SELECT action FROM audit_event ORDER BY id"))).all())
            read = list(await session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        await db.dispose()
        return stored, read

    stored, read = asyncio.run(work())
    assert stored == [action.value for action in AuditAction] == [
        "signed_in", "signed_out", "case_viewed", "report_viewed", "self_assessment_viewed", "queue_viewed",
        "document_downloaded", "reports_overview_viewed", "payroll_exported", "summary_viewed", "sample_viewed",
        "survey_exported", "month_viewed_by_assistant"]
    assert all(type(action) is AuditAction for action in read) and read == list(AuditAction)

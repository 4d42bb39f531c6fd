"""How monthly reports are shown on the assistant's, the person's and the desk's pages."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from portal import i18n
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.timesheets.models import ReportAction, ReportEvent, ReportStatus

REPORT_STATUS_TEXTS = {
    None: (lambda: _("Nothing recorded"), "grey"),
    ReportStatus.OPEN: (lambda: _("Not submitted"), "grey"),
    ReportStatus.SUBMITTED: (lambda: _("Waiting for confirmation"), "blue"),
    ReportStatus.RETURNED: (lambda: _("Returned"), "red"),
    ReportStatus.CONFIRMED: (lambda: _("Confirmed"), "green"),
}

# One text per action (tests/test_event_actions.py), on every page that shows a report's history.
EVENT_TEXTS: dict[ReportAction, Any] = {
    ReportAction.SUBMITTED: _l("Submitted by the assistant"),
    ReportAction.RETURNED: _l("Returned by the person"),
    ReportAction.CONFIRMED: _l("Confirmed by the person"),
    ReportAction.CORRECTION_STARTED: _l("Correction started"),
    ReportAction.SAMPLED: _l("Drawn for a control sample"),
    ReportAction.CHECKED: _l("Checked by the social service"),
}


def status_tag(status: ReportStatus | None) -> tuple[str, str]:
    text, colour = REPORT_STATUS_TEXTS[status]
    return text(), colour


def event_text(action: ReportAction) -> str:
    """What a report event says, in the page's language."""
    return str(EVENT_TEXTS[action])


def event_line(event: ReportEvent, *, with_check_note: bool = False) -> Markup:
    """The event's text, then the person's reason for a return; the desk also sees the caseworker's note on a check
    (each in the language it was written in)."""
    text = event_text(event.action)
    if event.message and (event.action is ReportAction.RETURNED or (with_check_note and event.action is ReportAction.CHECKED)):
        return Markup("{}: {}").format(text, i18n.written(event.message, event.message_lang))
    return Markup.escape(text)

"""How monthly reports are shown on the assistant's, the person's and the desk's pages."""

from __future__ import annotations

from portal.i18n import gettext as _
from portal.timesheets.models import ReportStatus

REPORT_STATUS_TEXTS = {
    None: (lambda: _("Nothing recorded"), "grey"),
    ReportStatus.OPEN: (lambda: _("Not submitted"), "grey"),
    ReportStatus.SUBMITTED: (lambda: _("Waiting for confirmation"), "blue"),
    ReportStatus.RETURNED: (lambda: _("Returned"), "red"),
    ReportStatus.CONFIRMED: (lambda: _("Confirmed"), "green"),
}


def status_tag(status: ReportStatus | None) -> tuple[str, str]:
    text, colour = REPORT_STATUS_TEXTS[status]
    return text(), colour

"""The declared input of the desk's actions, and the service's problems in words."""

from __future__ import annotations

from typing import assert_never

from portal import clock, i18n
from portal.applications.models import ApplicationStatus
from portal.applications.rules import ServiceKind
from portal.casework.payroll import ExportProblem
from portal.casework.queue import MAX_SEARCH, Due, Whose
from portal.casework.reports import recent_months
from portal.casework.service import AssignProblem, GrantProblem, GrantRefused
from portal.forms import MAX_INT, Choice, DateParts, EnumChoice, Flag, Form, Integer, Text
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.paging import MAX_CURSOR

MAX_MESSAGE = 2000
# No kind allows more hours than a month has; the kind's own limit is the service's rule.
MAX_HOURS = 31 * 24


STATUS_FILTERS = ("open", *[status.value for status in ApplicationStatus if status is not ApplicationStatus.DRAFT], "all")
ORDERS = ("oldest", "newest")


class QueueForm(Form):
    """The desk's filters, in the URL; a value that is not one of the choices is the default."""

    status = Choice(STATUS_FILTERS)
    kind = Choice(["", *[kind.value for kind in ServiceKind]])
    due = Choice(["", *[due.value for due in Due]])
    whose = Choice(["", *[whose.value for whose in Whose]])
    order = Choice(ORDERS)
    q = Text(max_length=MAX_SEARCH)
    after = Text(max_length=MAX_CURSOR)
    before = Text(max_length=MAX_CURSOR)


class OverviewForm(Form):
    """Where a page of the month's reports begins (the filters are read with the month)."""

    after = Text(max_length=MAX_CURSOR)
    before = Text(max_length=MAX_CURSOR)


class RequestInformationForm(Form):
    message = Text(max_length=MAX_MESSAGE, multiline=True, required=_l("Write what the person should send or explain"))


class RefuseForm(Form):
    reasons = Text(max_length=MAX_MESSAGE, multiline=True, required=_l("Write the reasons for the refusal"))


class NoteForm(Form):
    note = Text(max_length=MAX_MESSAGE, multiline=True, required=_l("Write the note"))


class GrantForm(Form):
    kind = EnumChoice(ServiceKind, required=_l("Select the service"))
    hours = Integer(minimum=0, maximum=MAX_HOURS, invalid=_l("Enter the hours as a whole number"),
                    required=_l("Enter the hours as a whole number"))
    start = DateParts(required=_l("Enter the first day of the grant"))
    end = DateParts(required=_l("Enter the last day of the grant"))
    disability_until = DateParts()
    text = Text(max_length=MAX_MESSAGE, multiline=True, required=_l("Write the decision"))


class IssueForm(Form):
    """Issue the previewed decision: which draft was previewed (a later one is not issued unseen)."""

    draft = Integer(minimum=0, maximum=MAX_INT, invalid=_l("Preview the decision again"))
    # An act that cannot be undone: the caseworker says she read what she issues.
    checked = Flag("yes", required=_l("Tick the box to confirm that you have checked the document"))


class AssignForm(Form):
    code = Text(max_length=30)
    given_name = Text(max_length=200)
    family_name = Text(max_length=200)
    start = DateParts(required=_l("Enter the first day of the assignment"))


def grant_problem(refused: GrantRefused) -> tuple[str, str]:
    """The field and the message for a grant the regulation does not allow."""
    latest = i18n.format_date(refused.latest) if refused.latest else ""
    match refused.problem:
        case GrantProblem.HOURS:
            return "hours", _("Enter whole hours from 1 to %(num)s", num=refused.max_minutes // 60)
        case GrantProblem.END_BEFORE_START:
            return "end-day", _("The last day cannot be before the first day")
        case GrantProblem.PAST_CHILDHOOD:
            return "end-day", _("The service for children ends before the child turns 18: at most until %(date)s", date=latest)
        case GrantProblem.PAST_DISABILITY:
            return "end-day", _("The grant cannot last beyond the disability period: at most until %(date)s", date=latest)
        case GrantProblem.OVER_THREE_YEARS:
            return "end-day", _("A grant lasts at most 3 years: at most until %(date)s", date=latest)


def assign_problem(problem: AssignProblem) -> tuple[str, str]:
    match problem:
        case AssignProblem.INVALID_CODE:
            return "code", _("Enter a personal code like 010180-12345")
        case AssignProblem.OWN_ASSISTANT:
            return "code", _("A person cannot be their own assistant")
        case AssignProblem.OWN_DESK:
            return "code", _("A caseworker of this social service cannot be the assistant in its own cases")
        case AssignProblem.GIVEN_NAME_NEEDED:
            return "given_name", _("Enter the assistant's given name")
        case AssignProblem.FAMILY_NAME_NEEDED:
            return "family_name", _("Enter the assistant's family name")


def _exportable_months() -> list[str]:
    return [f"{month:%Y-%m}" for month in recent_months(clock.today())]


class PayrollExportForm(Form):
    """The month the desk exports to the payroll: one of the months its select offers."""

    month = Choice(_exportable_months, required=_l("Select the month to export"))


class PayrollExportsForm(Form):
    """Where the list of exports begins, in the URL."""

    after = Text(max_length=MAX_CURSOR)
    before = Text(max_length=MAX_CURSOR)


def export_problem(problem: ExportProblem) -> tuple[str, str]:
    """Why no export was written, in words, at the month's field."""
    match problem:
        case ExportProblem.NOTHING_NEW:
            return "month", _("Every confirmed report of this month is in an export already, with its corrections")
        case ExportProblem.EXPORTED_MEANWHILE:
            return "month", _("Another export of this month was being written at the same moment. Look at the exports below.")
    assert_never(problem)

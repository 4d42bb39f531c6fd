"""The month's forms: what each POST sends, read at the boundary (portal.forms), and the rules of
the services in words. The desk's control sample is here too: it checks the month's reports."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Self, assert_never

from portal import i18n
from portal.applications.details import purpose_options
from portal.applications.rules import Purpose
from portal.casework.reports import MAX_CHECK_NOTE, SampleProblem
from portal.forms import (
    CHOOSE_ONE,
    MAX_INT,
    Body,
    Choice,
    Choices,
    EnumChoice,
    Errors,
    Field,
    Flag,
    Form,
    Integer,
    Message,
    Reading,
    Text,
    read_fields,
)
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.timesheets.service import MAX_NOTE, MAX_REASON, DisputeProblem, EntryInput, Problem, Rule

# "9:30", "09.30" or "9"; ASCII digits only ("٩" is no hour).
TIME = re.compile(r"([0-9]{1,2})[:.]([0-9]{2})|([0-9]{1,2})")
MAX_TIME = len("09:30")

SELECT_THE_DAY = _l("Select the day")
ENTER_THE_START = _l("Enter the time the help started, like 09:00")
ENTER_THE_END = _l("Enter the time the help ended, like 13:30")
SELECT_THE_PURPOSE = _l("Select what the help was for")
NOTE_TOO_LONG = _l("The note must be %(num)s characters or fewer", num=MAX_NOTE)
WRITE_WHAT_IS_WRONG = _l("Write what is wrong, so that the assistant can correct it")
# A page that sends another version than the report's (or none) is answered as a stale one.
CHANGED_SINCE_SHOWN = _l("The report changed since this page was shown (perhaps in another tab). This is the current version: please check it and make your change again.")
CHANGED_SINCE_READ = _l("The report changed since this page was shown (perhaps in another tab). This is the current version: please read it again before you answer.")


def purpose_names() -> dict[str, str]:
    """The regulation's purposes, as the apply journey names them."""
    return {str(option.value): str(option.text) for option in purpose_options()}


def parse_time(text: str, *, end: bool = False) -> int | None:
    """Minutes after midnight from "9:30", "09.30" or "9"; "24:00" only as an end."""
    found = TIME.fullmatch(text.strip())
    if not found:
        return None
    hours = int(found.group(1) or found.group(3))
    minutes = int(found.group(2) or 0)
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        return None
    return hours * 60 + minutes


def show_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class ClockTime(Field[int | None]):
    """A time of the day as `parse_time` reads it; `invalid` is the message when it is missing or not a time."""

    invalid: Message
    end: bool = False

    def read(self, name: str, body: Body) -> Reading[int | None]:
        typed = Text(max_length=MAX_TIME, required=self.invalid, too_long=self.invalid).read(name, body)
        if typed.errors:
            return Reading(None, typed.shown, typed.errors)
        minutes = parse_time(typed.value, end=self.end)
        return Reading(minutes, typed.shown, [] if minutes is not None else [(name, str(self.invalid))])


class OfferedForm(Form):
    """A form some of whose choices come from the page's data (the month's days, the report's entries)."""

    @classmethod
    def offering(cls, body: Body, **offered: Field[Any]) -> Self:
        """The form read with the fields in `offered` in place of the declared ones of those names."""
        assert offered.keys() <= cls.fields.keys(), "only declared fields are offered"
        form = cls(read_fields(body, cls.fields | offered))
        form.errors.extend(form.check())
        return form


# ------------------------------------------------------------ the assistant


class ReportChangeForm(Form):
    """Deleting an entry, submitting, correcting: only the version of the report the page showed."""

    version = Integer(0, MAX_INT, invalid=CHANGED_SINCE_SHOWN, required=CHANGED_SINCE_SHOWN)


class EntryForm(ReportChangeForm, OfferedForm):
    """An entry added, or changed when `entry` names it."""

    day = Choice((), required=SELECT_THE_DAY)  # the days of the month that may have one: see `read_entry`
    start = ClockTime(ENTER_THE_START)
    end = ClockTime(ENTER_THE_END, end=True)
    purpose = EnumChoice(Purpose, required=SELECT_THE_PURPOSE)
    note = Text(max_length=MAX_NOTE, too_long=NOTE_TOO_LONG)
    entry = Integer(1, MAX_INT, invalid=CHOOSE_ONE)

    @property
    def unknown_entry(self) -> bool:
        """The entry to change is no id at all: answered like an entry that does not exist."""
        return any(field_id == "entry" for field_id, _message in self.errors)

    def entry_input(self) -> EntryInput | None:
        """The entry, when every field reads well."""
        if self.errors or self.start is None or self.end is None or self.purpose is None:
            return None
        return EntryInput(date.fromisoformat(self.day), self.start, self.end, self.purpose.value, self.note)


def read_entry(body: Body, days: Sequence[date]) -> EntryForm:
    """An entry's form, its day one of `days`."""
    return EntryForm.offering(body, day=Choice([day.isoformat() for day in days], required=SELECT_THE_DAY))


def problem_message(problem: Problem) -> str:
    """A broken rule of an entry, in words."""
    detail = problem.detail
    match problem.rule:
        case Rule.OTHER_MONTH:
            return _("Select a day of this month")
        case Rule.FUTURE:
            return _("The day cannot be in the future")
        case Rule.OUTSIDE:
            return _("The day must be within the grant and your assignment: %(first)s – %(last)s",
                     first=i18n.format_date(detail["first"]), last=i18n.format_date(detail["last"]))
        case Rule.START_TIME:
            return str(ENTER_THE_START)
        case Rule.END_TIME:
            return str(ENTER_THE_END)
        case Rule.END_BEFORE_START:
            return _("The end must be after the start")
        case Rule.PURPOSE:
            return str(SELECT_THE_PURPOSE)
        case Rule.NOTE_TOO_LONG:
            return str(NOTE_TOO_LONG)
        case Rule.OVERLAP:
            return _("You already have an entry at this time on this day (for this or another person)")
        case Rule.DAY_TOTAL:
            return _("A day has at most 24 hours")
        case Rule.MONTH_TOTAL:
            return _("This would be more than the %(hours)s granted for the month: %(left)s left",
                     hours=i18n.format_hours(detail["limit"]), left=i18n.format_hours(max(0, detail["limit"] - detail["used"])))
        case Rule.WEEK_TOTAL:
            return _("This would be more than the %(hours)s granted for the week: %(left)s left",
                     hours=i18n.format_hours(detail["limit"]), left=i18n.format_hours(max(0, detail["limit"] - detail["used"])))
    assert_never(problem.rule)


def problem_messages(problems: Sequence[Problem]) -> Errors:
    """The service's broken rules, in words, at their fields."""
    return [(problem.field, problem_message(problem)) for problem in problems]


# ------------------------------------------------------------ the recipient


class ConfirmForm(Form):
    """"I confirm that I received the assistant service listed above"."""

    version = Integer(0, MAX_INT, invalid=CHANGED_SINCE_READ, required=CHANGED_SINCE_READ)
    received = Flag("yes", required=_l("Tick the box to confirm that you received the service"))


class DisputeForm(OfferedForm):
    """Something is wrong: the reason, and the entries it concerns (optional)."""

    version = Integer(0, MAX_INT, invalid=CHANGED_SINCE_READ, required=CHANGED_SINCE_READ)
    reason = Text(max_length=MAX_REASON, required=WRITE_WHAT_IS_WRONG, multiline=True)
    entries = Choices(())  # the report's entries: see `read_dispute`

    @property
    def entry_ids(self) -> list[int]:
        return [int(value) for value in self.entries]


def read_dispute(body: Body, entry_ids: Sequence[int]) -> DisputeForm:
    """The dispute's form, its entries some of `entry_ids`."""
    return DisputeForm.offering(body, entries=Choices([str(entry_id) for entry_id in entry_ids]))


def dispute_problem(problem: DisputeProblem) -> tuple[str, str]:
    """Why the report did not go back, in words, at its field."""
    match problem:
        case DisputeProblem.NO_REASON:
            return "reason", str(WRITE_WHAT_IS_WRONG)
        case DisputeProblem.REASON_TOO_LONG:
            return "reason", _("The text must be %(num)s characters or fewer", num=MAX_REASON)
        case DisputeProblem.NOT_ITS_ENTRY:
            return "entries", str(CHOOSE_ONE)
    assert_never(problem)


# ------------------------------------------------------- the desk's sample

ENTER_A_PERCENT = _l("Enter a whole number from 1 to 100")
WRITE_WHAT_WAS_CHECKED = _l("Write what you checked and what you found")


class SampleForm(Form):
    """The share of the month's confirmed reports to draw."""

    percent = Integer(1, 100, invalid=ENTER_A_PERCENT, required=ENTER_A_PERCENT)


class CheckForm(Form):
    """What was checked in a sampled report, and found."""

    note = Text(max_length=MAX_CHECK_NOTE, required=WRITE_WHAT_WAS_CHECKED, multiline=True)


def sample_problem(problem: SampleProblem) -> tuple[str, str]:
    """Why no sample was drawn, or no check noted, in words, at its field."""
    match problem:
        case SampleProblem.SHARE:
            return "percent", str(ENTER_A_PERCENT)
        case SampleProblem.NOTHING_LEFT:
            return "percent", _("There are no confirmed reports of this month left to draw from")
        case SampleProblem.DRAWN_MEANWHILE:
            return "percent", _("Another sample was being drawn at the same moment. Look at the samples below, then draw again if you need to.")
        case SampleProblem.NO_NOTE:
            return "note", str(WRITE_WHAT_WAS_CHECKED)
        case SampleProblem.NOTE_TOO_LONG:
            return "note", _("The text must be %(num)s characters or fewer", num=MAX_CHECK_NOTE)
    assert_never(problem)

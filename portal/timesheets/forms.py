"""Reading an entry's form and wording the month's rules for people."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from portal import i18n
from portal.applications.details import purpose_options
from portal.applications.rules import Purpose
from portal.i18n import gettext as _
from portal.timesheets.service import EntryInput, Problem

MAX_NOTE = 500
TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$|^\s*(\d{1,2})\s*$")
Errors = list[tuple[str, str]]


def purpose_names() -> dict[str, str]:
    """The regulation's purposes, as the apply journey names them."""
    return {str(option.value): str(option.text) for option in purpose_options()}


def parse_time(text: str, *, end: bool = False) -> int | None:
    """Minutes after midnight from "9:30", "09.30" or "9"; "24:00" only as an end."""
    found = TIME.match(text or "")
    if not found:
        return None
    hours = int(found.group(1) or found.group(3))
    minutes = int(found.group(2) or 0)
    if minutes > 59 or hours > 24 or (hours == 24 and (minutes or not end)):
        return None
    return hours * 60 + minutes


def show_time(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def read_entry(form: Any, days: list[date]) -> tuple[dict[str, str], EntryInput | None, Errors]:
    """The typed values (to show again), the entry when it reads well, and what is wrong."""
    values = {key: str(form.get(key) or "").strip() for key in ("day", "start", "end", "purpose", "note")}
    errors: Errors = []
    day = next((d for d in days if d.isoformat() == values["day"]), None)
    if day is None:
        errors.append(("day", _("Select the day")))
    start = parse_time(values["start"])
    if start is None:
        errors.append(("start", _("Enter the time the help started, like 09:00")))
    finish = parse_time(values["end"], end=True)
    if finish is None:
        errors.append(("end", _("Enter the time the help ended, like 13:30")))
    if values["purpose"] not in Purpose._value2member_map_:
        errors.append(("purpose", _("Select what the help was for")))
    if len(values["note"]) > MAX_NOTE:
        errors.append(("note", _("The note must be %(num)s characters or fewer", num=MAX_NOTE)))
    if errors:
        return values, None, errors
    assert day is not None and start is not None and finish is not None
    return values, EntryInput(day, start, finish, values["purpose"], values["note"]), []


def problem_messages(problems: list[Problem]) -> Errors:
    """The service's broken rules, in words, at their fields."""
    messages = []
    for problem in problems:
        detail = problem.detail
        text = {
            "other_month": lambda: _("Select a day of this month"),
            "future": lambda: _("The day cannot be in the future"),
            "outside": lambda: _("The day must be within the grant and your assignment: %(first)s – %(last)s",
                                 first=i18n.format_date(detail["first"]), last=i18n.format_date(detail["last"])),
            "end_before_start": lambda: _("The end must be after the start"),
            "overlap": lambda: _("You already have an entry at this time on this day (for this or another person)"),
            "day_total": lambda: _("A day has at most 24 hours"),
            "month_total": lambda: _("This would be more than the %(hours)s granted for the month: %(left)s left",
                                     hours=i18n.format_hours(detail["limit"]),
                                     left=i18n.format_hours(max(0, detail["limit"] - detail["used"]))),
            "week_total": lambda: _("This would be more than the %(hours)s granted for the week: %(left)s left",
                                    hours=i18n.format_hours(detail["limit"]),
                                    left=i18n.format_hours(max(0, detail["limit"] - detail["used"]))),
        }[problem.rule]()
        messages.append((problem.field, text))
    return messages


def parse_month(text: str) -> date | None:
    found = re.fullmatch(r"(\d{4})-(\d{2})", text or "")
    if not found or not 1 <= int(found.group(2)) <= 12 or not 2000 <= int(found.group(1)) <= 2100:
        return None
    return date(int(found.group(1)), int(found.group(2)), 1)

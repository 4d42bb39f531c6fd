"""The pages of the apply journey after the eligibility questions: details, contact, purposes, school,
the preferred assistant and the declarations.

Each page reads its own form into one answer (`answers[slug]`), says what is
wrong field by field, and sums its answer up for the check page. The pages
that are a single choice are plain journey questions (journey.py); the
documents page is the routes' own, since it stores files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from babel.support import LazyProxy

from portal.applications.rules import REPORT_CHANGES_WORKING_DAYS, Purpose, ServiceKind
from portal.applications.situation import Option, Situation
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.people.personal_code import InvalidPersonalCode, normalise
from portal.validation import email_address, latvian_phone

Errors = list[tuple[str, str]]  # (field id, message), in the page's order
SummaryRows = list[tuple[str, str]]  # (what, the answer in words)
MAX_ADDRESS = 300
MAX_NAME = 200


class FormValues(Protocol):
    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


def text(form: FormValues, name: str) -> str:
    value = form.get(name)
    return " ".join(value.split()) if isinstance(value, str) else ""


def chosen(form: FormValues, name: str, allowed: list[str] | tuple[str, ...]) -> list[str]:
    """The checked boxes that are on offer, in the order offered (anything else is ignored)."""
    values = {v for v in form.getlist(name) if isinstance(v, str)}
    return [value for value in allowed if value in values]


@dataclass(frozen=True)
class FormPage:
    slug: str
    title: LazyProxy
    template: str
    applies: Callable[[Situation], bool]
    read: Callable[[FormValues, Situation], tuple[Any, Errors]]
    summary: Callable[[Any, Situation], SummaryRows]


# ------------------------------------------------------------------ details


def _read_details(form: FormValues, situation: Situation) -> tuple[Any, Errors]:
    value = {"municipality": text(form, "municipality"), "address": text(form, "address")}
    errors: Errors = []
    if value["municipality"] not in situation.municipalities:
        errors.append(("municipality", _("Select the municipality of the declared address")))
    if not value["address"]:
        errors.append(("address", _("Enter the declared address")))
    elif len(value["address"]) > MAX_ADDRESS:
        errors.append(("address", _("The address must be %(num)s characters or fewer", num=MAX_ADDRESS)))
    return value, errors


def _details_summary(value: Any, situation: Situation) -> SummaryRows:
    municipality = situation.municipalities.get(value.get("municipality", ""), value.get("municipality", ""))
    return [(_("Municipality"), municipality), (_("Declared address"), value.get("address", ""))]


# ------------------------------------------------------------------ contact

CONTACT_METHODS = ("phone", "email", "post")


def contact_options() -> tuple[Option, ...]:
    return (
        Option("phone", _("By phone")),
        Option("email", _("By e-mail")),
        Option("post", _("By post to the declared address")),
    )


def _read_contact(form: FormValues, situation: Situation) -> tuple[Any, Errors]:
    method = text(form, "method")
    value = {"method": method, "phone": text(form, "phone"), "email": form.get("email", "").strip()}
    errors: Errors = []
    if method not in CONTACT_METHODS:
        errors.append(("method", _("Select how the social service should contact you")))
    if value["phone"]:
        phone = latvian_phone(value["phone"])
        if phone is None:
            errors.append(("phone", _("Enter a Latvian phone number, like 20 123 456 or +371 67 123 456")))
        else:
            value["phone"] = phone
    elif method == "phone":
        errors.append(("phone", _("Enter a phone number")))
    if value["email"]:
        email = email_address(value["email"])
        if email is None:
            errors.append(("email", _("Enter an e-mail address in the right format, like name@example.lv")))
        else:
            value["email"] = email
    elif method == "email":
        errors.append(("email", _("Enter an e-mail address")))
    return value, errors


def _contact_summary(value: Any, situation: Situation) -> SummaryRows:
    names = {option.value: str(option.text) for option in contact_options()}
    rows = [(_("Contact method"), names.get(value.get("method", ""), ""))]
    if value.get("phone"):
        rows.append((_("Phone number"), value["phone"]))
    if value.get("email"):
        rows.append((_("E-mail address"), value["email"]))
    return rows


# ----------------------------------------------------------------- purposes


def purpose_options() -> tuple[Option, ...]:
    return (
        Option(Purpose.WORK_STUDY_SPORT, _("Work, studies or training in Paralympic sport")),
        Option(Purpose.SCHOOL, _("A basic, secondary or vocational school")),
        Option(Purpose.BOARD, _("Board of an association, foundation or company")),
        Option(Purpose.VOLUNTEERING, _("Volunteering")),
        Option(Purpose.DAY_CENTRE, _("A day-care centre or a specialised workshop")),
        Option(Purpose.DIALYSIS_CHEMOTHERAPY, _("Regular haemodialysis or chemotherapy")),
        Option(Purpose.OTHER, _("Other activities"), _("For example shopping, visiting a doctor, culture or sport.")),
    )


FREQUENCIES = ("daily", "several_weekly", "weekly", "several_monthly", "rarely")


def frequency_options() -> tuple[Option, ...]:
    return (
        Option("daily", _("Every working day")),
        Option("several_weekly", _("Several times a week")),
        Option("weekly", _("Once a week")),
        Option("several_monthly", _("A few times a month")),
        Option("rarely", _("Less often")),
    )


def _is_adult_assistant(situation: Situation) -> bool:
    return situation.kind is ServiceKind.ADULT_ASSISTANT


def _read_purposes(form: FormValues, situation: Situation) -> tuple[Any, Errors]:
    value = chosen(form, "purposes", [option.value for option in purpose_options()])
    return value, [] if value else [("purposes", _("Select at least one activity"))]


def _purposes_summary(value: Any, situation: Situation) -> SummaryRows:
    names = {option.value: str(option.text) for option in purpose_options()}
    return [(_("Activities"), "; ".join(names[p] for p in value if p in names))]


def chosen_purposes(situation: Situation) -> list[str]:
    purposes = situation.answers.get("purposes")
    return [p for p in purposes if p in Purpose._value2member_map_] if isinstance(purposes, list) else []


def frequency_field(purpose: str) -> str:
    return f"frequency-{purpose.replace('_', '-')}"


def _read_frequency(form: FormValues, situation: Situation) -> tuple[Any, Errors]:
    names = {option.value: str(option.text) for option in purpose_options()}
    value: dict[str, str] = {}
    errors: Errors = []
    for purpose in chosen_purposes(situation):
        answer = text(form, frequency_field(purpose))
        if answer in FREQUENCIES:
            value[purpose] = answer
        else:
            errors.append((frequency_field(purpose), _("Select how often: %(activity)s", activity=names[purpose])))
    return value, errors


def _frequency_summary(value: Any, situation: Situation) -> SummaryRows:
    purposes = {option.value: str(option.text) for option in purpose_options()}
    how_often = {option.value: str(option.text) for option in frequency_options()}
    return [(purposes[p], how_often.get(value.get(p, ""), "")) for p in chosen_purposes(situation) if p in purposes]


# ------------------------------------------------------------------- school


def school_activity_options() -> tuple[Option, ...]:
    return (
        Option("moving", _("Moving around the school and getting to lessons")),
        Option("self_care", _("Self-care: eating, dressing, using the toilet")),
        Option("communication", _("Communicating with teachers")),
        Option("notes", _("Taking notes and handling learning materials")),
        Option("workplace", _("Preparing the workplace")),
        Option("peers", _("Contact with other pupils")),
        Option("events", _("School events and trips")),
    )


def _is_school_assistant(situation: Situation) -> bool:
    return situation.kind is ServiceKind.SCHOOL_ASSISTANT


OTHER_SCHOOL = "other"


def school_options(situation: Situation) -> list[Option]:
    """The schools registered in the municipality, then "not in the list"; none at all: no list."""
    if not situation.schools:
        return []
    return [Option(school_id, name) for school_id, name in situation.schools.items()] + [
        Option(OTHER_SCHOOL, _("The school is not in the list"), _("Type its name below. The social service passes the application on."))
    ]


def _read_school(form: FormValues, situation: Situation) -> tuple[Any, Errors]:
    """A school from the list decides itself; a typed one goes to the social service, which passes it on."""
    chosen_id = text(form, "school-id") if situation.schools else OTHER_SCHOOL
    value = {
        "school_id": chosen_id if chosen_id in situation.schools else "",
        "name": situation.schools.get(chosen_id) or text(form, "school"),
        "activities": chosen(form, "activities", [o.value for o in school_activity_options()]),
    }
    errors: Errors = []
    if situation.schools and chosen_id not in situation.schools and chosen_id != OTHER_SCHOOL:
        errors.append(("school-id", _("Select the school, or that it is not in the list")))
    elif not value["name"]:
        errors.append(("school", _("Enter the name of the school")))
    elif len(value["name"]) > MAX_NAME:
        errors.append(("school", _("The name must be %(num)s characters or fewer", num=MAX_NAME)))
    if not value["activities"]:
        errors.append(("activities", _("Select at least one thing the pupil needs help with")))
    return value, errors


def _school_summary(value: Any, situation: Situation) -> SummaryRows:
    names = {option.value: str(option.text) for option in school_activity_options()}
    return [
        (_("School"), value.get("name", "")),
        (_("Help needed with"), "; ".join(names[a] for a in value.get("activities", []) if a in names)),
    ]


# ---------------------------------------------------------------- assistant

ASSISTANT_CHOICES = ("known", "find")


def assistant_options() -> tuple[Option, ...]:
    return (
        Option("known", _("I know whom I would like as the assistant")),
        Option("find", _("Ask the social service to find an assistant")),
    )


def _read_assistant(form: FormValues, situation: Situation) -> tuple[Any, Errors]:
    choice = text(form, "choice")
    value = {"choice": choice, "name": text(form, "assistant-name"), "code": text(form, "assistant-code")}
    errors: Errors = []
    if choice not in ASSISTANT_CHOICES:
        errors.append(("choice", _("Select whether you know whom you would like as the assistant")))
    if choice == "known":
        if not value["name"]:
            errors.append(("assistant-name", _("Enter the assistant's name and surname")))
        elif len(value["name"]) > MAX_NAME:
            errors.append(("assistant-name", _("The name must be %(num)s characters or fewer", num=MAX_NAME)))
        if not value["code"]:
            errors.append(("assistant-code", _("Enter the assistant's personal code")))
        else:
            try:
                value["code"] = normalise(value["code"], from_provider=False)
            except InvalidPersonalCode:
                errors.append(("assistant-code", _("Enter a personal code like 010180-12345")))
    else:
        value["name"] = value["code"] = ""
    return value, errors


def _assistant_summary(value: Any, situation: Situation) -> SummaryRows:
    if value.get("choice") == "known":
        return [(_("Preferred assistant"), f"{value.get('name', '')}, {value.get('code', '')}")]
    return [(_("Preferred assistant"), _("The social service finds an assistant"))]


# ------------------------------------------------------------- declarations

DECLARATIONS = ("truth", "changes", "data")


def declaration_options() -> tuple[Option, ...]:
    return (
        Option("truth", _("The information in this application is true and complete.")),
        Option(
            "changes",
            _(
                "I will tell the social service within %(num)s working days when something changes: moving house, "
                "a stay in hospital or a change in activities.",
                num=REPORT_CHANGES_WORKING_DAYS,
            ),
        ),
        Option("data", _("I have read how the social service processes the personal data in this application.")),
    )


def _read_declarations(form: FormValues, situation: Situation) -> tuple[Any, Errors]:
    value = chosen(form, "declarations", list(DECLARATIONS))
    if value != list(DECLARATIONS):
        return value, [("declarations", _("Confirm all three statements to send the application"))]
    return value, []


def _declarations_summary(value: Any, situation: Situation) -> SummaryRows:
    return [(_("Declarations"), _("Confirmed") if value == list(DECLARATIONS) else _("Not confirmed"))]


def _always(situation: Situation) -> bool:
    return True


DETAILS = FormPage("details", _l("Personal details"), "applications/details.html", _always, _read_details, _details_summary)
CONTACT = FormPage("contact", _l("How should the social service contact you?"), "applications/contact.html", _always, _read_contact, _contact_summary)
PURPOSES = FormPage(
    "purposes", _l("What is the assistant needed for?"), "applications/purposes.html", _is_adult_assistant, _read_purposes, _purposes_summary
)
FREQUENCY = FormPage(
    "frequency", _l("How often is the assistant needed?"), "applications/frequency.html", _is_adult_assistant, _read_frequency, _frequency_summary
)
SCHOOL = FormPage("school", _l("The school"), "applications/school.html", _is_school_assistant, _read_school, _school_summary)
ASSISTANT = FormPage(
    "assistant", _l("Is there an assistant you would like?"), "applications/assistant.html", _always, _read_assistant, _assistant_summary
)
DECLARATIONS_PAGE = FormPage(
    "declarations", _l("Declarations"), "applications/declarations.html", _always, _read_declarations, _declarations_summary
)


def page_context(page: FormPage, situation: Situation) -> Mapping[str, Any]:
    """What a page's template needs beyond its value and errors."""
    return {
        "municipality_options": [Option("", _("Select a municipality"))]
        + [Option(code, name) for code, name in situation.municipalities.items()],
        "contact_options": contact_options(),
        "purpose_options": purpose_options(),
        "frequency_options": frequency_options(),
        "chosen_purposes": [(p, {o.value: o.text for o in purpose_options()}[p]) for p in chosen_purposes(situation)],
        "frequency_field": frequency_field,
        "school_activity_options": school_activity_options(),
        "school_options": school_options(situation),
        "assistant_options": assistant_options(),
        "declaration_options": declaration_options(),
    }

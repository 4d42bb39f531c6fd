"""The pages of the apply journey after the eligibility questions: details, contact, purposes, school,
the preferred assistant and the declarations.

Each page declares its fields (portal.forms) for the situation at hand, makes
their readings into one answer (`answers[slug]`), says what is wrong field by
field, and sums its answer up for the check page. The pages
that are a single choice are plain journey questions (journey.py); the
documents page is the routes' own, since it stores files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.support import LazyProxy

from portal.applications.rules import REPORT_CHANGES_WORKING_DAYS, Purpose, ServiceKind
from portal.applications.situation import Option, Situation
from portal.forms import Choice, Choices, Field, Readings, Text
from portal.i18n import format_date
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.people.personal_code import InvalidPersonalCode, normalise
from portal.registers import presenters
from portal.registers.facts import Address
from portal.validation import MAX_EMAIL_LENGTH, email_address, latvian_phone

Errors = list[tuple[str, str]]  # (field id, message), in the page's order
SummaryRows = list[tuple[str, str]]  # (what, the answer in words)
Fields = dict[str, Field[Any]]
MAX_ADDRESS = 300
MAX_NAME = 200
# Longer than any way of writing a Latvian number or a personal code, with spaces and the country code.
MAX_PHONE = 30
MAX_PERSONAL_CODE = 20


@dataclass(frozen=True)
class FormPage:
    """A page of several fields: which fields it declares in a situation, and how their readings become its answer.

    `read` gives (the answer to keep, or what to show again, and the errors at the fields).
    """

    slug: str
    title: LazyProxy
    template: str
    applies: Callable[[Situation], bool]
    fields: Callable[[Situation], Fields]
    read: Callable[[Readings, Situation], tuple[Any, Errors]]
    summary: Callable[[Any, Situation], SummaryRows]


def _given(readings: Readings) -> dict[str, Any]:
    """The values to keep when all is well, else what to show again as it was typed."""
    return readings.shown if readings.errors else readings.values


def _without(errors: Errors, *field_ids: str) -> Errors:
    return [(field_id, message) for field_id, message in errors if field_id not in field_ids]


def _in_order(errors: Errors, field_ids: tuple[str, ...]) -> Errors:
    """The errors in the order of the page's fields (the error summary follows the page)."""
    return sorted(errors, key=lambda error: field_ids.index(error[0]) if error[0] in field_ids else len(field_ids))


# ------------------------------------------------------------------ details


ADDRESS_FROM_REGISTER = "register"
ADDRESS_TYPED = "typed"
DETAILS_FIELDS = ("address-source", "municipality", "address")


def registered_address(situation: Situation) -> Address | None:
    """The declared address the population register gave for the person, when it is in a municipality the portal knows."""
    facts = situation.registered.population.found if situation.registered else None
    address = facts.declared_address if facts else None
    return address if address is not None and address.municipality in situation.municipalities else None


def _details_fields(situation: Situation) -> Fields:
    fields: Fields = {}
    registered = registered_address(situation)
    if registered is not None:
        fields["address-source"] = Choice((ADDRESS_FROM_REGISTER, ADDRESS_TYPED),
                                          required=_l("Select whether the declared address from the register is right"))
    fields["municipality"] = Choice(list(situation.municipalities),
                                    required=None if registered else _l("Select the municipality of the declared address"))
    fields["address"] = Text(
        MAX_ADDRESS,
        required=None if registered else _l("Enter the declared address"),
        too_long=_l("The address must be %(num)s characters or fewer", num=MAX_ADDRESS),
    )
    return fields


def _read_details(readings: Readings, situation: Situation) -> tuple[Any, Errors]:
    """The declared address: the population register's, confirmed, or the one typed (kept as not from a register).

    `from_register` is kept whenever the registers were read for the draft, so that the check page and
    the desk say where the address comes from; `read_at` is when the register gave it.
    """
    given = _given(readings)
    registered = registered_address(situation)
    if registered is None:
        value = {"municipality": given["municipality"], "address": given["address"]}
        if situation.registered is not None:
            value["from_register"] = False
        return value, readings.errors
    assert situation.registered is not None
    source = given["address-source"]
    if source == ADDRESS_FROM_REGISTER:
        return {"municipality": registered.municipality, "address": registered.address, "from_register": True,
                "read_at": situation.registered.population.read_at.isoformat()}, []
    value = {"address-source": source, "municipality": given["municipality"], "address": given["address"], "from_register": False}
    errors = list(readings.errors)
    if source == ADDRESS_TYPED:
        wrong = {field_id for field_id, _message in errors}
        if not value["municipality"] and "municipality" not in wrong:
            errors.append(("municipality", _("Select the municipality of the declared address")))
        if not value["address"] and "address" not in wrong:
            errors.append(("address", _("Enter the declared address")))
    if errors:
        return value, _in_order(errors, DETAILS_FIELDS)
    del value["address-source"]
    return value, []


def _details_summary(value: Any, situation: Situation) -> SummaryRows:
    municipality = situation.municipalities.get(value.get("municipality", ""), value.get("municipality", ""))
    rows = [(_("Municipality"), municipality), (_("Declared address"), value.get("address", ""))]
    if value.get("from_register") is True and isinstance(value.get("read_at"), str):
        read_on = format_date(datetime.fromisoformat(value["read_at"]))
        rows.append((_("Where the address comes from"), _("From the population register (PMLP), read on %(date)s.", date=read_on)))
    elif value.get("from_register") is False:
        rows.append((_("Where the address comes from"), str(presenters.NOT_FROM_A_REGISTER)))
    return rows


# ------------------------------------------------------------------ contact

CONTACT_METHODS = ("phone", "email", "post")


def contact_options() -> tuple[Option, ...]:
    return (
        Option("phone", _("By phone")),
        Option("email", _("By e-mail")),
        Option("post", _("By post to the declared address")),
    )


WRONG_PHONE = _l("Enter a Latvian phone number, like 20 123 456 or +371 67 123 456")
WRONG_EMAIL = _l("Enter an e-mail address in the right format, like name@example.lv")


def _contact_fields(situation: Situation) -> Fields:
    return {
        "method": Choice(CONTACT_METHODS, required=_l("Select how the social service should contact you")),
        "phone": Text(MAX_PHONE, too_long=WRONG_PHONE),
        "email": Text(MAX_EMAIL_LENGTH, too_long=WRONG_EMAIL),
    }


def _read_contact(readings: Readings, situation: Situation) -> tuple[Any, Errors]:
    given = _given(readings)
    method = given["method"]
    value = {"method": method, "phone": given["phone"], "email": given["email"]}
    errors = list(readings.errors)
    wrong = {field_id for field_id, _message in errors}
    if "phone" not in wrong:
        if value["phone"]:
            phone = latvian_phone(value["phone"])
            if phone is None:
                errors.append(("phone", str(WRONG_PHONE)))
            else:
                value["phone"] = phone
        elif method == "phone":
            errors.append(("phone", _("Enter a phone number")))
    if "email" not in wrong:
        if value["email"]:
            email = email_address(value["email"])
            if email is None:
                errors.append(("email", str(WRONG_EMAIL)))
            else:
                value["email"] = email
        elif method == "email":
            errors.append(("email", _("Enter an e-mail address")))
    return value, _in_order(errors, ("method", "phone", "email"))


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


def _purposes_fields(situation: Situation) -> Fields:
    return {"purposes": Choices([option.value for option in purpose_options()], required=_l("Select at least one activity"))}


def _read_purposes(readings: Readings, situation: Situation) -> tuple[Any, Errors]:
    return readings.values["purposes"], readings.errors


def _purposes_summary(value: Any, situation: Situation) -> SummaryRows:
    names = {option.value: str(option.text) for option in purpose_options()}
    return [(_("Activities"), "; ".join(names[p] for p in value if p in names))]


def chosen_purposes(situation: Situation) -> list[str]:
    purposes = situation.answers.get("purposes")
    return [p for p in purposes if p in Purpose._value2member_map_] if isinstance(purposes, list) else []


def frequency_field(purpose: str) -> str:
    return f"frequency-{purpose.replace('_', '-')}"


def _frequency_fields(situation: Situation) -> Fields:
    """One radio group per activity chosen on the purposes page."""
    names = {option.value: str(option.text) for option in purpose_options()}
    return {
        frequency_field(purpose): Choice(FREQUENCIES, required=_l("Select how often: %(activity)s", activity=names[purpose]))
        for purpose in chosen_purposes(situation)
    }


def _read_frequency(readings: Readings, situation: Situation) -> tuple[Any, Errors]:
    chosen = {purpose: readings.values[frequency_field(purpose)] for purpose in chosen_purposes(situation)}
    return {purpose: how_often for purpose, how_often in chosen.items() if how_often}, readings.errors


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


SCHOOL_FIELDS = ("school-id", "school", "activities")


def _school_fields(situation: Situation) -> Fields:
    fields: Fields = {}
    if situation.schools:
        fields["school-id"] = Choice(
            [*situation.schools, OTHER_SCHOOL], required=_l("Select the school, or that it is not in the list")
        )
    fields["school"] = Text(MAX_NAME, too_long=_l("The name must be %(num)s characters or fewer", num=MAX_NAME))
    fields["activities"] = Choices(
        [o.value for o in school_activity_options()], required=_l("Select at least one thing the pupil needs help with")
    )
    return fields


def _read_school(readings: Readings, situation: Situation) -> tuple[Any, Errors]:
    """A school from the list decides itself; a typed one goes to the social service, which passes it on."""
    given = _given(readings)
    chosen_id = given["school-id"] if situation.schools else OTHER_SCHOOL
    errors = list(readings.errors)
    if chosen_id != OTHER_SCHOOL:
        # A school from the list is the answer, whatever is in the name field; with none chosen, that error says it.
        errors = _without(errors, "school")
        listed = chosen_id in situation.schools
        value = {
            "school_id": chosen_id if listed else "",
            "name": situation.schools[chosen_id] if listed else given["school"],
            "activities": given["activities"],
        }
        return value, _in_order(errors, SCHOOL_FIELDS)
    value = {"school_id": "", "name": given["school"], "activities": given["activities"]}
    if not value["name"] and "school" not in {field_id for field_id, _message in errors}:
        errors.append(("school", _("Enter the name of the school")))
    return value, _in_order(errors, SCHOOL_FIELDS)


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


ASSISTANT_FIELDS = ("choice", "assistant-name", "assistant-code")
WRONG_PERSONAL_CODE = _l("Enter a personal code like 010180-12345")


def _assistant_fields(situation: Situation) -> Fields:
    return {
        "choice": Choice(ASSISTANT_CHOICES, required=_l("Select whether you know whom you would like as the assistant")),
        "assistant-name": Text(MAX_NAME, too_long=_l("The name must be %(num)s characters or fewer", num=MAX_NAME)),
        "assistant-code": Text(MAX_PERSONAL_CODE, too_long=WRONG_PERSONAL_CODE),
    }


def _read_assistant(readings: Readings, situation: Situation) -> tuple[Any, Errors]:
    given = _given(readings)
    choice = given["choice"]
    value = {"choice": choice, "name": given["assistant-name"], "code": given["assistant-code"]}
    if choice != "known":
        # The name and code are asked only for a known assistant; what else was typed there does not count.
        value["name"] = value["code"] = ""
        return value, _without(readings.errors, "assistant-name", "assistant-code")
    errors = list(readings.errors)
    wrong = {field_id for field_id, _message in errors}
    if not value["name"] and "assistant-name" not in wrong:
        errors.append(("assistant-name", _("Enter the assistant's name and surname")))
    if "assistant-code" not in wrong:
        if not value["code"]:
            errors.append(("assistant-code", _("Enter the assistant's personal code")))
        else:
            try:
                value["code"] = normalise(value["code"], from_provider=False)
            except InvalidPersonalCode:
                errors.append(("assistant-code", str(WRONG_PERSONAL_CODE)))
    return value, _in_order(errors, ASSISTANT_FIELDS)


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


def _declarations_fields(situation: Situation) -> Fields:
    return {"declarations": Choices(DECLARATIONS)}


def _read_declarations(readings: Readings, situation: Situation) -> tuple[Any, Errors]:
    value = readings.values["declarations"]
    if value != list(DECLARATIONS):
        return value, [("declarations", _("Confirm all three statements to send the application"))]
    return value, []


def _declarations_summary(value: Any, situation: Situation) -> SummaryRows:
    return [(_("Declarations"), _("Confirmed") if value == list(DECLARATIONS) else _("Not confirmed"))]


def _always(situation: Situation) -> bool:
    return True


DETAILS = FormPage(
    "details", _l("Personal details"), "applications/details.html", _always, _details_fields, _read_details, _details_summary
)
CONTACT = FormPage(
    "contact", _l("How should the social service contact you?"), "applications/contact.html", _always,
    _contact_fields, _read_contact, _contact_summary,
)
PURPOSES = FormPage(
    "purposes", _l("What is the assistant needed for?"), "applications/purposes.html", _is_adult_assistant,
    _purposes_fields, _read_purposes, _purposes_summary,
)
FREQUENCY = FormPage(
    "frequency", _l("How often is the assistant needed?"), "applications/frequency.html", _is_adult_assistant,
    _frequency_fields, _read_frequency, _frequency_summary,
)
SCHOOL = FormPage(
    "school", _l("The school"), "applications/school.html", _is_school_assistant, _school_fields, _read_school, _school_summary
)
ASSISTANT = FormPage(
    "assistant", _l("Is there an assistant you would like?"), "applications/assistant.html", _always,
    _assistant_fields, _read_assistant, _assistant_summary,
)
DECLARATIONS_PAGE = FormPage(
    "declarations", _l("Declarations"), "applications/declarations.html", _always,
    _declarations_fields, _read_declarations, _declarations_summary,
)


def page_context(page: FormPage, situation: Situation) -> Mapping[str, Any]:
    """What a page's template needs beyond its value and errors."""
    registered = registered_address(situation) if page is DETAILS else None
    population = situation.registered.population if situation.registered else None
    return {
        # The declared address from the population register, where it comes from, and the choice to confirm or correct it.
        "registered_address": registered,
        "registered_municipality": situation.municipalities.get(registered.municipality, "") if registered else "",
        "address_source": presenters.source_text(population) if population else None,
        "address_source_options": (
            Option(ADDRESS_FROM_REGISTER, _("Yes, this is the declared address")),
            Option(ADDRESS_TYPED, _("No, it is wrong: I will type the declared address below")),
        ),
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

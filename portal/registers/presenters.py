"""The registers' facts in words, with where each comes from and when: the journey's and the desk's pages."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from babel.support import LazyProxy

from portal import clock
from portal.applications.rules import DisabilityGroup
from portal.i18n import format_date, format_datetime
from portal.i18n import gettext as _
from portal.i18n import lazy_gettext as _l
from portal.people.models import RepresentationKind
from portal.registers.facts import (
    DisabilityFacts,
    EducationFacts,
    Level,
    OpinionKind,
    Outcome,
    PopulationFacts,
    Read,
    RegisterName,
    RepresentationFact,
)
from portal.registers.service import Registered

TITLES: dict[RegisterName, LazyProxy] = {
    RegisterName.POPULATION: _l("Population register (PMLP)"),
    RegisterName.DISABILITY: _l("Disability register (VDEĀVK)"),
    RegisterName.EDUCATION: _l("Education register (VIIS)"),
}
# Whole sentences per register and outcome: the registers' names do not decline the same way in Latvian and Russian.
SOURCES: dict[tuple[RegisterName, Outcome], LazyProxy] = {
    (RegisterName.POPULATION, Outcome.FOUND): _l("From the population register (PMLP), read on %(date)s."),
    (RegisterName.DISABILITY, Outcome.FOUND): _l("From the disability register (VDEĀVK), read on %(date)s."),
    (RegisterName.EDUCATION, Outcome.FOUND): _l("From the education register (VIIS), read on %(date)s."),
    (RegisterName.POPULATION, Outcome.NOT_FOUND): _l("The population register (PMLP) holds no record of this person (read on %(date)s)."),
    (RegisterName.DISABILITY, Outcome.NOT_FOUND): _l("The disability register (VDEĀVK) holds no disability for this person (read on %(date)s)."),
    (RegisterName.EDUCATION, Outcome.NOT_FOUND): _l("The education register (VIIS) holds no studies for this person (read on %(date)s)."),
    (RegisterName.POPULATION, Outcome.UNKNOWN): _l("The population register (PMLP) could not be read on %(date)s."),
    (RegisterName.DISABILITY, Outcome.UNKNOWN): _l("The disability register (VDEĀVK) could not be read on %(date)s."),
    (RegisterName.EDUCATION, Outcome.UNKNOWN): _l("The education register (VIIS) could not be read on %(date)s."),
}
NOT_FROM_A_REGISTER = _l("Not from a register: typed in the application.")

GROUPS: dict[DisabilityGroup, LazyProxy] = {
    DisabilityGroup.GROUP_I: _l("Group I"),
    DisabilityGroup.GROUP_II: _l("Group II"),
    DisabilityGroup.GROUP_III: _l("Group III"),
    DisabilityGroup.CHILD: _l("A child's disability"),
}
OPINIONS: dict[OpinionKind, LazyProxy] = {
    OpinionKind.SPECIAL_CARE: _l("Special care is needed"),
    OpinionKind.COMPANION: _l("A companion is needed"),
    OpinionKind.ASSISTANT: _l("An assistant is needed for studies"),
}
LEVELS: dict[Level, LazyProxy] = {
    Level.GENERAL: _l("general school"),
    Level.VOCATIONAL: _l("vocational school"),
    Level.SPECIAL: _l("special school"),
    Level.HIGHER: _l("university or college"),
}
KINDS: dict[RepresentationKind, LazyProxy] = {
    RepresentationKind.PARENT: _l("parent"),
    RepresentationKind.GUARDIAN: _l("guardian"),
    RepresentationKind.AUTHORISED: _l("authorised person"),
}


def read_day(read: Read[Any]) -> date:
    """The day in Riga the register was read."""
    return clock.day_of(read.read_at)


def source_text(read: Read[Any], *, with_time: bool = False) -> str:
    """Where the facts come from and when ("From the disability register (VDEĀVK), read on …")."""
    when = format_datetime(read.read_at, "short") if with_time else format_date(read_day(read))
    # The message is translated first, then given the date (a lazy message without variables keeps "%(date)s").
    return str(SOURCES[(read.register, read.outcome)]) % {"date": when}


def period_text(valid_from: date, valid_until: date | None) -> str:
    if valid_until is None:
        return _("from %(date)s, for an unlimited time", date=format_date(valid_from, "short"))
    return f"{format_date(valid_from, 'short')} – {format_date(valid_until, 'short')}"


def yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _representation(fact: RepresentationFact) -> str:
    period = period_text(fact.valid_from, fact.valid_to) if fact.valid_to else _("from %(date)s", date=format_date(fact.valid_from, "short"))
    return f"{fact.given_name} {fact.family_name}, {fact.personal_code}: {KINDS[fact.kind]}, {period}"


def address_text(facts: PopulationFacts, municipalities: Mapping[str, str]) -> str | None:
    a = facts.declared_address
    if a is None:
        return None
    return f"{a.address} ({municipalities.get(a.municipality, a.municipality)})"


def population_rows(facts: PopulationFacts, municipalities: Mapping[str, str]) -> list[tuple[str, str | list[str]]]:
    rows: list[tuple[str, str | list[str]]] = [(_("Declared address"), address_text(facts, municipalities) or _("None declared"))]
    if facts.birth_date:
        rows.append((_("Date of birth"), format_date(facts.birth_date)))
    if facts.death_date:
        rows.append((_("Date of death"), format_date(facts.death_date)))
    if facts.representatives:
        rows.append((_("Legal representatives"), [_representation(r) for r in facts.representatives]))
    if facts.represents:
        rows.append((_("Legal representative of"), [_representation(r) for r in facts.represents]))
    return rows


def disability_rows(facts: DisabilityFacts) -> list[tuple[str, str | list[str]]]:
    rows: list[tuple[str, str | list[str]]] = [
        (_("Disability"), str(GROUPS[facts.group])),
        (_("Disability period"), period_text(facts.valid_from, facts.valid_until)),
        (_("Disability from childhood"), yes_no(facts.from_childhood)),
    ]
    if facts.limitations is not None:
        rows.append((_("Limitations of vision, mobility or mental functions"), yes_no(facts.limitations)))
    if facts.transport_indication is not None:
        rows.append((_("Indication for car adaptation or the transport benefit"), yes_no(facts.transport_indication)))
    rows.append((_("The commission's opinions"), [
        f"{OPINIONS[o.kind]}: {period_text(o.given_on, o.valid_until)}" for o in facts.opinions
    ] or _("None")))
    return rows


def education_rows(facts: EducationFacts) -> list[tuple[str, str | list[str]]]:
    return [(_("Enrolled in"), [
        f"{e.institution} ({LEVELS[e.level]}): {period_text(e.valid_from, e.valid_until)}" for e in facts.enrolments
    ] or _("Nowhere"))]


def fact_rows(read: Read[Any], municipalities: Mapping[str, str]) -> list[tuple[str, str | list[str]]]:
    """What one register said, as (what, the fact in words); nothing when it found nothing or did not answer."""
    facts = read.found
    match facts:
        case PopulationFacts():
            return population_rows(facts, municipalities)
        case DisabilityFacts():
            return disability_rows(facts)
        case EducationFacts():
            return education_rows(facts)
    return []


def sections(registered: Registered, municipalities: Mapping[str, str], *, with_time: bool = False,
             registers: tuple[RegisterName, ...] = tuple(RegisterName)) -> list[dict[str, Any]]:
    """One section per register: its title, where and when it was read, and its facts as summary-list rows."""
    return [
        {
            "title": str(TITLES[read.register]),
            "source": source_text(read, with_time=with_time),
            "outcome": read.outcome.value,
            "rows": [{"key": key, "value": value} for key, value in fact_rows(read, municipalities)],
        }
        for read in registered.reads
        if read.register in registers
    ]


def _as_text(value: str | list[str]) -> str:
    return "; ".join(value) if isinstance(value, list) else value


def changes(before: Registered, after: Registered, municipalities: Mapping[str, str]) -> list[list[str]]:
    """What the registers say differently now from when the person applied: [register, what, then, now] rows.

    A register that could not be read either time tells nothing about a change, so it is left out.
    """
    rows: list[list[str]] = []
    for then, now in zip(before.reads, after.reads, strict=True):
        if Outcome.UNKNOWN in (then.outcome, now.outcome):
            continue
        old = {key: _as_text(value) for key, value in fact_rows(then, municipalities)}
        new = {key: _as_text(value) for key, value in fact_rows(now, municipalities)}
        if then.outcome is not now.outcome and not (old or new):
            continue
        for key in [*old, *[k for k in new if k not in old]]:
            if old.get(key) != new.get(key):
                rows.append([str(TITLES[now.register]), key, old.get(key, "—"), new.get(key, "—")])
    return rows


def read_at_text(at: datetime) -> str:
    return format_datetime(at, "short")

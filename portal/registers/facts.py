"""What the state registers say about a person, typed, and how it is written as JSON.

One JSON shape serves three places: the file-backed registers' fixture, the HTTP adapter's response
bodies (docs/registers.md) and the rows that keep what a register said about an application
(models.RegisterRead). `parse_*` refuses anything else with FactsError, naming what is wrong.

A register answers with one of three outcomes: FOUND (with the facts), NOT_FOUND (it holds nothing
about the person) or UNKNOWN (it failed, timed out, or answered something unreadable). UNKNOWN
never stops anyone: the person types the fact, and it is kept as theirs, not from a register.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from portal.applications.rules import DisabilityGroup
from portal.people.models import RepresentationKind
from portal.people.personal_code import InvalidPersonalCode, normalise


class FactsError(ValueError):
    """A register's answer (or the fixture) is not in the shape docs/registers.md describes."""


class RegisterName(StrEnum):
    POPULATION = "population"  # PMLP: Iedzīvotāju reģistrs
    DISABILITY = "disability"  # VDEĀVK: the disability determinations and the commission's opinions
    EDUCATION = "education"  # VIIS: Valsts izglītības informācijas sistēma


class Outcome(StrEnum):
    FOUND = "found"
    NOT_FOUND = "not_found"
    UNKNOWN = "unknown"  # the register failed or timed out: nothing is known, nothing is assumed


# ------------------------------------------------------------------ population


@dataclass(frozen=True)
class Address:
    municipality: str  # the portal's municipality code (people.models.Municipality.code)
    address: str
    declared_on: date | None = None


# The kinds of legal representation the population register holds (an authorisation does not come from it).
REGISTERED_REPRESENTATION = (RepresentationKind.PARENT, RepresentationKind.GUARDIAN)


@dataclass(frozen=True)
class RepresentationFact:
    """One legal representation: the other person (the representative, or the one represented) and its period."""

    personal_code: str
    given_name: str
    family_name: str
    kind: RepresentationKind
    valid_from: date
    valid_to: date | None = None

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True)
class PopulationFacts:
    given_name: str
    family_name: str
    birth_date: date | None = None
    declared_address: Address | None = None
    death_date: date | None = None
    representatives: tuple[RepresentationFact, ...] = ()  # who represents this person
    represents: tuple[RepresentationFact, ...] = ()  # whom this person represents


# ------------------------------------------------------------------ disability


class OpinionKind(StrEnum):
    """The VDEĀVK's opinions the service depends on (Reg. 316)."""

    SPECIAL_CARE = "special_care"  # a child's need for special care
    COMPANION = "companion"  # a child's need for a companion
    ASSISTANT = "assistant"  # an adult's need for an assistant for studies


@dataclass(frozen=True)
class Opinion:
    kind: OpinionKind
    given_on: date
    valid_until: date | None = None

    def is_valid_on(self, day: date) -> bool:
        return self.given_on <= day and (self.valid_until is None or day <= self.valid_until)


# Groups a determination carries; NONE and UNKNOWN are the person's answers, never the register's.
REGISTERED_GROUPS = (DisabilityGroup.GROUP_I, DisabilityGroup.GROUP_II, DisabilityGroup.GROUP_III, DisabilityGroup.CHILD)


@dataclass(frozen=True)
class DisabilityFacts:
    group: DisabilityGroup  # I, II, III, or a child's disability (no group)
    valid_from: date
    valid_until: date | None = None  # None: determined for an unlimited time
    from_childhood: bool = False
    # None: the register does not say; then the person is asked.
    limitations: bool | None = None  # vision, mobility or mental limitations
    transport_indication: bool | None = None  # for car adaptation or the transport benefit
    opinions: tuple[Opinion, ...] = ()

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def opinion(self, kind: OpinionKind, day: date) -> Opinion | None:
        return next((o for o in self.opinions if o.kind is kind and o.is_valid_on(day)), None)


# ------------------------------------------------------------------- education


class Level(StrEnum):
    GENERAL = "general"  # basic or secondary school
    VOCATIONAL = "vocational"
    SPECIAL = "special"  # a special school funded by the state (not part of the school assistant service)
    HIGHER = "higher"  # a university or college


SCHOOL_LEVELS = (Level.GENERAL, Level.VOCATIONAL)


@dataclass(frozen=True)
class Enrolment:
    institution: str
    registration_number: str
    level: Level
    valid_from: date
    valid_until: date | None = None
    municipality: str | None = None  # the portal's municipality code, when the register gives one

    def is_valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class EducationFacts:
    enrolments: tuple[Enrolment, ...] = ()

    def current(self, day: date, levels: tuple[Level, ...] = tuple(Level)) -> list[Enrolment]:
        return [e for e in self.enrolments if e.level in levels and e.is_valid_on(day)]


# ----------------------------------------------------------------- one answer

Facts = PopulationFacts | DisabilityFacts | EducationFacts
F = TypeVar("F", PopulationFacts, DisabilityFacts, EducationFacts)


@dataclass(frozen=True)
class Read(Generic[F]):
    """One register's answer about one person, and when it was read."""

    register: RegisterName
    outcome: Outcome
    read_at: datetime
    facts: F | None = field(default=None)

    @property
    def found(self) -> F | None:
        return self.facts if self.outcome is Outcome.FOUND else None


# ------------------------------------------------------------------ from JSON


def _object(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise FactsError(f"{where}: expected an object")
    return value


def _text(data: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> str:
    value = data.get(key)
    if value is None and optional:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise FactsError(f"{where}.{key}: expected text")
    return value.strip()


def _date(data: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> date | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise FactsError(f"{where}.{key}: expected a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise FactsError(f"{where}.{key}: {value!r} is not a date (YYYY-MM-DD)") from None


def _required_date(data: Mapping[str, Any], key: str, where: str) -> date:
    found = _date(data, key, where)
    assert found is not None
    return found


def _flag(data: Mapping[str, Any], key: str, where: str) -> bool | None:
    value = data.get(key)
    if value is not None and not isinstance(value, bool):
        raise FactsError(f"{where}.{key}: expected true, false or null")
    return value


E = TypeVar("E", bound=StrEnum)


def _member(enum: type[E], data: Mapping[str, Any], key: str, where: str, allowed: tuple[E, ...] | None = None) -> E:
    value = data.get(key)
    members = allowed or tuple(enum)
    if value not in [m.value for m in members]:
        raise FactsError(f"{where}.{key}: expected one of {', '.join(m.value for m in members)}")
    return enum(value)


def _list(data: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = data.get(key, [])
    if not isinstance(value, list):
        raise FactsError(f"{where}.{key}: expected a list")
    return value


def personal_code(value: object, where: str) -> str:
    """A personal code as the registers write it, normalised (DDMMYY-NNNNN)."""
    try:
        return normalise(value if isinstance(value, str) else None, from_provider=True)
    except InvalidPersonalCode:
        raise FactsError(f"{where}: not a personal code") from None


def _representation(value: object, where: str) -> RepresentationFact:
    data = _object(value, where)
    valid_from = _required_date(data, "valid_from", where)
    valid_to = _date(data, "valid_to", where, optional=True)
    if valid_to is not None and valid_to < valid_from:
        raise FactsError(f"{where}: ends before it begins")
    return RepresentationFact(
        personal_code=personal_code(data.get("personal_code"), f"{where}.personal_code"),
        given_name=_text(data, "given_name", where, optional=True),
        family_name=_text(data, "family_name", where, optional=True),
        kind=_member(RepresentationKind, data, "kind", where, REGISTERED_REPRESENTATION),
        valid_from=valid_from,
        valid_to=valid_to,
    )


def parse_population(value: object, where: str = "population") -> PopulationFacts:
    data = _object(value, where)
    address = data.get("declared_address")
    declared = None
    if address is not None:
        a = _object(address, f"{where}.declared_address")
        declared = Address(
            municipality=_text(a, "municipality", f"{where}.declared_address"),
            address=_text(a, "address", f"{where}.declared_address"),
            declared_on=_date(a, "declared_on", f"{where}.declared_address", optional=True),
        )
    return PopulationFacts(
        given_name=_text(data, "given_name", where, optional=True),
        family_name=_text(data, "family_name", where, optional=True),
        birth_date=_date(data, "birth_date", where, optional=True),
        declared_address=declared,
        death_date=_date(data, "death_date", where, optional=True),
        representatives=tuple(_representation(r, f"{where}.representatives[{i}]")
                              for i, r in enumerate(_list(data, "representatives", where))),
        represents=tuple(_representation(r, f"{where}.represents[{i}]") for i, r in enumerate(_list(data, "represents", where))),
    )


def parse_disability(value: object, where: str = "disability") -> DisabilityFacts:
    data = _object(value, where)
    valid_from = _required_date(data, "valid_from", where)
    valid_until = _date(data, "valid_until", where, optional=True)
    if valid_until is not None and valid_until < valid_from:
        raise FactsError(f"{where}: ends before it begins")
    opinions = []
    for i, item in enumerate(_list(data, "opinions", where)):
        o = _object(item, f"{where}.opinions[{i}]")
        opinions.append(Opinion(
            kind=_member(OpinionKind, o, "kind", f"{where}.opinions[{i}]"),
            given_on=_required_date(o, "given_on", f"{where}.opinions[{i}]"),
            valid_until=_date(o, "valid_until", f"{where}.opinions[{i}]", optional=True),
        ))
    from_childhood = data.get("from_childhood", False)
    if not isinstance(from_childhood, bool):
        raise FactsError(f"{where}.from_childhood: expected true or false")
    return DisabilityFacts(
        group=_member(DisabilityGroup, data, "group", where, REGISTERED_GROUPS),
        valid_from=valid_from,
        valid_until=valid_until,
        from_childhood=from_childhood,
        limitations=_flag(data, "limitations", where),
        transport_indication=_flag(data, "transport_indication", where),
        opinions=tuple(opinions),
    )


def parse_education(value: object, where: str = "education") -> EducationFacts:
    data = _object(value, where)
    enrolments = []
    for i, item in enumerate(_list(data, "enrolments", where)):
        here = f"{where}.enrolments[{i}]"
        e = _object(item, here)
        municipality = e.get("municipality")
        if municipality is not None and not isinstance(municipality, str):
            raise FactsError(f"{here}.municipality: expected text or null")
        enrolments.append(Enrolment(
            institution=_text(e, "institution", here),
            registration_number=_text(e, "registration_number", here, optional=True),
            level=_member(Level, e, "level", here),
            valid_from=_required_date(e, "valid_from", here),
            valid_until=_date(e, "valid_until", here, optional=True),
            municipality=municipality or None,
        ))
    return EducationFacts(tuple(enrolments))


PARSERS: dict[RegisterName, Callable[[object, str], Facts]] = {
    RegisterName.POPULATION: parse_population,
    RegisterName.DISABILITY: parse_disability,
    RegisterName.EDUCATION: parse_education,
}


# -------------------------------------------------------------------- to JSON


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _dump_representation(r: RepresentationFact) -> dict[str, Any]:
    return {"personal_code": r.personal_code, "given_name": r.given_name, "family_name": r.family_name,
            "kind": r.kind.value, "valid_from": _iso(r.valid_from), "valid_to": _iso(r.valid_to)}


def dump(facts: Facts) -> dict[str, Any]:
    """The facts as JSON, in the shape `parse_*` reads."""
    match facts:
        case PopulationFacts():
            a = facts.declared_address
            return {
                "given_name": facts.given_name, "family_name": facts.family_name, "birth_date": _iso(facts.birth_date),
                "declared_address": {"municipality": a.municipality, "address": a.address, "declared_on": _iso(a.declared_on)}
                if a else None,
                "death_date": _iso(facts.death_date),
                "representatives": [_dump_representation(r) for r in facts.representatives],
                "represents": [_dump_representation(r) for r in facts.represents],
            }
        case DisabilityFacts():
            return {
                "group": facts.group.value, "valid_from": _iso(facts.valid_from), "valid_until": _iso(facts.valid_until),
                "from_childhood": facts.from_childhood, "limitations": facts.limitations,
                "transport_indication": facts.transport_indication,
                "opinions": [{"kind": o.kind.value, "given_on": _iso(o.given_on), "valid_until": _iso(o.valid_until)}
                             for o in facts.opinions],
            }
        case EducationFacts():
            return {"enrolments": [
                {"institution": e.institution, "registration_number": e.registration_number, "level": e.level.value,
                 "valid_from": _iso(e.valid_from), "valid_until": _iso(e.valid_until), "municipality": e.municipality}
                for e in facts.enrolments
            ]}

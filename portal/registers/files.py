"""The file-backed registers: the demo's and the tests' stand-in for PMLP, VDEĀVK and VIIS.

One JSON file holds all three (fixtures/demo.json is shipped; PORTAL_REGISTER_FILE names another):
`population`, `disability` and `education`, each an object keyed by personal code, in the shapes
facts.parse_* read (docs/registers.md). A legal representation is written once, on the person
represented; the representative's record lists it under `represents` as the real register does.

The file is checked when the registers are made, so a broken fixture fails at start-up and in the
tests, never in front of a person. It is read again when it changes (the demo's facts can be
edited while it runs, and the tests change a register between applying and deciding); a change
that breaks it makes every answer UNKNOWN until it is mended, and says so in the log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from portal.db import utcnow
from portal.registers.facts import (
    DisabilityFacts,
    EducationFacts,
    F,
    FactsError,
    Outcome,
    PopulationFacts,
    Read,
    RegisterName,
    RepresentationFact,
    parse_disability,
    parse_education,
    parse_population,
    personal_code,
)

log = logging.getLogger(__name__)

DEMO_FIXTURE = Path(__file__).parent / "fixtures" / "demo.json"


@dataclass(frozen=True)
class Fixture:
    population: Mapping[str, PopulationFacts]
    disability: Mapping[str, DisabilityFacts]
    education: Mapping[str, EducationFacts]


def _section(data: Mapping[str, Any], name: str, parse: Callable[[object, str], F], path: Path) -> dict[str, F]:
    section = data.get(name, {})
    if not isinstance(section, Mapping):
        raise FactsError(f"{path}: {name}: expected an object keyed by personal code")
    return {personal_code(code, f"{path}: {name}"): parse(facts, f"{path}: {name}[{code}]") for code, facts in section.items()}


def load(path: Path) -> Fixture:
    """The fixture, checked; FactsError names the file and what is wrong."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise FactsError(f"{path}: {error}") from None
    if not isinstance(data, Mapping):
        raise FactsError(f"{path}: expected an object")
    population = _section(data, "population", parse_population, path)
    # The representatives' side of each representation, with the names the register knows them by.
    represents: dict[str, list[RepresentationFact]] = {}
    for code, facts in population.items():
        for given in facts.representatives:
            represents.setdefault(given.personal_code, []).append(
                replace(given, personal_code=code, given_name=facts.given_name, family_name=facts.family_name)
            )
    named = {}
    for code, facts in population.items():
        representatives = tuple(
            replace(r, given_name=population[r.personal_code].given_name, family_name=population[r.personal_code].family_name)
            if r.personal_code in population else r
            for r in facts.representatives
        )
        named[code] = replace(facts, representatives=representatives,
                              represents=facts.represents + tuple(represents.get(code, ())))
    return Fixture(
        population=named,
        disability=_section(data, "disability", parse_disability, path),
        education=_section(data, "education", parse_education, path),
    )


class FileRegisters:
    """All three registers from one file; `population`, `disability` and `education` are this object."""

    def __init__(self, path: str | Path = DEMO_FIXTURE) -> None:
        self.path = Path(path)
        self._fixture = load(self.path)
        self._version = self._stamp()

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return (stat.st_mtime_ns, stat.st_size)

    def _current(self) -> Fixture | None:
        stamp = self._stamp()
        if stamp != self._version:
            try:
                self._fixture, self._version = load(self.path), stamp
            except FactsError as error:
                log.error("register fixture unreadable, every register answers 'unknown': %s", error)
                return None
        return self._fixture

    def _read(self, register: RegisterName, pick: Callable[[Fixture], Mapping[str, F]], code: str) -> Read[F]:
        fixture = self._current()
        if fixture is None:
            return Read(register, Outcome.UNKNOWN, utcnow())
        facts = pick(fixture).get(code)
        return Read(register, Outcome.FOUND if facts is not None else Outcome.NOT_FOUND, utcnow(), facts)

    async def person(self, personal_code: str) -> Read[PopulationFacts]:
        return self._read(RegisterName.POPULATION, lambda f: f.population, personal_code)

    async def disability(self, personal_code: str) -> Read[DisabilityFacts]:
        return self._read(RegisterName.DISABILITY, lambda f: f.disability, personal_code)

    async def enrolments(self, personal_code: str) -> Read[EducationFacts]:
        return self._read(RegisterName.EDUCATION, lambda f: f.education, personal_code)

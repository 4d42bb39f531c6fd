"""Reading the registers for a person, keeping what they said with an application, and the legal
representations the population register holds. No HTTP here.

The registers are read before the unit of work that keeps what they said (read_all, read_population),
so that no row is locked while a register answers; `keep`, `kept` and `refresh_representations`
work in the caller's transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from portal.db import added_or_existing, for_update, utcnow
from portal.people.models import Person, Representation
from portal.registers.base import Registers
from portal.registers.facts import (
    PARSERS,
    DisabilityFacts,
    EducationFacts,
    F,
    FactsError,
    Outcome,
    PopulationFacts,
    Read,
    RegisterName,
    RepresentationFact,
    dump,
)
from portal.registers.models import ReadStage, RegisterRead

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Registered:
    """What the three registers said about one person, each with its outcome and when it was read."""

    population: Read[PopulationFacts]
    disability: Read[DisabilityFacts]
    education: Read[EducationFacts]

    @property
    def reads(self) -> tuple[Read[Any], ...]:
        return (self.population, self.disability, self.education)


async def _guarded(register: RegisterName, ask: Callable[[str], Awaitable[Read[F]]], personal_code: str) -> Read[F]:
    """The register's answer; an implementation that raises (it should not) is a register that is down."""
    try:
        return await ask(personal_code)
    except Exception:  # whatever goes wrong in a register, the person goes on applying
        log.exception("%s register: the adapter raised; treated as unknown", register.value)
        return Read(register, Outcome.UNKNOWN, utcnow())


async def read_population(registers: Registers, personal_code: str) -> Read[PopulationFacts]:
    return await _guarded(RegisterName.POPULATION, registers.population.person, personal_code)


async def read_all(registers: Registers, personal_code: str) -> Registered:
    """The three registers, asked at the same time: a page waits at most one timeout for them all."""
    population, disability, education = await asyncio.gather(
        read_population(registers, personal_code),
        _guarded(RegisterName.DISABILITY, registers.disability.disability, personal_code),
        _guarded(RegisterName.EDUCATION, registers.education.enrolments, personal_code),
    )
    return Registered(population, disability, education)


# ------------------------------------------------------------ kept with the application


async def keep(db: AsyncSession, application_id: int, registered: Registered, stage: ReadStage) -> None:
    """Keep what the registers said for the application at this stage (again: the newer answer replaces it).

    One row per register and stage, written with INSERT … ON CONFLICT DO UPDATE, so that two requests
    keeping the same stage at once (a "who is it for" form sent twice) end with one row each.
    """
    insert = postgresql.insert if db.get_bind().dialect.name == "postgresql" else sqlite.insert
    for read in registered.reads:
        found = read.found
        values = {"outcome": read.outcome.value, "facts": dump(found) if found is not None else None,
                  "read_at": read.read_at}
        statement = insert(RegisterRead).values(application_id=application_id, register=read.register.value,
                                                stage=stage.value, **values)
        await db.execute(statement.on_conflict_do_update(index_elements=["application_id", "register", "stage"], set_=values))


def _read_of(row: RegisterRead) -> Read[Any]:
    if row.outcome is not Outcome.FOUND or row.facts is None:
        return Read(row.register, row.outcome if row.outcome is not Outcome.FOUND else Outcome.UNKNOWN, row.read_at)
    try:
        facts = PARSERS[row.register](row.facts, row.register.value)
    except FactsError:  # kept by an older version of the contract: what it said cannot be told now
        log.warning("register_read %s: the kept facts are not readable", row.id)
        return Read(row.register, Outcome.UNKNOWN, row.read_at)
    return Read(row.register, Outcome.FOUND, row.read_at, facts)


async def kept(db: AsyncSession, application_id: int, stage: ReadStage = ReadStage.APPLIED) -> Registered | None:
    """What the registers said for the application at this stage; None when they were not read (off, or before)."""
    rows = {row.register: row for row in await db.scalars(
        select(RegisterRead).where(RegisterRead.application_id == application_id, RegisterRead.stage == stage)
    )}
    if not rows:
        return None
    when = max(row.read_at for row in rows.values())

    def read(register: RegisterName) -> Read[Any]:
        return _read_of(rows[register]) if register in rows else Read(register, Outcome.UNKNOWN, when)

    return Registered(read(RegisterName.POPULATION), read(RegisterName.DISABILITY), read(RegisterName.EDUCATION))


# ------------------------------------------------------------ legal representations


async def _person_named(db: AsyncSession, fact: RepresentationFact) -> Person:
    """The other person of a representation, added as the register names them when the portal does not know them yet."""
    found = await db.scalar(select(Person).where(Person.personal_code == fact.personal_code))
    if found is not None:
        return found
    person, _added = await added_or_existing(
        db, Person(personal_code=fact.personal_code, given_name=fact.given_name, family_name=fact.family_name),
        lambda: db.scalar(select(Person).where(Person.personal_code == fact.personal_code)),
    )
    await db.flush()
    return person


async def _same_as_register(db: AsyncSession, representative: Person, represented: Person, fact: RepresentationFact) -> bool:
    """Make the portal's row for this representation what the register says; True when that changed something."""
    row = await db.scalar(select(Representation).where(
        Representation.representative_id == representative.id, Representation.represented_id == represented.id,
        Representation.kind == fact.kind, Representation.valid_from == fact.valid_from,
    ))
    if row is None:
        db.add(Representation(representative_id=representative.id, represented_id=represented.id, kind=fact.kind,
                              valid_from=fact.valid_from, valid_to=fact.valid_to))
        return True
    if row.valid_to != fact.valid_to:
        row.valid_to = fact.valid_to  # ended early (or extended) in the register
        return True
    return False


async def refresh_representations(db: AsyncSession, person: Person, read: Read[PopulationFacts]) -> bool:
    """The legal representations the population register holds for the person, both ways, as portal rows.

    A representation the register holds becomes a `Representation` row with the register's kind and
    period (matched by the two people, the kind and the first day), and a changed end is written to
    it, so one the register ended stops counting that day. Rows the register does not hold (an
    authorisation, one entered with `portal representation add`) are left as they are. A register
    that did not answer changes nothing. The person's row is locked first, so two refreshes at once
    (two tabs) run one after the other and add each representation once. True when a row changed.
    """
    facts = read.found
    if facts is None:
        return False
    await db.scalar(for_update(select(Person.id).where(Person.id == person.id)))
    changed = False
    for fact in facts.represents:
        changed |= await _same_as_register(db, person, await _person_named(db, fact), fact)
    for fact in facts.representatives:
        changed |= await _same_as_register(db, await _person_named(db, fact), person, fact)
    await db.flush()
    return changed


async def representations_at_sign_in(db: AsyncSession, registers: Registers | None, person: Person,
                                     read: Read[PopulationFacts] | None = None) -> bool:
    """For the sign-in callback: the person's legal representations from the population register.

    Pass `read` when it was read before the callback's unit of work (`read_population`), as it should
    be, so that no transaction waits for the register; without it the register is read here.
    """
    if registers is None:
        return False
    return await refresh_representations(db, person, read or await read_population(registers, person.personal_code))


def birth_date(registered: Registered | None) -> date | None:
    facts = registered.population.found if registered else None
    return facts.birth_date if facts else None


def disability_period(registered: Registered | None) -> DisabilityFacts | None:
    """The disability the register determined (its group and period), when it found one.

    A determination that has lapsed is returned too: a grant cannot last beyond it, so the desk is
    told (GrantProblem.PAST_DISABILITY) instead of granting without a basis.
    """
    return registered.disability.found if registered else None

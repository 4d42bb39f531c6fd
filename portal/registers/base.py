"""The three registers' interfaces, and the set of them the portal is configured with.

Every method answers; none raises. A register that fails or is too slow answers Outcome.UNKNOWN,
and the journey asks the person instead (portal.registers.service.read_all guards this again, so a
new implementation that forgets cannot stop anyone from applying).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from portal.registers.facts import DisabilityFacts, EducationFacts, PopulationFacts, Read


class PopulationRegister(Protocol):
    async def person(self, personal_code: str) -> Read[PopulationFacts]:
        """The person's declared address, birth and death dates, and legal representations both ways."""


class DisabilityRegister(Protocol):
    async def disability(self, personal_code: str) -> Read[DisabilityFacts]:
        """The disability determined (group, period, from childhood) and the commission's opinions."""


class EducationRegister(Protocol):
    async def enrolments(self, personal_code: str) -> Read[EducationFacts]:
        """The schools, colleges and universities the person is enrolled in, with their periods."""


@dataclass(frozen=True)
class Registers:
    """The registers the portal reads (PORTAL_REGISTER_ADAPTER chooses them; see wiring.py)."""

    population: PopulationRegister
    disability: DisabilityRegister
    education: EducationRegister

"""The registers over HTTP: one adapter for the three, speaking the contract in docs/registers.md.

Each register is asked with `POST {base}/{register}/v1/person` and `{"personal_code": "…"}` (a
personal code never goes in a URL, where access logs keep it): 200 with the facts, 404 when the
register holds nothing about the person. Anything else is UNKNOWN: another status, a body that is
not the contract's, a refused or broken connection, or no answer within PORTAL_REGISTER_TIMEOUT_SECONDS
(the whole exchange, connecting included). The failure is logged at WARNING without the code.

The state's systems are reached through the state's data exchange with a client certificate (mutual
TLS): PORTAL_REGISTER_CLIENT_CERT (a PEM file; the key in it or in PORTAL_REGISTER_CLIENT_KEY). An
adapter in front of the real PMLP, VDEĀVK and VIIS services (their own SOAP or REST interfaces, not
published) maps their answers to this contract; the portal knows only this one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import uuid
from collections.abc import Callable

import httpx

from portal import tls
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
    parse_disability,
    parse_education,
    parse_population,
)

log = logging.getLogger(__name__)

PATHS = {
    RegisterName.POPULATION: "population/v1/person",
    RegisterName.DISABILITY: "disability/v1/person",
    RegisterName.EDUCATION: "education/v1/person",
}
# A register's answer is a few kilobytes; a body larger than this is not one.
MAX_BODY_BYTES = 256 * 1024


class HttpRegisters:
    """All three registers at one base URL; `population`, `disability` and `education` are this object."""

    def __init__(self, base_url: str, timeout_seconds: float, client_cert: str | None = None, client_key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout_seconds = timeout_seconds
        # Made once, so that a missing or unreadable certificate fails at start-up, not at a person's first page.
        self._verify = tls.client_context(client_cert, client_key) if client_cert else tls.CLIENT

    async def _ask(self, register: RegisterName, personal_code: str, parse: Callable[[object, str], F]) -> Read[F]:
        started = utcnow()
        try:
            # asyncio.timeout bounds the whole exchange; httpx's own timeout bounds each phase of it.
            async with asyncio.timeout(self.timeout_seconds), httpx.AsyncClient(
                timeout=self.timeout_seconds, verify=self._verify, follow_redirects=False
            ) as client:
                response = await client.post(
                    self.base_url + PATHS[register],
                    json={"personal_code": personal_code},
                    headers={"Accept": "application/json", "X-Request-Id": str(uuid.uuid4())},
                )
                body = response.content if response.status_code == 200 else b""
        except (httpx.HTTPError, TimeoutError, OSError, ssl.SSLError) as error:
            log.warning("%s register: no answer (%s)", register.value, type(error).__name__)
            return Read(register, Outcome.UNKNOWN, started)
        if response.status_code == 404:
            return Read(register, Outcome.NOT_FOUND, started)
        if response.status_code != 200:
            log.warning("%s register: answered %s", register.value, response.status_code)
            return Read(register, Outcome.UNKNOWN, started)
        if len(body) > MAX_BODY_BYTES:
            log.warning("%s register: an answer of %s bytes", register.value, len(body))
            return Read(register, Outcome.UNKNOWN, started)
        try:
            facts = parse(json.loads(body), register.value)
        except (ValueError, FactsError) as error:
            log.warning("%s register: an answer not in the contract (%s)", register.value, error)
            return Read(register, Outcome.UNKNOWN, started)
        return Read(register, Outcome.FOUND, started, facts)

    async def person(self, personal_code: str) -> Read[PopulationFacts]:
        return await self._ask(RegisterName.POPULATION, personal_code, parse_population)

    async def disability(self, personal_code: str) -> Read[DisabilityFacts]:
        return await self._ask(RegisterName.DISABILITY, personal_code, parse_disability)

    async def enrolments(self, personal_code: str) -> Read[EducationFacts]:
        return await self._ask(RegisterName.EDUCATION, personal_code, parse_education)

"""The registers' implementations: the file-backed one (the demo's and the tests'), the HTTP adapter
against a register server on loopback, and the settings that choose them."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from portal.applications.rules import DisabilityGroup
from portal.people.models import RepresentationKind
from portal.registers import service
from portal.registers.base import Registers
from portal.registers.facts import FactsError, OpinionKind, Outcome, RegisterName, dump
from portal.registers.files import DEMO_FIXTURE, FileRegisters
from portal.registers.http import HttpRegisters
from portal.registers.wiring import registers_for
from portal.settings import Settings, SettingsError
from tests.registers.servers import RegisterServer, running_register_server

ANNA, JANIS, MARTA, OLGA, NOBODY = "150385-11001", "020790-11000", "120215-21007", "328673-00679", "010101-10008"


def run(coroutine):  # type: ignore[no-untyped-def]
    return asyncio.run(coroutine)


# ----------------------------------------------------------------- file-backed


def test_the_demo_fixture_gives_each_demo_person_their_facts() -> None:
    files = FileRegisters()
    marta = run(files.person(MARTA))
    assert marta.outcome is Outcome.FOUND and marta.register is RegisterName.POPULATION
    assert marta.facts is not None and marta.facts.declared_address is not None
    assert marta.facts.declared_address.municipality == "riga"
    (parent,) = marta.facts.representatives
    assert (parent.personal_code, parent.given_name, parent.kind) == (JANIS, "Jānis", RepresentationKind.PARENT)
    assert (parent.valid_from, parent.valid_to) == (date(2015, 2, 12), date(2033, 2, 11))
    # The representative's side is the same representation, naming the child.
    janis = run(files.person(JANIS)).facts
    assert janis is not None
    (child,) = janis.represents
    assert (child.personal_code, child.given_name, child.valid_to) == (MARTA, "Marta", date(2033, 2, 11))
    olga = run(files.disability(OLGA)).facts
    assert olga is not None and olga.group is DisabilityGroup.GROUP_II and olga.valid_until == date(2027, 2, 28)
    assert olga.opinion(OpinionKind.ASSISTANT, date(2026, 12, 1)) is not None
    assert run(files.enrolments(OLGA)).facts.enrolments[0].institution == "Rīgas Tehniskā universitāte"  # type: ignore[union-attr]


def test_a_person_the_fixture_does_not_hold_is_not_found() -> None:
    files = FileRegisters()
    for read in (run(files.person(NOBODY)), run(files.disability(JANIS)), run(files.enrolments(ANNA))):
        assert read.outcome is Outcome.NOT_FOUND and read.facts is None


def test_a_broken_fixture_fails_when_the_registers_are_made(tmp_path: Path) -> None:
    broken = tmp_path / "registers.json"
    broken.write_text(json.dumps({"disability": {OLGA: {"group": "4", "valid_from": "2024-01-01"}}}), encoding="utf-8")
    with pytest.raises(FactsError, match=r"disability\[328673-00679\]\.group"):
        FileRegisters(broken)
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(FactsError):
        FileRegisters(broken)


def test_the_file_is_read_again_when_it_changes_and_a_broken_change_is_unknown(tmp_path: Path) -> None:
    fixture = tmp_path / "registers.json"
    shutil.copy(DEMO_FIXTURE, fixture)
    files = FileRegisters(fixture)
    assert run(files.disability(OLGA)).facts.valid_until == date(2027, 2, 28)  # type: ignore[union-attr]
    data = json.loads(fixture.read_text(encoding="utf-8"))
    data["disability"][OLGA]["valid_until"] = "2026-12-31"
    time.sleep(0.01)
    fixture.write_text(json.dumps(data), encoding="utf-8")
    assert run(files.disability(OLGA)).facts.valid_until == date(2026, 12, 31)  # type: ignore[union-attr]
    time.sleep(0.01)
    fixture.write_text("{", encoding="utf-8")
    assert run(files.disability(OLGA)).outcome is Outcome.UNKNOWN


# --------------------------------------------------------------------- HTTP


def _served_demo() -> RegisterServer:
    """The demo fixture's facts as a register server holds them, in the contract's shape."""
    files = FileRegisters()
    fixture = files._fixture
    return RegisterServer(facts={
        "population": {code: dump(facts) for code, facts in fixture.population.items()},
        "disability": {code: dump(facts) for code, facts in fixture.disability.items()},
        "education": {code: dump(facts) for code, facts in fixture.education.items()},
    })


def test_the_http_adapter_reads_what_the_register_holds() -> None:
    files = FileRegisters()
    with running_register_server(_served_demo()) as server:
        http = HttpRegisters(server.base_url, 2.0)
        assert run(http.person(MARTA)).facts == run(files.person(MARTA)).facts
        assert run(http.disability(OLGA)).facts == run(files.disability(OLGA)).facts
        assert run(http.enrolments(OLGA)).facts == run(files.enrolments(OLGA)).facts
        assert run(http.disability(JANIS)).outcome is Outcome.NOT_FOUND
    # The personal code is in the body, never in a URL that access logs keep.
    assert [path for path, _body in server.requests] == ["/population/v1/person", "/disability/v1/person",
                                                         "/education/v1/person", "/disability/v1/person"]
    assert all(MARTA not in path and OLGA not in path for path, _body in server.requests)
    assert server.requests[0][1] == {"personal_code": MARTA}


@pytest.mark.parametrize("status", [500, 503, 400, 302])
def test_a_register_that_answers_an_error_is_unknown(status: int) -> None:
    with running_register_server(replace(_served_demo(), status=status)) as server:
        read = run(HttpRegisters(server.base_url, 2.0).disability(OLGA))
    assert (read.outcome, read.facts) == (Outcome.UNKNOWN, None)


def test_a_register_that_does_not_answer_in_time_is_unknown_within_the_timeout() -> None:
    with running_register_server(replace(_served_demo(), delay=3.0)) as server:
        started = time.monotonic()
        read = run(HttpRegisters(server.base_url, 0.3).disability(OLGA))
        waited = time.monotonic() - started
    assert read.outcome is Outcome.UNKNOWN
    assert waited < 2.0


@pytest.mark.parametrize("body", [b"not json", b"[]", json.dumps({"group": "7", "valid_from": "2024-01-01"}).encode(),
                                  json.dumps({"group": "2"}).encode()])
def test_an_answer_not_in_the_contract_is_unknown(body: bytes) -> None:
    with running_register_server(replace(_served_demo(), body=body)) as server:
        assert run(HttpRegisters(server.base_url, 2.0).disability(OLGA)).outcome is Outcome.UNKNOWN


def test_a_register_nobody_listens_at_is_unknown() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert run(HttpRegisters(f"http://127.0.0.1:{port}", 1.0).person(ANNA)).outcome is Outcome.UNKNOWN


def test_read_all_asks_the_three_at_once_and_an_adapter_that_raises_is_unknown() -> None:
    class Broken:
        async def disability(self, personal_code: str) -> object:
            raise RuntimeError("a bug in an adapter")

    files = FileRegisters()
    registers = Registers(population=files, disability=Broken(), education=files)  # type: ignore[arg-type]
    registered = run(service.read_all(registers, OLGA))
    assert registered.population.outcome is Outcome.FOUND
    assert registered.disability.outcome is Outcome.UNKNOWN
    assert registered.education.outcome is Outcome.FOUND
    with running_register_server(replace(_served_demo(), delay=1.0)) as server:
        http = HttpRegisters(server.base_url, 3.0)
        started = time.monotonic()
        slow = run(service.read_all(Registers(http, http, http), OLGA))
        waited = time.monotonic() - started
    assert all(read.outcome is Outcome.FOUND for read in slow.reads)
    assert waited < 2.5  # about one delay, not three


# ----------------------------------------------------------------- settings


def test_the_settings_choose_the_registers(tmp_path: Path) -> None:
    assert Settings.from_env({"PORTAL_SECRET_KEY": "x"}).register_adapter == "off"
    assert registers_for(Settings.from_env({"PORTAL_SECRET_KEY": "x"})) is None
    demo = Settings.from_env({}, demo=True)
    assert demo.register_adapter == "file"
    assert isinstance(registers_for(demo).population, FileRegisters)  # type: ignore[union-attr]
    http = Settings.from_env({"PORTAL_SECRET_KEY": "x", "PORTAL_REGISTER_ADAPTER": "http",
                              "PORTAL_REGISTER_BASE_URL": "https://registers.example.lv/", "PORTAL_REGISTER_TIMEOUT_SECONDS": "2.5"})
    made = registers_for(http)
    assert isinstance(made, Registers) and isinstance(made.disability, HttpRegisters)
    assert (made.disability.base_url, made.disability.timeout_seconds) == ("https://registers.example.lv/", 2.5)


@pytest.mark.parametrize("environ, named", [
    ({"PORTAL_REGISTER_ADAPTER": "soap"}, "PORTAL_REGISTER_ADAPTER"),
    ({"PORTAL_REGISTER_ADAPTER": "http"}, "PORTAL_REGISTER_BASE_URL"),
    ({"PORTAL_REGISTER_ADAPTER": "http", "PORTAL_REGISTER_BASE_URL": "registers.example.lv"}, "PORTAL_REGISTER_BASE_URL"),
    ({"PORTAL_REGISTER_TIMEOUT_SECONDS": "0"}, "PORTAL_REGISTER_TIMEOUT_SECONDS"),
    ({"PORTAL_REGISTER_TIMEOUT_SECONDS": "nan"}, "PORTAL_REGISTER_TIMEOUT_SECONDS"),
    ({"PORTAL_REGISTER_TIMEOUT_SECONDS": "120"}, "PORTAL_REGISTER_TIMEOUT_SECONDS"),
])
def test_unusable_register_settings_are_refused_with_the_variable_named(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env({"PORTAL_SECRET_KEY": "x", **environ})


def test_a_client_certificate_that_cannot_be_read_fails_when_the_registers_are_made(tmp_path: Path) -> None:
    settings = Settings.from_env({"PORTAL_SECRET_KEY": "x", "PORTAL_REGISTER_ADAPTER": "http",
                                  "PORTAL_REGISTER_BASE_URL": "https://registers.example.lv",
                                  "PORTAL_REGISTER_CLIENT_CERT": str(tmp_path / "missing.pem")})
    with pytest.raises(OSError):
        registers_for(settings)

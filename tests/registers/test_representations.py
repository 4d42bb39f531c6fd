"""Legal representations come from the population register: made the portal's rows at the "who is
it for" step, ended when the register ends them; the CLI's own rows stay."""

from __future__ import annotations

import asyncio
import re
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from portal import clock
from portal.db import Database, utcnow
from portal.people import service as people
from portal.people.models import Person, Representation, RepresentationKind
from portal.registers import service as registered
from portal.registers.base import Registers
from portal.registers.facts import Outcome, Read, RegisterName
from portal.registers.files import FileRegisters
from tests.applications.test_routes import radio_values, translated
from tests.conftest import engine_for, sign_in
from tests.registers.journeys import (
    ANNA,
    ILZE,
    JANIS,
    MARTA,
    OLGA,
    client_for,
    demo_fixture_copy,
    edit_fixture,
    register_settings,
)
from tests.registers.servers import RegisterServer, running_register_server


def representations(database_url: str) -> list[tuple[str, str, str, date, date | None]]:
    with engine_for(database_url).connect() as connection:
        representative, represented = Person.__table__.alias(), Person.__table__.alias()
        rows = connection.execute(
            select(representative.c.personal_code, represented.c.personal_code, Representation.kind,
                   Representation.valid_from, Representation.valid_to)
            .join(representative, representative.c.id == Representation.representative_id)
            .join(represented, represented.c.id == Representation.represented_id)
            .order_by(Representation.id)
        ).all()
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_parent_finds_the_child_the_register_gives_him(database_url: str, provider: str, tmp_path: Path) -> None:
    """No row before: Jānis is offered Marta, who is added to the portal as the register names her."""
    fixture = demo_fixture_copy(tmp_path)
    with client_for(register_settings(database_url, provider, fixture)) as client:
        sign_in(client, JANIS)
        page = client.get("/lv/apply/new")
        assert page.status_code == 200
        assert "Marta Kalniņa" in page.text
        assert translated("lv", "The people you legally represent:") in page.text
        assert representations(database_url) == [(JANIS, MARTA, "parent", date(2015, 2, 12), date(2033, 2, 11))]
        # Reading the page again changes nothing.
        client.get("/lv/apply/new")
        assert len(representations(database_url)) == 1
        # He applies for her: her registers are kept with the draft (her address, her disability).
        marta_id = next(value for value in radio_values(page.text) if value != "self")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        key = re.search(r'name="start_key"[^>]*value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        response = client.post("/lv/apply/new", data={"csrf_token": token, "answer": marta_id, "start_key": key})
        assert response.status_code == 303 and response.headers["location"].endswith("/service")
        service_page = client.get(response.headers["location"]).text
        assert "Rīgas 64. vidusskola" in service_page

        # The register ends the representation (a court's decision): the next visit no longer offers her.
        edit_fixture(fixture, "population", MARTA, representatives=[
            {"personal_code": JANIS, "kind": "parent", "valid_from": "2015-02-12",
             "valid_to": (clock.today() - timedelta(days=1)).isoformat()}])
        page = client.get("/lv/apply/new")
        assert "Marta Kalniņa" not in page.text
        assert representations(database_url) == [
            (JANIS, MARTA, "parent", date(2015, 2, 12), clock.today() - timedelta(days=1))]


def test_the_clis_representation_stays_and_a_register_that_is_down_changes_nothing(database_url: str, provider: str) -> None:
    async def add_authorised() -> None:
        db = Database(database_url)
        async with db.session() as session:
            anna = await people.ensure_person(session, ANNA, "Anna", "Bērziņa")
            ilze = await people.ensure_person(session, ILZE, "Ilze", "Ozola")
            await people.add_representation(session, ilze, anna, RepresentationKind.AUTHORISED, date(2026, 1, 1), None)
        await db.dispose()

    asyncio.run(add_authorised())
    with client_for(register_settings(database_url, provider)) as client:
        sign_in(client, ILZE)
        assert "Anna Bērziņa" in client.get("/lv/apply/new").text
    assert representations(database_url) == [(ILZE, ANNA, "authorised", date(2026, 1, 1), None)]
    with running_register_server(RegisterServer(status=503)) as server:
        settings = register_settings(database_url, provider)
        with client_for(replace(settings, register_adapter="http", register_base_url=server.base_url)) as client:
            sign_in(client, ILZE)
            page = client.get("/lv/apply/new").text
            assert "Anna Bērziņa" in page
            assert translated("lv", "They are shown as the portal last knew them.") in page
    assert representations(database_url) == [(ILZE, ANNA, "authorised", date(2026, 1, 1), None)]


def test_refresh_at_sign_in_is_a_function_for_the_callback(database_url: str) -> None:
    """representations_at_sign_in: for the eID callback (not wired there yet); the register's answer, both ways."""
    async def work() -> list[tuple[str, str, str, date, date | None]]:
        db = Database(database_url)
        files = FileRegisters()
        async with db.session() as session:
            marta = await people.ensure_person(session, MARTA, "Marta", "Kalniņa")
            # Marta's own record names her representative: he is added, and represents her.
            assert await registered.representations_at_sign_in(session, Registers(files, files, files), marta)
            assert not await registered.representations_at_sign_in(session, Registers(files, files, files), marta)
            unknown = Read(RegisterName.POPULATION, Outcome.UNKNOWN, utcnow())
            assert not await registered.refresh_representations(session, marta, unknown)
            assert not await registered.representations_at_sign_in(session, None, marta)
        await db.dispose()
        return representations(database_url)

    assert asyncio.run(work()) == [(JANIS, MARTA, "parent", date(2015, 2, 12), date(2033, 2, 11))]
    with engine_for(database_url).connect() as connection:
        janis = connection.execute(select(Person.given_name, Person.family_name).where(Person.personal_code == JANIS)).one()
    assert tuple(janis) == ("Jānis", "Kalniņš")
    with engine_for(database_url).connect() as connection:
        assert connection.execute(select(Person.id).where(Person.personal_code == OLGA)).all() == []  # nobody else is added


def test_signing_in_brings_the_registers_representations(database_url: str, provider: str, tmp_path: Path) -> None:
    """Jānis signs in: Marta, whom the register says he represents, is his to act for at once (not only once he applies)."""
    fixture = demo_fixture_copy(tmp_path)
    with client_for(register_settings(database_url, provider, fixture)) as client:
        assert representations(database_url) == []
        sign_in(client, JANIS)
        assert representations(database_url) == [(JANIS, MARTA, "parent", date(2015, 2, 12), date(2033, 2, 11))]
        assert "Marta Kalniņa" in client.get("/lv/reports").text  # his and hers to choose from

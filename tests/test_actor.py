"""The signed-in actor: the person's staff roles and today's representations, read with who is signed
in in one statement (policy.with_actor), each once however the joined rows repeat them, and read
afresh on every request, so that a role taken away or a representation ended holds at once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, policy
from portal.people import service as people
from portal.people.models import RepresentationKind, StaffRoleName
from tests.casework.test_reports import run
from tests.client import TestClient
from tests.conftest import sign_in
from tests.test_query_counts import personal_codes

pytestmark = pytest.mark.database

CASEWORKER = "230565-11005"
OTHERS = tuple(personal_codes(4))


def test_each_role_and_each_representation_valid_today_once_in_order(database_url: str) -> None:
    today = clock.today()

    async def work(session: AsyncSession) -> tuple[policy.Actor, policy.Actor]:
        parent = await people.ensure_person(session, CASEWORKER, "Līga", "Liepiņa")
        child, ward, ended, coming = [await people.ensure_person(session, code, "Persona", f"Nr{n}") for n, code in enumerate(OTHERS)]
        for municipality in ("riga", "jelgava"):
            await people.add_staff_role(session, parent, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, municipality))
        await people.add_staff_role(session, parent, StaffRoleName.SURVEY_ANALYST, None)
        await people.add_representation(session, parent, ward, RepresentationKind.GUARDIAN, today - timedelta(days=10), None)
        await people.add_representation(session, parent, child, RepresentationKind.PARENT, today - timedelta(days=400), today)
        await people.add_representation(session, parent, ended, RepresentationKind.PARENT, date(2020, 1, 1), today - timedelta(days=1))
        await people.add_representation(session, parent, coming, RepresentationKind.GUARDIAN, today + timedelta(days=1), None)
        session.expunge_all()  # what follows is read from the database, not from what was just added
        return await policy.load_actor(session, parent, today), await policy.load_actor(session, child, today)

    actor, nobody = run(database_url, work)
    assert sorted((role.name.value, role.municipality_id is None) for role in actor.roles) == [
        ("caseworker", False), ("caseworker", False), ("survey_analyst", True)]
    assert len(actor.desk.municipality_ids) == 2
    # Valid today only, the earlier first, each person represented loaded with the rest (no lazy load: it raises).
    assert [person.family_name for person in actor.represented] == ["Nr0", "Nr1"]
    assert (nobody.roles, nobody.representations) == ((), ())


def test_a_role_taken_away_holds_on_the_next_request(client: TestClient, database_url: str) -> None:
    async def make_caseworker(session: AsyncSession) -> None:
        liga = await people.ensure_person(session, CASEWORKER, "Līga", "Liepiņa")
        await people.add_staff_role(session, liga, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, "riga"))

    async def take_away(session: AsyncSession) -> None:
        await people.remove_staff_role(session, await people.person_by_code(session, CASEWORKER), StaffRoleName.CASEWORKER)

    run(database_url, make_caseworker)
    sign_in(client, CASEWORKER)
    assert client.get("/lv/desk").status_code == 200
    run(database_url, take_away)
    assert client.get("/lv/desk").status_code == 404
    assert client.get("/lv/dashboard").status_code == 200  # still signed in: only the desk is gone

"""The assistant in an educational institution: a registered school decides its pupils' cases;
a school not in the portal leaves the case with the municipality's caseworkers."""

from __future__ import annotations

import asyncio
import re

from portal.db import Database
from portal.people import service as people
from portal.people.models import StaffRoleName
from portal.settings import Settings
from tests.applications.test_details import error_ids, fill, post
from tests.applications.test_routes import JANIS, add_parent, answer, start_for
from tests.casework.test_desk import make_caseworker, switch_to
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in

SCHOOL_STAFF = "300688-11000"
JELGAVA_CASEWORKER = "230565-11005"


def add_school_with_staff(database_url: str) -> tuple[int, int]:
    """Jelgavas 4. vidusskola with a member of staff; and a school in Rīga. Returns both ids."""

    async def work() -> tuple[int, int]:
        db = Database(database_url)
        async with db.session() as session:
            jelgava = await people.municipality_by_code(session, "jelgava")
            school = await people.add_school(session, jelgava, "Jelgavas 4. vidusskola")
            riga_school = await people.add_school(session, await people.municipality_by_code(session, "riga"), "Rīgas 1. pamatskola")
            staff = await people.ensure_person(session, SCHOOL_STAFF, "Pēteris", "Zariņš")
            await people.add_staff_role(session, staff, StaffRoleName.SCHOOL_STAFF, None, school)
            ids = (school.id, riga_school.id)
        await db.dispose()
        return ids

    return asyncio.run(work())


def school_application(client: TestClient, school_field: dict[str, str]) -> str:
    """Jānis applies for Marta at a Jelgava school; returns the case's desk address."""
    marta = re.findall(r'name="answer" type="radio" value="(\d+)"', client.get("/lv/apply/new").text)[0]
    at_school = answer(client, start_for(client, marta), "school_assistant")
    details = answer(client, answer(client, at_school, "yes"), "yes")
    contact = fill(client, details, {"municipality": "jelgava", "address": "Lielā iela 5, Jelgava"})
    school = fill(client, contact, {"method": "post"})
    school_documents = fill(client, school, school_field | {"activities": ["moving"]})
    assistant = answer(client, school_documents, "consent")
    check = fill(client, fill(client, assistant, {"choice": "find"}), {"declarations": ["truth", "changes", "data"]})
    submitted = client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(client.get(check).text)})
    application_id = submitted.headers["location"].split("/")[-2]
    return f"/lv/desk/cases/{application_id}"


def test_a_registered_school_decides_and_the_municipality_does_not_see_it(client: TestClient, settings: Settings) -> None:
    add_parent(settings.database_url)
    school_id, riga_school_id = add_school_with_staff(settings.database_url)
    make_caseworker(settings.database_url, JELGAVA_CASEWORKER, "jelgava")
    sign_in(client, JANIS)
    # The school page offers Jelgava's schools; a Rīga school's id is refused.
    marta = re.findall(r'name="answer" type="radio" value="(\d+)"', client.get("/lv/apply/new").text)[0]
    at_school = answer(client, start_for(client, marta), "school_assistant")
    details = answer(client, answer(client, at_school, "yes"), "yes")
    school_page = fill(client, fill(client, details, {"municipality": "jelgava", "address": "Lielā iela 5"}), {"method": "post"})
    page = client.get(school_page).text
    assert "Jelgavas 4. vidusskola" in page and "Rīgas 1. pamatskola" not in page
    response = post(client, school_page, {"school-id": str(riga_school_id), "activities": ["moving"]})
    assert response.status_code == 422 and error_ids(response.text) == ["school-id"]

    by_school = school_application(client, {"school-id": str(school_id)})
    by_municipality = school_application(client, {"school-id": "other", "school": "Jelgavas Valsts ģimnāzija"})

    switch_to(client, SCHOOL_STAFF)
    queue = client.get("/lv/desk").text
    assert f'href="{by_school}"' in queue and f'href="{by_municipality}"' not in queue
    assert client.get(by_school).status_code == 200
    assert client.get(by_municipality).status_code == 404
    switch_to(client, JELGAVA_CASEWORKER)
    queue = client.get("/lv/desk").text
    assert f'href="{by_municipality}"' in queue and f'href="{by_school}"' not in queue
    assert client.get(by_school).status_code == 404

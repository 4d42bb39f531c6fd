"""The desk's worklist at a municipality's size: a page of 50 at a time (keyset: next and previous
keep the filters), the count of all that match, search by personal code, reference number or name,
and "take this case" with the "my cases" and "nobody has taken" filters."""

from __future__ import annotations

import asyncio
import re

from starlette.testclient import TestClient

from portal.applications import demo as demo_applications
from portal.db import Database
from portal.people import service as people
from portal.people.models import StaffRoleName
from portal.settings import Settings
from tests.applications.test_routes import translated
from tests.casework.test_desk import LIGA, switch_to
from tests.conftest import csrf_of
from tests.test_query_counts import personal_codes

PETERIS = "110978-11006"  # a second caseworker of Rīga
JELGAVA = "020790-11000"  # a caseworker of Jelgava


def applicants(database_url: str, count: int, municipality: str = "riga") -> list[tuple[str, str]]:
    """`count` people apply, one after another (the oldest first): their (personal code, reference)."""

    async def work() -> list[tuple[str, str]]:
        db = Database(database_url)
        made = []
        async with db.session() as session:
            for code, (given, family) in (("230565-11005", ("Līga", "Liepiņa")), (PETERIS, ("Pēteris", "Zariņš")),
                                          (JELGAVA, ("Jānis", "Kalniņš"))):
                staff = await people.ensure_person(session, code, given, family)
                place = "jelgava" if code == JELGAVA else "riga"
                await people.add_staff_role(session, staff, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, place))
            for number, code in enumerate(personal_codes(count)):
                person = await people.ensure_person(session, code, "Persona", f"Nr{number:03d}")
                answers = demo_applications.adult_answers({"method": "email", "phone": "", "email": f"p{number}@example.lv"})
                answers["municipality"] = municipality
                application = await demo_applications.submitted_application(session, person, person, answers, "lv")
                made.append((code, str(application.reference)))
        await db.dispose()
        return made

    return asyncio.run(work())


def shown(page: str) -> list[str]:
    """The people in the worklist's table, in order."""
    return re.findall(r'<td class="table__cell">Persona (Nr\d{3})</td>', page)


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_the_worklist_goes_a_page_at_a_time_both_ways_with_the_filters_kept(client: TestClient, settings: Settings) -> None:
    applicants(settings.database_url, 120)
    switch_to(client, LIGA)
    first = client.get("/lv/desk?kind=adult_assistant").text
    assert re.search(r">120 lietas</caption>", first), "all that match are counted, not the 50 shown"
    assert shown(first) == [f"Nr{n:03d}" for n in range(50)]
    assert link(first, "prev") is None
    second_href = link(first, "next")
    assert second_href and "kind=adult_assistant" in second_href and "after=" in second_href
    second = client.get(second_href).text
    assert shown(second) == [f"Nr{n:03d}" for n in range(50, 100)]
    third = client.get(link(second, "next") or "").text
    assert shown(third) == [f"Nr{n:03d}" for n in range(100, 120)] and link(third, "next") is None
    back = client.get(link(third, "prev") or "").text
    assert shown(back) == shown(second)
    assert shown(client.get(link(back, "prev") or "").text) == shown(first)
    newest = client.get("/lv/desk?order=newest").text
    assert shown(newest)[:3] == ["Nr119", "Nr118", "Nr117"]
    # A cursor that is not one is the first page, not an error.
    for broken in ("after=x", "after=12.", "before=-1.2", "after=99999999999999999999999.1", "after=1.%00", "after=dDEyMzQ",
                   "before=" + "A" * 5000):
        response = client.get(f"/lv/desk?{broken}")
        assert response.status_code == 200 and shown(response.text)[:1] == ["Nr000"], broken


def test_the_desk_finds_a_case_by_personal_code_reference_or_name(client: TestClient, settings: Settings) -> None:
    made = applicants(settings.database_url, 12)
    elsewhere = applicants(settings.database_url, 0)  # the staff only
    assert elsewhere == []
    switch_to(client, LIGA)
    code, reference = made[7]
    for query in (code, code.replace("-", ""), reference, reference.lower(), "nr007", "Persona Nr007"):
        assert shown(client.get("/lv/desk", params={"q": query, "status": "all"}).text) == ["Nr007"], query
    assert len(shown(client.get("/lv/desk", params={"q": "persona"}).text)) == 12
    nothing = client.get("/lv/desk", params={"q": "Nr%"}).text  # a LIKE wildcard is a character, not "anything"
    assert shown(nothing) == [] and translated("lv", "No cases match these filters.") in nothing
    assert client.get("/lv/desk", params={"q": "x" * 5000}).status_code == 200


def test_a_case_is_taken_and_found_under_my_cases(client: TestClient, settings: Settings) -> None:
    made = applicants(settings.database_url, 3)
    switch_to(client, LIGA)
    case = re.search(r'href="(/lv/desk/cases/\d+)">' + re.escape(made[1][1]), client.get("/lv/desk").text).group(1)  # type: ignore[union-attr]
    page = client.get(case).text
    taken = client.post(case + "/take", data={"csrf_token": csrf_of(page)})
    assert taken.status_code == 303 and taken.headers["location"] == case
    assert "Līga Liepiņa" in client.get(case).text and translated("lv", "Take this case") not in client.get(case).text
    assert shown(client.get("/lv/desk?whose=mine").text) == ["Nr001"]
    assert shown(client.get("/lv/desk?whose=unassigned").text) == ["Nr000", "Nr002"]
    assert client.post(case + "/take", data={}).status_code == 403  # CSRF
    # Pēteris takes it over: it is his now, and the history says who took it.
    switch_to(client, PETERIS)
    client.post(case + "/take", data={"csrf_token": csrf_of(client.get(case).text)})
    assert shown(client.get("/lv/desk?whose=mine").text) == ["Nr001"]
    history = client.get(case).text
    assert history.count(translated("lv", "Case taken to handle")) == 2
    # Jelgava's caseworker: not her case to take.
    switch_to(client, JELGAVA)
    assert client.post(case + "/take", data={"csrf_token": csrf_of(client.get("/lv/desk").text)}).status_code == 404

"""The desk's worklist at a municipality's size: a page of 50 at a time (keyset: next and previous
keep the filters), the count of all that match, search by personal code, reference number or name,
and "take this case" with the "my cases" and "nobody has taken" filters; a case the caseworker is
part of is listed without a link, and is not hers to take."""

from __future__ import annotations

import asyncio
import re
from datetime import date

from sqlalchemy import select

from portal.applications import demo as demo_applications
from portal.applications.models import Application
from portal.applications.rules import ServiceKind
from portal.casework import service as casework
from portal.db import Database
from portal.people import service as people
from portal.people.models import RepresentationKind, StaffRoleName
from portal.settings import Settings
from tests.applications.test_routes import translated
from tests.casework.test_desk import LIGA, switch_to
from tests.client import TestClient
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


def liga_takes_part(database_url: str, made: list[tuple[str, str]]) -> dict[str, int]:
    """Līga represents Nr001, assists Nr002 (granted by Pēteris), and applies herself: the cases' ids by reference."""

    async def work() -> dict[str, int]:
        db = Database(database_url)
        async with db.session() as session:
            liga, peteris = await people.person_by_code(session, LIGA), await people.person_by_code(session, PETERIS)
            await people.add_representation(session, liga, await people.person_by_code(session, made[1][0]),
                                            RepresentationKind.AUTHORISED, date(2020, 1, 1), None)
            assisted = await session.scalar(select(Application).where(Application.reference == made[2][1]))
            assert assisted is not None
            await casework.grant(session, assisted, peteris, kind=ServiceKind.ADULT_ASSISTANT, minutes=40 * 60,
                                 valid_from=date(2026, 1, 1), valid_to=date(2027, 12, 31), decision_text="Piešķirts.")
            await casework.assign(session, assisted, peteris, liga, date(2026, 1, 1))
            answers = demo_applications.adult_answers({"method": "email", "phone": "", "email": "liga@example.lv"})
            answers["municipality"] = "riga"
            await demo_applications.submitted_application(session, liga, liga, answers, "lv")
            found = dict((await session.execute(select(Application.reference, Application.id))).all())
        await db.dispose()
        return {str(reference): int(id_) for reference, id_ in found.items()}

    return asyncio.run(work())


def row_of(page: str, reference: str) -> str:
    found = re.search(r'<tr class="table__row">((?:(?!</tr>).)*' + re.escape(reference) + r".*?)</tr>", page, re.S)
    assert found, reference
    return found.group(1)


def test_a_case_the_caseworker_is_part_of_is_listed_but_not_hers_to_open_or_take(client: TestClient, settings: Settings) -> None:
    made = applicants(settings.database_url, 4)
    ids = liga_takes_part(settings.database_url, made)
    own_reference = next(reference for reference in ids if reference not in {r for _code, r in made})
    theirs = {made[1][1], made[2][1], own_reference}  # represented, assisted, her own
    note = translated("lv", "Another caseworker handles this case")
    switch_to(client, LIGA)
    page = client.get("/lv/desk?status=all").text
    for reference, case_id in ids.items():
        row = row_of(page, reference)
        linked = f'href="/lv/desk/cases/{case_id}"' in row
        assert (linked, note in row) == ((False, True) if reference in theirs else (True, False)), reference
    # "Take" goes through the case, which is not hers to open: refused, and nobody has taken it.
    represented = f"/lv/desk/cases/{ids[made[1][1]]}"
    refused = client.post(represented + "/take", data={"csrf_token": csrf_of(page)})
    assert refused.status_code == 403 and note in refused.text
    assert shown(client.get("/lv/desk?whose=mine&status=all").text) == []
    assert "Nr001" in shown(client.get("/lv/desk?whose=unassigned").text)
    # Another caseworker of the desk opens and takes each of them.
    switch_to(client, PETERIS)
    page = client.get("/lv/desk?status=all").text
    assert note not in page and all(f'href="/lv/desk/cases/{case_id}"' in page for case_id in ids.values())
    assert client.post(represented + "/take", data={"csrf_token": csrf_of(page)}).status_code == 303

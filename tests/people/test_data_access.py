"""'Who looked at my data': the person's page of the staff's (and her assistant's) reads of her data.

Anna finds Līga's view of her case, with Līga's name and social service, after Līga really opened
it; a representative reads the page of the person he represents, and no one else's (404); the list
goes a page at a time both ways; no one else's events ever show; and the page asks the database the
same number of queries however many events there are.
"""

from __future__ import annotations

import asyncio
import html
import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert

from portal import i18n
from portal.audit import AS_ASSISTANT, AS_ASSISTED, AuditAction, AuditEvent
from portal.db import Database
from portal.people import service as people
from portal.people.data_access import View, read_detail
from portal.people.data_access_routes import what_they_did
from portal.people.models import StaffRoleName
from tests.applications.test_routes import ANNA, translated
from tests.casework.test_desk import LIGA, anna_submits, make_caseworker, switch_to
from tests.client import TestClient
from tests.test_audit import events, person_id
from tests.test_query_counts import personal_codes, statements
from tests.timesheets.helpers import ILZE, JANIS, MARTA, grant_and_assign, recorded_and_submitted

PAGE = "/lv/my-data/views"
OTHER = next(personal_codes(1))  # someone else the desk looked at
RIGA = "Rīgas valstspilsēta"
JELGAVA_NAME = "Jelgavas valstspilsēta"


def table_rows(page: str) -> list[list[str]]:
    """The cells of each row of the list, as text."""
    body = page.split('<tbody class="table__body">', 1)[1].split("</tbody>", 1)[0] if "table__body" in page else ""
    return [[html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td class=\"table__cell\">(.*?)</td>", row, re.S)]
            for row in re.findall(r'<tr class="table__row">(.*?)</tr>', body, re.S)]


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_anna_sees_ligas_view_of_her_case_with_her_name_and_social_service(client: TestClient, database_url: str) -> None:
    make_caseworker(database_url, LIGA, "riga")
    _status, case = anna_submits(client)
    reference = re.search(r"AP-\d{4}-\d{6}", client.get(_status).text)
    assert reference, "Anna's status page shows her reference number"
    switch_to(client, ANNA)
    assert table_rows(client.get(PAGE).text) == [], "no one has looked yet: her own sign-ins and applying are not listed"
    switch_to(client, LIGA)
    assert client.get("/lv/desk").status_code == 200
    assert client.get(case).status_code == 200
    switch_to(client, ANNA)
    before = len(events(database_url))
    page = client.get(PAGE)
    assert page.status_code == 200
    rows = table_rows(page.text)
    opened = translated("lv", "Opened the application %(reference)s") % {"reference": reference.group(0)}
    listed = translated("lv", "Saw the application %(reference)s in the social service's list of cases") % {"reference": reference.group(0)}
    social_service = translated("lv", "Social service, %(municipality)s") % {"municipality": RIGA}
    # Newest first: the case she opened, then the queue that listed it.
    assert [row[1:] for row in rows] == [["Līga Liepiņa", social_service, opened], ["Līga Liepiņa", social_service, listed]]
    assert all(re.search(r"\d{2}:\d{2}$", row[0]) for row in rows)
    assert len(events(database_url)) == before, "reading one's own page is not an audit event"
    assert client.get("/ru/my-data/views").status_code == 200
    # The overview leads there.
    assert f'href="{PAGE}"' in client.get("/lv/dashboard").text


def test_a_representative_reads_the_page_of_the_person_he_represents_and_no_one_else_does(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)  # Jānis represents Marta; Ilze assists Anna and Marta; Līga is Rīga's caseworker
    recorded_and_submitted(database_url, grants.marta_assignment, grants.last_month)
    month = f"{grants.last_month:%Y-%m}"
    switch_to(client, LIGA)
    assert client.get(f"/lv/desk/reports?month={month}").status_code == 200
    switch_to(client, ILZE)
    assert client.get(f"/lv/assistant/{grants.marta_assignment}/{month}").status_code == 200
    marta = person_id(database_url, MARTA)
    with i18n.in_locale("lv"):
        named_month = i18n.format_month(grants.last_month)

    switch_to(client, JANIS)
    page = client.get(PAGE, params={"for": marta})
    assert page.status_code == 200 and "Marta Kalniņa" in page.text
    rows = table_rows(page.text)
    assistant_view = translated("lv", "Opened the hours of assistance to record or check them (%(month)s)") % {"month": named_month}
    overview = translated("lv", "Saw the hours of assistance received in the list of monthly reports (%(month)s)") % {"month": named_month}
    assert [row[1:] for row in rows] == [
        ["Ilze Ozola", translated("lv", "Assistant"), assistant_view],
        ["Līga Liepiņa", translated("lv", "Social service, %(municipality)s") % {"municipality": RIGA}, overview],
    ]
    assert table_rows(client.get(PAGE).text) == [], "his own page does not show Marta's events"
    assert f'href="{PAGE}?for={marta}"' in client.get(PAGE).text, "his page offers the person he represents"

    # Ilze was in the same list, as the assistant: her page says so.
    switch_to(client, ILZE)
    worked = translated("lv", "Saw the hours worked as an assistant in the list of monthly reports (%(month)s)") % {"month": named_month}
    assert [row[3] for row in table_rows(client.get(PAGE).text)] == [worked]
    # Anyone else asking for Marta's page: not found.
    for code in (ANNA, ILZE, LIGA):
        switch_to(client, code)
        assert client.get(PAGE, params={"for": marta}).status_code == 404, code
    assert client.get(PAGE, params={"for": "x"}).status_code == 404


def add_events(database_url: str, subject: str, count: int, *, prefix: int, same_time_from: int) -> None:
    """`count` case views of the person by Līga (and a Jelgava caseworker, every third), one a minute
    further back from now each; from the `same_time_from`th on all at one moment, so that only their
    ids order them (the later added, the newer)."""

    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            jelgava = await people.ensure_person(session, "020790-11000", "Jānis", "Kalniņš")
            await people.add_staff_role(session, jelgava, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, "jelgava"))
            liga = await people.person_by_code(session, LIGA)
            person = await people.ensure_person(session, subject, "Persona", "Cita") if subject == OTHER else \
                await people.person_by_code(session, subject)
            now = datetime.now(UTC)
            await session.execute(insert(AuditEvent), [
                {"at": now - timedelta(minutes=min(n, same_time_from)), "actor_id": (jelgava if n % 3 == 2 else liga).id,
                 "subject_id": person.id, "action": AuditAction.CASE_VIEWED, "detail": f"AP-2026-{prefix + n:06d}"}
                for n in range(count)
            ])
        await db.dispose()

    asyncio.run(work())


def references(page: str) -> list[str]:
    return re.findall(r"AP-2026-(\d{6})", "".join(row[3] for row in table_rows(page)))


def test_the_list_goes_a_page_at_a_time_both_ways_and_shows_no_one_elses_events(client: TestClient, database_url: str) -> None:
    make_caseworker(database_url, LIGA, "riga")
    switch_to(client, ANNA)
    add_events(database_url, ANNA, 120, prefix=0, same_time_from=70)
    add_events(database_url, OTHER, 30, prefix=500_000, same_time_from=10)
    first = client.get(PAGE).text
    newest = [f"{n:06d}" for n in [*range(70), *range(119, 69, -1)]]
    assert references(first) == newest[:50] and link(first, "prev") is None
    second = client.get(link(first, "next") or "").text
    assert references(second) == newest[50:100]
    third = client.get(link(second, "next") or "").text
    assert references(third) == newest[100:] and link(third, "next") is None
    assert references(client.get(link(third, "prev") or "").text) == newest[50:100]
    # Where each caseworker works, from her staff role.
    places = {row[1]: row[2] for row in table_rows(first)}
    assert places == {"Līga Liepiņa": translated("lv", "Social service, %(municipality)s") % {"municipality": RIGA},
                      "Jānis Kalniņš": translated("lv", "Social service, %(municipality)s") % {"municipality": JELGAVA_NAME}}
    # The other person's events are on none of Anna's pages.
    assert not any(reference.startswith("5") for page in (first, second, third) for reference in references(page))
    for broken in ("after=x", "before=" + "A" * 5000, "after=dDEyMzQ"):
        response = client.get(f"{PAGE}?{broken}")
        assert response.status_code == 200 and references(response.text) == newest[:50], broken


def test_the_page_asks_the_same_of_the_database_however_many_events(client: TestClient, database_url: str) -> None:
    make_caseworker(database_url, LIGA, "riga")
    switch_to(client, ANNA)
    add_events(database_url, ANNA, 3, prefix=0, same_time_from=3)

    def queries() -> tuple[int, int]:
        with statements(client) as seen:
            page = client.get(PAGE)
        assert page.status_code == 200
        return len(seen), len(table_rows(page.text))

    few, few_rows = queries()
    add_events(database_url, ANNA, 45, prefix=100, same_time_from=45)
    many, many_rows = queries()
    assert (few_rows, many_rows) == (3, 48) and few == many


def test_each_events_detail_is_read_for_what_it_names() -> None:
    assert read_detail(AuditAction.REPORT_VIEWED, "report 7, 2026-03, revision 2") == (date(2026, 3, 1), (), frozenset())
    # A reference number is not a month; a list names the person's own cases, not the ones searched for.
    assert read_detail(AuditAction.CASE_VIEWED, "AP-2026-000012") == (None, ("AP-2026-000012",), frozenset())
    assert read_detail(AuditAction.QUEUE_VIEWED, "q=AP-2026-000099 status=all: AP-2026-000012, AP-2026-000013")[1] == (
        "AP-2026-000012", "AP-2026-000013")
    assert read_detail(AuditAction.PAYROLL_EXPORTED, "2026-02: 14 lines: assistant, assisted") == (
        date(2026, 2, 1), (), frozenset({AS_ASSISTANT, AS_ASSISTED}))
    # Every action that can be about a person has its own words.
    generic = translated("lv", "Looked at the data")
    about_someone = set(AuditAction) - {AuditAction.SIGNED_IN, AuditAction.SIGNED_OUT, AuditAction.SUMMARY_VIEWED,
                                        AuditAction.SURVEY_EXPORTED}
    with i18n.in_locale("lv"):
        for action in about_someone:
            view = View(1, datetime.now(UTC), action, None, (), date(2026, 2, 1), ("AP-2026-000012",), frozenset({AS_ASSISTED}))
            assert what_they_did(view) != generic, action


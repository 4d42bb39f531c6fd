"""The month's control sample a page at a time: 50 drawn reports by the person's name (keyset), the
month and the filters kept in the links, a cursor that does not read as one is the first page, the
sample's numbers counted by the database, the same statements for six drawn reports as for 56, and
an audit event for each person and assistant the page showed."""

from __future__ import annotations

import re
from datetime import date

from markupsafe import escape
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.applications.rules import ServiceKind
from portal.people.models import Person
from portal.timesheets import service
from portal.timesheets.models import MonthlyReport
from tests.applications.test_routes import translated
from tests.casework.many import LIGA, PETERIS, STUDY_EVERY, confirmed_month
from tests.casework.test_desk import switch_to
from tests.casework.test_reports import draw, run
from tests.client import TestClient
from tests.conftest import csrf_of, engine_for, sign_in
from tests.test_query_counts import statements

COUNTS = ("Reports drawn", "Checked", "Waiting for a check", "Confirmed by the assistant as the person's representative",
          "Corrected since (a newer revision)")


def last_month() -> date:
    return service.previous_month(service.month_of(clock.today()))


def listed(page: str) -> list[int]:
    """The numbers of the people in the sample's table, in order."""
    table = page.split('id="sampled"', 1)[1].split("</table>", 1)[0] if 'id="sampled"' in page else ""
    return [int(n) for n in re.findall(r'<td class="table__cell"><a href="/\w\w/desk/reports/\d+">Persona Nr(\d{3})</a></td>', table)]


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'href="([^"]+)" rel="{rel}"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def numbers(page: str, lang: str = "lv") -> list[int]:
    """The sample's numbers, as the page's summary list shows them, in COUNTS' order."""
    found = []
    for key in COUNTS:
        match = re.search(rf'<dt class="summary-list__key">{re.escape(str(escape(translated(lang, key))))}</dt>\s*'
                          r'<dd class="summary-list__value">(\d+)</dd>', page)
        assert match, key
        found.append(int(match.group(1)))
    return found


def the_month_drawn(database_url: str, client: TestClient, count: int = 56) -> tuple[str, dict[int, int]]:
    """`count` confirmed reports drawn in two draws (half, then the rest); three checked, two confirmed by
    the assistant (kept from before the rule), one being corrected. Returns the page's path and the
    report ids by person number."""
    month = last_month()
    made = confirmed_month(database_url, month, count)
    report = {c.number: c.report_id for c in made}

    # Confirmed by the assistant herself, as her representative, before the rule (so before any draw: the
    # sample's tallies count what a drawn report was when it was drawn, and a confirmed report never changes).
    async def before_the_rule(session: AsyncSession) -> None:
        await session.execute(update(MonthlyReport).where(MonthlyReport.id.in_([report[2], report[3]]))
                              .values(confirmed_by_id=MonthlyReport.assistant_id))

    run(database_url, before_the_rule)
    sign_in(client, LIGA)
    path = f"/lv/desk/sample?month={month:%Y-%m}"
    assert draw(client, path, "50").status_code == 303
    assert draw(client, path, "100").status_code == 303
    for number in (1, 30, 55):
        check = f"/lv/desk/sample/reports/{report[number]}/check"
        assert client.post(check, data={"csrf_token": csrf_of(client.get(check).text), "note": "Labi."}).status_code == 303

    async def corrected(session: AsyncSession) -> None:  # the assistant starts a correction of Nr004's month
        drawn = await session.get(MonthlyReport, report[4])
        assert drawn is not None
        assistant = await session.get(Person, drawn.assistant_id)
        assert assistant is not None
        await service.correct(session, assistant, await service.assignment_of(session, assistant, drawn.assignment_id), month, None)

    run(database_url, corrected)
    return path, report


def stored_numbers(database_url: str, month: str, kind: str | None = None) -> list[int]:
    """The same numbers, counted here from the rows themselves."""
    where = "m.month = :month AND m.sample_id IS NOT NULL" + (" AND e.kind = :kind" if kind else "")
    with engine_for(database_url).connect() as connection:
        rows = connection.execute(text(
            "SELECT m.checked_at IS NOT NULL, m.confirmed_by_id = m.assistant_id, m.superseded FROM monthly_report m"
            f" JOIN entitlement e ON e.id = m.entitlement_id WHERE {where}"),
            {"month": f"{month}-01", "kind": kind}).all()
    return [len(rows), sum(1 for r in rows if r[0]), sum(1 for r in rows if not r[0]), sum(1 for r in rows if r[1]),
            sum(1 for r in rows if r[2])]


def test_the_sample_goes_a_page_at_a_time_with_its_filters_and_its_numbers(client: TestClient, database_url: str) -> None:
    path, report = the_month_drawn(database_url, client)
    month = path.rsplit("=", 1)[1]
    first = client.get(path).text
    assert listed(first) == list(range(50)) and link(first, "prev") is None
    assert numbers(first) == [56, 3, 53, 2, 1] == stored_numbers(database_url, month)
    assert re.search(r">56 [^<]*</caption>", first), "all that were drawn are counted, not the 50 shown"
    second_href = link(first, "next")
    assert second_href and f"month={month}" in second_href and "after=" in second_href
    second = client.get(second_href).text
    assert listed(second) == list(range(50, 56)) and link(second, "next") is None
    assert listed(client.get(link(second, "prev") or "").text) == list(range(50))
    assert numbers(second) == numbers(first)  # the numbers are the whole sample's, on every page

    # A filter pages within itself, and its links keep it and the month.
    waiting = client.get(path + "&status=waiting").text
    assert listed(waiting) == [n for n in range(56) if n not in (1, 30, 55)][:50]
    following = link(waiting, "next") or ""
    assert "status=waiting" in following and f"month={month}" in following
    assert listed(client.get(following).text) == [52, 53, 54]
    checked = client.get(path + "&status=checked").text
    assert listed(checked) == [1, 30, 55] and link(checked, "next") is None
    assert 'Labi.' in checked and f"/desk/sample/reports/{report[1]}/check" not in checked
    study = client.get(path + "&kind=study_assistant").text
    assert listed(study) == [n for n in range(56) if n % STUDY_EVERY == STUDY_EVERY - 1]
    assert numbers(study) == stored_numbers(database_url, month, ServiceKind.STUDY_ASSISTANT.value)  # the numbers follow the service

    # One draw: the first drew half the month, the second the rest.
    draws = re.findall(r'<option value="(\d+)"', first.split('name="sample"', 1)[1].split("</select>", 1)[0])
    assert len(draws) == 2
    newest, oldest = (client.get(f"{path}&sample={d}").text for d in draws)
    assert numbers(oldest)[0] == 28 and numbers(newest)[0] == 28
    assert sorted(listed(oldest) + listed(newest)) == list(range(56))
    assert f'<option value="{draws[1]}" selected>' in oldest  # the filter form shows the draw chosen

    # A cursor that does not read as one is the first page; a draw that is not this desk's is all of them.
    for wrong in ("after=xyz", "before=%00", "after=" + "A" * 700, "after=czE", "sample=999999", "sample=abc", "status=lost&kind=x"):
        response = client.get(f"{path}&{wrong}")
        assert response.status_code == 200 and listed(response.text) == list(range(50)), wrong

    switch_to(client, PETERIS)  # Jelgava's desk: none of Rīga's sample
    other = client.get(path).text
    assert listed(other) == [] and translated("lv", "No sample has been drawn for this month.") in other
    assert client.get(f"/lv/desk/sample/reports/{report[0]}/check").status_code == 404


def test_the_second_page_is_an_event_for_each_person_and_assistant_it_showed(client: TestClient, database_url: str) -> None:
    path, _report = the_month_drawn(database_url, client)
    month = path.rsplit("=", 1)[1]
    second = link(client.get(path + "&status=waiting").text, "next") or ""
    with engine_for(database_url).connect() as connection:
        before = int(connection.scalar(text("SELECT max(id) FROM audit_event")))
    with statements(client) as seen:
        assert client.get(second).status_code == 200
    assert len([s for s in seen if s.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT")]) == 1
    with engine_for(database_url).connect() as connection:
        rows = connection.execute(text(
            "SELECT p.given_name, p.family_name, a.detail FROM audit_event a JOIN person p ON p.id = a.subject_id"
            " WHERE a.id > :before AND a.action = 'sample_viewed'"), {"before": before}).all()
    shown = {f"{given} {family}": detail for given, family, detail in rows}
    expected = {f"Persona Nr{n:03d}": f"{month} status=waiting: 3 reports: assisted" for n in (52, 53, 54)}
    expected |= {f"Asistents A{n:03d}": f"{month} status=waiting: 3 reports: assistant" for n in (52, 53, 54)}
    assert shown == expected


def test_the_sample_page_asks_the_same_of_the_database_for_6_reports_as_for_56(client: TestClient, database_url: str) -> None:
    month = last_month()
    confirmed_month(database_url, month, 6)
    sign_in(client, LIGA)
    path = f"/lv/desk/sample?month={month:%Y-%m}"
    assert draw(client, path, "100").status_code == 303
    with statements(client) as few:
        assert listed(client.get(path).text) == list(range(6))
    confirmed_month(database_url, month, 50, first=6)
    assert draw(client, path, "100").status_code == 303  # a second draw: the other 50
    with statements(client) as many:
        first = client.get(path).text
    with statements(client) as next_page:
        assert listed(client.get(link(first, "next") or "").text) == list(range(50, 56))
    assert listed(first) == list(range(50))
    assert len(many) == len(few) == len(next_page), (few, many)

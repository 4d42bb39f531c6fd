"""The desk's side of the month over HTTP: the overview by state, one report (an audit event), the
payroll file, the ministry's summary and the control sample; only the desk's own municipality."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, i18n, policy
from portal.applications import demo as demo_applications
from portal.applications.rules import ServiceKind
from portal.audit import AuditEvent
from portal.casework import reports
from portal.casework import service as casework
from portal.db import Database
from portal.people import service as people
from portal.people.models import RepresentationKind, StaffRoleName
from portal.timesheets import pay, service
from portal.timesheets.models import ControlSample, HourlyRate, MonthlyReport, ReportEvent, ReportStatus
from tests.applications.test_routes import translated
from tests.casework.test_desk import count, switch_to
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in

ANNA, MARTA, OLGA, JANIS, ANDRIS = "150385-11001", "120215-21007", "328673-00679", "020790-11000", "010180-10018"
ILZE, LIGA, PETERIS = "110978-11006", "230565-11005", "300688-11000"  # assistant; Rīga's and Jelgava's caseworkers
NAMES = {ANNA: ("Anna", "Bērziņa"), MARTA: ("Marta", "Kalniņa"), OLGA: ("Ольга", "Иванова"), JANIS: ("Jānis", "Kalniņš"),
         ANDRIS: ("Andris", "Kārkliņš"), ILZE: ("Ilze", "Ozola"), LIGA: ("Līga", "Liepiņa"), PETERIS: ("Pēteris", "Zariņš")}
RATES = ((date(2021, 7, 1), 450), (date(2023, 1, 1), 479), (date(2023, 4, 1), 511))  # as the migration inserts them
T = TypeVar("T")


def run(database_url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def outer() -> T:
        db = Database(database_url)
        async with db.session() as session:
            result = await work(session)
        await db.dispose()
        return result

    return asyncio.run(outer())


def granted(database_url: str, start: date, recipients: Sequence[str]) -> dict[str, int]:
    """Each recipient granted 80 h a month in Rīga from `start`, with Ilze as assistant: assignment ids by code.
    Marta (a child) applies through her father Jānis. Līga is Rīga's caseworker, Pēteris Jelgava's."""

    async def work(session: AsyncSession) -> dict[str, int]:
        person = {code: await people.ensure_person(session, code, *NAMES[code]) for code in NAMES}
        await people.add_staff_role(session, person[LIGA], StaffRoleName.CASEWORKER, await people.municipality_by_code(session, "riga"))
        await people.add_staff_role(session, person[PETERIS], StaffRoleName.CASEWORKER,
                                    await people.municipality_by_code(session, "jelgava"))
        await people.add_representation(session, person[JANIS], person[MARTA], RepresentationKind.PARENT, date(2015, 2, 12), None)
        if not await session.scalar(select(HourlyRate.id).limit(1)):  # the suite empties every table but municipalities
            session.add_all(HourlyRate(valid_from=day, cents=cents) for day, cents in RATES)
        ids = {}
        for code in recipients:
            child = code == MARTA
            answers = (demo_applications.child_answers(ServiceKind.CHILD_ASSISTANT) if child else
                       demo_applications.adult_answers({"method": "email", "phone": "", "email": "x@example.lv"}))
            application = await demo_applications.submitted_application(session, person[JANIS if child else code], person[code], answers, "lv")
            await casework.grant(session, application, person[LIGA], kind=ServiceKind.CHILD_ASSISTANT if child else ServiceKind.ADULT_ASSISTANT,
                           minutes=80 * 60, valid_from=start, valid_to=start.replace(year=start.year + 2) - timedelta(days=1),
                           decision_text="Piešķirts.")
            ids[code] = (await casework.assign(session, application, person[LIGA], person[ILZE], start)).id
        return ids

    return run(database_url, work)


def record(database_url: str, assignment_id: int, month: date, days: Sequence[int], hours: int, then: str = "confirm",
           correct_first: bool = False) -> int:
    """Ilze records `hours` on each day and then leaves it "open", or submits it ("submit"), and the person
    confirms ("confirm") or returns it ("return"): Marta's father for her, as she is a minor.
    `correct_first` starts a correction of the confirmed month."""

    async def work(session: AsyncSession) -> int:
        ilze = await people.person_by_code(session, ILZE)
        assisted = await service.assignment_of(session, ilze, assignment_id)
        if correct_first:
            await service.correct(session, ilze, assisted, month, None)
        for day in days:
            entry = service.EntryInput(month.replace(day=day), 9 * 60, (9 + hours) * 60, "work_study_sport", "")
            _saved, problems = await service.save_entry(session, ilze, assisted, month, entry, clock.today(), None)
            assert not problems, problems
        report = await service.current_report(session, assisted, month)
        assert report is not None
        if then != "open":
            report = await service.submit(session, ilze, assisted, month, clock.today(), None)
        decides = await people.person_by_code(session, JANIS) if assisted.person.personal_code == MARTA else assisted.person
        if then == "confirm":
            await service.confirm(session, decides, report, None)
        elif then == "return":
            await service.dispute(session, decides, report, None, "Nebiju mājās.", [])
        return report.id

    return run(database_url, work)


def last_month() -> date:
    return service.previous_month(service.month_of(clock.today()))


def the_month(database_url: str) -> tuple[date, dict[str, int]]:
    """Last month at the Rīga desk: Anna confirmed, Marta waiting, Olga returned, Jānis still recording,
    Andris nothing recorded. Returns the month and the report ids."""
    month = last_month()
    ids = granted(database_url, service.previous_month(service.previous_month(month)), (ANNA, MARTA, OLGA, JANIS, ANDRIS))
    return month, {
        ANNA: record(database_url, ids[ANNA], month, (1, 2, 3), 3),
        MARTA: record(database_url, ids[MARTA], month, (4, 5), 2, then="submit"),
        OLGA: record(database_url, ids[OLGA], month, (6,), 4, then="return"),
        JANIS: record(database_url, ids[JANIS], month, (7,), 1, then="open"),
    }


def counted(page: str, lang: str, state: str) -> int:
    found = re.search(rf'<dt class="summary-list__key">{re.escape(translated(lang, state))}</dt>\s*'
                      r'<dd class="summary-list__value">(\d+)</dd>', page)
    assert found, state
    return int(found.group(1))


def listed(page: str) -> list[str]:
    """The people in the overview's table, in order."""
    table = page.split('id="reports"', 1)[1].split("</table>", 1)[0] if 'id="reports"' in page else ""
    return re.findall(r'<td class="table__cell">(?:<a href="[^"]+">)?([^<]+)(?:</a>)?</td>\s*<td class="table__cell">Ilze', table)


def test_the_overview_counts_each_state_and_opens_reports_for_the_desk_only(client: TestClient, database_url: str) -> None:
    month, report = the_month(database_url)
    sign_in(client, LIGA)
    page = client.get(f"/lv/desk/reports?month={month:%Y-%m}").text
    assert [counted(page, "lv", s) for s in ("Not submitted", "Waiting for confirmation", "Returned", "Confirmed")] == [2, 1, 1, 1]
    assert listed(page) == ["Anna Bērziņa", "Marta Kalniņa", "Jānis Kalniņš", "Andris Kārkliņš", "Ольга Иванова"]
    assert listed(client.get("/lv/desk/reports").text) == listed(page)  # last month is the default
    assert f'href="/lv/desk/reports/{report[ANNA]}"' in page and f"payroll.csv?month={month:%Y-%m}" in page
    assert listed(client.get(f"/lv/desk/reports?month={month:%Y-%m}&status=confirmed").text) == ["Anna Bērziņa"]
    assert listed(client.get(f"/lv/desk/reports?month={month:%Y-%m}&status=not_submitted").text) == ["Jānis Kalniņš", "Andris Kārkliņš"]
    assert listed(client.get(f"/lv/desk/reports?month={month:%Y-%m}&kind=child_assistant").text) == ["Marta Kalniņa"]
    for query in ("month=2026-13&status=x&kind=y", "month=3000-01", "month=%00", "month=202"):
        response = client.get(f"/lv/desk/reports?{query}")
        assert response.status_code == 200 and listed(response.text) == listed(page), query
    before_month = service.previous_month(service.previous_month(service.previous_month(month)))
    assert listed(client.get(f"/lv/desk/reports?month={before_month:%Y-%m}").text) == []  # before the grants

    before = count(database_url, AuditEvent, action="report_viewed")
    shown = client.get(f"/lv/desk/reports/{report[ANNA]}")
    assert shown.status_code == 200 and "150385-11001" in shown.text and "09:00–12:00" in shown.text
    assert count(database_url, AuditEvent, action="report_viewed") == before + 1
    assert "Nebiju mājās." in client.get(f"/lv/desk/reports/{report[OLGA]}").text  # the person's reason
    assert client.get("/lv/desk/reports/999999").status_code == 404

    switch_to(client, PETERIS)  # Jelgava's caseworker
    assert client.get(f"/lv/desk/reports/{report[ANNA]}").status_code == 404
    assert listed(client.get(f"/lv/desk/reports?month={month:%Y-%m}").text) == []
    assert count(database_url, AuditEvent, action="report_viewed") == before + 2  # only the views that were allowed
    for someone in (ILZE, ANNA):  # the assistant and a person: not the desk
        switch_to(client, someone)
        for path in ("/lv/desk/reports", f"/lv/desk/reports/{report[ANNA]}", "/lv/desk/payroll.csv", "/lv/desk/summary", "/lv/desk/sample"):
            assert client.get(path).status_code == 404, path


def payroll(client: TestClient, lang: str, month: str) -> list[list[str]]:
    response = client.get(f"/{lang}/desk/payroll.csv?month={month}")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == f'attachment; filename="payroll-{month}.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def header(lang: str) -> list[str]:
    return [translated(lang, text) for text in ("Assistant", "Assistant's personal code", "Person assisted", "Hours",
                                                "Rate per hour, EUR", "Amount, EUR")]


def test_payroll_and_summary_pay_the_latest_confirmed_revision_at_the_rate_of_the_day(client: TestClient, database_url: str) -> None:
    ids = granted(database_url, date(2023, 1, 1), (ANNA, MARTA))
    march, april, may = date(2023, 3, 1), date(2023, 4, 1), date(2023, 5, 1)
    record(database_url, ids[ANNA], march, (1, 2, 3), 3)  # 9 h at 4.79
    record(database_url, ids[MARTA], march, (6,), 2, then="submit")  # not confirmed: not paid
    record(database_url, ids[ANNA], april, (1, 2), 2)  # 4 h at 5.11
    record(database_url, ids[ANNA], april, (20,), 5, then="submit", correct_first=True)  # a correction, still waiting
    record(database_url, ids[MARTA], april, (7,), 5)  # 5 h at 5.11
    sign_in(client, LIGA)
    ilze = ["Ilze Ozola", ILZE]
    assert payroll(client, "lv", "2023-03") == [header("lv"), [*ilze, "Anna Bērziņa", "9,00", "4,79", "43,11"]]
    assert payroll(client, "ru", "2023-04") == [header("ru"), [*ilze, "Anna Bērziņa", "4,00", "5,11", "20,44"],
                                                [*ilze, "Marta Kalniņa", "5,00", "5,11", "25,55"]]
    assert translated("ru", "Hours") in header("ru") and header("ru") != header("lv")

    summary = client.get("/lv/desk/summary?month=2023-04").text
    i18n.set_locale("lv")
    try:
        expected = [i18n.format_hours(4 * 60), i18n.format_money(2044), i18n.format_hours(5 * 60), i18n.format_money(2555),
                    i18n.format_hours(9 * 60), i18n.format_money(4599)]
    finally:
        i18n.set_locale(i18n.DEFAULT_LOCALE)
    cells = re.findall(r'<t[dh][^>]*>(?:<strong>)?([^<]*)', summary.split('id="summary"', 1)[1].split("</table>", 1)[0])
    assert [c for c in cells if c in expected] == expected  # adult, child, and the totals row last
    assert translated("lv", "Total") in cells

    async def add_rate(session: AsyncSession) -> None:  # a rate that changes in the middle of May, for this test only
        await pay.add_rate(session, date(2023, 5, 15), 600)

    async def remove_rate(session: AsyncSession) -> None:
        await pay.remove_rate(session, date(2023, 5, 15))

    run(database_url, add_rate)
    try:
        record(database_url, ids[ANNA], may, (10, 20), 3)
        assert payroll(client, "lv", "2023-05")[1:] == [[*ilze, "Anna Bērziņa", "3,00", "5,11", "15,33"],
                                                        [*ilze, "Anna Bērziņa", "3,00", "6,00", "18,00"]]
    finally:
        run(database_url, remove_rate)
    switch_to(client, PETERIS)
    assert payroll(client, "lv", "2023-04") == [header("lv")]


def test_a_draw_is_reproducible_from_its_seed() -> None:
    ids = [5, 3, 9, 1, 7, 11, 2]
    assert reports.draw(ids, 30, "a1b2c3") == reports.draw(list(reversed(ids)), 30, "a1b2c3")
    assert len(reports.draw(ids, 30, "a1b2c3")) == 3  # 2.1 rounded up
    assert [reports.sample_size(n, p) for n, p in ((0, 10), (1, 1), (10, 10), (11, 10), (7, 100))] == [0, 1, 1, 2, 7]
    assert {tuple(reports.draw(ids, 30, seed)) for seed in ("a", "b", "c", "d", "e")} != {tuple(reports.draw(ids, 30, "a"))}


def draw(client: TestClient, path: str, percent: str) -> Any:
    return client.post(path, data={"csrf_token": csrf_of(client.get(path).text), "percent": percent})


def test_the_sample_is_drawn_with_a_stored_seed_and_each_report_checked_with_a_note(client: TestClient, database_url: str) -> None:
    month = last_month()
    ids = granted(database_url, service.previous_month(month), (ANNA, MARTA, OLGA, JANIS, ANDRIS))
    confirmed = [record(database_url, ids[code], month, (day,), 2) for day, code in enumerate((ANNA, MARTA, OLGA, JANIS), start=1)]
    waiting = record(database_url, ids[ANDRIS], month, (9,), 2, then="submit")  # never drawn
    sign_in(client, LIGA)
    path = f"/lv/desk/sample?month={month:%Y-%m}"
    assert client.post(path, data={"percent": "10"}).status_code == 403  # no CSRF field
    for wrong in ("", "0", "101", "12.5", "abc"):
        response = draw(client, path, wrong)
        assert response.status_code == 422 and 'href="#percent"' in response.text and 'id="percent-error"' in response.text, wrong
        assert translated("lv", "Enter a whole number from 1 to 100") in response.text
        assert re.search(r"<title>\s*" + re.escape(translated("lv", "Error:")), response.text)
    assert count(database_url, ControlSample) == 0

    response = draw(client, path, "50")
    assert response.status_code == 303 and response.headers["location"].startswith(path + "#sample-")

    async def stored(session: AsyncSession) -> tuple[ControlSample, list[int], list[int]]:
        sample = await session.scalar(select(ControlSample))
        assert sample is not None
        drawn = list(await session.scalars(select(MonthlyReport.id).where(MonthlyReport.sample_id == sample.id)))
        population = list(await session.scalars(select(MonthlyReport.id).where(
            MonthlyReport.month == month, MonthlyReport.status == ReportStatus.CONFIRMED)))
        return sample, drawn, population

    sample, drawn, population = run(database_url, stored)
    assert sorted(population) == sorted(confirmed) and len(drawn) == 2
    assert (sample.percent, sample.month, len(sample.seed)) == (50, month, 16)
    assert reports.draw(sorted(population), sample.percent, sample.seed) == sorted(drawn)  # the same draw again from the seed
    page = client.get(path).text
    assert sample.seed in page and page.count("/check") == 2

    assert draw(client, path, "100").status_code == 303  # the other two: a report is drawn only once
    left = draw(client, path, "100")
    assert left.status_code == 422 and 'id="percent-error"' in left.text
    assert count(database_url, ControlSample) == 2

    check = f"/lv/desk/sample/reports/{drawn[0]}/check"
    token = csrf_of(client.get(check).text)
    for note in ("", "x" * 2001):
        response = client.post(check, data={"csrf_token": token, "note": note})
        assert response.status_code == 422 and 'href="#note"' in response.text and 'id="note-error"' in response.text
    response = client.post(check, data={"csrf_token": token, "note": "Pārbaudīts ar darba grafiku."})
    assert response.status_code == 303 and response.headers["location"] == f"{path}#sample-{sample.id}"
    assert "Pārbaudīts ar darba grafiku." in client.get(path).text
    assert client.get(check).status_code == 303  # checked once
    assert count(database_url, ReportEvent, report_id=drawn[0], action="checked") == 1

    async def checked(session: AsyncSession) -> tuple[Any, ...]:
        report = await session.get(MonthlyReport, drawn[0])
        liga = await people.person_by_code(session, LIGA)
        assert report is not None
        return report.checked_at is not None, report.checked_by_id == liga.id, report.check_note

    assert run(database_url, checked) == (True, True, "Pārbaudīts ar darba grafiku.")
    assert client.get(f"/lv/desk/sample/reports/{waiting}/check").status_code == 404  # not drawn
    switch_to(client, PETERIS)
    assert client.get(check).status_code == 404
    assert sample.seed not in client.get(path).text  # Jelgava sees no Rīga sample


def test_the_desks_month_pages_are_valid_html(client: TestClient, database_url: str, tmp_path: Path) -> None:
    from tests.pages.test_html_valid import assert_valid

    month, report = the_month(database_url)
    sign_in(client, LIGA)
    pages: dict[str, str] = {}
    query = f"?month={month:%Y-%m}"
    record(database_url, granted_assignment(database_url, ANNA), month, (15,), 2, then="submit", correct_first=True)
    for lang in ("lv", "ru"):
        pages[f"{lang} overview"] = client.get(f"/{lang}/desk/reports{query}").text
        pages[f"{lang} report"] = client.get(f"/{lang}/desk/reports/{report[ANNA]}").text
        pages[f"{lang} returned"] = client.get(f"/{lang}/desk/reports/{report[OLGA]}").text
        pages[f"{lang} summary"] = client.get(f"/{lang}/desk/summary{query}").text
        pages[f"{lang} sample (error)"] = draw(client, f"/{lang}/desk/sample{query}", "0").text
    draw(client, f"/lv/desk/sample{query}", "100")
    check = f"/lv/desk/sample/reports/{report[ANNA]}/check"
    pages["sample"] = client.get(f"/ru/desk/sample{query}").text
    pages["check (error)"] = client.post(check, data={"csrf_token": csrf_of(client.get(check).text), "note": ""}).text
    client.post(check, data={"csrf_token": csrf_of(client.get(check).text), "note": "Labi."})
    pages["report, checked"] = client.get(f"/lv/desk/reports/{report[ANNA]}").text
    assert all("<main" in html for html in pages.values())
    assert_valid(pages, tmp_path)


def granted_assignment(database_url: str, code: str) -> int:
    async def work(session: AsyncSession) -> int:
        person = await people.person_by_code(session, code)
        found = await session.scalar(select(MonthlyReport.assignment_id).where(MonthlyReport.person_id == person.id).limit(1))
        assert found is not None
        return found

    return run(database_url, work)


def test_an_assistant_who_represents_the_person_leaves_the_confirmation_to_the_desk(client: TestClient, database_url: str) -> None:
    """Ilze assists Anna and (here) also represents her: she cannot confirm her own hours; the desk sees
    that the report waits for it, and Līga confirms it for Anna."""
    from tests.timesheets.helpers import ANNA as ANNA_CODE
    from tests.timesheets.helpers import ILZE, LIGA, grant_and_assign, recorded_and_submitted, represents

    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    represents(database_url, ILZE, ANNA_CODE)
    sign_in(client, ILZE)
    page = client.get(f"/lv/reports/{report}/confirm").text  # it offers her no form, and says who confirms
    assert 'name="received"' not in page and translated("lv", "The social service confirms these hours") in page

    async def version_of(session: AsyncSession) -> str:
        return str(await session.scalar(select(MonthlyReport.version).where(MonthlyReport.id == report)))

    version = run(database_url, version_of)  # the report's own, as a page sent anyway would carry
    refused = client.post(f"/lv/reports/{report}/confirm", data={"csrf_token": csrf_of(page), "version": version, "received": "yes"})
    assert refused.status_code == 403 and translated("lv", "The social service confirms these hours") in refused.text
    refused = client.post(f"/lv/reports/{report}/dispute", data={"csrf_token": csrf_of(page), "version": version, "reason": "x"})
    assert refused.status_code == 403
    switch_to(client, LIGA)
    desk_page = client.get(f"/lv/desk/reports/{report}").text
    assert translated("lv", "The social service confirms this report") in desk_page
    confirmed = client.post(f"/lv/desk/reports/{report}/confirm", data={"csrf_token": csrf_of(desk_page), "version": version})
    assert confirmed.status_code == 303
    shown = client.get(f"/lv/desk/reports/{report}").text
    assert "Līga Liepiņa" in shown and translated("lv", "The social service confirms this report") not in shown
    assert count(database_url, MonthlyReport, id=report, status=ReportStatus.CONFIRMED) == 1


def test_the_desk_does_not_confirm_a_report_the_person_confirms_themself(client: TestClient, database_url: str) -> None:
    from tests.timesheets.helpers import LIGA, grant_and_assign, recorded_and_submitted

    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    sign_in(client, LIGA)
    page = client.get(f"/lv/desk/reports/{report}").text
    assert translated("lv", "The social service confirms this report") not in page
    client.post(f"/lv/desk/reports/{report}/confirm", data={"csrf_token": csrf_of(page), "version": "3"})
    assert count(database_url, MonthlyReport, id=report, status=ReportStatus.SUBMITTED) == 1  # Anna confirms it


def test_the_overview_goes_a_page_at_a_time_by_name_both_ways(database_url: str) -> None:
    """Pages of two, by the person's name: the next pages go on where the last ended, the previous
    ones come back to the same rows; a state filter pages within the state."""
    month, _report = the_month(database_url)

    async def work() -> tuple[list[list[str]], list[str], list[str]]:
        db = Database(database_url)
        async with db.session() as session:
            riga = await people.municipality_by_code(session, "riga")
            scope = policy.DeskScope(municipality_ids=(riga.id,))
            pages, after = [], ""
            while True:
                page = await reports.overview(session, scope, month, after=after, size=2)
                pages.append([row.person.full_name for row in page.rows])
                if page.after is None:
                    break
                after = page.after
            back = await reports.overview(session, scope, month, before=page.before or "", size=2)
            waiting = await reports.overview(session, scope, month, state=reports.State.NOT_SUBMITTED, size=1)
            following = await reports.overview(session, scope, month, state=reports.State.NOT_SUBMITTED, size=1,
                                               after=waiting.after or "")
        await db.dispose()
        return pages, [row.person.full_name for row in back.rows], [row.person.full_name for row in waiting.rows + following.rows]

    pages, back, not_submitted = asyncio.run(work())
    assert pages == [["Anna Bērziņa", "Marta Kalniņa"], ["Jānis Kalniņš", "Andris Kārkliņš"], ["Ольга Иванова"]]
    assert back == pages[1]
    assert not_submitted == ["Jānis Kalniņš", "Andris Kārkliņš"]

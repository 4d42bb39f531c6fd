"""The month's rules hold when two requests arrive at once (two tabs, two devices, two workers).

Each round sends two conflicting requests through two apps at the same moment (tests/race.py);
the database, not luck, decides which one wins, and the other is told why.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta

from sqlalchemy import create_engine, text

from portal import clock
from portal.app import create_app
from portal.applications.models import Application
from portal.applications.rules import ServiceKind
from portal.db import Database, sync_url
from portal.entitlements import service as entitlements
from portal.entitlements.models import AssistantAssignment
from portal.people import service as people
from portal.settings import Settings
from portal.timesheets import service
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.race import posts_at_once, workers
from tests.timesheets.helpers import ANNA, ILZE, JANIS, LIGA, OLGA, grant_and_assign, recorded_and_submitted
from tests.timesheets.test_pay import assert_recounted

ROUNDS = 6


def month_path(assignment: int, month: date) -> str:
    return f"/lv/assistant/{assignment}/{month:%Y-%m}"


def prepared_entry(client: TestClient, path: str, day: date, start: str, end: str) -> dict[str, str]:
    page = client.get(path).text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    return {"csrf_token": csrf_of(page), "version": version, "day": day.isoformat(), "start": start, "end": end,
            "purpose": "work_study_sport", "note": ""}


def overlapping_pairs(database_url: str) -> int:
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        found = connection.scalar(text(
            "SELECT count(*) FROM time_entry a JOIN time_entry b ON a.id < b.id AND a.assistant_id = b.assistant_id"
            " AND a.day = b.day AND a.start_minute < b.end_minute AND b.start_minute < a.end_minute"
        ))
    engine.dispose()
    return int(found or 0)


def test_one_assistant_never_has_two_entries_at_the_same_time(client: TestClient, settings: Settings, database_url: str) -> None:
    """Ilze records the same hour for Anna in one tab and for Marta in another, sent at once: one is kept."""
    grants = grant_and_assign(database_url)
    sign_in(client, ILZE)
    month = grants.last_month
    anna, marta = month_path(grants.anna_assignment, month), month_path(grants.marta_assignment, month)
    with workers(settings, client) as (first, second):
        for round_ in range(ROUNDS):
            day = month + timedelta(days=round_)
            forms = prepared_entry(first, anna, day, "10:00", "12:00"), prepared_entry(second, marta, day, "11:00", "13:00")
            answers = posts_at_once((first, anna, forms[0]), (second, marta, forms[1]))
            assert sorted(answer.status_code for answer in answers) == [303, 422], [a.status_code for a in answers]
            refused = next(answer for answer in answers if answer.status_code == 422)
            assert "Jums jau ir ieraksts šajā dienā un laikā" in refused.text
    assert overlapping_pairs(database_url) == 0


def changed_assistant(database_url: str, anna_assignment: int, from_day: date) -> int:
    """Olga takes over Anna's hours from `from_day` (Ilze's assignment ends the day before): her assignment id."""

    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            assignment = await session.get(AssistantAssignment, anna_assignment)
            assert assignment is not None
            application = await session.get(Application, assignment.application_id)
            assert application is not None
            olga = await people.ensure_person(session, OLGA, "Ольга", "Иванова")
            liga = await people.person_by_code(session, LIGA)
            taken_over = await entitlements.assign_assistant(session, application, olga, liga, from_day)
            new_id = taken_over.id
        await db.dispose()
        return new_id

    return asyncio.run(work())


def minutes_by_month(database_url: str) -> list[tuple[int, object, int]]:
    """(grant, month, minutes recorded) for every grant and month, latest revisions only."""
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT r.entitlement_id, r.month, sum(e.end_minute - e.start_minute) FROM time_entry e"
            " JOIN monthly_report r ON r.id = e.report_id WHERE NOT r.superseded GROUP BY r.entitlement_id, r.month"
        )).all()
    engine.dispose()
    return [(int(grant), month, int(minutes)) for grant, month, minutes in rows]


def test_two_assistants_of_one_grant_never_go_over_its_month(
    client: TestClient, settings: Settings, database_url: str, provider: str
) -> None:
    """Anna has 4 hours a month; Ilze (before the change) and Olga (after it) each record 3 hours of one
    month at the same moment: one is kept, the other is told how much is left."""
    grants = grant_and_assign(database_url, anna_hours=4)
    month = grants.last_month
    olga_assignment = changed_assistant(database_url, grants.anna_assignment, month + timedelta(days=15))
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as olga_client:
        sign_in(client, ILZE)
        sign_in(olga_client, OLGA)
        with workers(settings, client, 1) as (ilze,), workers(settings, olga_client, 1) as (olga,):
            ilze_path, olga_path = month_path(grants.anna_assignment, month), month_path(olga_assignment, month)
            forms = (prepared_entry(ilze, ilze_path, month + timedelta(days=2), "09:00", "12:00"),
                     prepared_entry(olga, olga_path, month + timedelta(days=20), "09:00", "12:00"))
            answers = posts_at_once((ilze, ilze_path, forms[0]), (olga, olga_path, forms[1]))
    assert sorted(answer.status_code for answer in answers) == [303, 422], [a.status_code for a in answers]
    refused = next(answer for answer in answers if answer.status_code == 422)
    assert "1 h" in refused.text or "1 st" in refused.text, refused.text[:3000]
    assert all(minutes <= 4 * 60 for _grant, _month, minutes in minutes_by_month(database_url))


def test_a_report_confirmed_in_two_tabs_at_once_is_confirmed_once(
    client: TestClient, settings: Settings, database_url: str
) -> None:
    """Jānis presses "confirm" for Marta's month in two tabs: both land on the confirmed report, one event."""
    grants = grant_and_assign(database_url)
    report_id = recorded_and_submitted(database_url, grants.marta_assignment, grants.last_month)
    sign_in(client, JANIS)
    path = f"/lv/reports/{report_id}/confirm"
    with workers(settings, client) as (first, second):
        forms = []
        for tab in (first, second):
            page = tab.get(path).text
            version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
            forms.append({"csrf_token": csrf_of(page), "version": version, "received": "yes"})
        answers = posts_at_once((first, path, forms[0]), (second, path, forms[1]))
    assert [answer.status_code for answer in answers] == [303, 303], [a.text[:2000] for a in answers]
    assert all(f"/lv/reports/{report_id}" in answer.headers["location"] for answer in answers)
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        confirmations = connection.scalar(text(
            "SELECT count(*) FROM report_event WHERE report_id = :id AND action = 'confirmed'"), {"id": report_id})
        status = connection.scalar(text("SELECT status FROM monthly_report WHERE id = :id"), {"id": report_id})
    engine.dispose()
    assert (confirmations, status) == (1, "confirmed")


def test_two_tabs_either_side_of_a_months_end_never_go_over_the_week(
    client: TestClient, settings: Settings, database_url: str
) -> None:
    """Anna's study assistant has 4 hours a week. Ilze records 3 hours on the last day of a month in one
    tab and 3 on the first day of the next (the same week, another month's report) in another, at once."""
    grants = grant_and_assign(database_url, anna_hours=4, anna_kind=ServiceKind.STUDY_ASSISTANT)
    months = [service.previous_month(grants.last_month), grants.last_month, grants.this_month]
    # A month's first day in the same ISO week as the day before it: any first day but a Monday.
    first = next(month for month in months[1:] if month.weekday() != 0)
    before = first - timedelta(days=1)
    sign_in(client, ILZE)
    paths = month_path(grants.anna_assignment, service.month_of(before)), month_path(grants.anna_assignment, first)
    with workers(settings, client) as (one, other):
        forms = prepared_entry(one, paths[0], before, "09:00", "12:00"), prepared_entry(other, paths[1], first, "09:00", "12:00")
        answers = posts_at_once((one, paths[0], forms[0]), (other, paths[1], forms[1]))
    assert sorted(answer.status_code for answer in answers) == [303, 422], [a.status_code for a in answers]
    refused = next(answer for answer in answers if answer.status_code == 422)
    assert "Tas pārsniegtu nedēļai piešķirto stundu skaitu" in refused.text and 'href="#end"' in refused.text
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        week_minutes = connection.scalar(text(
            "SELECT sum(end_minute - start_minute) FROM time_entry WHERE day IN (:before, :first)"),
            {"before": before, "first": first})
    engine.dispose()
    assert week_minutes == 3 * 60


def test_two_reports_of_one_month_confirmed_at_once_both_count_in_the_stored_totals(
    client: TestClient, settings: Settings, database_url: str
) -> None:
    """Anna confirms Ilze's and Olga's reports of one month (Olga took over on the 16th) in two tabs at the
    same moment: two reports of one desk, month and service, the same totals row, made by whichever
    comes first: the stored pay is the recount of both."""
    grants = grant_and_assign(database_url)
    month = grants.last_month
    olga_assignment = changed_assistant(database_url, grants.anna_assignment, month + timedelta(days=15))
    reports = [recorded_and_submitted(database_url, grants.anna_assignment, month)]

    async def olga_month() -> int:
        db = Database(database_url)
        async with db.session() as session:
            olga = await people.person_by_code(session, OLGA)
            assisted = await service.assignment_of(session, olga, olga_assignment)
            for day in (20, 21):
                entry = service.EntryInput(month.replace(day=day), 9 * 60, 11 * 60 + 30, "work_study_sport", "")
                _saved, problems = await service.save_entry(session, olga, assisted, month, entry, clock.today(), None)
                assert not problems, problems
            report = await service.submit(session, olga, assisted, month, clock.today(), None)
        await db.dispose()
        return report.id

    reports.append(asyncio.run(olga_month()))
    sign_in(client, ANNA)
    with workers(settings, client) as tabs:
        posts = []
        for tab, report_id in zip(tabs, reports, strict=True):
            path = f"/lv/reports/{report_id}/confirm"
            page = tab.get(path).text
            version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
            posts.append((tab, path, {"csrf_token": csrf_of(page), "version": version, "received": "yes"}))
        answers = posts_at_once(*posts)
    assert [answer.status_code for answer in answers] == [303, 303], [a.text[:2000] for a in answers]
    assert_recounted(database_url)
    engine = create_engine(sync_url(database_url))
    with engine.connect() as connection:
        counted = connection.execute(text("SELECT count(*), sum(reports) FROM month_pay_total WHERE month = :m"), {"m": month}).one()
    engine.dispose()
    assert tuple(counted) == (1, 2)

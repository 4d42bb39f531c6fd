"""The assistant's month over HTTP: only their own people and months; entries by the rules;
a stale page never overwrites; a submitted month is locked."""

from __future__ import annotations

import re
from datetime import date

from portal import clock
from portal.timesheets import service
from tests.applications.test_routes import translated
from tests.casework.test_desk import switch_to
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.timesheets.helpers import ANNA, ILZE, grant_and_assign


def month_path(assignment: int, month: date) -> str:
    return f"/lv/assistant/{assignment}/{month:%Y-%m}"


def add(client: TestClient, path: str, day: date, start: str, end: str, purpose: str = "work_study_sport",
        version: str | None = None, entry: int | None = None, note: str = "") -> object:
    page = client.get(path).text
    shown = version if version is not None else re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    data = {"csrf_token": csrf_of(page), "version": shown, "day": day.isoformat(), "start": start, "end": end,
            "purpose": purpose, "note": note}
    if entry:
        data["entry"] = str(entry)
    return client.post(path, data=data)


def test_an_assistant_reaches_only_the_people_and_months_of_her_assignments(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    sign_in(client, ILZE)
    page = client.get("/lv/assistant").text
    assert "Anna Bērziņa" in page and "Marta Kalniņa" in page
    assert client.get(month_path(grants.anna_assignment, grants.this_month)).status_code == 200
    assert client.get(month_path(grants.anna_assignment, service.next_month(grants.this_month))).status_code == 404  # to come
    assert client.get(month_path(grants.anna_assignment, date(2020, 1, 1))).status_code == 404  # before the assignment
    assert client.get(f"/lv/assistant/{grants.anna_assignment}/2026-13").status_code == 404
    switch_to(client, ANNA)
    assert "person-" not in client.get("/lv/assistant").text  # nobody to assist
    assert client.get(month_path(grants.anna_assignment, grants.this_month)).status_code == 404


def test_entries_follow_the_rules_with_the_message_at_the_field(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url, anna_hours=5)
    sign_in(client, ILZE)
    anna, marta = month_path(grants.anna_assignment, grants.last_month), month_path(grants.marta_assignment, grants.last_month)
    day = grants.last_month.replace(day=3)
    response = add(client, anna, day, "10:00", "13:00")
    assert response.status_code == 303 and response.headers["location"].endswith("?done=added")
    page = client.get(response.headers["location"]).text
    assert translated("lv", "The entry was added.") in page and "10:00–13:00" in page

    missing = add(client, anna, day, "", "", purpose="")
    assert missing.status_code == 422
    for field in ("start", "end", "purpose"):
        assert f'href="#{field}"' in missing.text and f'id="{field}-error"' in missing.text
    backwards = add(client, anna, day, "15:00", "14:00")
    assert backwards.status_code == 422 and translated("lv", "The end must be after the start") in backwards.text
    overlap = add(client, marta, day, "12:00", "14:00")  # another person, the same assistant, the same time
    assert overlap.status_code == 422 and 'href="#start"' in overlap.text
    too_much = add(client, anna, day.replace(day=4), "09:00", "12:00")  # 3 + 3 > 5 hours granted
    assert too_much.status_code == 422 and 'href="#end"' in too_much.text
    assert "15:00–14:00" not in client.get(anna).text  # nothing half-written


def test_change_delete_and_a_stale_page(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    sign_in(client, ILZE)
    path = month_path(grants.anna_assignment, grants.last_month)
    day = grants.last_month.replace(day=5)
    stale_version = re.search(r'name="version" value="(\d+)"', client.get(path).text).group(1)  # type: ignore[union-attr]
    add(client, path, day, "9:00", "11.30")
    entry_id = int(re.search(r'\?edit=(\d+)', client.get(path).text).group(1))  # type: ignore[union-attr]
    # The first tab still shows the old version: its change is refused, with the current version shown.
    stale = add(client, path, day.replace(day=6), "09:00", "10:00", version=stale_version)
    assert stale.status_code == 409 and translated("lv", "The report changed since this page was shown (perhaps in another tab). This is the current version: please check it and make your change again.") in stale.text
    assert "09:00–11:30" in stale.text
    assert 'value="10:00"' in stale.text, "what the stale tab typed is kept, to send again"
    changed = add(client, path, day, "08:00", "10:00", entry=entry_id)
    assert changed.headers["location"].endswith("?done=changed")
    assert "08:00–10:00" in client.get(path).text and "09:00–11:30" not in client.get(path).text
    page = client.get(path).text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    deleted = client.post(f"{path}/entries/{entry_id}/delete", data={"csrf_token": csrf_of(page), "version": version})
    assert deleted.headers["location"].endswith("?done=deleted")
    assert "08:00–10:00" not in client.get(path).text


def test_a_month_is_submitted_once_over_and_then_locked(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    sign_in(client, ILZE)
    now, last = month_path(grants.anna_assignment, grants.this_month), month_path(grants.anna_assignment, grants.last_month)
    add(client, now, clock.today(), "07:00", "08:00")
    add(client, last, grants.last_month.replace(day=2), "09:00", "12:00")
    page = client.get(now).text
    assert (f'action="{now}/submit"' in page) == service.may_submit(grants.this_month, clock.today())
    page = client.get(last).text
    version = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    assert client.post(f"{last}/submit", data={"csrf_token": csrf_of(page), "version": version}).status_code == 303
    locked = client.get(last).text
    assert translated("lv", "Waiting for confirmation") in locked
    assert 'name="start"' not in locked  # no form: the entries are locked
    refused = add(client, last, grants.last_month.replace(day=3), "09:00", "10:00", version=str(int(version) + 1))
    assert refused.status_code == 303
    assert "09:00–10:00" not in client.get(last).text

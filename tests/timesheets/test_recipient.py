"""The recipient's side over HTTP: the hours used and left, confirming (with its check step),
returning a report with a reason, a representative confirming, revisions, and nobody else's."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from sqlalchemy import update

from portal import clock
from portal.db import Database
from portal.entitlements.models import Entitlement
from tests.applications.test_routes import translated
from tests.casework.test_desk import switch_to
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.timesheets.helpers import ANNA, ILZE, JANIS, OLGA, grant_and_assign, recorded_and_submitted
from tests.timesheets.test_assistant import add, month_path


def version_of(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)  # type: ignore[union-attr]


def test_the_person_confirms_with_a_check_step_and_sees_who_and_when(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    sign_in(client, ANNA)
    listing = client.get("/lv/reports").text
    assert f'href="/lv/reports/{report}"' in listing
    page = client.get(f"/lv/reports/{report}").text
    assert "9 stundas" in page and f'href="/lv/reports/{report}/confirm"' in page
    confirm = client.get(f"/lv/reports/{report}/confirm").text
    unticked = client.post(f"/lv/reports/{report}/confirm", data={"csrf_token": csrf_of(confirm), "version": version_of(confirm)})
    assert unticked.status_code == 422 and 'href="#received"' in unticked.text
    done = client.post(f"/lv/reports/{report}/confirm",
                       data={"csrf_token": csrf_of(confirm), "version": version_of(confirm), "received": "yes"})
    assert done.headers["location"] == f"/lv/reports/{report}/confirmed"
    confirmed = client.get(done.headers["location"]).text
    assert "Anna Bērziņa" in confirmed and translated("lv", "Confirmed") in client.get(f"/lv/reports/{report}").text
    # The same confirmation again (back button) changes nothing and lands on the report.
    again = client.post(f"/lv/reports/{report}/confirm",
                        data={"csrf_token": csrf_of(confirm), "version": version_of(confirm), "received": "yes"})
    assert again.headers["location"] == f"/lv/reports/{report}"


def test_something_is_wrong_goes_back_to_the_assistant_who_corrects_it(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    sign_in(client, ANNA)
    stale_tab = client.get(f"/lv/reports/{report}/confirm").text
    dispute = client.get(f"/lv/reports/{report}/dispute").text
    entry_id = re.search(r'name="entries" type="checkbox" value="(\d+)"', dispute).group(1)  # type: ignore[union-attr]
    empty = client.post(f"/lv/reports/{report}/dispute", data={"csrf_token": csrf_of(dispute), "version": version_of(dispute)})
    assert empty.status_code == 422 and 'href="#reason"' in empty.text
    returned = client.post(f"/lv/reports/{report}/dispute", data={
        "csrf_token": csrf_of(dispute), "version": version_of(dispute), "reason": "Pirmajā dienā tikai divas stundas.",
        "entries": entry_id})
    assert returned.headers["location"] == f"/lv/reports/{report}"

    switch_to(client, ILZE)
    path = month_path(grants.anna_assignment, grants.last_month)
    month = client.get(path).text
    assert "Pirmajā dienā tikai divas stundas." in month and translated("lv", "Questioned by the person") in month
    add(client, path, grants.last_month.replace(day=1), "09:00", "11:00", entry=int(entry_id))
    month = client.get(path).text
    client.post(f"{path}/submit", data={"csrf_token": csrf_of(month), "version": version_of(month)})

    switch_to(client, ANNA)
    # The tab opened before the return shows an old version: it cannot confirm what it did not show.
    fresh = client.get(f"/lv/reports/{report}/confirm").text  # (signed in again: a new session's token)
    stale = client.post(f"/lv/reports/{report}/confirm",
                        data={"csrf_token": csrf_of(fresh), "version": version_of(stale_tab), "received": "yes"})
    assert stale.status_code == 409 and "8 stundas" in stale.text
    client.post(f"/lv/reports/{report}/confirm", data={"csrf_token": csrf_of(fresh), "version": version_of(fresh), "received": "yes"})
    history = client.get(f"/lv/reports/{report}").text
    for event in ("Submitted by the assistant", "Returned by the person", "Confirmed by the person"):  # timesheets.presenters
        assert translated("lv", event) in history


def test_a_correction_is_a_new_revision_confirmed_again(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    first = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    sign_in(client, ANNA)
    page = client.get(f"/lv/reports/{first}/confirm").text
    client.post(f"/lv/reports/{first}/confirm", data={"csrf_token": csrf_of(page), "version": version_of(page), "received": "yes"})
    switch_to(client, ILZE)
    path = month_path(grants.anna_assignment, grants.last_month)
    month = client.get(path).text
    client.post(f"{path}/correct", data={"csrf_token": csrf_of(month), "version": version_of(month)})
    corrected = client.get(path).text
    assert 'name="start"' in corrected and "9 stundas" in corrected  # the entries were copied, and can change
    add(client, path, grants.last_month.replace(day=10), "09:00", "10:00")
    month = client.get(path).text
    client.post(f"{path}/submit", data={"csrf_token": csrf_of(month), "version": version_of(month)})
    switch_to(client, ANNA)
    listing = client.get("/lv/reports").text
    second = int(re.search(r'href="/lv/reports/(\d+)">', listing).group(1))  # type: ignore[union-attr]
    assert second != first
    old = client.get(f"/lv/reports/{first}").text
    assert "9 stundas" in old and "10 stundas" not in old  # the confirmed revision never changed
    assert "10 stundas" in client.get(f"/lv/reports/{second}").text


def test_a_parent_confirms_for_the_child_and_nobody_else_sees_it(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.marta_assignment, grants.last_month)
    sign_in(client, JANIS)
    listing = client.get("/lv/reports").text
    marta = re.search(r'/lv/reports\?for=(\d+)', listing).group(1)  # type: ignore[union-attr]
    assert f'href="/lv/reports/{report}"' in client.get(f"/lv/reports?for={marta}").text
    page = client.get(f"/lv/reports/{report}/confirm").text
    done = client.post(f"/lv/reports/{report}/confirm", data={"csrf_token": csrf_of(page), "version": version_of(page), "received": "yes"})
    assert "Jānis Kalniņš" in client.get(done.headers["location"]).text
    switch_to(client, OLGA)
    for path in (f"/lv/reports/{report}", f"/lv/reports/{report}/confirm", f"/lv/reports/{report}/dispute", f"/lv/reports?for={marta}",
                 f"/lv/entitlement?for={marta}"):
        assert client.get(path).status_code == 404, path


def test_the_entitlement_page_says_what_is_used_and_left_and_warns_before_the_end(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    sign_in(client, ILZE)
    add(client, month_path(grants.anna_assignment, grants.this_month), clock.today(), "07:00", "09:00")
    switch_to(client, ANNA)
    page = client.get("/lv/entitlement").text
    assert "80 stundas" in page and "2 stundas" in page and "78 stundas" in page  # granted, recorded, left
    assert '<meter class="meter" min="0" max="4800" value="120"' in page
    assert translated("lv", "The grant ends soon") not in page

    async def ends_in_30_days() -> None:
        db = Database(database_url)
        async with db.session() as session:
            await session.execute(update(Entitlement).values(valid_to=clock.today() + timedelta(days=30)))
        await db.dispose()

    asyncio.run(ends_in_30_days())
    assert translated("lv", "The grant ends soon") in client.get("/lv/entitlement").text

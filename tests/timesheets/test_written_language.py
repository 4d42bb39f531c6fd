"""Language of parts (WCAG 3.1.2): a reason for returning a report, written on the Russian page, is marked
lang="ru" where the assistant and the person read it on Latvian pages (the month, the report, its history)."""

from __future__ import annotations

import re

from tests.casework.test_desk import switch_to
from tests.casework.test_written_language import languages_of
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.timesheets.helpers import ANNA, ILZE, grant_and_assign, recorded_and_submitted
from tests.timesheets.test_assistant import month_path
from tests.timesheets.test_recipient import version_of

REASON = "В первый день было только два часа."


def test_a_reason_written_in_russian_is_marked_russian_on_the_latvian_pages(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    sign_in(client, ANNA)
    dispute = client.get(f"/ru/reports/{report}/dispute").text
    entry_id = re.search(r'name="entries" type="checkbox" value="(\d+)"', dispute).group(1)  # type: ignore[union-attr]
    returned = client.post(f"/ru/reports/{report}/dispute", data={
        "csrf_token": csrf_of(dispute), "version": version_of(dispute), "reason": REASON, "entries": entry_id})
    assert returned.status_code == 303
    # The person's own report page in Latvian: the reason she gave, and the history's line.
    page = client.get(f"/lv/reports/{report}").text
    assert len(languages_of(page, REASON)) >= 2 and set(languages_of(page, REASON)) == {"ru"}
    russian = client.get(f"/ru/reports/{report}").text
    assert set(languages_of(russian, REASON)) == {"ru"} and f'<span lang="ru">{REASON}' not in russian

    switch_to(client, ILZE)
    month = client.get(month_path(grants.anna_assignment, grants.last_month))
    assert month.status_code == 200 and '<html lang="lv"' in month.text
    assert languages_of(month.text, REASON) and set(languages_of(month.text, REASON)) == {"ru"}

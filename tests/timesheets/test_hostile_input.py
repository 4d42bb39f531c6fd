"""Hostile input to the month's POSTs: the assistant's entries, deleting, submitting and correcting; the
person's confirmation and return; the desk's sample and check. Whatever is sent: never a 500, a message
at the field where a person can see one, and nothing with a NUL or a replacement character stored."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from urllib.parse import quote, urlencode

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import portal.models  # noqa: F401  (every table, for the scan of what is stored)
from portal import clock
from portal.applications.rules import Purpose
from portal.forms import Body
from portal.timesheets import forms, service
from tests.applications.test_routes import translated
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.hostile import stored_marks
from tests.timesheets.helpers import ANNA, ILZE, LIGA, confirmed_report, grant_and_assign, recorded_and_submitted
from tests.timesheets.test_assistant import month_path

HOSTILE = ["\x00", "²", "①", "٣", "9" * 20, "-1", "2026-02-30", "x" * 20_000]
# What is a fine note or reason (a person may write "²"), but no time, day, number or choice.
PLAIN_TEXT = ["²", "①", "٣", "9" * 20, "-1", "2026-02-30"]
Pairs = list[tuple[str, str]]

CHANGED_SINCE_SHOWN = ("The report changed since this page was shown (perhaps in another tab). This is the current version: "
                       "please check it and make your change again.")
CHANGED_SINCE_READ = ("The report changed since this page was shown (perhaps in another tab). This is the current version: "
                      "please read it again before you answer.")


Make = Callable[[dict[str, str]], Pairs]


def replaced(name: str, value: str) -> Make:
    return lambda good: [(key, value if key == name else sent) for key, sent in good.items()]


def twice(name: str) -> Make:
    return lambda good: [*good.items(), (name, good[name])]


def missing(name: str) -> Make:
    return lambda good: [(key, sent) for key, sent in good.items() if key != name]


def variants(fields: Sequence[str], values: Sequence[str] = HOSTILE) -> Iterator[tuple[str, str, Make]]:
    """For each of `fields`: how to make a good form hostile there (with each value), send the field twice, or
    leave it out: (field, what, make), where `make(good)` gives the body's pairs."""
    for name in fields:
        for value in values:
            yield name, f"{name}={value[:12]!r}", replaced(name, value)
        yield name, f"{name} twice", twice(name)
        yield name, f"{name} missing", missing(name)


def post(client: TestClient, path: str, pairs: Pairs, token: str) -> httpx.Response:
    return client.post(path, content=urlencode([*pairs, ("csrf_token", token)]),
                       headers={"content-type": "application/x-www-form-urlencoded"})


def version_of(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)  # type: ignore[union-attr]


def at_the_field(response: httpx.Response, field: str) -> bool:
    """A 422 that names the field in the error summary and says what is wrong next to it."""
    return response.status_code == 422 and f'href="#{field}"' in response.text and f'id="{field}-error"' in response.text


# ------------------------------------------------------------ the assistant


def test_an_entry_refuses_hostile_values_at_the_field(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    sign_in(client, ILZE)
    path = month_path(grants.anna_assignment, grants.last_month)
    slots = iter(range(10_000))

    def good(page: str) -> dict[str, str]:
        """A good entry in a slot of its own (an hour of a day of last month), so that no two overlap."""
        slot = next(slots)
        day, hour = grants.last_month.replace(day=1 + slot % 28), 6 + slot // 28
        return {"version": version_of(page), "day": day.isoformat(), "start": f"{hour:02d}:00", "end": f"{hour:02d}:30",
                "purpose": Purpose.WORK_STUDY_SPORT.value, "note": ""}

    token = csrf_of(client.get(path).text)
    fine_notes = {f"note={value[:12]!r}" for value in PLAIN_TEXT} | {"note missing"}
    for field, what, make in variants(["day", "start", "end", "purpose", "note", "version"]):
        response = post(client, path, make(good(client.get(path).text)), token)
        assert response.status_code < 500, what
        if field == "version":
            assert response.status_code == 409 and translated("lv", CHANGED_SINCE_SHOWN) in response.text, what
        elif what in fine_notes:  # "²" is a fine note
            assert response.status_code == 303, what
        else:
            assert at_the_field(response, field), what
    assert client.get(path).status_code == 200
    assert stored_marks(database_url) == []


def test_a_hostile_entry_id_is_not_found_and_changes_nothing(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    sign_in(client, ILZE)
    path = month_path(grants.anna_assignment, grants.last_month)
    page = client.get(path).text
    token = csrf_of(page)
    good = {"version": version_of(page), "day": grants.last_month.replace(day=2).isoformat(), "start": "09:00", "end": "10:00",
            "purpose": Purpose.OTHER.value, "note": ""}
    assert post(client, path, list(good.items()), token).status_code == 303
    page = client.get(path).text
    entry_id = re.search(r"\?edit=(\d+)", page).group(1)  # type: ignore[union-attr]
    for _field, what, make in variants(["entry"]):
        changed = good | {"version": version_of(client.get(path).text), "start": "11:00", "end": "12:00", "entry": entry_id}
        response = post(client, path, make(changed), token)
        if what == "entry missing":  # no entry named: a new one is added
            assert response.status_code == 303, what
        else:
            assert response.status_code == 404, what
    for edit in HOSTILE:
        assert client.get(f"{path}?edit={quote(edit)}").status_code == 200, edit
    arabic_month = f"{grants.last_month:%Y-%m}".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert client.get(f"/lv/assistant/{grants.anna_assignment}/{quote(arabic_month)}").status_code == 404
    assert client.get(f"/lv/assistant/{grants.anna_assignment}/{'9' * 20}").status_code == 404
    assert stored_marks(database_url) == []


def test_deleting_submitting_and_correcting_refuse_a_hostile_version(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    sign_in(client, ILZE)
    path = month_path(grants.anna_assignment, grants.last_month)
    page = client.get(path).text
    token = csrf_of(page)
    entry = {"version": version_of(page), "day": grants.last_month.replace(day=2).isoformat(), "start": "09:00", "end": "10:00",
             "purpose": Purpose.OTHER.value, "note": ""}
    assert post(client, path, list(entry.items()), token).status_code == 303
    entry_id = re.search(r"\?edit=(\d+)", client.get(path).text).group(1)  # type: ignore[union-attr]
    for action in (f"/entries/{entry_id}/delete", "/submit", "/correct"):
        for _field, what, make in variants(["version"]):
            response = post(client, path + action, make({"version": version_of(client.get(path).text)}), token)
            assert response.status_code == 409 and translated("lv", CHANGED_SINCE_SHOWN) in response.text, (action, what)
    assert "09:00–10:00" in client.get(path).text  # nothing deleted, nothing submitted
    assert post(client, f"{path}/entries/{'9' * 20}/delete", [("version", "1")], token).status_code == 404


def test_a_body_that_is_not_utf8_is_answered_with_the_page_in_the_persons_language(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    sign_in(client, ILZE)
    for lang in ("lv", "ru"):
        path = f"/{lang}/assistant/{grants.anna_assignment}/{grants.last_month:%Y-%m}"
        page = client.get(path).text
        body = f"version={version_of(page)}&day={grants.last_month:%Y-%m}-02&start=09:00&end=10:00&purpose=other&note=%C3%28&csrf_token={csrf_of(page)}"
        response = client.post(path, content=body.encode(), headers={"content-type": "application/x-www-form-urlencoded"})
        assert response.status_code == 400, lang
        assert translated(lang, "The form could not be read") in response.text, lang
    assert "09:00–10:00" not in client.get(month_path(grants.anna_assignment, grants.last_month)).text


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(["day", "start", "end", "purpose", "note", "version", "entry"]), text=st.text(max_size=40))
def test_any_text_in_any_field_of_an_entry_is_never_a_server_error(client: TestClient, database_url: str, field: str, text: str) -> None:
    if not client.cookies:
        grant_and_assign(database_url)
        sign_in(client, ILZE)
    assistant = client.get("/lv/assistant").text
    path = re.search(r'href="(/lv/assistant/\d+/[0-9-]+)"', assistant).group(1)  # type: ignore[union-attr]
    page = client.get(path).text
    day = re.search(r'<option value="(\d{4}-\d{2}-\d{2})"', page)
    good = {"version": version_of(page), "day": day.group(1) if day else "", "start": "09:00", "end": "09:30",
            "purpose": Purpose.OTHER.value, "note": ""}
    response = post(client, path, replaced(field, text)(good | {field: ""}), csrf_of(page))
    assert response.status_code < 500
    assert stored_marks(database_url) == []


# ------------------------------------------------------------ the recipient


def test_confirming_refuses_hostile_values_at_the_field(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    sign_in(client, ANNA)
    path = f"/lv/reports/{report}/confirm"
    page = client.get(path).text
    token = csrf_of(page)
    good = {"version": version_of(page), "received": "yes"}
    for field, what, make in variants(["received", "version"]):
        if what == "received twice":
            continue  # the same tick twice is still a tick: it would confirm (below)
        response = post(client, path, make(good), token)
        if field == "version":
            assert response.status_code == 409 and translated("lv", CHANGED_SINCE_READ) in response.text, what
        else:
            assert at_the_field(response, "received"), what
    assert post(client, path, [*good.items(), ("received", "yes")], token).headers["location"] == f"/lv/reports/{report}/confirmed"
    assert stored_marks(database_url) == []


def test_returning_a_report_refuses_hostile_values_at_the_field(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    report = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)
    sign_in(client, ANNA)
    path = f"/lv/reports/{report}/dispute"
    page = client.get(path).text
    token = csrf_of(page)
    entry_id = re.search(r'name="entries" type="checkbox" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    good = {"version": version_of(page), "reason": "", "entries": entry_id}  # no reason: nothing is returned yet
    for field, what, make in variants(["entries", "version"]):
        response = post(client, path, make(good), token)
        if field == "version":
            assert response.status_code == 409 and translated("lv", CHANGED_SINCE_READ) in response.text, what
        else:
            assert at_the_field(response, "reason"), what
    good["reason"] = "Nebija."
    for _field, what, make in variants(["reason"], ["\x00", "x" * 20_000]):
        assert at_the_field(post(client, path, make(good), token), "reason"), what
    # A reason a person may write, and entries that are not the report's (ignored): returned.
    returned = post(client, path, [("version", good["version"]), ("reason", "² ① ٣"), ("entries", "9" * 20), ("entries", "²"),
                                   ("entries", "-1"), ("entries", entry_id)], token)
    assert returned.headers["location"] == f"/lv/reports/{report}"
    assert "² ① ٣" in client.get(f"/lv/reports/{report}").text
    assert stored_marks(database_url) == []


# ------------------------------------------------------------ the desk


def test_the_desks_sample_and_check_refuse_hostile_values_at_the_field(client: TestClient, database_url: str) -> None:
    grants = grant_and_assign(database_url)
    confirmed_report(database_url, grants.anna_assignment, grants.last_month)
    sign_in(client, LIGA)
    path = f"/lv/desk/sample?month={grants.last_month:%Y-%m}"
    token = csrf_of(client.get(path).text)
    for _field, what, make in variants(["percent"]):
        assert at_the_field(post(client, path, make({"percent": "100"}), token), "percent"), what
    drawn = post(client, path, [("percent", "100")], token)
    assert drawn.status_code == 303
    check = re.search(r'href="(/lv/desk/sample/reports/\d+/check)"', client.get(path).text).group(1)  # type: ignore[union-attr]
    for _field, what, make in variants(["note"], ["\x00", "x" * 20_000]):
        assert at_the_field(post(client, check, make({"note": "Pārbaudīts."}), token), "note"), what
    assert post(client, check, [("note", "² ① ٣ -1")], token).status_code == 303
    assert "² ① ٣ -1" in client.get(path).text
    assert stored_marks(database_url) == []


# ------------------------------------------------------------ the readers


@given(st.text(max_size=12))
def test_a_time_is_ascii_digits_within_the_day(text: str) -> None:
    for end in (False, True):
        minutes = forms.parse_time(text, end=end)
        if minutes is not None:
            assert text.strip().isascii() and 0 <= minutes <= service.DAY_MINUTES - (0 if end else 1)


@given(st.text(max_size=10))
def test_a_month_is_ascii_digits(text: str) -> None:
    month = service.parse_month(text)
    assert month is None or (text.isascii() and month == date(int(text[:4]), int(text[5:]), 1))


@settings(max_examples=50)
@given(st.dictionaries(st.sampled_from(["day", "start", "end", "purpose", "note", "version", "entry"]), st.lists(st.text(max_size=30), max_size=3)))
def test_an_entry_form_reads_anything_into_an_entry_or_errors(sent: dict[str, list[str]]) -> None:
    days = [clock.today().replace(day=1)]
    form = forms.read_entry(Body([(name, value) for name, values in sent.items() for value in values]), days)
    entry = form.entry_input()
    assert (entry is None) == bool(form.errors)
    if entry is not None:
        assert entry.day in days and entry.purpose in Purpose._value2member_map_ and "\x00" not in entry.note

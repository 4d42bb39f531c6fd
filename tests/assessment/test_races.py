"""The self-assessment's version in progress holds when two requests arrive at once (two tabs, two processes).

Each round sends two requests through two apps at the same moment (tests/race.py): a section
saved in one tab is never written over by a section saved in the other, two first saves start
one version, and two submits freeze it once.
"""

from __future__ import annotations

import json
from functools import partial
from typing import Any

from sqlalchemy import text

from portal.assessment.answers import complete
from portal.settings import Settings
from tests.applications.test_routes import ANNA
from tests.assessment.test_routes import ADULTS, fill_all, section_form
from tests.client import TestClient
from tests.conftest import csrf_of, engine_for, sign_in
from tests.race import at_once, workers

ROUNDS = 6
SECTIONS = "mobility_home", "self_care"


def versions(database_url: str) -> list[dict[str, Any]]:
    """Every stored version, newest first, with its answers as a dict (SQLite hands JSON back as text)."""
    with engine_for(database_url).connect() as connection:
        rows = [dict(row._mapping) for row in connection.execute(text("SELECT * FROM assessment ORDER BY number DESC"))]
    for row in rows:
        if isinstance(row["answers"], str):
            row["answers"] = json.loads(row["answers"])
    return rows


def prepared(client: TestClient, section_id: str, comment: str) -> dict[str, Any]:
    token = csrf_of(client.get(f"/lv/assessment/{section_id}").text)
    return {"csrf_token": token, **section_form(ADULTS, section_id, comment=comment)}


def lost_sections(answers: dict[str, Any], comment: str) -> list[str]:
    """The sections whose answers are not the ones this round saved."""
    return [section_id for section_id in SECTIONS
            if any((answers.get(question.id) or {}).get("comment") != comment for question in ADULTS.section(section_id).questions)]


def save_both_at_once(first: TestClient, second: TestClient, comment: str) -> list[int]:
    forms = prepared(first, SECTIONS[0], comment), prepared(second, SECTIONS[1], comment)
    answers = at_once(partial(first.post, f"/lv/assessment/{SECTIONS[0]}", data=forms[0]),
                      partial(second.post, f"/lv/assessment/{SECTIONS[1]}", data=forms[1]))
    return [answer.status_code for answer in answers]


def test_two_tabs_saving_two_sections_keep_both(client: TestClient, settings: Settings, database_url: str) -> None:
    sign_in(client, ANNA)
    fill_all(client, ADULTS)  # a version in progress to save into
    lost = []
    with workers(settings, client) as (first, second):
        for round_ in range(ROUNDS):
            comment = f"Kārta {round_}."
            assert save_both_at_once(first, second, comment) == [303, 303]
            found = versions(database_url)
            assert len(found) == 1
            lost += [(round_, section_id) for section_id in lost_sections(found[0]["answers"], comment)]
    assert lost == [], f"sections lost (round, section): {lost}"


def test_two_first_saves_at_once_start_one_version(client: TestClient, settings: Settings, database_url: str) -> None:
    sign_in(client, ANNA)
    with workers(settings, client) as (first, second):
        for round_ in range(ROUNDS):
            with engine_for(database_url).begin() as connection:
                connection.execute(text("DELETE FROM assessment"))
            comment = f"Kārta {round_}."
            assert save_both_at_once(first, second, comment) == [303, 303]
            found = versions(database_url)
            assert [(version["number"], version["status"]) for version in found] == [(1, "in_progress")]
            assert lost_sections(found[0]["answers"], comment) == []


def test_a_submitted_version_is_never_changed_by_a_save_in_another_tab(
    client: TestClient, settings: Settings, database_url: str
) -> None:
    """One tab submits while the other saves a section that leaves a rating without its comment.
    Whichever the database takes first, a submitted version stays complete: the save either went in
    first (and the submit is refused), or starts the next version."""
    sign_in(client, ANNA)
    changed_after_submit: set[int] = set()
    with workers(settings, client) as (first, second):
        for _round in range(ROUNDS):
            fill_all(client, ADULTS)
            submit_form = {"csrf_token": csrf_of(first.get("/lv/assessment").text)}
            unfinished = prepared(second, SECTIONS[0], comment="")  # "needs some help" without saying why
            answers = at_once(partial(first.post, "/lv/assessment/submit", data=submit_form),
                              partial(second.post, f"/lv/assessment/{SECTIONS[0]}", data=unfinished))
            assert [answer.status_code for answer in answers] == [303, 422], [a.text[:300] for a in answers]
            changed_after_submit |= {version["number"] for version in versions(database_url)
                                     if version["status"] == "submitted" and not complete(ADULTS, version["answers"])}
    assert changed_after_submit == set(), f"submitted versions changed afterwards (numbers, of {ROUNDS}): {changed_after_submit}"


def test_submitting_in_two_tabs_at_once_freezes_one_version(client: TestClient, settings: Settings, database_url: str) -> None:
    sign_in(client, ANNA)
    with workers(settings, client) as (first, second):
        for round_ in range(ROUNDS):
            fill_all(client, ADULTS)  # the next version in progress
            forms = [{"csrf_token": csrf_of(tab.get("/lv/assessment").text)} for tab in (first, second)]
            sent = at_once(partial(first.post, "/lv/assessment/submit", data=forms[0]),
                           partial(second.post, "/lv/assessment/submit", data=forms[1]))
            assert [answer.status_code for answer in sent] == [303, 303], (round_, [a.text[:300] for a in sent])
            found = versions(database_url)
            assert [(version["number"], version["status"]) for version in found] == [
                (number, "submitted") for number in range(round_ + 1, 0, -1)]
            assert {answer.headers["location"] for answer in sent} == {f"/lv/assessment/versions/{found[0]['id']}"}

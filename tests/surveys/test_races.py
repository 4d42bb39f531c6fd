"""A survey draft holds when two requests arrive at once (two tabs of one browser, two server processes).

Each round sends two requests through two apps at the same moment (tests/race.py); the
database, not luck, decides the order, and neither tab loses what it saved.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import httpx
from sqlalchemy import text

from portal.settings import Settings
from portal.surveys.definitions import Question
from tests.client import TestClient
from tests.conftest import csrf_of, engine_for, sign_in
from tests.race import at_once, workers
from tests.surveys.test_routes import RECIPIENTS, page_answers
from tests.timesheets.helpers import ANNA, grant_and_assign

ROUNDS = 6


def page_path(number: int) -> str:
    return f"/lv/surveys/{RECIPIENTS.id}/{number}"


def round_answers(number: int, round_: int) -> dict[str, Any]:
    """A page's answers that differ from round to round, so a lost page shows as the last round's answer."""
    answers = page_answers(RECIPIENTS, number)
    for question in RECIPIENTS.pages[number - 1].questions:
        if question.kind in {"single", "scale"} and question.id != "where" and question.options:
            answers[question.id] = option(question, round_)
        elif question.kind == "text":
            answers[question.id] = f"Kārta {round_}."
    return answers


def option(question: Question, round_: int) -> str:
    return question.options[round_ % len(question.options)].value


def prepared(client: TestClient, number: int, answers: dict[str, Any]) -> dict[str, Any]:
    return {"csrf_token": csrf_of(client.get(page_path(number)).text), **answers}


def stored(database_url: str, table: str) -> list[dict[str, Any]]:
    with engine_for(database_url).connect() as connection:
        return [dict(row._mapping) for row in connection.execute(text(f"SELECT * FROM {table}"))]


def draft_answers(database_url: str) -> dict[str, Any]:
    drafts = stored(database_url, "survey_draft")
    assert len(drafts) == 1, drafts
    answers = drafts[0]["answers"]
    if isinstance(answers, str):  # SQLite hands JSON back as text
        import json

        answers = json.loads(answers)
    assert isinstance(answers, dict)
    return answers


def expected_kept(number: int, answers: dict[str, Any]) -> dict[str, Any]:
    """What of a page's answers the draft keeps (the questions that show)."""
    questions = {question.id for question in RECIPIENTS.pages[number - 1].questions}
    return {key: value for key, value in answers.items() if key in questions}


def test_two_tabs_saving_two_pages_of_one_draft_keep_both(client: TestClient, settings: Settings, database_url: str) -> None:
    grant_and_assign(database_url)
    sign_in(client, ANNA)
    first_save = client.post(page_path(1), data=prepared(client, 1, page_answers(RECIPIENTS, 1)))
    assert first_save.status_code == 303
    lost = []
    with workers(settings, client) as (first, second):
        for round_ in range(ROUNDS):
            ones, twos = round_answers(1, round_), round_answers(2, round_)
            forms = prepared(first, 1, ones), prepared(second, 2, twos)
            answers = at_once(partial(first.post, page_path(1), data=forms[0]), partial(second.post, page_path(2), data=forms[1]))
            assert [answer.status_code for answer in answers] == [303, 303], [a.text[:300] for a in answers]
            kept = draft_answers(database_url)
            for number, given in ((1, ones), (2, twos)):
                if any(kept.get(key) != value for key, value in expected_kept(number, given).items()):
                    lost.append((round_, number))
    assert lost == [], f"pages lost (round, page): {lost}"


def test_starting_the_draft_in_two_tabs_at_once_makes_one(client: TestClient, settings: Settings, database_url: str) -> None:
    grant_and_assign(database_url)
    sign_in(client, ANNA)
    with workers(settings, client) as (first, second):
        for round_ in range(ROUNDS):
            with engine_for(database_url).begin() as connection:
                connection.execute(text("DELETE FROM survey_draft"))
            ones, twos = round_answers(1, round_), round_answers(2, round_)
            forms = prepared(first, 1, ones), prepared(second, 2, twos)
            answers: list[httpx.Response] = at_once(partial(first.post, page_path(1), data=forms[0]),
                                                    partial(second.post, page_path(2), data=forms[1]))
            assert [answer.status_code for answer in answers] == [303, 303], [a.text[:300] for a in answers]
            kept = draft_answers(database_url)  # exactly one draft, with both pages
            assert expected_kept(1, ones).items() <= kept.items() and expected_kept(2, twos).items() <= kept.items(), kept


def test_submitting_in_two_tabs_at_once_counts_once(client: TestClient, settings: Settings, database_url: str) -> None:
    grant_and_assign(database_url)
    sign_in(client, ANNA)
    submit = f"/lv/surveys/{RECIPIENTS.id}/submit"
    with workers(settings, client) as (first, second):
        for round_ in range(ROUNDS):
            with engine_for(database_url).begin() as connection:  # answered again from the start each round
                connection.execute(text("DELETE FROM survey_participation"))
                connection.execute(text("DELETE FROM survey_held_answer"))
            for number in range(1, len(RECIPIENTS.pages) + 1):
                answers = prepared(client, number, round_answers(number, round_))
                assert client.post(page_path(number), data=answers).status_code == 303
            forms = [{"csrf_token": csrf_of(tab.get(f"/lv/surveys/{RECIPIENTS.id}/check").text)} for tab in (first, second)]
            sent = at_once(partial(first.post, submit, data=forms[0]), partial(second.post, submit, data=forms[1]))
            assert [answer.status_code for answer in sent] == [303, 303], (round_, [a.text[:300] for a in sent])
            assert {answer.headers["location"] for answer in sent} == {f"/lv/surveys/{RECIPIENTS.id}/thanks"}
            assert len(stored(database_url, "survey_held_answer")) == 1  # held back until enough have answered
            assert stored(database_url, "survey_response") == []
            assert len(stored(database_url, "survey_participation")) == 1
            assert stored(database_url, "survey_draft") == []


def test_a_page_saved_while_another_tab_submits_is_told_the_survey_is_answered(
    client: TestClient, settings: Settings, database_url: str
) -> None:
    """Saving a page as the other tab submits: either the page is saved before (and sent), or the
    tab is sent to the survey's page, which says it is answered; never an error, never a draft left."""
    grant_and_assign(database_url)
    sign_in(client, ANNA)
    submit = f"/lv/surveys/{RECIPIENTS.id}/submit"
    with workers(settings, client) as (first, second):
        for round_ in range(ROUNDS):
            with engine_for(database_url).begin() as connection:
                connection.execute(text("DELETE FROM survey_participation"))
                connection.execute(text("DELETE FROM survey_held_answer"))
            for number in range(1, len(RECIPIENTS.pages) + 1):
                assert client.post(page_path(number), data=prepared(client, number, page_answers(RECIPIENTS, number))).status_code == 303
            forms = {"csrf_token": csrf_of(first.get(f"/lv/surveys/{RECIPIENTS.id}/check").text)}, prepared(second, 2, round_answers(2, round_))
            sent = at_once(partial(first.post, submit, data=forms[0]), partial(second.post, page_path(2), data=forms[1]))
            assert [answer.status_code for answer in sent] == [303, 303], (round_, [a.text[:300] for a in sent])
            assert sent[0].headers["location"] == f"/lv/surveys/{RECIPIENTS.id}/thanks"
            assert sent[1].headers["location"] in {page_path(3), f"/lv/surveys/{RECIPIENTS.id}"}
            assert len(stored(database_url, "survey_held_answer")) == 1
            assert stored(database_url, "survey_draft") == []

"""Hostile input to every POST of the surveys, signed in and not: never a 500, a message at the
field where a person could see one, and nothing unreadable stored."""

from __future__ import annotations

from typing import Any

from portal.surveys.definitions import Question, Survey
from tests.applications.test_routes import translated
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.hostile import HOSTILE, error_link, post_fields, stored_marks
from tests.surveys.test_routes import PORTAL, RECIPIENTS, page_answers, responses
from tests.timesheets.helpers import ANNA, grant_and_assign


def as_fields(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name, str(item)) for name, value in data.items() for item in (value if isinstance(value, list) else [value])]


def refused(question: Question, value: str) -> bool:
    if question.kind == "text":
        return "\x00" in value or len(value) > (question.max_length or 0)
    return True  # no hostile value is one of the options


def hostile_pages(client: TestClient, survey: Survey, numbers: list[int]) -> None:
    """Every hostile value in every question of the pages, one at a time, the others answered well."""
    token = csrf_of(client.get(f"/lv/surveys/{survey.id}/{numbers[0]}").text)
    for number in numbers:
        path = f"/lv/surveys/{survey.id}/{number}"
        good = page_answers(survey, number)
        for question in survey.pages[number - 1].questions:
            for value in HOSTILE:
                response = post_fields(client, path, token, as_fields({**good, question.id: value}))
                assert response.status_code < 500, (question.id, value[:20])
                if refused(question, value):
                    assert response.status_code == 422, (question.id, value[:20])
                    assert error_link(question.id) in response.text, (question.id, value[:20])
                else:
                    assert response.status_code == 303, (question.id, value[:20])
            given = good.get(question.id, "")
            twice = as_fields(good) + [(question.id, str(given[0] if isinstance(given, list) else given))]
            response = post_fields(client, path, token, twice)
            assert response.status_code < 500
            if question.kind != "multiple":
                assert response.status_code == 422 and error_link(question.id) in response.text, question.id
        empty = post_fields(client, path, token, [])
        assert empty.status_code < 500
        if any(q.required for q in survey.pages[number - 1].questions):
            assert empty.status_code == 422
        # Answered well again, so that the follow-ups of later pages show.
        assert post_fields(client, path, token, as_fields(good)).status_code == 303


def test_a_recipients_pages_refuse_hostile_answers_at_the_field(client: TestClient, database_url: str) -> None:
    grant_and_assign(database_url)
    sign_in(client, ANNA)
    hostile_pages(client, RECIPIENTS, list(range(1, len(RECIPIENTS.pages) + 1)))
    token = csrf_of(client.get(f"/lv/surveys/{RECIPIENTS.id}/1").text)
    for number in range(1, len(RECIPIENTS.pages) + 1):
        assert post_fields(client, f"/lv/surveys/{RECIPIENTS.id}/{number}", token,
                           as_fields(page_answers(RECIPIENTS, number))).status_code == 303
    submitted = post_fields(client, f"/lv/surveys/{RECIPIENTS.id}/submit", token, [("junk", "\x00"), ("junk", "x" * 20_000)])
    assert submitted.status_code == 303 and submitted.headers["location"].endswith("/thanks")
    assert responses(database_url) == 1
    assert stored_marks(database_url) == []


def test_a_visitor_cannot_store_anything_unreadable_in_the_public_survey(client: TestClient, database_url: str) -> None:
    hostile_pages(client, PORTAL, [1])
    token = csrf_of(client.get(f"/lv/surveys/{PORTAL.id}/1").text)
    assert post_fields(client, f"/lv/surveys/{PORTAL.id}/1", token, as_fields(page_answers(PORTAL, 1))).status_code == 303
    submitted = post_fields(client, f"/lv/surveys/{PORTAL.id}/submit", token, [("improve", "\x00")])
    assert submitted.status_code == 303 and submitted.headers["location"].endswith("/thanks")
    assert responses(database_url) == 1
    assert stored_marks(database_url) == []


def test_the_public_survey_answers_an_unreadable_body_with_the_page_in_the_visitors_language(client: TestClient) -> None:
    for lang in ("lv", "ru"):
        token = csrf_of(client.get(f"/{lang}/surveys/{PORTAL.id}/1").text)
        response = client.post(f"/{lang}/surveys/{PORTAL.id}/1", content=f"improve=%C3%28&csrf_token={token}".encode(),
                               headers={"content-type": "application/x-www-form-urlencoded"})
        assert response.status_code == 400
        assert translated(lang, "The form could not be read") in response.text
        assert f'<html lang="{lang}"' in response.text


def test_an_answer_too_long_is_shown_again_whole_and_not_kept(client: TestClient, database_url: str) -> None:
    improve = next(q for q in PORTAL.questions() if q.kind == "text")
    token = csrf_of(client.get(f"/lv/surveys/{PORTAL.id}/1").text)
    long = "Garāk. " * 100
    response = post_fields(client, f"/lv/surveys/{PORTAL.id}/1", token, as_fields({**page_answers(PORTAL, 1), improve.id: long}))
    assert response.status_code == 422
    assert translated("lv", "The text must be %(num)s characters or fewer").replace("%(num)s", str(improve.max_length)) in response.text
    assert long.strip() in response.text  # what was typed, to shorten
    # The other answers were kept: the page shows them chosen.
    assert f'value="{page_answers(PORTAL, 1)["ease"]}" checked' in client.get(f"/lv/surveys/{PORTAL.id}/1").text

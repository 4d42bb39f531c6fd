"""Answering surveys over HTTP: a recipient page by page, switching language half-way, check,
submit once; a visitor answers the public survey without signing in, once; nobody else's."""

from __future__ import annotations

import asyncio
import hashlib
import re

from sqlalchemy import func, select

from portal.app import SESSION_COOKIE
from portal.db import Database
from portal.settings import Settings
from portal.surveys.definitions import all_surveys
from portal.surveys.models import SurveyHeldAnswer, SurveyResponse, SurveyVisit
from portal.surveys.routes import VISIT_TOKEN
from tests.applications.test_routes import translated
from tests.casework.test_desk import switch_to
from tests.client import TestClient
from tests.conftest import csrf_of, session_data, sign_in
from tests.timesheets.helpers import ANNA, OLGA, grant_and_assign

RECIPIENTS = all_surveys()["recipients-2026"]
PORTAL = all_surveys()["portal-2026"]


def responses(database_url: str) -> int:
    """The sets of answers kept: responses, and anonymous answers held back until enough have answered."""
    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            found = int(await session.scalar(select(func.count()).select_from(SurveyResponse)) or 0)
            found += int(await session.scalar(select(func.count()).select_from(SurveyHeldAnswer)) or 0)
        await db.dispose()
        return found

    return asyncio.run(work())


def page_answers(survey: object, number: int) -> dict[str, object]:
    data: dict[str, object] = {}
    for question in survey.pages[number - 1].questions:  # type: ignore[attr-defined]
        if question.kind == "text":
            data[question.id] = "Vairāk stundu mācībām."
        elif question.kind == "multiple":
            data[question.id] = [question.options[0].value]
        elif question.id == "where":
            data[question.id] = "university"  # so that the follow-up question shows
        else:
            data[question.id] = question.options[-1].value
    return data


def post_page(client: TestClient, lang: str, survey: object, number: int, data: dict[str, object]) -> object:
    path = f"/{lang}/surveys/{survey.id}/{number}"  # type: ignore[attr-defined]
    return client.post(path, data={"csrf_token": csrf_of(client.get(path).text), **data})


def test_a_recipient_answers_switches_language_half_way_and_submits_once(client: TestClient, database_url: str) -> None:
    grant_and_assign(database_url)
    sign_in(client, ANNA)
    assert f'/lv/surveys/{RECIPIENTS.id}"' in client.get("/lv/dashboard").text
    start = client.get(f"/lv/surveys/{RECIPIENTS.id}").text
    assert RECIPIENTS.privacy("lv") in start
    empty = post_page(client, "lv", RECIPIENTS, 1, {})
    assert empty.status_code == 422 and 'href="#where"' in empty.text
    half = len(RECIPIENTS.pages) // 2
    for number in range(1, half + 1):
        response = post_page(client, "lv", RECIPIENTS, number, page_answers(RECIPIENTS, number))
        assert response.status_code == 303, response.text[:500]  # type: ignore[attr-defined]
    # In Russian now: what was answered is still chosen.
    first_page = client.get(f"/ru/surveys/{RECIPIENTS.id}/1").text
    assert 'value="university" checked' in first_page and '<html lang="ru"' in first_page
    for number in range(half + 1, len(RECIPIENTS.pages) + 1):
        response = post_page(client, "ru", RECIPIENTS, number, page_answers(RECIPIENTS, number))
        assert response.status_code == 303  # type: ignore[attr-defined]
    check = client.get(f"/ru/surveys/{RECIPIENTS.id}/check").text
    study = next(q for q in RECIPIENTS.questions() if q.show_if)
    assert study.text("ru") in check  # the follow-up shows: she studies at a university
    token = csrf_of(check)
    sent = client.post(f"/ru/surveys/{RECIPIENTS.id}/submit", data={"csrf_token": token})
    assert sent.headers["location"] == f"/ru/surveys/{RECIPIENTS.id}/thanks"
    again = client.post(f"/ru/surveys/{RECIPIENTS.id}/submit", data={"csrf_token": token})
    assert again.headers["location"] == f"/ru/surveys/{RECIPIENTS.id}/thanks"
    assert responses(database_url) == 1
    assert translated("lv", "You have answered this survey. Thank you. A survey can be answered only once.") in client.get(
        f"/lv/surveys/{RECIPIENTS.id}").text
    assert client.get(f"/lv/surveys/{RECIPIENTS.id}/1").status_code == 303  # no way back in
    assert f'/lv/surveys/{RECIPIENTS.id}"' not in client.get("/lv/dashboard").text


def test_a_changed_answer_drops_the_follow_up(client: TestClient, database_url: str) -> None:
    grant_and_assign(database_url)
    sign_in(client, ANNA)
    for number in range(1, len(RECIPIENTS.pages) + 1):
        post_page(client, "lv", RECIPIENTS, number, page_answers(RECIPIENTS, number))
    post_page(client, "lv", RECIPIENTS, 1, {**page_answers(RECIPIENTS, 1), "where": "municipality"})
    study = next(q for q in RECIPIENTS.questions() if q.show_if)
    assert study.text("lv") not in client.get(f"/lv/surveys/{RECIPIENTS.id}/check").text


def test_the_recipients_survey_is_not_for_others(client: TestClient, database_url: str) -> None:
    grant_and_assign(database_url)
    sign_in(client, OLGA)  # receives no service
    assert client.get(f"/lv/surveys/{RECIPIENTS.id}").status_code == 404
    assert client.get(f"/lv/surveys/{RECIPIENTS.id}/1").status_code == 404
    assert client.get("/lv/surveys/nonexistent").status_code == 404
    client.cookies.clear()
    assert client.get(f"/lv/surveys/{RECIPIENTS.id}").status_code == 404  # not signed in: not a recipient


def test_a_visitor_answers_the_public_survey_once_without_signing_in(client: TestClient, database_url: str) -> None:
    start = client.get(f"/lv/surveys/{PORTAL.id}")
    assert start.status_code == 200
    response = post_page(client, "lv", PORTAL, 1, page_answers(PORTAL, 1))
    assert response.headers["location"] == f"/lv/surveys/{PORTAL.id}/check"  # type: ignore[attr-defined]
    check = client.get(f"/lv/surveys/{PORTAL.id}/check").text
    sent = client.post(f"/lv/surveys/{PORTAL.id}/submit", data={"csrf_token": csrf_of(check)})
    assert sent.headers["location"] == f"/lv/surveys/{PORTAL.id}/thanks"
    assert responses(database_url) == 1
    assert 'class="panel panel--confirmation"' in client.get(f"/lv/surveys/{PORTAL.id}/thanks").text
    # The cookie says this browser answered: no second go.
    assert re.search("survey-answered-", "; ".join(f"{k}={v}" for k, v in client.cookies.items()))
    assert client.get(f"/lv/surveys/{PORTAL.id}/1").status_code == 303
    sent = client.post(f"/lv/surveys/{PORTAL.id}/submit", data={"csrf_token": csrf_of(check)})
    assert responses(database_url) == 1
    switch_to(client, ANNA)  # (another browser, signed in: the public survey is open to her)
    assert client.get(f"/lv/surveys/{PORTAL.id}").status_code == 200


def test_the_pages_say_what_is_kept_and_five_visitors_answers_become_responses_after_the_fifth(
    client: TestClient, database_url: str
) -> None:
    start = client.get(f"/lv/surveys/{PORTAL.id}").text
    assert translated("lv", "Your browser keeps a cookie that says you have answered, so that you are not asked again. "
                            "We keep nothing that says who you are.") in start
    assert translated("lv", "We keep that you have answered this survey, so that you cannot answer twice. "
                            "This record holds no answers and no time.") not in start  # not for a visitor
    counted = []
    for _visitor in range(5):
        client.cookies.clear()  # another browser
        post_page(client, "lv", PORTAL, 1, page_answers(PORTAL, 1))
        check = client.get(f"/lv/surveys/{PORTAL.id}/check").text
        assert translated("lv", "Your unfinished answers are deleted when you send the survey.") in check
        client.post(f"/lv/surveys/{PORTAL.id}/submit", data={"csrf_token": csrf_of(check)})

        async def in_tables() -> tuple[int, int]:
            db = Database(database_url)
            async with db.session() as session:
                kept = int(await session.scalar(select(func.count()).select_from(SurveyResponse)) or 0)
                held = int(await session.scalar(select(func.count()).select_from(SurveyHeldAnswer)) or 0)
            await db.dispose()
            return kept, held

        counted.append(asyncio.run(in_tables()))
    # Held back until the fifth; the batch step after the fifth response adds all five.
    assert counted == [(0, 1), (0, 2), (0, 3), (0, 4), (5, 0)]


def test_a_visitors_progress_is_kept_on_the_server_under_a_random_token(client: TestClient, settings: Settings) -> None:
    post_page(client, "lv", PORTAL, 1, page_answers(PORTAL, 1))
    cookie = session_data(client.cookies.get(SESSION_COOKIE) or "", settings.secret_key)
    assert cookie is not None and set(cookie) <= {"csrf", VISIT_TOKEN}  # the token, never the answers

    async def visits() -> list[SurveyVisit]:
        db = Database(settings.database_url)
        async with db.session() as session:
            found = list(await session.scalars(select(SurveyVisit)))
        await db.dispose()
        return found

    [visit] = asyncio.run(visits())
    assert visit.visit == hashlib.sha256(str(cookie[VISIT_TOKEN]).encode()).hexdigest() and visit.answers
    check = client.get(f"/lv/surveys/{PORTAL.id}/check").text  # the answers come back from the server
    client.post(f"/lv/surveys/{PORTAL.id}/submit", data={"csrf_token": csrf_of(check)})
    assert asyncio.run(visits()) == []  # deleted with the submission

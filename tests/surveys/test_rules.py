"""A survey page read through its declared fields, and the survey's rules as the service applies them
whoever calls it: only answers it allows, follow-ups dropped with the answer that showed them, none
required missing at submission."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal import i18n
from portal.db import Database
from portal.people import service as people
from portal.surveys import service
from portal.surveys.answers import storable
from portal.surveys.forms import read_page
from portal.surveys.models import SurveyHeldAnswer, SurveyResponse
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.hostile import body_of
from tests.surveys.test_routes import PORTAL, RECIPIENTS, page_answers, post_page
from tests.timesheets.helpers import ANNA, grant_and_assign

TODAY = date(2026, 11, 23)
EVERY_PAGE = {key: value for number in range(1, len(RECIPIENTS.pages) + 1) for key, value in page_answers(RECIPIENTS, number).items()}
FOLLOW_UP = next(q for q in RECIPIENTS.questions() if q.show_if)


@pytest.fixture(autouse=True)
def latvian() -> Iterator[None]:
    i18n.set_locale("lv")
    yield
    i18n.set_locale(i18n.DEFAULT_LOCALE)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, len(RECIPIENTS.pages) - 1),
       st.dictionaries(st.sampled_from([q.id for q in RECIPIENTS.questions()] + ["other"]),
                       st.lists(st.one_of(st.text(max_size=30), st.sampled_from(["1", "5", "university", "x" * 1001])), max_size=3)))
def test_any_body_is_read_without_breaking_and_what_is_kept_the_service_would_keep(index: int, data: dict[str, list[str]]) -> None:
    page = RECIPIENTS.pages[index]
    reading = read_page(page, body_of(data), {"where": "university"})
    questions = {q.id: q for q in page.questions}
    assert {field for field, _message in reading.errors} <= set(questions)
    for question_id, answer in reading.answers.items():
        assert storable(questions[question_id], answer)
        assert "\x00" not in repr(answer) and "\ufffd" not in repr(answer)
    service.merged(RECIPIENTS, {}, reading.answers)  # never refused


def test_merging_refuses_what_the_survey_does_not_allow_and_drops_hidden_follow_ups() -> None:
    for wrong in ({"where": "moon"}, {"help_with": "not a list"}, {"what_to_change": "x" * 1001}, {"nobody": "asks"},
                  {"what_to_change": "a\x00b"}):
        with pytest.raises(service.NotAnAnswer) as refused:
            service.merged(RECIPIENTS, {}, wrong)
        assert refused.value.problem is service.Problem.NOT_AN_ANSWER
    kept = service.merged(RECIPIENTS, {}, {"where": "university", FOLLOW_UP.id: "3"})
    assert kept[FOLLOW_UP.id] == "3"
    assert FOLLOW_UP.id not in service.merged(RECIPIENTS, kept, {"where": "municipality"})


def test_the_service_submits_only_a_finished_survey_and_the_public_one_to_nobody(database_url: str) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            with pytest.raises(service.Unfinished):
                await service.submit_public(session, PORTAL, {"ease": "5"}, "lv", TODAY)
            with pytest.raises(service.NotOpen):
                await service.submit_public(session, RECIPIENTS, EVERY_PAGE, "lv", TODAY)  # not public
            await service.submit_public(session, PORTAL, {**page_answers(PORTAL, 1), "nobody": "asks"}, "lv", TODAY)
            response = await session.scalar(select(SurveyHeldAnswer))  # held back: the public survey is anonymous
            assert response is not None and "nobody" not in response.answers
            assert await session.scalar(select(SurveyResponse)) is None
            anna = await people.ensure_person(session, "150385-11001", "Anna", "Bērziņa")
            await service.save_draft(session, PORTAL, anna, {"ease": "5"})
            with pytest.raises(service.Unfinished) as unfinished:
                await service.submit(session, PORTAL, anna, "lv", TODAY)
            assert unfinished.value.problem is service.Problem.UNFINISHED
        await db.dispose()

    asyncio.run(work())


def test_a_follow_up_hidden_by_a_changed_answer_is_not_submitted(client: TestClient, database_url: str) -> None:
    grant_and_assign(database_url)
    sign_in(client, ANNA)
    for number in range(1, len(RECIPIENTS.pages) + 1):
        assert post_page(client, "lv", RECIPIENTS, number, page_answers(RECIPIENTS, number)).status_code == 303  # type: ignore[attr-defined]
    post_page(client, "lv", RECIPIENTS, 1, {**page_answers(RECIPIENTS, 1), "where": "municipality"})
    check = client.get(f"/lv/surveys/{RECIPIENTS.id}/check").text
    assert client.post(f"/lv/surveys/{RECIPIENTS.id}/submit", data={"csrf_token": csrf_of(check)}).status_code == 303

    async def submitted() -> dict[str, Any]:
        db = Database(database_url)
        async with db.session() as session:
            response = await session.scalar(select(SurveyHeldAnswer))  # one answer: held back, not yet a response
            assert response is not None
            answers = dict(response.answers)
        await db.dispose()
        return answers

    answers = asyncio.run(submitted())
    assert answers["where"] == "municipality" and FOLLOW_UP.id not in answers

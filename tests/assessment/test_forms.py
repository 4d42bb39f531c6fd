"""A section's form read through its declared fields, and the questionnaire's rules as the service
applies them whoever calls it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal import i18n
from portal.applications import demo as demo_applications
from portal.applications.models import ApplicationStatus
from portal.assessment import service
from portal.assessment.answers import AnswerProblem, answer_problems, comment_field, storable
from portal.assessment.definitions import Definition, Section
from portal.assessment.forms import question_fields, read_section
from portal.db import Database
from portal.people import service as people
from tests.assessment.test_routes import ADULTS, CHILDREN, section_form
from tests.hostile import body_of


def section_of(definition: Definition, section_id: str) -> Section:
    found = definition.section(section_id)
    assert found is not None
    return found


MOBILITY = section_of(ADULTS, "mobility_outside")
HELP_NEEDED = section_of(CHILDREN, "help_needed")
HOURS = next(q for q in CHILDREN.questions() if q.kind == "number")
STAIRS = next(q for q in ADULTS.questions() if q.id == "stairs")


@pytest.fixture(autouse=True)
def latvian() -> Iterator[None]:
    i18n.set_locale("lv")
    yield
    i18n.set_locale(i18n.DEFAULT_LOCALE)


def field_names(definition: Any, section: Any) -> list[str]:
    return [name for question in section.questions for name in question_fields(definition, question, "")]


def test_a_good_section_is_read_into_answers_the_service_keeps() -> None:
    reading = read_section(CHILDREN, HELP_NEEDED, body_of({**section_form(CHILDREN, "help_needed"), "hours_week": "12"}), None)
    assert reading.errors == []
    assert reading.answers["hours_week"] == 12
    assert all(storable(CHILDREN, q, reading.answers[q.id]) for q in HELP_NEEDED.questions)


def test_an_answer_with_an_error_is_shown_as_typed_and_not_kept_while_the_others_are() -> None:
    data = {**section_form(CHILDREN, "help_needed"), "hours_week": "²", "other_needs": "x" * 501}
    reading = read_section(CHILDREN, HELP_NEEDED, body_of(data), None)
    assert [field for field, _message in reading.errors] == ["hours_week", "other_needs"]
    assert reading.shown["hours_week"] == "²" and reading.shown["other_needs"] == "x" * 501
    assert "hours_week" not in reading.answers and "other_needs" not in reading.answers
    assert reading.answers["courses"] == "yes"  # kept, though the page has errors


def test_a_rating_that_needs_help_needs_a_comment_at_the_comment() -> None:
    data = {**section_form(ADULTS, "mobility_outside"), "stairs-comment": "  "}
    reading = read_section(ADULTS, MOBILITY, body_of(data), "Anna Bērziņa")
    message = i18n.gettext("“%(question)s”: write what help is needed and why", question=STAIRS.text("lv", "Anna Bērziņa"))
    assert reading.errors == [("stairs-comment", message)]
    assert reading.answers["stairs"] == {"rating": "some_help", "comment": ""}  # kept: the section is in progress


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(field_names(ADULTS, MOBILITY) + field_names(CHILDREN, HELP_NEEDED) + ["other"]),
                       st.lists(st.one_of(st.text(max_size=30), st.sampled_from(["some_help", "full_help", "yes", "12", "²"])),
                                max_size=3)))
def test_any_body_is_read_without_breaking_and_what_is_kept_the_service_would_keep(data: dict[str, list[str]]) -> None:
    for definition, section in ((ADULTS, MOBILITY), (CHILDREN, HELP_NEEDED)):
        reading = read_section(definition, section, body_of(data), None)
        ids = set(field_names(definition, section))
        assert {field for field, _message in reading.errors} <= ids
        for question in section.questions:
            if question.id in reading.answers:
                assert storable(definition, question, reading.answers[question.id])
                assert "\x00" not in repr(reading.answers[question.id]) and "\ufffd" not in repr(reading.answers[question.id])


@pytest.mark.parametrize(("answer", "problem"), [
    (None, AnswerProblem.NO_NUMBER if HOURS.required else None),
    (61, AnswerProblem.NOT_IN_RANGE),
    (-1, AnswerProblem.NOT_IN_RANGE),
    ("12", AnswerProblem.NOT_AN_ANSWER),
    (True, AnswerProblem.NOT_AN_ANSWER),
    (60, None),
])
def test_a_number_is_an_int_within_the_questions_bounds(answer: object, problem: AnswerProblem | None) -> None:
    assert answer_problems(CHILDREN, HOURS, answer) == ([(HOURS.id, problem)] if problem else [])


@pytest.mark.parametrize(("answer", "problems"), [
    ({"rating": "some_help", "comment": ""}, [(comment_field(STAIRS), AnswerProblem.COMMENT_NEEDED)]),
    ({"rating": "independent", "comment": ""}, []),
    ({"rating": "", "comment": "a"}, [(STAIRS.id, AnswerProblem.NOT_CHOSEN)]),
    ({"rating": "bogus", "comment": ""}, [(STAIRS.id, AnswerProblem.NOT_AN_ANSWER)]),
    ({"rating": "some_help", "comment": "a\x00b"}, [(comment_field(STAIRS), AnswerProblem.NOT_AN_ANSWER)]),
    ({"rating": "some_help", "comment": "x" * 1001}, [(comment_field(STAIRS), AnswerProblem.TOO_LONG)]),
    ({"rating": "some_help", "comment": "a", "points": 9}, [(STAIRS.id, AnswerProblem.NOT_AN_ANSWER)]),
    ("some_help", [(STAIRS.id, AnswerProblem.NOT_AN_ANSWER)]),
])
def test_a_rating_is_a_level_of_the_scale_with_its_comment(answer: object, problems: list[tuple[str, AnswerProblem]]) -> None:
    assert answer_problems(ADULTS, STAIRS, answer) == problems


def test_the_service_refuses_what_breaks_the_questionnaire_and_the_desks_changes_to_a_decided_case(database_url: str) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            anna = await people.ensure_person(session, "150385-11001", "Anna", "Bērziņa")
            for wrong in ({"stairs": {"rating": "bogus", "comment": ""}}, {"hours_week": 12}, {"stairs": {"rating": "some_help", "comment": "\x00"}}):
                with pytest.raises(service.NotAnAnswer) as refused:
                    await service.save_section(session, anna, anna, ADULTS, wrong)
                assert refused.value.problem is service.Problem.NOT_AN_ANSWER
            draft = await service.save_section(session, anna, anna, ADULTS, {"stairs": {"rating": "some_help", "comment": ""}})
            assert draft.answers == {"stairs": {"rating": "some_help", "comment": ""}}  # unfinished is fine in a draft
            with pytest.raises(service.NotComplete):
                await service.submit(session, anna, anna)
            contact = {"method": "post", "phone": "", "email": ""}
            case = await demo_applications.submitted_application(session, anna, anna, demo_applications.adult_answers(contact), "lv")
            liga = await people.ensure_person(session, "230565-11005", "Līga", "Liepiņa")
            await service.save_desk_section(session, liga, case, ADULTS, {"stairs": {"rating": "independent", "comment": ""}})
            case.status = ApplicationStatus.REFUSED
            for change in (service.save_desk_section(session, liga, case, ADULTS, {}), service.submit_desk(session, liga, case)):
                with pytest.raises(service.CaseClosed) as closed:
                    await change
                assert closed.value.problem is service.Problem.CASE_CLOSED
        await db.dispose()

    asyncio.run(work())

"""Anonymous means anonymous: a response cannot be joined back to its person, and nobody answers twice."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import DateTime, select

from portal.applications import demo as demo_applications
from portal.applications.rules import ServiceKind
from portal.casework import service as casework
from portal.db import Database
from portal.people import service as people
from portal.people.models import StaffRoleName
from portal.surveys import service
from portal.surveys.definitions import all_surveys
from portal.surveys.models import SurveyDraft, SurveyHeldAnswer, SurveyParticipation, SurveyResponse
from tests.surveys.test_routes import page_answers

RECIPIENTS = all_surveys()["recipients-2026"]
TODAY = date(2026, 11, 23)
# Every required question answered: the service submits nothing less.
EVERY_PAGE = {key: value for number in range(1, len(RECIPIENTS.pages) + 1) for key, value in page_answers(RECIPIENTS, number).items()}


def test_the_response_table_holds_nothing_that_points_at_a_person_or_a_moment() -> None:
    table = SurveyResponse.__table__
    links = {fk.column.table.name for fk in table.foreign_keys}
    assert links == {"person"}  # only for surveys that are not anonymous (checked below: empty when anonymous)
    assert not any(isinstance(column.type, DateTime) for column in table.columns)  # the day, never the time
    assert table.c.id.type.python_type is str  # a random id, not a sequence
    assert not any(fk.column.table.name in ("survey_participation", "survey_draft") for fk in table.foreign_keys)
    assert set(SurveyParticipation.__table__.columns.keys()) == {"id", "survey_id", "person_id"}  # no time, no answers
    held = SurveyHeldAnswer.__table__
    assert not held.foreign_keys and not any(isinstance(column.type, DateTime) for column in held.columns)
    assert set(held.columns.keys()) == {"id", "survey_id", "survey_version", "language", "answers"}
    assert held.c.id.type.python_type is str


def test_many_people_answer_and_no_response_leads_back_to_anyone(database_url: str) -> None:
    async def work() -> tuple[list[SurveyResponse], list[SurveyParticipation], list[str]]:
        db = Database(database_url)
        released = []
        inserted: list[str] = []
        async with db.session() as session:
            liga = await people.ensure_person(session, "230565-11005", "Līga", "Liepiņa")
            await people.add_staff_role(session, liga, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, "riga"))
            for number in range(12):
                person = await people.ensure_person(session, f"3212{number:02d}-00000", "Persona", f"N{number}")
                contact = {"method": "post", "phone": "", "email": ""}
                application = await demo_applications.submitted_application(session, person, person, demo_applications.adult_answers(contact), "lv")
                await casework.grant(session, application, liga, kind=ServiceKind.ADULT_ASSISTANT, minutes=4800,
                               valid_from=date(2026, 1, 1), valid_to=date(2028, 12, 31), decision_text="Piešķirts.")
                await service.save_draft(session, RECIPIENTS, person,
                                         {**EVERY_PAGE, "where": "municipality", "hours_fit": str(1 + number % 5)})
                await service.submit(session, RECIPIENTS, person, "lv" if number % 2 else "ru", TODAY)
                inserted.append(str(number))
                with pytest.raises(service.AlreadyAnswered):
                    await service.submit(session, RECIPIENTS, person, "lv", TODAY)
            assert list(await session.scalars(select(SurveyResponse))) == []  # held back, all twelve
            drafts = list(await session.scalars(select(SurveyDraft)))
            assert drafts == []  # the unfinished answers, which were the person's, are gone
        released.append(await service.release_held(db, TODAY))  # twelve wait: all added at once
        released.append(await service.release_held(db, TODAY))  # none wait
        async with db.session() as session:
            responses = list(await session.scalars(select(SurveyResponse)))
            participations = list(await session.scalars(select(SurveyParticipation)))
            assert list(await session.scalars(select(SurveyHeldAnswer))) == []
        await db.dispose()
        assert released == [12, 0]
        return responses, participations, inserted

    responses, participations, _inserted = asyncio.run(work())
    assert len(responses) == len(participations) == 12
    assert all(r.person_id is None for r in responses)
    assert {r.submitted_on for r in responses} == {TODAY.replace(day=1)}  # the month only
    # The ids carry no order: sorted by id, the answers are not in the order they were given.
    in_id_order = [r.answers["hours_fit"] for r in sorted(responses, key=lambda r: r.id)]
    given_order = [str(1 + n % 5) for n in range(12)]
    assert in_id_order != given_order
    assert all(len(r.id) == 32 for r in responses)


def test_a_survey_is_only_for_its_audience_and_while_it_is_open(database_url: str) -> None:
    async def work() -> tuple[bool, bool, bool, bool]:
        db = Database(database_url)
        async with db.session() as session:
            nobody = await people.ensure_person(session, "150385-11001", "Anna", "Bērziņa")
            portal_survey = all_surveys()["portal-2026"]
            result = (
                await service.may_answer(session, RECIPIENTS, nobody, TODAY),  # receives no service
                await service.may_answer(session, portal_survey, None, TODAY),  # public: anyone with the link
                await service.may_answer(session, RECIPIENTS, None, TODAY),
                await service.may_answer(session, portal_survey, None, RECIPIENTS.opens.replace(year=2025)),
            )
        await db.dispose()
        return result

    assert asyncio.run(work()) == (False, True, False, False)


def test_held_answers_wait_for_five_and_a_closed_surveys_remainder_hides_among_all(database_url: str) -> None:
    portal_survey = all_surveys()["portal-2026"]
    answers = {"ease": "4", "purpose": "other"}

    async def work() -> list[int | list[str]]:
        db = Database(database_url)
        seen: list[int | list[str]] = []
        for number in range(7):
            async with db.session() as session:
                await service.submit_public(session, portal_survey, {**answers, "improve": f"visitor {number}"}, "lv", TODAY)
            if number in (3, 4):
                seen.append(await service.release_held(db, TODAY))  # four wait: nothing; five: all five
        seen.append(await service.release_held(db, TODAY))  # two wait, the survey is open: they wait
        async with db.session() as session:
            before = sorted(await session.scalars(select(SurveyResponse.id)))
        seen.append(await service.release_held(db, portal_survey.closes + timedelta(days=1)))  # closed: the two are added
        async with db.session() as session:
            after = list(await session.scalars(select(SurveyResponse)))
            seen.append([str(r.answers["improve"]) for r in after])
            assert await session.scalar(select(SurveyHeldAnswer.id)) is None
        await db.dispose()
        assert not set(before) & {r.id for r in after}  # all written again, with new ids, in one transaction
        return seen

    seen = asyncio.run(work())
    assert seen[:4] == [0, 5, 0, 2]
    assert sorted(seen[4]) == [f"visitor {n}" for n in range(7)]  # type: ignore[arg-type]


def test_a_survey_that_is_not_anonymous_keeps_the_response_with_the_person_at_once(database_url: str) -> None:
    named = dataclasses.replace(all_surveys()["portal-2026"], audience="signed_in", anonymous=False)

    async def work() -> tuple[int | None, date, int]:
        db = Database(database_url)
        async with db.session() as session:
            anna = await people.ensure_person(session, "150385-11001", "Anna", "Bērziņa")
            await service.save_draft(session, named, anna, {"ease": "4", "purpose": "other"})
            await service.submit(session, named, anna, "lv", TODAY)
            response = await session.scalar(select(SurveyResponse))
            held = await session.scalar(select(SurveyHeldAnswer.id))
            assert response is not None and held is None
            result = (response.person_id, response.submitted_on, anna.id)
        await db.dispose()
        return result

    person_id, submitted_on, anna_id = asyncio.run(work())
    assert (person_id, submitted_on) == (anna_id, TODAY)

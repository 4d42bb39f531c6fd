"""Anonymous means anonymous: a response cannot be joined back to its person, and nobody answers twice."""

from __future__ import annotations

import asyncio
from datetime import date

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
from portal.surveys.models import SurveyDraft, SurveyParticipation, SurveyResponse
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


def test_many_people_answer_and_no_response_leads_back_to_anyone(database_url: str) -> None:
    async def work() -> tuple[list[SurveyResponse], list[SurveyParticipation], list[str]]:
        db = Database(database_url)
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
            responses = list(await session.scalars(select(SurveyResponse)))
            participations = list(await session.scalars(select(SurveyParticipation)))
            drafts = list(await session.scalars(select(SurveyDraft)))
            assert drafts == []  # the unfinished answers, which were the person's, are gone
        await db.dispose()
        return responses, participations, inserted

    responses, participations, _inserted = asyncio.run(work())
    assert len(responses) == len(participations) == 12
    assert all(r.person_id is None for r in responses)
    assert {r.submitted_on for r in responses} == {TODAY}  # all the same day: time tells nothing
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

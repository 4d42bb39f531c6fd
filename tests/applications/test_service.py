"""Applications through their service: scoping, drafts, one submission, references, history."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal.applications import service
from portal.applications.models import ApplicationEvent, ApplicationStatus
from portal.applications.rules import ServiceKind
from portal.db import Database
from portal.people import service as people
from portal.people.models import Person, RepresentationKind

TODAY = date(2026, 11, 22)


def run(database_url: str, scenario: Callable[[Database], Awaitable[None]]) -> None:
    async def wrapper() -> None:
        db = Database(database_url)
        try:
            await scenario(db)
        finally:
            await db.dispose()

    asyncio.run(wrapper())


async def family(db: Database, representation_ends: date | None = date(2033, 2, 11)) -> tuple[Person, Person, Person]:
    async with db.session() as session:
        janis = await people.ensure_person(session, "020790-11000", "Jānis", "Kalniņš")
        marta = await people.ensure_person(session, "120215-21007", "Marta", "Kalniņa")
        anna = await people.ensure_person(session, "150385-11001", "Anna", "Bērziņa")
        await people.add_representation(session, janis, marta, RepresentationKind.PARENT, date(2015, 2, 12), representation_ends)
    return janis, marta, anna


async def draft(db: Database, actor: Person, person: Person, kind: ServiceKind | None = ServiceKind.CHILD_CARE) -> int:
    async with db.session() as session:
        application = await service.start_draft(session, actor, person.id, TODAY)
        application.kind = kind
        return application.id


def test_another_persons_application_is_not_found(database_url: str) -> None:
    async def scenario(db: Database) -> None:
        janis, marta, anna = await family(db)
        own = await draft(db, anna, anna, ServiceKind.ADULT_ASSISTANT)
        async with db.session() as session:
            assert (await service.visible_application(session, anna, own, TODAY)).id == own
            with pytest.raises(service.NotFound):
                await service.visible_application(session, janis, own, TODAY)
            with pytest.raises(service.NotFound):
                await service.save_answers(session, janis, own, {"contact": "post"}, TODAY)
            assert await service.applications_of(session, janis, TODAY) == []

    run(database_url, scenario)


def test_a_representatives_draft_is_theirs_alone_until_submitted(database_url: str) -> None:
    async def scenario(db: Database) -> None:
        janis, marta, anna = await family(db)
        for_marta = await draft(db, janis, marta)
        async with db.session() as session:
            assert [a.id for a in await service.applications_of(session, janis, TODAY)] == [for_marta]
            assert await service.applications_of(session, marta, TODAY) == []
            await service.submit(session, janis, for_marta, TODAY)
        async with db.session() as session:
            assert [a.id for a in await service.applications_of(session, marta, TODAY)] == [for_marta]
            events = await service.history(session, janis, for_marta, TODAY)
            assert [(e.action, e.actor_id, e.on_behalf_of_id) for e in events] == [
                ("started", janis.id, marta.id),
                ("submitted", janis.id, marta.id),
            ]

    run(database_url, scenario)


def test_access_ends_when_the_representation_ends(database_url: str) -> None:
    async def scenario(db: Database) -> None:
        janis, marta, anna = await family(db, representation_ends=TODAY)
        for_marta = await draft(db, janis, marta)
        tomorrow = TODAY + timedelta(days=1)
        async with db.session() as session:
            assert (await service.visible_application(session, janis, for_marta, TODAY)).id == for_marta
            with pytest.raises(service.NotFound):
                await service.visible_application(session, janis, for_marta, tomorrow)
            with pytest.raises(service.NotFound):
                await service.start_draft(session, janis, marta.id, tomorrow)
            with pytest.raises(service.NotFound):
                await service.start_draft(session, anna, marta.id, TODAY)

    run(database_url, scenario)


def test_submitting_twice_gives_one_application_and_one_reference(database_url: str) -> None:
    async def scenario(db: Database) -> None:
        janis, marta, anna = await family(db)
        first, second = await draft(db, anna, anna, ServiceKind.ADULT_ASSISTANT), await draft(db, janis, marta)
        async with db.session() as session:
            submitted = await service.submit(session, anna, first, TODAY)
            again = await service.submit(session, anna, first, TODAY)
            assert submitted.reference == again.reference
            assert submitted.reference is not None and submitted.reference.endswith("-000001")
            assert submitted.reference == f"AP-{submitted.submitted_at.year}-000001"  # type: ignore[union-attr]
            assert (await service.submit(session, janis, second, TODAY)).reference.endswith("-000002")  # type: ignore[union-attr]
            with pytest.raises(service.NotAllowed):
                await service.save_answers(session, anna, first, {"contact": "post"}, TODAY)

    run(database_url, scenario)


def test_two_tabs_submitting_at_once_give_one_submission(database_url: str) -> None:
    async def scenario(db: Database) -> None:
        anna = (await family(db))[2]
        application_id = await draft(db, anna, anna, ServiceKind.ADULT_ASSISTANT)

        async def submit_in_own_session() -> str | None:
            async with db.session() as session:
                return (await service.submit(session, anna, application_id, TODAY)).reference

        references = await asyncio.gather(submit_in_own_session(), submit_in_own_session())
        assert references[0] == references[1] and references[0] is not None
        async with db.session() as session:
            submissions = await session.scalar(
                select(func.count()).where(ApplicationEvent.application_id == application_id, ApplicationEvent.action == "submitted")
            )
        assert submissions == 1

    run(database_url, scenario)


def test_a_draft_without_a_kind_cannot_be_submitted(database_url: str) -> None:
    async def scenario(db: Database) -> None:
        anna = (await family(db))[2]
        application_id = await draft(db, anna, anna, kind=None)
        async with db.session() as session:
            with pytest.raises(service.NotAllowed):
                await service.submit(session, anna, application_id, TODAY)

    run(database_url, scenario)


def test_withdraw_only_between_submission_and_decision(database_url: str) -> None:
    async def scenario(db: Database) -> None:
        anna = (await family(db))[2]
        application_id = await draft(db, anna, anna, ServiceKind.ADULT_ASSISTANT)
        async with db.session() as session:
            with pytest.raises(service.NotAllowed):
                await service.withdraw(session, anna, application_id, TODAY)
            await service.submit(session, anna, application_id, TODAY)
            withdrawn = await service.withdraw(session, anna, application_id, TODAY, reason="I moved")
            assert withdrawn.status is ApplicationStatus.WITHDRAWN
            with pytest.raises(service.NotAllowed):
                await service.withdraw(session, anna, application_id, TODAY)
            events = await service.history(session, anna, application_id, TODAY)
            assert events[-1].message == "I moved" and events[-1].from_status is ApplicationStatus.SUBMITTED

    run(database_url, scenario)

"""Segregation of duties in `take_case` itself, not only in the route's `open_case`: a caseworker does not
take a case about her, filed by her, of someone she represents or of someone she assists, whoever calls
the service (the CLI, an import); another caseworker of the desk takes it."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from portal import policy
from portal.applications import demo as demo_applications
from portal.applications.models import Application, ApplicationAction, ApplicationEvent
from portal.casework import service as casework
from portal.db import Database
from portal.people import service as people
from portal.settings import Settings
from tests.applications.test_routes import translated
from tests.casework.test_desk import LIGA, switch_to
from tests.casework.test_worklist import PETERIS, applicants, liga_takes_part
from tests.client import TestClient
from tests.conftest import csrf_of


def cases_liga_is_part_of(database_url: str) -> tuple[dict[str, int], int]:
    """The four ways Līga is in a case (she represents the person, assists her, applied for herself, and
    filed someone's application), by name, and one case she is not in."""
    made = applicants(database_url, 5)
    ids = liga_takes_part(database_url, made)
    own = next(case_id for reference, case_id in ids.items() if reference not in {r for _code, r in made})

    async def filed_by_liga() -> int:
        db = Database(database_url)
        async with db.session() as session:
            liga = await people.person_by_code(session, LIGA)
            someone = await people.person_by_code(session, made[3][0])
            answers = demo_applications.adult_answers({"method": "email", "phone": "", "email": "x@example.lv"})
            answers["municipality"] = "riga"
            application = await demo_applications.submitted_application(session, someone, someone, answers, "lv")
            # Filed by Līga (as someone's helper, say, with no representation on record): only the applicant rule applies.
            application.created_by_id = liga.id
            filed = application.id
            # The person Līga assists (her first case decided, by Pēteris) applies again: an open case.
            assisted = await people.person_by_code(session, made[2][0])
            again = await demo_applications.submitted_application(session, assisted, assisted, answers, "lv")
            open_assisted = again.id
        await db.dispose()
        return filed, open_assisted

    filed, assisted = asyncio.run(filed_by_liga())
    return ({"represented": ids[made[1][1]], "assisted": assisted, "her own": own, "filed by her": filed},
            ids[made[0][1]])


def take(database_url: str, code: str, application_id: int) -> str:
    """The service's take_case called directly, as the CLI would: "taken", or the refusal's name."""

    async def work() -> str:
        db = Database(database_url)
        try:
            async with db.session() as session:
                staff = await people.person_by_code(session, code)
                application = await session.get(Application, application_id)
                assert application is not None
                await casework.take_case(session, application, staff)
            return "taken"
        except policy.OwnCase:
            return "OwnCase"
        finally:
            await db.dispose()

    return asyncio.run(work())


def handler_and_takes(database_url: str, application_id: int) -> tuple[int | None, int]:
    async def work() -> tuple[int | None, int]:
        db = Database(database_url)
        async with db.session() as session:
            handler = await session.scalar(select(Application.handler_id).where(Application.id == application_id))
            takes = await session.scalar(select(func.count()).select_from(ApplicationEvent).where(
                ApplicationEvent.application_id == application_id, ApplicationEvent.action == ApplicationAction.TAKEN))
        await db.dispose()
        return handler, int(takes or 0)

    return asyncio.run(work())


def person_id(database_url: str, code: str) -> int:
    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            found = (await people.person_by_code(session, code)).id
        await db.dispose()
        return found

    return asyncio.run(work())


def test_the_service_refuses_a_caseworker_her_own_case_whoever_calls_it(settings: Settings) -> None:
    url = settings.database_url
    theirs, other = cases_liga_is_part_of(url)
    for why, case_id in theirs.items():
        assert take(url, LIGA, case_id) == "OwnCase", why
        assert handler_and_takes(url, case_id) == (None, 0), why  # nothing taken, nothing in the history
    assert take(url, LIGA, other) == "taken"  # a case she is not in is hers to take
    assert handler_and_takes(url, other) == (person_id(url, LIGA), 1)
    peteris = person_id(url, PETERIS)
    for why, case_id in theirs.items():  # another caseworker of the desk takes each of them
        assert take(url, PETERIS, case_id) == "taken", why
        assert handler_and_takes(url, case_id) == (peteris, 1), why
    # Taking over from a colleague is refused too: Pēteris holds it, Līga still may not take it.
    assert take(url, LIGA, theirs["represented"]) == "OwnCase"
    assert handler_and_takes(url, theirs["represented"]) == (peteris, 1)


@pytest.mark.parametrize("why", ["represented", "assisted", "her own", "filed by her"])
def test_take_through_the_desk_is_refused_with_403_and_changes_nothing(client: TestClient, settings: Settings, why: str) -> None:
    url = settings.database_url
    theirs, _other = cases_liga_is_part_of(url)
    switch_to(client, LIGA)
    desk = client.get("/lv/desk?status=all").text
    refused = client.post(f"/lv/desk/cases/{theirs[why]}/take", data={"csrf_token": csrf_of(desk)})
    assert refused.status_code == 403 and translated("lv", "Another caseworker handles this case") in refused.text
    assert handler_and_takes(url, theirs[why]) == (None, 0)
    switch_to(client, PETERIS)
    page = client.get(f"/lv/desk/cases/{theirs[why]}").text
    assert client.post(f"/lv/desk/cases/{theirs[why]}/take", data={"csrf_token": csrf_of(page)}).status_code == 303
    assert handler_and_takes(url, theirs[why]) == (person_id(url, PETERIS), 1)

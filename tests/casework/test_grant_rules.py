"""The grant's rules (Reg. 316) as service calls: whoever grants, the desk or any other caller, gets the same answers."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.applications import demo as demo_applications
from portal.applications.models import Application, ApplicationStatus
from portal.applications.rules import KIND_RULES, ServiceKind
from portal.casework import service
from portal.casework.service import Grant, GrantProblem, GrantRefused
from portal.db import Database
from portal.people import service as people
from portal.people.models import Person

ANNA = Person(personal_code="150385-11001", given_name="Anna", family_name="Bērziņa")  # born 15 March 1985
MARTA = Person(personal_code="120215-21007", given_name="Marta", family_name="Kalniņa")  # born 12 February 2015
NEW_CODE = Person(personal_code="328673-00679", given_name="Ольга", family_name="Иванова")  # no birth date in the code


def problems(person: Person, kind: ServiceKind, hours: int, start: date, end: date, disability_until: date | None = None) -> list[tuple[GrantProblem, date | None]]:
    chosen = Grant(kind, hours * 60, start, end, "Piešķirt.", disability_until)
    return [(refused.problem, refused.latest) for refused in service.grant_problems(person, chosen)]


def test_a_grant_within_every_rule_has_no_problem() -> None:
    assert problems(ANNA, ServiceKind.ADULT_ASSISTANT, 80, date(2027, 1, 1), date(2029, 12, 31)) == []


@pytest.mark.parametrize(("kind", "hours", "allowed"), [
    (ServiceKind.ADULT_ASSISTANT, 0, False), (ServiceKind.ADULT_ASSISTANT, 160, True), (ServiceKind.ADULT_ASSISTANT, 161, False),
    (ServiceKind.CHILD_ASSISTANT, 100, True), (ServiceKind.CHILD_ASSISTANT, 101, False),
    (ServiceKind.SCHOOL_ASSISTANT, 40, True), (ServiceKind.SCHOOL_ASSISTANT, 41, False),
])
def test_hours_stay_within_the_kinds_limit(kind: ServiceKind, hours: int, allowed: bool) -> None:
    found = service.hours_problem(kind, hours * 60)
    assert (found is None) is allowed
    if found:
        assert found.problem is GrantProblem.HOURS and found.max_minutes == KIND_RULES[kind].max_minutes


def test_the_end_cannot_come_before_the_start() -> None:
    assert problems(ANNA, ServiceKind.ADULT_ASSISTANT, 80, date(2027, 1, 2), date(2027, 1, 1)) == [(GrantProblem.END_BEFORE_START, None)]


def test_at_most_three_years_to_the_day() -> None:
    assert problems(ANNA, ServiceKind.ADULT_ASSISTANT, 80, date(2027, 1, 1), date(2029, 12, 31)) == []
    assert problems(ANNA, ServiceKind.ADULT_ASSISTANT, 80, date(2027, 1, 1), date(2030, 1, 1)) == [
        (GrantProblem.OVER_THREE_YEARS, date(2029, 12, 31))]
    # From 29 February the third anniversary falls on 1 March, so the last day is 28 February.
    assert problems(ANNA, ServiceKind.ADULT_ASSISTANT, 80, date(2028, 2, 29), date(2031, 3, 1)) == [
        (GrantProblem.OVER_THREE_YEARS, date(2031, 2, 28))]


def test_not_beyond_the_disability_period() -> None:
    assert problems(ANNA, ServiceKind.ADULT_ASSISTANT, 80, date(2027, 1, 1), date(2028, 7, 1), date(2028, 6, 30)) == [
        (GrantProblem.PAST_DISABILITY, date(2028, 6, 30))]
    assert problems(ANNA, ServiceKind.ADULT_ASSISTANT, 80, date(2027, 1, 1), date(2028, 6, 30), date(2028, 6, 30)) == []


def test_a_childs_service_ends_the_day_before_the_18th_birthday() -> None:
    # Marta turns 18 on 12 February 2033.
    assert problems(MARTA, ServiceKind.CHILD_ASSISTANT, 80, date(2032, 1, 1), date(2033, 2, 11)) == []
    assert problems(MARTA, ServiceKind.CHILD_ASSISTANT, 80, date(2032, 1, 1), date(2033, 2, 12)) == [
        (GrantProblem.PAST_CHILDHOOD, date(2033, 2, 11))]
    # A code without a birth date (the new format) leaves the limit to the caseworker.
    assert problems(NEW_CODE, ServiceKind.CHILD_ASSISTANT, 80, date(2032, 1, 1), date(2034, 12, 31)) == []


@given(start=st.dates(date(2020, 1, 1), date(2040, 12, 31)), days=st.integers(0, 2000),
       disability_days=st.none() | st.integers(0, 2000))
def test_no_accepted_period_is_longer_than_three_years_or_the_disability(start: date, days: int, disability_days: int | None) -> None:
    from datetime import timedelta

    end = start + timedelta(days=days)
    disability_until = start + timedelta(days=disability_days) if disability_days is not None else None
    if not problems(ANNA, ServiceKind.ADULT_ASSISTANT, 80, start, end, disability_until):
        assert (end - start).days < 3 * 366
        assert disability_until is None or end <= disability_until


def test_the_service_refuses_a_grant_whoever_calls(database_url: str) -> None:
    """Not only the desk's page: a direct call is refused, and nothing is written."""

    async def work() -> tuple[GrantProblem, ApplicationStatus]:
        db = Database(database_url)
        async with db.session() as session:
            anna = await people.ensure_person(session, "150385-11001", "Anna", "Bērziņa")
            liga = await people.ensure_person(session, "230565-11005", "Līga", "Liepiņa")
            contact = {"method": "post", "phone": "", "email": ""}
            application = await demo_applications.submitted_application(
                session, anna, anna, demo_applications.adult_answers(contact), "lv"
            )
        # Raised inside a unit of work, as a caller would: the session rolls back and the refusal comes out whole.
        with pytest.raises(GrantRefused) as refused:
            async with db.session() as session:
                await service.grant(session, application, liga, kind=ServiceKind.ADULT_ASSISTANT, minutes=80 * 60,
                                    valid_from=date(2027, 1, 1), valid_to=date(2031, 1, 1), decision_text="Piešķirt.")
        async with db.session() as session:
            status = (await session.get(Application, application.id)).status  # type: ignore[union-attr]
        await db.dispose()
        return refused.value.problem, status

    problem, status = asyncio.run(work())
    assert problem is GrantProblem.OVER_THREE_YEARS
    assert status is ApplicationStatus.SUBMITTED

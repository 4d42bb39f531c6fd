"""Hostile input to every POST of the self-assessment, the person's and the desk's: never a 500,
a message at the field where a person could see one, and nothing unreadable stored."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from portal import clock
from portal.applications import demo as demo_applications
from portal.applications import service as applications
from portal.assessment.definitions import Question
from portal.db import Database
from portal.forms import MAX_INT
from portal.people import service as people
from tests.applications.test_routes import ANNA, add_parent, translated
from tests.assessment.test_routes import ADULTS, CHILDREN, fill_all, section_form, submit
from tests.casework.test_desk import LIGA, make_caseworker, switch_to
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.hostile import HOSTILE, error_link, post_fields, stored_marks

JANIS = "020790-11000"


def as_fields(data: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name, item) for name, value in data.items() for item in (value if isinstance(value, list) else [value])]


def with_value(data: dict[str, Any], field: str, value: str) -> list[tuple[str, str]]:
    return as_fields({**data, field: value})


def fields_of(question: Question) -> list[str]:
    return [question.id, f"{question.id}-comment"] if question.kind == "rating" else [question.id]


def refused(question: Question, field: str, value: str) -> bool:
    """Whether the value cannot be an answer to this field (else it is simply text)."""
    if question.kind in ("text",) or field.endswith("-comment"):
        return "\x00" in value or len(value) > (question.max_length or 1000)
    return True  # no hostile value is a level, an option, yes/no or a number from 0 to 60


def hostile_sections(client: TestClient, definition: Any, section_ids: list[str], path_of: Any, query: str = "") -> None:
    """Every hostile value in every field of the sections, one at a time, the others answered well."""
    token = csrf_of(client.get(path_of(section_ids[0]) + query).text)
    for section_id in section_ids:
        good = section_form(definition, section_id)
        path = path_of(section_id) + query
        for question in definition.section(section_id).questions:
            for field in fields_of(question):
                for value in HOSTILE:
                    response = post_fields(client, path, token, with_value(good, field, value))
                    assert response.status_code < 500, (field, value[:20])
                    if refused(question, field, value):
                        assert response.status_code == 422, (field, value[:20])
                        assert error_link(field) in response.text, (field, value[:20])
                    else:
                        assert response.status_code == 303, (field, value[:20], response.text[:300])
                # Sent twice: a second answer in place of one is not an answer.
                given = good.get(field, "")
                twice = as_fields(good) + [(field, str(given[0] if isinstance(given, list) else given))]
                response = post_fields(client, path, token, twice)
                assert response.status_code < 500
                if question.kind not in ("purposes", "choices"):
                    assert response.status_code == 422 and error_link(field) in response.text, field
        # Nothing at all: every required question says so.
        empty = post_fields(client, path, token, [])
        assert empty.status_code == 422
        for question in definition.section(section_id).questions:
            if question.required:
                assert error_link(question.id) in empty.text


def test_the_persons_sections_refuse_hostile_answers_at_the_field(client: TestClient, database_url: str) -> None:
    sign_in(client, ANNA)
    hostile_sections(client, ADULTS, ["mobility_home", "participation"], lambda section: f"/lv/assessment/{section}")
    assert stored_marks(database_url) == []


def test_a_parents_number_for_the_child_is_ascii_digits_within_the_questions_bounds(client: TestClient, database_url: str) -> None:
    add_parent(database_url)
    sign_in(client, JANIS)
    marta = re.search(r'/lv/assessment\?for=(\d+)">Marta Kalniņa', client.get("/lv/assessment").text)
    assert marta
    query = f"?for={marta.group(1)}"
    hostile_sections(client, CHILDREN, ["help_needed"], lambda section: f"/lv/assessment/{section}", query)
    token = csrf_of(client.get(f"/lv/assessment/help_needed{query}").text)
    good = section_form(CHILDREN, "help_needed")
    for number in ("0", "60"):  # the bounds themselves are answers
        assert post_fields(client, f"/lv/assessment/help_needed{query}", token, with_value(good, "hours_week", number)).status_code == 303
    for number in ("61", str(MAX_INT + 1), "0x10", "1e1", "٣"):
        response = post_fields(client, f"/lv/assessment/help_needed{query}", token, with_value(good, "hours_week", number))
        assert response.status_code == 422 and error_link("hours_week") in response.text, number
    assert stored_marks(database_url) == []


@pytest.mark.parametrize("whom", ["²", "①", "12345678901234567890", "-1", "abc"])
def test_a_hostile_subject_in_the_address_is_not_found(client: TestClient, whom: str) -> None:
    sign_in(client, ANNA)
    assert client.get("/lv/assessment", params={"for": whom}).status_code == 404
    assert client.get("/lv/assessment/mobility_home", params={"for": whom}).status_code == 404


def a_draft_for_anna(database_url: str) -> int:
    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            anna = await people.ensure_person(session, ANNA, "Anna", "Bērziņa")
            draft = await applications.start_draft(session, anna, anna.id, clock.today())
            draft_id = draft.id
        await db.dispose()
        return draft_id

    return asyncio.run(work())


def test_attaching_to_an_application_takes_only_an_id_in_ascii_digits(client: TestClient, database_url: str) -> None:
    sign_in(client, ANNA)
    fill_all(client, ADULTS)
    version = submit(client)
    draft_id = a_draft_for_anna(database_url)
    token = csrf_of(client.get(version).text)
    attach = f"{version}/attach"
    for value in (*HOSTILE, "0", str(MAX_INT + 1), " "):
        response = post_fields(client, attach, token, [("application", value)])
        assert response.status_code == 422, value[:20]
        assert error_link("application") in response.text
        if "\x00" not in value:  # (characters nobody types have their own message)
            assert translated("lv", "Select the application to attach it to") in response.text
    assert post_fields(client, attach, token, [("application", str(draft_id)), ("application", str(draft_id))]).status_code == 422
    assert post_fields(client, attach, token, []).status_code == 422
    assert post_fields(client, attach, token, [("application", str(MAX_INT))]).status_code == 404  # nobody's
    attached = post_fields(client, attach, token, [("application", str(draft_id))])
    assert attached.status_code == 303 and attached.headers["location"] == f"/lv/apply/{draft_id}/check"
    # The posts without fields take no input: whatever is sent, nothing breaks.
    junk = [("csrf_token", token), ("application", "\x00"), ("x" * 200, "y" * 20_000)]
    assert post_fields(client, f"{version}/apply", token, junk).status_code == 303
    assert post_fields(client, "/lv/assessment/submit", token, junk).status_code == 303
    assert stored_marks(database_url) == []


def test_an_unreadable_body_is_answered_with_the_page_in_the_persons_language(client: TestClient) -> None:
    sign_in(client, ANNA)
    for lang in ("lv", "ru"):
        token = csrf_of(client.get(f"/{lang}/assessment/mobility_home").text)
        response = client.post(f"/{lang}/assessment/mobility_home", content=f"moving_indoors=%C3%28&csrf_token={token}".encode(),
                               headers={"content-type": "application/x-www-form-urlencoded"})
        assert response.status_code == 400
        assert translated(lang, "The form could not be read") in response.text
    assert translated("lv", "Not started") in client.get("/lv/assessment").text  # nothing was saved


def an_open_case_for_anna(database_url: str) -> int:
    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            anna = await people.ensure_person(session, ANNA, "Anna", "Bērziņa")
            contact = {"method": "post", "phone": "", "email": ""}
            application = await demo_applications.submitted_application(session, anna, anna, demo_applications.adult_answers(contact), "lv")
            case_id = application.id
        await db.dispose()
        return case_id

    return asyncio.run(work())


def test_the_desks_sections_refuse_hostile_answers_at_the_field(client: TestClient, database_url: str) -> None:
    make_caseworker(database_url, LIGA, "riga")
    case = f"/lv/desk/cases/{an_open_case_for_anna(database_url)}/assessment"
    switch_to(client, LIGA)
    hostile_sections(client, ADULTS, ["mobility_outside", "participation"], lambda section: f"{case}/{section}")
    token = csrf_of(client.get(case).text)
    assert post_fields(client, f"{case}/submit", token, [("x", "\x00"), ("x", "²")]).status_code == 303
    assert stored_marks(database_url) == []

"""Two requests at once with the registers: each representation added once, each register's answer
kept once per stage (tests/race.py: two apps, two threads, the database decides)."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.people.models import Representation
from portal.registers.models import RegisterRead
from tests.conftest import csrf_of, engine_for, sign_in
from tests.race import at_once, posts_at_once, workers
from tests.registers.journeys import JANIS, OLGA, client_for, register_settings


def count(database_url: str, model: type) -> int:
    with engine_for(database_url).connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def test_two_tabs_reading_who_is_it_for_at_once_add_the_representation_once(database_url: str, provider: str) -> None:
    settings = register_settings(database_url, provider)
    for _round in range(3):
        with client_for(settings) as client:
            sign_in(client, JANIS)
            with workers(settings, client, 2) as (first, second):
                pages = at_once(lambda: first.get("/lv/apply/new"), lambda: second.get("/lv/apply/new"))
        assert [page.status_code for page in pages] == [200, 200]
        assert all("Marta Kalniņa" in page.text for page in pages)
        assert count(database_url, Representation) == 1
        with engine_for(database_url).begin() as connection:
            connection.execute(Representation.__table__.delete())  # type: ignore[attr-defined]


def test_the_start_form_sent_twice_at_once_keeps_each_registers_answer_once(database_url: str, provider: str) -> None:
    settings = register_settings(database_url, provider)
    with client_for(settings) as client:
        sign_in(client, OLGA, "lv")
        page = client.get("/lv/apply/new").text
        key = page.split('name="start_key"', 1)[1].split('value="', 1)[1].split('"', 1)[0]
        form = {"csrf_token": csrf_of(page), "answer": "self", "start_key": key}
        with workers(settings, client, 2) as (first, second):
            answers = posts_at_once((first, "/lv/apply/new", form), (second, "/lv/apply/new", form))
    assert [a.status_code for a in answers] == [303, 303]
    assert answers[0].headers["location"] == answers[1].headers["location"]
    assert count(database_url, RegisterRead) == 3

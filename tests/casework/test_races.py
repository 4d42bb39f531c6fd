"""One decision per case, however many caseworkers press "decide" at the same moment."""

from __future__ import annotations

from sqlalchemy import text
from starlette.testclient import TestClient

from portal.app import create_app
from portal.settings import Settings
from tests.applications.test_routes import translated
from tests.casework.test_desk import LIGA, anna_submits, make_caseworker, switch_to
from tests.conftest import csrf_of, engine_for, sign_in
from tests.race import posts_at_once, workers

PETERIS = "110978-11006"  # a second caseworker of Rīga

GRANT = {"kind": "adult_assistant", "hours": "80", "start-day": "1", "start-month": "1", "start-year": "2027",
         "end-day": "31", "end-month": "12", "end-year": "2027", "text": "Piešķirts."}


def decisions(database_url: str, application_id: str) -> tuple[int, int]:
    """(entitlements, decision events) of the case."""
    with engine_for(database_url).connect() as connection:
        granted = connection.scalar(text("SELECT count(*) FROM entitlement WHERE application_id = :id"), {"id": application_id})
        events = connection.scalar(text(
            "SELECT count(*) FROM application_event WHERE application_id = :id AND action IN ('granted', 'refused')"
        ), {"id": application_id})
    return int(granted or 0), int(events or 0)


def test_two_caseworkers_deciding_one_case_at_once_make_one_decision(client: TestClient, settings: Settings) -> None:
    """Līga grants while Pēteris refuses, at the same moment: one decision stands, and the other
    caseworker lands on the case, told that it was decided and by whom; no error page."""
    make_caseworker(settings.database_url, LIGA, "riga")
    make_caseworker(settings.database_url, PETERIS, "riga")
    _status, case = anna_submits(client)
    application_id = case.rsplit("/", 1)[1]
    switch_to(client, LIGA)
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as other:
        sign_in(other, PETERIS)
        with workers(settings, client, 1) as (liga,), workers(settings, other, 1) as (peteris,):
            grant = GRANT | {"csrf_token": csrf_of(liga.get(case + "/grant").text)}
            refusal = {"csrf_token": csrf_of(peteris.get(case + "/refuse").text), "reasons": "Nav I vai II grupas."}
            answers = posts_at_once((liga, case + "/grant", grant), (peteris, case + "/refuse", refusal))
            assert [answer.status_code for answer in answers] == [303, 303], [a.text[:2000] for a in answers]
            lost = [answer for answer in answers if answer.headers["location"].endswith("?decided=before")]
            assert len(lost) == 1, [answer.headers["location"] for answer in answers]
            loser = liga if lost[0] is answers[0] else peteris
            told = loser.get(lost[0].headers["location"]).text
            assert translated("lv", "The case was already decided") in told
    assert decisions(settings.database_url, application_id) == ((1 if lost[0] is answers[1] else 0), 1)

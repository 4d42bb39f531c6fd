"""Segregation of duties at the desk: no caseworker opens or decides a case she is part of (about her,
filed by her, of someone she represents or assists), and no desk assigns one of its own caseworkers
as an assistant in its cases. Another caseworker of the municipality handles it."""

from __future__ import annotations

from portal.people.models import RepresentationKind
from portal.settings import Settings
from tests.applications.test_details import error_ids, post
from tests.applications.test_routes import ANNA, translated
from tests.casework.test_desk import LIGA, anna_submits, make_caseworker, switch_to
from tests.client import TestClient
from tests.conftest import csrf_of
from tests.timesheets.helpers import represents

PETERIS = "110978-11006"  # another caseworker of Rīga
JELGAVA = "020790-11000"  # a caseworker of Jelgava
OWN_CASE = "Another caseworker handles this case"


def liga_represents_anna(database_url: str) -> None:
    represents(database_url, LIGA, ANNA, RepresentationKind.AUTHORISED)


def test_a_caseworker_who_represents_the_person_neither_opens_nor_decides_the_case(client: TestClient, settings: Settings) -> None:
    make_caseworker(settings.database_url, LIGA, "riga")
    make_caseworker(settings.database_url, PETERIS, "riga")
    _status, case = anna_submits(client)
    liga_represents_anna(settings.database_url)
    switch_to(client, LIGA)
    refused = client.get(case)
    assert refused.status_code == 403 and translated("lv", OWN_CASE) in refused.text
    desk = client.get("/lv/desk").text
    refused = client.post(case + "/refuse", data={"csrf_token": csrf_of(desk), "reasons": "Nē."})
    assert refused.status_code == 403 and translated("lv", OWN_CASE) in refused.text  # not a CSRF refusal
    switch_to(client, PETERIS)
    assert client.get(case).status_code == 200
    assert translated("lv", "Refused") not in client.get(case).text  # Līga's refusal was not made


def test_a_caseworker_who_assists_the_person_does_not_open_her_case(client: TestClient, settings: Settings) -> None:
    make_caseworker(settings.database_url, LIGA, "riga")
    make_caseworker(settings.database_url, JELGAVA, "jelgava")
    _status, case = anna_submits(client)
    switch_to(client, LIGA)
    assign = case + "/assign"
    # Pēteris is not a caseworker yet: Līga assigns him as Anna's assistant; then he joins the desk.
    assert post(client, assign, {"code": PETERIS, "given_name": "Pēteris", "family_name": "Zariņš",
                                 "start-day": "1", "start-month": "1", "start-year": "2026"}).status_code == 303
    make_caseworker(settings.database_url, PETERIS, "riga")
    switch_to(client, PETERIS)
    assert client.get(case).status_code == 403


def test_the_desk_does_not_assign_its_own_caseworker_as_an_assistant(client: TestClient, settings: Settings) -> None:
    make_caseworker(settings.database_url, LIGA, "riga")
    make_caseworker(settings.database_url, PETERIS, "riga")
    make_caseworker(settings.database_url, JELGAVA, "jelgava")
    _status, case = anna_submits(client)
    switch_to(client, LIGA)
    assign = case + "/assign"
    dates = {"start-day": "1", "start-month": "1", "start-year": "2026"}
    refused = post(client, assign, {"code": PETERIS, "given_name": "", "family_name": "", **dates})
    assert refused.status_code == 422 and error_ids(refused.text) == ["code"]
    assert translated("lv", "A caseworker of this social service cannot be the assistant in its own cases") in refused.text
    # A caseworker of another municipality may assist here (her desk neither checks nor pays these hours).
    assert post(client, assign, {"code": JELGAVA, "given_name": "", "family_name": "", **dates}).status_code == 303


def test_a_caseworker_does_not_open_her_own_application(client: TestClient, settings: Settings) -> None:
    make_caseworker(settings.database_url, ANNA, "riga")  # Anna works at Rīga's social service
    _status, case = anna_submits(client)
    switch_to(client, ANNA)
    assert client.get(case).status_code == 403

"""One decision per case, however many caseworkers press "issue" (or compose another) at the same moment."""

from __future__ import annotations

from sqlalchemy import text

from portal.app import create_app
from portal.settings import Settings
from tests.applications.test_routes import translated
from tests.casework.decisions import issue_form
from tests.casework.test_desk import LIGA, anna_submits, make_caseworker, switch_to
from tests.client import TestClient
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


def issued_documents(database_url: str, application_id: str) -> int:
    with engine_for(database_url).connect() as connection:
        return int(connection.scalar(text("SELECT count(*) FROM decision_document WHERE application_id = :id"), {"id": application_id}) or 0)


def test_two_caseworkers_issuing_one_decision_at_once_issue_it_once(client: TestClient, settings: Settings) -> None:
    """Līga composed a grant; she and Pēteris both press "Issue" on its preview at the same moment: one
    decision and one document; the other is answered 409 with the decision that stands; no error page."""
    make_caseworker(settings.database_url, LIGA, "riga")
    make_caseworker(settings.database_url, PETERIS, "riga")
    _status, case = anna_submits(client)
    application_id = case.rsplit("/", 1)[1]
    switch_to(client, LIGA)
    preview = case + "/decision"
    assert client.post(case + "/grant", data=GRANT | {"csrf_token": csrf_of(client.get(case + "/grant").text)}).headers["location"] == preview
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as other:
        sign_in(other, PETERIS)
        with workers(settings, client, 1) as (liga,), workers(settings, other, 1) as (peteris,):
            answers = posts_at_once((liga, preview, issue_form(liga, preview)), (peteris, preview, issue_form(peteris, preview)))
            assert sorted(answer.status_code for answer in answers) == [303, 409], [a.text[:2000] for a in answers]
            lost = next(answer for answer in answers if answer.status_code == 409)
            assert translated("lv", "The case was already decided") in lost.text
    assert decisions(settings.database_url, application_id) == (1, 1)
    assert issued_documents(settings.database_url, application_id) == 1


def test_a_refusal_composed_while_the_grant_is_issued_is_never_issued_unseen(client: TestClient, settings: Settings) -> None:
    """Līga issues the grant she previewed while Pēteris composes a refusal of the same case, at once:
    either her grant is issued (and his refusal is told the case was decided), or his refusal replaces
    the draft first (and her issue is told the decision changed: 409). Never both, never a refusal
    issued by someone who did not see it."""
    make_caseworker(settings.database_url, LIGA, "riga")
    make_caseworker(settings.database_url, PETERIS, "riga")
    _status, case = anna_submits(client)
    application_id = case.rsplit("/", 1)[1]
    switch_to(client, LIGA)
    preview = case + "/decision"
    client.post(case + "/grant", data=GRANT | {"csrf_token": csrf_of(client.get(case + "/grant").text)})
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as other:
        sign_in(other, PETERIS)
        with workers(settings, client, 1) as (liga,), workers(settings, other, 1) as (peteris,):
            refusal = {"csrf_token": csrf_of(peteris.get(case + "/refuse").text), "reasons": "Nav I vai II grupas."}
            issued, refused = posts_at_once((liga, preview, issue_form(liga, preview)), (peteris, case + "/refuse", refusal))
    assert refused.status_code == 303, refused.text[:2000]
    if issued.status_code == 303:  # the grant first: the refusal came too late
        assert refused.headers["location"].endswith("?decided=before")
        assert decisions(settings.database_url, application_id) == (1, 1)
    else:  # the refusal's draft first: the grant is not issued, nor is the refusal (nobody previewed it)
        assert issued.status_code == 409, issued.text[:2000]
        assert 'class="error-summary"' in issued.text
        assert refused.headers["location"] == preview
        assert decisions(settings.database_url, application_id) == (0, 0)
    assert issued_documents(settings.database_url, application_id) == decisions(settings.database_url, application_id)[1]

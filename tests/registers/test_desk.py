"""The desk with the registers connected: the facts with their source and time on the case page,
the grant capped by the registered disability period, and the registers read again at the decision."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import select

from portal.applications.models import Application, ApplicationStatus
from portal.applications.rules import ServiceKind
from portal.entitlements.models import Entitlement
from portal.people.models import Person
from portal.registers.models import ReadStage, RegisterRead
from tests.applications.test_routes import start_for, translated
from tests.casework.decisions import issue
from tests.casework.test_desk import make_caseworker
from tests.client import TestClient
from tests.conftest import csrf_of, engine_for, sign_in
from tests.demo_seed import seed_demo
from tests.registers.journeys import (
    LIGA,
    MARTA,
    OLGA,
    STUDY,
    client_for,
    demo_fixture_copy,
    edit_fixture,
    register_settings,
    walk,
)
from tests.registers.servers import RegisterServer, running_register_server
from tests.registers.test_journey import error_ids


def case_of(database_url: str, code: str, kind: ServiceKind) -> int:
    with engine_for(database_url).connect() as connection:
        return int(connection.execute(
            select(Application.id).join(Person, Person.id == Application.person_id)
            .where(Person.personal_code == code, Application.kind == kind, Application.status != ApplicationStatus.DRAFT)
        ).scalar_one())


def date_parts(html: str, name: str) -> tuple[str, str, str]:
    def part(which: str) -> str:
        found = re.search(rf'name="{name}-{which}" type="text" inputmode="numeric" value="([^"]*)"', html)
        assert found, f"no {name}-{which} input"
        return found.group(1)

    return part("day"), part("month"), part("year")


def grant_data(html: str, end: date, start: date = date(2027, 1, 1), kind: ServiceKind = ServiceKind.STUDY_ASSISTANT) -> dict[str, str]:
    return {"csrf_token": csrf_of(html), "kind": kind.value, "hours": "20",
            "start-day": str(start.day), "start-month": str(start.month), "start-year": str(start.year),
            "end-day": str(end.day), "end-month": str(end.month), "end-year": str(end.year), "text": "Piešķirts."}


def test_ligas_grant_for_marta_stops_at_the_registered_end_of_disability(database_url: str, provider: str) -> None:
    """The demo: Marta's care-service application waits at Līga's desk; the disability register says until 28.02.2029."""
    settings = register_settings(database_url, provider)
    seed_demo(settings)
    case = case_of(database_url, MARTA, ServiceKind.CHILD_CARE)
    with client_for(settings) as client:
        sign_in(client, LIGA)
        page = client.get(f"/lv/desk/cases/{case}").text
        # The case page: what each register said when the application was made, with its source and time.
        for title in ("Population register (PMLP)", "Disability register (VDEĀVK)", "Education register (VIIS)"):
            assert translated("lv", title) in page
        assert "Jānis Kalniņš, 020790-11000" in page and "Rīgas 64. vidusskola" in page
        assert translated("lv", "From the disability register (VDEĀVK), read on %(date)s.").split("%(date)s")[0] in page
        grant_page = client.get(f"/lv/desk/cases/{case}/grant").text
        assert date_parts(grant_page, "end") == ("28", "2", "2029")
        assert 'name="disability_until-day"' not in grant_page  # she does not type it
        too_late = client.post(f"/lv/desk/cases/{case}/grant", data=grant_data(grant_page, date(2029, 12, 31), kind=ServiceKind.CHILD_CARE))
        assert too_late.status_code == 422 and error_ids(too_late.text) == ["end-day"]
        # Even a period typed into the form is not taken instead of the register's.
        sneaked = grant_data(grant_page, date(2029, 12, 31), kind=ServiceKind.CHILD_CARE) | {"disability_until-day": "31", "disability_until-month": "12",
                                                                  "disability_until-year": "2029"}
        assert client.post(f"/lv/desk/cases/{case}/grant", data=sneaked).status_code == 422
        granted = client.post(f"/lv/desk/cases/{case}/grant", data=grant_data(grant_page, date(2029, 2, 28), kind=ServiceKind.CHILD_CARE))
        assert granted.status_code == 303, granted.text[:2000]
        assert issue(client, granted).status_code == 303
    with engine_for(database_url).connect() as connection:
        entitlement = connection.execute(select(Entitlement.valid_from, Entitlement.valid_to)
                                         .where(Entitlement.application_id == case)).one()
        stages = connection.execute(select(RegisterRead.stage).where(RegisterRead.application_id == case)).scalars().all()
    assert tuple(entitlement) == (date(2027, 1, 1), date(2029, 2, 28))
    assert sorted(stages) == sorted([ReadStage.APPLIED.value] * 3 + [ReadStage.DECIDED.value] * 3)


def olga_applies_and_liga_opens(client: TestClient, database_url: str) -> int:
    sign_in(client, OLGA, "lv")
    done = walk(client, start_for(client, "self"), STUDY)
    sent = client.post(done.check.replace("/check", "/submit"), data={"csrf_token": csrf_of(client.get(done.check).text)})
    assert sent.status_code == 303
    client.cookies.clear()
    sign_in(client, LIGA)
    return case_of(database_url, OLGA, ServiceKind.STUDY_ASSISTANT)


def test_the_registers_are_read_again_at_the_decision_and_a_change_is_shown(database_url: str, provider: str, tmp_path: Path) -> None:
    fixture = demo_fixture_copy(tmp_path)
    make_caseworker(database_url, LIGA, "riga")
    with client_for(register_settings(database_url, provider, fixture)) as client:
        case = olga_applies_and_liga_opens(client, database_url)
        assert date_parts(client.get(f"/lv/desk/cases/{case}/grant").text, "end") == ("28", "2", "2027")
        # The commission shortens the determination after she applied.
        edit_fixture(fixture, "disability", OLGA, valid_until="2027-01-31")
        grant_page = client.get(f"/lv/desk/cases/{case}/grant").text
        assert date_parts(grant_page, "end") == ("31", "1", "2027")
        assert 'id="register-changes"' in grant_page
        assert "01.03.2024 – 28.02.2027" in grant_page and "01.03.2024 – 31.01.2027" in grant_page
        start = date(2026, 12, 1)
        assert client.post(f"/lv/desk/cases/{case}/grant", data=grant_data(grant_page, date(2027, 2, 28), start)).status_code == 422
        granted = client.post(f"/lv/desk/cases/{case}/grant", data=grant_data(grant_page, date(2027, 1, 31), start))
        assert granted.status_code == 303
        assert issue(client, granted).status_code == 303
        case_page = client.get(f"/lv/desk/cases/{case}").text
        assert 'id="register-changes"' in case_page
    with engine_for(database_url).connect() as connection:
        decided = connection.execute(select(RegisterRead.facts).where(
            RegisterRead.application_id == case, RegisterRead.stage == ReadStage.DECIDED.value,
            RegisterRead.register == "disability")).scalar_one()
        valid_to = connection.execute(select(Entitlement.valid_to).where(Entitlement.application_id == case)).scalar_one()
    assert decided["valid_until"] == "2027-01-31" and valid_to == date(2027, 1, 31)


def test_a_register_down_at_the_decision_falls_back_to_what_it_said_at_the_application(
    database_url: str, provider: str
) -> None:
    make_caseworker(database_url, LIGA, "riga")
    with client_for(register_settings(database_url, provider)) as client:
        case = olga_applies_and_liga_opens(client, database_url)
    with running_register_server(RegisterServer(status=500)) as server:
        settings = replace(register_settings(database_url, provider), register_adapter="http", register_base_url=server.base_url)
        with client_for(settings) as client:
            sign_in(client, LIGA)
            grant_page = client.get(f"/lv/desk/cases/{case}/grant").text
            assert date_parts(grant_page, "end") == ("28", "2", "2027")
            assert 'name="disability_until-day"' not in grant_page
            assert 'id="register-changes"' not in grant_page  # a register that did not answer tells no change
            start = date(2026, 12, 1)
            assert client.post(f"/lv/desk/cases/{case}/grant", data=grant_data(grant_page, date(2027, 3, 31), start)).status_code == 422


def test_without_the_registers_the_caseworker_types_the_disability_period(database_url: str, provider: str) -> None:
    make_caseworker(database_url, LIGA, "riga")
    with client_for(register_settings(database_url, provider)) as client:
        case = olga_applies_and_liga_opens(client, database_url)
    with running_register_server(RegisterServer()) as server:  # holds nobody now: 404 for everyone
        settings = replace(register_settings(database_url, provider), register_adapter="http", register_base_url=server.base_url)
        with client_for(settings) as client:
            sign_in(client, LIGA)
            grant_page = client.get(f"/lv/desk/cases/{case}/grant").text
            assert 'name="disability_until-day"' in grant_page
            assert date_parts(grant_page, "end") == ("", "", "")
            start = date(2026, 12, 1)
            typed = grant_data(grant_page, date(2027, 6, 30), start) | {
                "disability_until-day": "31", "disability_until-month": "5", "disability_until-year": "2027"}
            refused = client.post(f"/lv/desk/cases/{case}/grant", data=typed)
            assert refused.status_code == 422 and error_ids(refused.text) == ["end-day"]


def test_a_refusal_keeps_what_the_registers_said_at_the_decision(database_url: str, provider: str) -> None:
    make_caseworker(database_url, LIGA, "riga")
    with client_for(register_settings(database_url, provider)) as client:
        case = olga_applies_and_liga_opens(client, database_url)
        page = client.get(f"/lv/desk/cases/{case}/refuse").text
        refused = client.post(f"/lv/desk/cases/{case}/refuse", data={"csrf_token": csrf_of(page), "reasons": "Nav pamata."})
        assert refused.status_code == 303
        assert issue(client, refused).status_code == 303
        case_page = client.get(f"/lv/desk/cases/{case}").text
    with engine_for(database_url).connect() as connection:
        decided = connection.execute(select(RegisterRead.register).where(
            RegisterRead.application_id == case, RegisterRead.stage == ReadStage.DECIDED.value)).scalars().all()
    assert sorted(decided) == ["disability", "education", "population"]
    assert 'id="register-changes"' not in case_page  # nothing changed
    assert translated("lv", "Read again at the decision (%(date)s): nothing had changed.").split("(")[0] in case_page

"""The pages the registers change are valid HTML (the Nu HTML Checker): with the registers' facts,
their error states, a register down, and the desk's case and grant pages with a change."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from portal.applications.rules import ServiceKind
from tests.applications.test_routes import start_for
from tests.casework.decisions import issue
from tests.casework.test_desk import make_caseworker
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.pages.test_html_valid import assert_valid
from tests.registers.journeys import (
    LIGA,
    OLGA,
    STUDY,
    client_for,
    demo_fixture_copy,
    edit_fixture,
    register_settings,
    walk,
)
from tests.registers.servers import RegisterServer, running_register_server
from tests.registers.test_desk import case_of, grant_data
from tests.registers.test_journey import walk_to


def _post(client: TestClient, path: str, data: dict[str, str]) -> str:
    return client.post(path, data={"csrf_token": csrf_of(client.get(path).text), **data}).text


def test_the_register_pages_are_valid_html(database_url: str, provider: str, tmp_path: Path) -> None:
    fixture = demo_fixture_copy(tmp_path)
    make_caseworker(database_url, LIGA, "riga")
    pages: dict[str, str] = {}
    with client_for(register_settings(database_url, provider, fixture)) as client:
        sign_in(client, OLGA, "ru")
        pages["for whom"] = client.get("/ru/apply/new").text
        service_page = start_for(client, "self", "ru")
        pages["service with facts"] = client.get(service_page).text
        details = walk_to(client, service_page, "details")
        pages["details from the register"] = client.get(details).text
        pages["details (error)"] = _post(client, details, {})
        pages["details, typed (error)"] = _post(client, details, {"address-source": "typed"})
        done = walk(client, details, STUDY)
        pages["check"] = client.get(done.check).text
        client.post(done.check.replace("/check", "/submit"), data={"csrf_token": csrf_of(pages["check"])})
        client.cookies.clear()
        sign_in(client, LIGA)
        case = case_of(database_url, OLGA, ServiceKind.STUDY_ASSISTANT)
        pages["case"] = client.get(f"/lv/desk/cases/{case}").text
        pages["grant"] = client.get(f"/lv/desk/cases/{case}/grant").text
        pages["grant (error)"] = client.post(f"/lv/desk/cases/{case}/grant",
                                             data=grant_data(pages["grant"], date(2027, 6, 30), date(2026, 12, 1))).text
        edit_fixture(fixture, "disability", OLGA, valid_until="2027-01-31")
        pages["grant, changed"] = client.get(f"/lv/desk/cases/{case}/grant").text
        composed = client.post(f"/lv/desk/cases/{case}/grant", data=grant_data(pages["grant, changed"], date(2027, 1, 31), date(2026, 12, 1)))
        pages["decision preview"] = client.get(composed.headers["location"]).text
        assert issue(client, composed).status_code == 303
        pages["case, changed at the decision"] = client.get(f"/lv/desk/cases/{case}").text
    with running_register_server(RegisterServer(status=500)) as server:
        settings = replace(register_settings(database_url, provider), register_adapter="http", register_base_url=server.base_url)
        with client_for(settings) as client:
            sign_in(client, OLGA, "lv")
            pages["for whom, register down"] = client.get("/lv/apply/new").text
            details = walk_to(client, start_for(client, "self"), "details")
            pages["details, register down"] = client.get(details).text
    assert 'id="register-changes"' in pages["case, changed at the decision"]
    assert all(re.search(r"<main", html) for html in pages.values())
    assert_valid(pages, tmp_path)

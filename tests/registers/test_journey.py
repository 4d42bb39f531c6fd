"""The apply journey with the registers connected: prefilled, fewer questions, fewer documents,
and nothing stopped when a register is down. Signed in through the real eID flow, over HTTP."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from portal.applications import documents, journey
from portal.applications.documents import DocumentKind, Held
from portal.applications.models import Application
from portal.applications.rules import DisabilityGroup, ServiceKind, Verdict
from portal.applications.situation import Situation, registered_answers
from portal.db import utcnow
from portal.registers import presenters
from portal.registers.facts import DisabilityFacts, Opinion, OpinionKind, Outcome, Read, RegisterName
from portal.registers.models import ReadStage, RegisterRead
from portal.registers.service import Registered
from portal.settings import Settings
from tests.applications.test_routes import add_parent, start_for, translated
from tests.client import TestClient
from tests.conftest import csrf_of, engine_for, sign_in
from tests.registers.journeys import (
    JANIS,
    MARTA,
    OLGA,
    STUDY,
    client_for,
    fixture_without,
    register_settings,
    walk,
)
from tests.registers.servers import RegisterServer, running_register_server


def olga_applies(settings: Settings, answers: dict[str, Any] = STUDY, lang: str = "ru") -> tuple[Any, str]:
    with client_for(settings) as client:
        sign_in(client, OLGA, lang)
        done = walk(client, start_for(client, "self", lang), answers)
        check = client.get(done.check).text
    return done, check


def the_application(database_url: str) -> Application:
    with engine_for(database_url).connect() as connection:
        row = connection.execute(select(Application)).one()
    return Application(**row._mapping)


def test_olgas_new_application_asks_fewer_questions_and_documents(database_url: str, provider: str, tmp_path: Path) -> None:
    """Against the demo's registers Ольга is asked only which service; without her record, as before the registers."""
    without, _check = olga_applies(register_settings(database_url, provider, fixture_without(tmp_path, OLGA)))
    with engine_for(database_url).begin() as connection:
        connection.execute(delete(Application))
    registered, check = olga_applies(register_settings(database_url, provider))
    assert without.questions == ["service", "disability-group", "assistant-opinion"]
    assert without.documents == ["document-university"]
    assert registered.questions == ["service"]
    assert registered.documents == []
    assert len(registered.pages) == len(without.pages) - 3  # two questions and the documents page
    # The facts the registers gave are on the check page, with where they come from, and no change link.
    group_title = translated("ru", journey.BY_SLUG["disability-group"].title)
    assert group_title in check
    assert "/disability-group?change=1" not in check and "/assistant-opinion?change=1" not in check
    assert translated("ru", "From the disability register (VDEĀVK), read on %(date)s.").split("%(date)s")[0] in check


def test_the_registers_facts_are_kept_with_the_draft_and_the_address_is_prefilled(database_url: str, provider: str) -> None:
    settings = register_settings(database_url, provider)
    with client_for(settings) as client:
        sign_in(client, OLGA, "lv")
        service_page = start_for(client, "self")
        page = client.get(service_page).text
        # The service page shows what the registers hold, and where it comes from.
        assert translated("lv", "What the state registers say") in page
        assert "Rīgas Tehniskā universitāte" in page
        details = service_page.replace("/service", "/details")
        client.post(service_page, data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),  # type: ignore[union-attr]
                                        "answer": "study_assistant"})
        details_page = client.get(details).text
        assert "Maskavas iela 50-12, Rīga, LV-1003" in details_page
        assert 'id="address-read"' in details_page
        assert 'name="address-source"' in details_page
    with engine_for(database_url).connect() as connection:
        reads = {row.register: row for row in connection.execute(select(RegisterRead)).all()}
    assert set(reads) == {"population", "disability", "education"}
    assert {row.stage for row in reads.values()} == {ReadStage.APPLIED.value}
    assert all(row.outcome == Outcome.FOUND.value for row in reads.values())
    assert reads["disability"].facts["valid_until"] == "2027-02-28"


def test_the_address_from_the_register_is_kept_as_the_registers_and_a_corrected_one_as_the_persons(
    database_url: str, provider: str
) -> None:
    confirmed, _check = olga_applies(register_settings(database_url, provider))
    details = the_application(database_url).answers["details"]
    assert details["from_register"] is True and details["address"] == "Maskavas iela 50-12, Rīga, LV-1003"
    assert details["read_at"]
    with engine_for(database_url).begin() as connection:
        connection.execute(delete(Application))
    typed = dict(STUDY, details={"address-source": "typed", "municipality": "jurmala", "address": "Jomas iela 1, Jūrmala, LV-2015"})
    _done, check = olga_applies(register_settings(database_url, provider), typed)
    details = the_application(database_url).answers["details"]
    assert details == {"municipality": "jurmala", "address": "Jomas iela 1, Jūrmala, LV-2015", "from_register": False}
    assert translated("ru", presenters.NOT_FROM_A_REGISTER) in check


def test_saying_the_address_is_wrong_asks_for_it_at_the_fields(database_url: str, provider: str) -> None:
    with client_for(register_settings(database_url, provider)) as client:
        sign_in(client, OLGA, "lv")
        service_page = start_for(client, "self")
        details = walk_to(client, service_page, "details")
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get(details).text).group(1)  # type: ignore[union-attr]
        nothing = client.post(details, data={"csrf_token": token})
        assert nothing.status_code == 422 and error_ids(nothing.text) == ["address-source"]
        wrong = client.post(details, data={"csrf_token": token, "address-source": "typed"})
        assert wrong.status_code == 422 and error_ids(wrong.text) == ["municipality", "address"]
        # What was typed when the register's address is confirmed does not count.
        right = client.post(details, data={"csrf_token": token, "address-source": "register", "address": "x" * 400})
        assert right.status_code == 303


def walk_to(client: TestClient, first: str, slug: str) -> str:
    path = first
    while not path.split("?")[0].endswith("/" + slug):
        page = client.get(path).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        response = client.post(path, data={"csrf_token": token, "answer": STUDY[path.rsplit("/", 1)[-1]]})
        assert response.status_code == 303
        path = response.headers["location"]
    return path


def error_ids(html: str) -> list[str]:
    summary = html.split('class="error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="#([^"]+)"', summary)


def test_a_register_that_is_down_stops_nobody(database_url: str, provider: str) -> None:
    """Every register answers 500: Ольга is asked everything, types the address, and sends the application."""
    with running_register_server(RegisterServer(status=500)) as server:
        settings = replace(register_settings(database_url, provider), register_adapter="http", register_base_url=server.base_url,
                           register_timeout_seconds=2.0)
        with client_for(settings) as client:
            sign_in(client, OLGA, "lv")
            service_page = start_for(client, "self")
            details = walk_to(client, service_page, "details")
            page = client.get(details).text
            assert 'name="address-source"' not in page
            assert translated("lv", "The population register (PMLP) could not be read on %(date)s.").split("%(date)s")[0] in page
            done = walk(client, details, STUDY)
            check_page = client.get(done.check).text
            token = re.search(r'name="csrf_token" value="([^"]+)"', check_page).group(1)  # type: ignore[union-attr]
            sent = client.post(done.check.replace("/check", "/submit"), data={"csrf_token": token})
            assert sent.status_code == 303 and "/submitted" in sent.headers["location"]
    assert done.documents == ["document-university"]
    application = the_application(database_url)
    assert application.answers["disability-group"] == "2" and application.answers["assistant-opinion"] == "yes"
    assert application.answers["details"]["from_register"] is False
    with engine_for(database_url).connect() as connection:
        outcomes = {row.register: row.outcome for row in connection.execute(select(RegisterRead)).all()}
    assert outcomes == {name.value: Outcome.UNKNOWN.value for name in RegisterName}


def test_without_the_registers_the_journey_is_as_it_was(client: TestClient, database_url: str) -> None:
    sign_in(client, OLGA, "lv")
    service_page = start_for(client, "self")
    assert translated("lv", "What the state registers say") not in client.get(service_page).text
    details = walk_to(client, service_page, "details")
    assert 'name="address-source"' not in client.get(details).text
    with engine_for(database_url).connect() as connection:
        assert connection.execute(select(RegisterRead)).all() == []


CHILD = {
    "service": "child_assistant", "disability": "yes", "special-care-opinion": "yes",
    "details": {"address-source": "register", "municipality": "riga", "address": "Krišjāņa Barona iela 20-3, Rīga, LV-1011"},
    "contact": {"method": "phone", "phone": "29123456"},
    "assistant": {"choice": "find"},
    "declarations": {"declarations": ["truth", "changes", "data"]},
}


def janis_applies_for_marta(settings: Settings) -> Any:
    with client_for(settings) as client:
        sign_in(client, JANIS, "lv")
        page = client.get("/lv/apply/new").text
        marta = next(value for value in re.findall(r'name="answer" type="radio" value="([^"]+)"', page) if value != "self")
        first = client.post("/lv/apply/new", data={"csrf_token": csrf_of(page), "answer": marta})
        assert first.status_code == 303
        return walk(client, first.headers["location"], CHILD)


def test_a_parent_is_not_asked_what_the_disability_register_holds_nor_for_the_commissions_opinion(
    database_url: str, provider: str, tmp_path: Path
) -> None:
    add_parent(database_url)
    without = janis_applies_for_marta(register_settings(database_url, provider, fixture_without(tmp_path, MARTA)))
    with engine_for(database_url).begin() as connection:
        connection.execute(delete(Application))
    registered = janis_applies_for_marta(register_settings(database_url, provider))
    assert without.questions == ["service", "disability", "special-care-opinion"]
    assert without.documents == ["document-vdeavk-opinion"]
    assert registered.questions == ["service"]
    assert registered.documents == []


def test_required_documents_leave_out_what_the_registers_hold() -> None:
    every = frozenset(Held)
    assert documents.required_documents(ServiceKind.STUDY_ASSISTANT, {}) == [DocumentKind.UNIVERSITY]
    assert documents.required_documents(ServiceKind.STUDY_ASSISTANT, {}, frozenset({Held.UNIVERSITY})) == []
    adult = {"purposes": ["work_study_sport", "school", "volunteering"]}
    assert documents.required_documents(ServiceKind.ADULT_ASSISTANT, adult, frozenset({Held.SCHOOL})) == [
        DocumentKind.WORK_OR_STUDIES, DocumentKind.VOLUNTEERING]  # no register holds work or volunteering
    child = {"special-care-opinion": "yes", "family-works": "yes"}
    assert documents.required_documents(ServiceKind.CHILD_CARE, child) == [DocumentKind.VDEAVK_OPINION, DocumentKind.FAMILY_WORK]
    assert documents.required_documents(ServiceKind.CHILD_CARE, child, every) == [DocumentKind.FAMILY_WORK]
    school = {"school-documents": documents.SCHOOL_DOCUMENTS_UPLOAD}
    assert documents.required_documents(ServiceKind.SCHOOL_ASSISTANT, school, every) == [DocumentKind.IRP]


def test_only_what_a_register_holds_and_still_in_force_answers_a_question() -> None:
    now = utcnow()
    today = date(2026, 12, 1)
    lapsed = DisabilityFacts(DisabilityGroup.GROUP_II, date(2020, 1, 1), date(2026, 6, 30), limitations=True)
    held = DisabilityFacts(DisabilityGroup.GROUP_III, date(2020, 1, 1), None, limitations=False, transport_indication=True,
                           opinions=(Opinion(OpinionKind.COMPANION, date(2025, 1, 1), date(2026, 1, 1)),))

    def with_disability(facts: DisabilityFacts | None, outcome: Outcome = Outcome.FOUND) -> Registered:
        return Registered(Read(RegisterName.POPULATION, Outcome.NOT_FOUND, now),
                          Read(RegisterName.DISABILITY, outcome, now, facts),
                          Read(RegisterName.EDUCATION, Outcome.NOT_FOUND, now))

    assert registered_answers(with_disability(lapsed), today) == {}
    assert registered_answers(with_disability(None, Outcome.UNKNOWN), today) == {}
    assert registered_answers(None, today) == {}
    answers = {slug: value for slug, (value, _register) in registered_answers(with_disability(held), today).items()}
    # The lapsed companion opinion answers nothing; the group III determination answers the group, not the opinion.
    assert answers == {"disability-group": "3", "disability": "yes", "limitations": "no", "transport-indication": "yes"}
    situation = Situation({"service": "adult_assistant"}, date(1980, 1, 1), today, registered=with_disability(held))
    assert [q.slug for q in journey.applicable(situation)] == ["service"]
    assert situation.eligibility is not None and situation.eligibility.verdict is Verdict.ELIGIBLE  # group III with the indication

"""The demo with its registers, tried as a new user would: every demo person has their facts,
Jānis's representation of Marta comes from the population register, and Ольга's new application
asks only which service."""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from sqlalchemy import select

from portal.people.demo import DEMO_PEOPLE
from portal.people.models import Person, Representation
from portal.registers.facts import Outcome
from portal.registers.files import FileRegisters
from tests.applications.test_routes import start_for, translated
from tests.casework.test_decision_documents import poppler
from tests.conftest import engine_for, sign_in
from tests.demo_seed import seed_demo
from tests.registers.journeys import ANNA, JANIS, MARTA, OLGA, STUDY, client_for, register_settings, walk


def test_every_demo_person_has_an_address_in_the_population_register() -> None:
    files = FileRegisters()
    for person in DEMO_PEOPLE:
        read = asyncio.run(files.person(person.personal_code))
        assert read.outcome is Outcome.FOUND and read.facts is not None, person
        assert read.facts.declared_address is not None, person
        assert (read.facts.given_name, read.facts.family_name) == (person.given_name, person.family_name)


def test_the_demo_tried_as_a_new_user(database_url: str, provider: str) -> None:
    settings = register_settings(database_url, provider)
    seed_demo(settings)
    with engine_for(database_url).connect() as connection:
        representative, represented = Person.__table__.alias(), Person.__table__.alias()
        rows = connection.execute(
            select(representative.c.personal_code, represented.c.personal_code, Representation.valid_from, Representation.valid_to)
            .join(representative, representative.c.id == Representation.representative_id)
            .join(represented, represented.c.id == Representation.represented_id)
        ).all()
    assert [tuple(row) for row in rows] == [(JANIS, MARTA, date(2015, 2, 12), date(2033, 2, 11))]
    with client_for(settings) as client:
        sign_in(client, OLGA, "ru")
        done = walk(client, start_for(client, "self", "ru"), STUDY)
        assert done.questions == ["service"] and done.documents == []
        # Her half-filled demo draft: the group she typed is now the register's, shown with its source.
        applications = client.get("/ru/applications").text
        assert "/apply/" in applications
        draft = next(part.split('"', 1)[0] for part in applications.split('href="/ru/apply/')[1:] if part.split('"', 1)[0].endswith("/check"))
        check = client.get(f"/ru/apply/{draft}").text
        assert translated("ru", "From the disability register (VDEĀVK), read on %(date)s.").split("%(date)s")[0] in check
        assert "/disability-group?change=1" not in check


def test_the_demos_granted_cases_have_their_decision_as_a_pdf(database_url: str, provider: str, tmp_path: Path) -> None:
    """As every case decided in the portal: the person (and her representative) download the decision
    the desk issued, a PDF checked against its SHA-256, beside the case, dated the day the case's
    history says it was decided."""
    settings = register_settings(database_url, provider)
    seed_demo(settings)
    decided_on = {ANNA: "2025. gada 18. decembris", JANIS: "2026. gada 20. februāris"}  # the demo's grants began on 1 January and 1 March
    for who in (ANNA, JANIS):  # Anna's grant; Jānis's for Marta (his other case waits at the desk)
        with client_for(settings) as client:
            sign_in(client, who, "lv")
            listed = client.get("/lv/applications").text
            cases = sorted({"/lv/applications/" + part.split('"', 1)[0]
                            for part in listed.split('href="/lv/applications/')[1:] if part.split('"', 1)[0].isdigit()})
            decided = [case for case in cases if f'href="{case}/decision.pdf"' in client.get(case).text]
            assert len(decided) == 1, (who, cases)
            document = client.get(decided[0] + "/decision.pdf")
            assert document.status_code == 200 and document.headers["content-type"] == "application/pdf"
            assert document.content.startswith(b"%PDF-")
            words = " ".join(poppler("pdftotext", document.content, tmp_path).split())
            assert f"Lēmuma datums {decided_on[who]}" in words

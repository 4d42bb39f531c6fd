"""The pages the state registers change, in a real browser, in both languages: axe, titles, the
focused error summary, 320 px. A page with a register's facts (who is it for, the service page,
the declared address, the check page, the desk's case and grant pages, a change since the
application) and with "not from a register" (a register that is down; the address typed).

Things are found by name, id, value or href, never by their words (the catalogs decide those).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from portal.applications import demo as demo_applications
from portal.db import Database
from portal.people import service as people
from portal.people.models import StaffRoleName
from portal.registers import service as registers
from portal.registers.base import Registers
from portal.registers.files import FileRegisters
from portal.registers.models import ReadStage
from tests.accessibility.conftest import (
    LANGS,
    PERSON_FOR,
    answer_and_continue,
    apply_step_path,
    serve_portal,
    sign_in_as,
    wait_for_apply_step,
    wait_for_path,
)
from tests.accessibility.test_apply import PageChecks
from tests.accessibility.test_apply_details import submit, tick, type_into
from tests.registers.journeys import demo_fixture_copy, edit_fixture
from tests.registers.servers import RegisterServer, running_register_server

pytestmark = pytest.mark.browser

LIGA, OLGA = "230565-11005", "328673-00679"


@pytest.fixture(scope="module")
def register_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_fixture_copy(tmp_path_factory.mktemp("registers"))


@pytest.fixture(scope="module")
def with_registers(database_url: str, provider: str, register_fixture: Path) -> Iterator[str]:
    """The portal reading the file-backed registers."""
    with serve_portal(database_url, provider, register_adapter="file", register_file=str(register_fixture)) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def registers_down(database_url: str, provider: str) -> Iterator[str]:
    """The portal whose registers all answer 500."""
    with running_register_server(RegisterServer(status=500)) as server, serve_portal(
        database_url, provider, register_adapter="http", register_base_url=server.base_url
    ) as base_url:
        yield base_url


@pytest.mark.parametrize("lang", LANGS)
def test_the_journey_with_the_registers(browser: WebDriver, with_registers: str, lang: str) -> None:
    """Anna (lv) and Ольга (ru): the registers answer the disability group, and give the declared address."""
    driver = browser
    check = PageChecks(driver, lang)
    sign_in_as(driver, with_registers, PERSON_FOR[lang].personal_code, lang)
    driver.get(f"{with_registers}/{lang}/apply/new")
    wait_for_path(driver, f"/{lang}/apply/new")
    check("who is it for, representations from the population register")
    answer_and_continue(driver, "self")
    application_id = wait_for_apply_step(driver, lang, "service")
    assert driver.find_elements(By.CSS_SELECTOR, "main .summary-list")  # the registers' facts
    check("service page with the registers' facts")
    answer_and_continue(driver, "study_assistant")
    if lang == "lv":  # Anna's registers hold no opinion on an assistant for studies: she is asked
        answer_and_continue(driver, "yes")
    wait_for_path(driver, apply_step_path(lang, application_id, "details"))
    assert driver.find_elements(By.ID, "address-read")
    check("details page with the address from the population register")
    submit(driver)
    check("details page with the register's address, nothing chosen", error=True, error_fields=("address-source",))
    tick(driver, "address-source", "typed")
    submit(driver)
    check("details page, the register's address said to be wrong", error=True, error_fields=("municipality", "address"))
    Select(driver.find_element(By.ID, "municipality")).select_by_value("jurmala")
    type_into(driver, "address", "Jomas iela 1, Jūrmala, LV-2015")
    submit(driver)
    wait_for_path(driver, apply_step_path(lang, application_id, "contact"))
    driver.get(f"{with_registers}/{lang}/apply/{application_id}/check")
    wait_for_path(driver, f"/{lang}/apply/{application_id}/check")
    check("check page with the registers' facts and an address not from a register")
    check.assert_none()


@pytest.mark.parametrize("lang", LANGS)
def test_the_details_page_when_the_registers_are_down(browser: WebDriver, registers_down: str, lang: str) -> None:
    driver = browser
    check = PageChecks(driver, lang)
    sign_in_as(driver, registers_down, PERSON_FOR[lang].personal_code, lang)
    driver.get(f"{registers_down}/{lang}/apply/new")
    wait_for_path(driver, f"/{lang}/apply/new")
    check("who is it for, the population register down")
    answer_and_continue(driver, "self")
    application_id = wait_for_apply_step(driver, lang, "service")
    check("service page, the registers down")
    for value in ("study_assistant", "2", "yes"):
        answer_and_continue(driver, value)
    wait_for_path(driver, apply_step_path(lang, application_id, "details"))
    assert not driver.find_elements(By.ID, "address-source")
    check("details page, the population register down")
    submit(driver)
    check("details page, the population register down, nothing typed", error=True, error_fields=("municipality", "address"))
    check.assert_none()


def seed_case(database_url: str, fixture: Path) -> int:
    """Ольга's study-assistant case at Līga's desk (Rīga), with what the registers said when she applied."""

    async def work() -> int:
        db = Database(database_url)
        files = FileRegisters(fixture)
        async with db.session() as session:
            liga = await people.ensure_person(session, LIGA, "Līga", "Liepiņa")
            olga = await people.ensure_person(session, OLGA, "Ольга", "Иванова")
            await people.add_staff_role(session, liga, StaffRoleName.CASEWORKER, await people.municipality_by_code(session, "riga"))
            answers: dict[str, Any] = {
                "service": "study_assistant",
                "details": {"municipality": "riga", "address": "Maskavas iela 50-12, Rīga, LV-1003", "from_register": False},
                "contact": {"method": "email", "email": "olga.ivanova@example.lv", "phone": ""},
                "assistant": {"choice": "find", "name": "", "code": ""},
                "declarations": ["truth", "changes", "data"],
            }
            case = await demo_applications.submitted_application(session, olga, olga, answers, "ru")
            await registers.keep(session, case.id, await registers.read_all(Registers(files, files, files), OLGA), ReadStage.APPLIED)
            case_id = case.id
        await db.dispose()
        return case_id

    return asyncio.run(work())


@pytest.mark.parametrize("lang", LANGS)
def test_the_desk_with_the_registers(browser: WebDriver, with_registers: str, database_url: str, register_fixture: Path,
                                     lang: str) -> None:
    driver = browser
    edit_fixture(register_fixture, "disability", OLGA, valid_until="2027-02-28")
    case = seed_case(database_url, register_fixture)
    check = PageChecks(driver, lang)
    sign_in_as(driver, with_registers, LIGA, lang)
    path = f"/{lang}/desk/cases/{case}"
    driver.get(with_registers + path)
    wait_for_path(driver, path)
    check("case page with the registers' facts")
    driver.get(f"{with_registers}{path}/grant")
    wait_for_path(driver, f"{path}/grant")
    assert driver.find_element(By.ID, "end-year").get_attribute("value") == "2027"
    check("grant page, the disability period from the register")
    type_into(driver, "hours", "20")
    for part, value in (("start-day", "1"), ("start-month", "12"), ("start-year", "2026"), ("end-month", "3")):
        type_into(driver, part, value)
    type_into(driver, "text", "Piešķirts.")
    submit(driver)
    check("grant page, past the registered disability period", error=True, error_fields=("end-day",))
    # The commission shortened the determination since she applied: the grant page shows the change.
    edit_fixture(register_fixture, "disability", OLGA, valid_until="2027-01-31")
    driver.get(f"{with_registers}{path}/grant")
    wait_for_path(driver, f"{path}/grant")
    assert driver.find_elements(By.ID, "register-changes")
    check("grant page, the register changed since the application", again=True)
    type_into(driver, "hours", "20")
    for part, value in (("start-day", "1"), ("start-month", "12"), ("start-year", "2026")):
        type_into(driver, part, value)
    type_into(driver, "text", "Piešķirts.")
    submit(driver)
    wait_for_path(driver, f"{path}/decision")  # the preview of the document
    tick(driver, "checked", "yes")
    submit(driver)  # issue it
    wait_for_path(driver, path)
    assert driver.find_elements(By.ID, "register-changes")
    check("case page, the registers changed at the decision", again=True)
    edit_fixture(register_fixture, "disability", OLGA, valid_until="2027-02-28")
    check.assert_none()

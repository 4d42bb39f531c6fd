"""The documents page at its limit, in a real browser, in both languages (axe, title, 320 px):
four files and the field for a fifth; the sixth sent from a page opened before the fifth came (the
error at the field, the summary focused); and the full document, which offers no field at all.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.applications import demo as demo_applications
from portal.applications import service
from portal.applications.documents import MAX_FILES_PER_KIND
from portal.db import Database
from portal.people import service as people
from portal.people.models import Person
from portal.storage import FileStorage
from tests.accessibility.conftest import LANGS, PERSON_FOR, apply_step_path, sign_in_as, wait_for_path
from tests.accessibility.test_apply import PageChecks
from tests.accessibility.test_apply_details import PDF, submit
from tests.conftest import UPLOAD_DIR

pytestmark = pytest.mark.browser

FIELD = "document-work-or-studies"


def draft_with_files(database_url: str, personal_code: str, files: int) -> int:
    """The signed-in person's adult-assistant draft (work calls for a document) with `files` files of it."""

    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            person = await people.person_by_code(session, personal_code)
            today = clock.today()
            draft = await service.start_draft(session, person, person.id, today)
            answers = demo_applications.adult_answers({"method": "email", "phone": "", "email": "anna@example.lv"})
            await service.save_answers(session, person, draft.id, answers, today)
            await add_files(session, person, draft.id, files)
            found = draft.id
        await db.dispose()
        return found

    return asyncio.run(work())


async def add_files(session: AsyncSession, person: Person, draft_id: int, count: int, first: int = 1) -> None:
    files = [service.NewFile(f"lapa-{number}.pdf", PDF) for number in range(first, first + count)]
    await service.add_documents(session, FileStorage(UPLOAD_DIR), person, draft_id, clock.today(), kind="work_or_studies", files=files)


def another_tab_adds_one(database_url: str, personal_code: str, draft_id: int) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            person = await people.person_by_code(session, personal_code)
            await add_files(session, person, draft_id, 1, first=MAX_FILES_PER_KIND)
        await db.dispose()

    asyncio.run(work())


@pytest.mark.parametrize("lang", LANGS)
def test_the_documents_page_at_its_limit(browser: WebDriver, live_server: str, database_url: str, lang: str, tmp_path: Path) -> None:
    driver = browser
    check = PageChecks(driver, lang)
    who = PERSON_FOR[lang].personal_code
    sign_in_as(driver, live_server, who, lang)
    draft = draft_with_files(database_url, who, MAX_FILES_PER_KIND - 1)
    path = apply_step_path(lang, draft, "documents")
    driver.get(live_server + path)
    wait_for_path(driver, path)
    assert driver.find_elements(By.ID, FIELD)
    check("documents page, four files of five")

    another_tab_adds_one(database_url, who, draft)  # the page above was opened before the fifth came
    sixth = tmp_path / "sestā.pdf"
    sixth.write_bytes(PDF)
    driver.find_element(By.ID, FIELD).send_keys(str(sixth))
    submit(driver, 'button[name="action"]')
    check("documents page, a sixth file", error=True, error_fields=(FIELD,), again=True)

    driver.get(live_server + path)
    wait_for_path(driver, path)
    assert not driver.find_elements(By.ID, FIELD), "a full document offers no field"
    assert len(driver.find_elements(By.CSS_SELECTOR, "main .file-list__item")) == MAX_FILES_PER_KIND
    check("documents page, five files", again=True)
    check.assert_none()

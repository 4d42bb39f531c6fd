"""'Who looked at my data' in a real browser, in both languages (axe, titles, 320 px): a person's list
with its pages, an empty list, and a representative's list of the person he represents; and the
desk's queue with a case the caseworker is part of (listed without a link)."""

from __future__ import annotations

import asyncio

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal import audit
from portal.db import Database
from portal.people import service as people
from portal.timesheets.models import MonthlyReport
from tests.accessibility.conftest import LANGS, sign_in_as, wait_for_path
from tests.accessibility.test_apply import PageChecks
from tests.timesheets.helpers import ANNA, ILZE, JANIS, LIGA, MARTA, grant_and_assign, recorded_and_submitted

pytestmark = pytest.mark.browser


def looked_at(database_url: str) -> int:
    """Grants for Anna and Marta, and the staff's and Ilze's views of them: more of Anna's than fit a page. Marta's id."""
    grants = grant_and_assign(database_url)
    report_id = recorded_and_submitted(database_url, grants.anna_assignment, grants.last_month)

    async def work() -> int:
        db = Database(database_url)
        async with db.session() as session:
            anna, marta, liga, ilze = [await people.person_by_code(session, code) for code in (ANNA, MARTA, LIGA, ILZE)]
            report = await session.get(MonthlyReport, report_id)
            assert report is not None
            month = f"{report.month:%Y-%m}"
            for number in range(55):
                audit.record(session, actor=liga, subject=anna, action=audit.AuditAction.CASE_VIEWED, detail=f"AP-2026-{number + 1:06d}")
            audit.record(session, actor=liga, subject=anna, action=audit.AuditAction.REPORT_VIEWED,
                         detail=f"report {report.id}, {month}, revision 1")
            audit.record(session, actor=ilze, subject=marta, action=audit.AuditAction.MONTH_VIEWED_BY_ASSISTANT, detail=month)
            await audit.record_many(session, actor=liga, action=audit.AuditAction.PAYROLL_EXPORTED, detail=f"{month}: 2 lines",
                                    subjects=[(anna.id, audit.AS_ASSISTED), (marta.id, audit.AS_ASSISTED), (ilze.id, audit.AS_ASSISTANT)])
            marta_id = marta.id
        await db.dispose()
        return marta_id

    return asyncio.run(work())


def go(driver: WebDriver, base: str, path: str) -> None:
    driver.get(base + path)
    wait_for_path(driver, path.split("?")[0])


@pytest.mark.parametrize("lang", LANGS)
def test_who_looked_at_my_data(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    driver = browser
    marta = looked_at(database_url)
    check = PageChecks(driver, lang)
    page = f"/{lang}/my-data/views"
    sign_in_as(driver, live_server, ANNA, lang)
    go(driver, live_server, f"/{lang}/dashboard")
    driver.find_element(By.CSS_SELECTOR, f'main a[href="{page}"]').click()
    wait_for_path(driver, page)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#views tbody tr")) == 50
    check("who looked at my data")
    driver.find_element(By.CSS_SELECTOR, 'main a[rel="next"]').click()
    wait_for_path(driver, page)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#views tbody tr")) == 7
    check("who looked at my data, the next page", again=True)

    driver.delete_all_cookies()
    sign_in_as(driver, live_server, JANIS, lang)
    go(driver, live_server, page)
    assert not driver.find_elements(By.ID, "views")
    check("who looked at my data, no one yet", again=True)
    driver.find_element(By.CSS_SELECTOR, f'main nav.whose a[href="{page}?for={marta}"]').click()
    wait_for_path(driver, page)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#views tbody tr")) == 2
    check("who looked at the data of the person represented")
    check.assert_none()


@pytest.mark.parametrize("lang", LANGS)
def test_the_queue_with_a_case_the_caseworker_is_part_of(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    """Līga represents Anna: Anna's cases are in her queue without a link, with a note who handles them."""
    from tests.accessibility.test_desk import seed_cases
    from tests.casework.test_segregation import liga_represents_anna

    waiting, *_others = seed_cases(database_url)
    liga_represents_anna(database_url)
    check = PageChecks(browser, lang)
    sign_in_as(browser, live_server, LIGA, lang)
    go(browser, live_server, f"/{lang}/desk")
    assert browser.find_elements(By.CSS_SELECTOR, "#cases tbody tr .hint")
    assert not browser.find_elements(By.CSS_SELECTOR, f'main a[href="/{lang}/desk/cases/{waiting}"]')
    check("desk queue with a case the caseworker is part of")
    check.assert_none()

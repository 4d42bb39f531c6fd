"""The control sample of a month with more drawn reports than a page, in a real browser, in both
languages: the first page (its draws, its numbers, the filters, the pagination), the second page
reached by its link, a filter that finds nothing, and a wrong share (axe, titles, focused error
summary, 320 px)."""

from __future__ import annotations

import asyncio

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal import clock, policy
from portal.casework import reports
from portal.db import Database
from portal.people import service as people
from portal.timesheets import service
from portal.timesheets.models import MonthlyReport
from tests.accessibility.conftest import LANGS, sign_in_as, wait_for_path
from tests.accessibility.test_apply import PageChecks
from tests.accessibility.test_apply_details import submit, type_into
from tests.casework.many import LIGA, confirmed_month

pytestmark = pytest.mark.browser


def drawn_and_partly_checked(database_url: str, count: int = 56) -> str:
    """`count` confirmed reports of last month, all drawn, two checked: the month ("2026-11")."""
    month = service.previous_month(service.month_of(clock.today()))
    confirmed_month(database_url, month, count)

    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            liga = await people.person_by_code(session, LIGA)
            riga = await people.municipality_by_code(session, "riga")
            scope = policy.DeskScope(municipality_ids=(riga.id,))
            await reports.draw_samples(session, liga, scope, month, 100)
            page = await reports.sampled_page(session, scope, month, reports.SampleFilter(), size=2)
            for row in page.rows:
                await reports.mark_checked(session, liga, await session.get_one(MonthlyReport, row.report.id), "Pārbaudīts ar grafiku.")
        await db.dispose()

    asyncio.run(work())
    return f"{month:%Y-%m}"


@pytest.mark.parametrize("lang", LANGS)
def test_the_sample_page_by_page(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    driver = browser
    month = drawn_and_partly_checked(database_url)
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, LIGA, lang)
    path = f"/{lang}/desk/sample"
    driver.get(f"{live_server}{path}?month={month}")
    wait_for_path(driver, path)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#sampled tbody tr")) == 50
    check("the sample, first page")
    driver.find_element(By.CSS_SELECTOR, 'nav.pagination a[rel="next"]').click()
    wait_for_path(driver, path)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#sampled tbody tr")) == 6
    assert driver.find_elements(By.CSS_SELECTOR, 'nav.pagination a[rel="prev"]')
    assert "after=" in driver.current_url and f"month={month}" in driver.current_url
    check("the sample, second page", again=True)
    driver.get(f"{live_server}{path}?month={month}&status=checked&kind=child_care")
    wait_for_path(driver, path)
    assert not driver.find_elements(By.ID, "sampled")
    check("the sample, a filter that finds nothing", again=True)
    type_into(driver, "percent", "0")
    submit(driver)
    check("the sample, a wrong share", error=True, error_fields=("percent",), again=True)
    check.assert_none()

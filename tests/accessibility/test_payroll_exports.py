"""The payroll exports in a real browser, in both languages: the list of a month exported and then
corrected (the adjustment's export first), exporting it again with nothing new (the error state), and
the control sample that checked the first revision saying what was confirmed since (axe, titles,
focused error summary, 320 px)."""

from __future__ import annotations

import asyncio

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal import policy
from portal.casework import payroll, reports
from portal.db import Database
from portal.people import service as people
from portal.timesheets.models import MonthlyReport
from tests.accessibility.conftest import LANGS, sign_in_as, wait_for_path
from tests.accessibility.test_apply import PageChecks
from tests.accessibility.test_apply_details import submit
from tests.casework.test_payroll_exports import corrected_to, marta_november
from tests.casework.test_reports import LIGA


def exported_corrected_and_sampled(database_url: str) -> tuple[str, int]:
    """Marta's month exported, drawn and checked at revision 1, then corrected and exported again: the month, the first revision."""
    month, first_revision = marta_november(database_url)

    async def work(sample: bool) -> None:
        db = Database(database_url)
        async with db.session() as session:
            liga = await people.person_by_code(session, LIGA)
            scope = policy.DeskScope(municipality_ids=((await people.municipality_by_code(session, "riga")).id,))
            await payroll.export_month(session, liga, scope, month)
            if sample:
                await reports.draw_samples(session, liga, scope, month, 100)
                page = await reports.sampled_page(session, scope, month, reports.SampleFilter())
                await reports.mark_checked(session, liga, await session.get_one(MonthlyReport, page.rows[0].report.id), "Pārbaudīts ar grafiku.")
        await db.dispose()

    asyncio.run(work(sample=True))
    corrected_to(database_url, first_revision, 10, 5)
    asyncio.run(work(sample=False))  # the adjustment
    return f"{month:%Y-%m}", first_revision


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_the_payroll_exports_and_the_sample_after_a_correction(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    driver = browser
    month, first_revision = exported_corrected_and_sampled(database_url)
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, LIGA, lang)
    path = f"/{lang}/desk/payroll"
    driver.get(f"{live_server}{path}?month={month}")
    wait_for_path(driver, path)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#exports tbody tr")) == 2
    assert driver.find_element(By.CSS_SELECTOR, "#exports tbody tr td:last-child a").get_attribute("href").endswith(".csv")
    check("the payroll exports")
    submit(driver)  # the month again: nothing new to export
    check("the payroll exports, nothing new", error=True, error_fields=("month",), again=True)
    sample = f"/{lang}/desk/sample"
    driver.get(f"{live_server}{sample}?month={month}")
    wait_for_path(driver, sample)
    assert "→" in driver.find_element(By.ID, f"revision-{first_revision}").text
    check("the sample after a correction", again=True)
    check.assert_none()

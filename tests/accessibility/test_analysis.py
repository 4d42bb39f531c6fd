"""The analyst's pages in a real browser, in both languages: the list of surveys with answers waiting to
be added, a survey's results with its first free texts and the link to the rest, the pages of one
free-text question (the first, the next, and a filter that leaves too few), and a survey whose only
answers are waiting (axe, titles, 320 px)."""

from __future__ import annotations

import asyncio
import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal.db import Database
from portal.surveys import service
from portal.surveys.definitions import all_surveys
from tests.accessibility.conftest import LANGS, sign_in_as, wait_until
from tests.accessibility.test_apply import PageChecks
from tests.surveys.test_analysis import PETERIS, RECIPIENTS, seed
from tests.surveys.test_analysis_pages import DAY

pytestmark = pytest.mark.browser

PORTAL = all_surveys()["portal-2026"]


def waiting(database_url: str, count: int) -> None:
    """Visitors' answers to the public survey, held back (fewer than the batch)."""

    async def work() -> None:
        db = Database(database_url)
        for _ in range(count):
            async with db.session() as session:
                await service.submit_public(session, PORTAL, {"ease": "4", "purpose": "apply", "improve": "Labi."}, "lv", DAY)
        await db.dispose()

    asyncio.run(work())


@pytest.mark.parametrize("lang", LANGS)
def test_the_analysts_lists_a_page_at_a_time(browser: WebDriver, live_server: str, database_url: str, lang: str) -> None:
    driver = browser
    seed(database_url, [("lv", {"where": "municipality", "hours_fit": "4", "what_to_change": f"Teksts {number:03d}"}) for number in range(62)]
         + [("ru", {"where": "college", "hours_fit": "3", "what_to_change": "По-русски."})] * 2)
    waiting(database_url, 3)
    check = PageChecks(driver, lang)
    sign_in_as(driver, live_server, PETERIS, lang)

    def visit(path: str, label: str, again: bool = False) -> None:
        driver.get(live_server + path)
        wait_until(driver, lambda d: d.find_elements(By.TAG_NAME, "main"), label)
        check(label, again=again)

    visit(f"/{lang}/analysis", "the surveys, answers waiting")
    visit(f"/{lang}/analysis/{RECIPIENTS.id}", "a survey's results, with more free texts")
    more = driver.find_element(By.CSS_SELECTOR, f'main a[href^="/{lang}/analysis/{RECIPIENTS.id}/free-text/what_to_change"]')
    visit(more.get_attribute("href")[len(live_server):], "a free-text question's answers")  # type: ignore[index]
    assert len(driver.find_elements(By.CSS_SELECTOR, "#answers li")) == 50
    following = driver.find_element(By.CSS_SELECTOR, 'main a[rel="next"]').get_attribute("href") or ""
    visit(following[len(live_server):], "a free-text question's answers, the next page", again=True)
    assert len(driver.find_elements(By.CSS_SELECTOR, "#answers li")) == 64 - 50
    visit(f"/{lang}/analysis/{RECIPIENTS.id}/free-text/what_to_change?language=ru", "a free-text question, too few", again=True)
    assert not driver.find_elements(By.ID, "answers")
    visit(f"/{lang}/analysis/{PORTAL.id}", "a survey whose answers wait")
    assert re.search(r"\b3\b", driver.find_element(By.ID, "held").text)
    check.assert_none()

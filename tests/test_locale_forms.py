"""No page and no notice prints a date, a month or a percentage in a form no state text would (issue 15).

Every crawl checks each page's text (tests/crawl.py, locale_slips): the Latvian walk of every demo
person is tests/test_access_walk.py; here each demo person walks the Russian pages, and every notice
the demo and the monthly run queue is read in the language it was written in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from portal.app import create_app
from portal.db import Database
from portal.notifications.models import OutboxMessage
from portal.notifications.sms import sms_sender
from portal.settings import Settings
from portal.timesheets.reminders import notify
from tests.client import TestClient
from tests.conftest import sign_in
from tests.crawl import DEMO_PEOPLE, crawl, locale_slips
from tests.demo_seed import seed_demo


@pytest.fixture
def walker(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as client:
        yield client


def test_the_russian_pages_and_every_notice_print_dates_and_figures_as_state_texts_do(walker: TestClient, settings: Settings) -> None:
    seed_demo(settings)
    for code in DEMO_PEOPLE:
        walker.cookies.clear()
        sign_in(walker, code, lang="ru")
        pages = crawl(walker, "/ru/dashboard")
        assert sum(page.status == 200 for page in pages.values()) > 1, f"{code}'s Russian walk reached nothing"

    async def notices() -> list[tuple[str, str]]:
        db = Database(settings.database_url)
        try:
            await notify(db, settings, sms_sender(settings.sms_sender))
            async with db.session() as session:
                return [(row.subject, row.body) for row in await session.scalars(select(OutboxMessage))]
        finally:
            await db.dispose()

    queued = asyncio.run(notices())
    assert queued, "the demo queued no notice to read"
    slips = {subject: locale_slips(f"{subject}\n{body}") for subject, body in queued}
    assert not any(slips.values()), {subject: found for subject, found in slips.items() if found}

"""The demo's surveys: the 2026 recipients' survey open to Anna, who has not answered it, and
enough generated answers in both languages to give the results a shape."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from portal import cli
from portal.db import Database
from portal.people.demo import PETERIS
from portal.surveys.models import SurveyResponse
from tests.applications.test_routes import ANNA
from tests.client import TestClient
from tests.conftest import sign_in
from tests.test_cli import env

__all__ = ["env"]


def test_the_demo_survey_is_open_to_anna_with_answers_in_both_languages(env: str, client: TestClient, database_url: str) -> None:
    assert cli.main(["seed-demo"]) == 0

    async def languages() -> list[str]:
        db = Database(database_url)
        async with db.session() as session:
            found = list(await session.scalars(select(SurveyResponse.language)))
        await db.dispose()
        return found

    found = asyncio.run(languages())
    assert len(found) >= 40 and {"lv", "ru"} <= set(found)
    sign_in(client, ANNA)
    assert '/lv/surveys/recipients-2026"' in client.get("/lv/dashboard").text
    assert client.get("/lv/surveys/recipients-2026/1").status_code == 200


def test_the_demo_analyst_sees_results_of_both_surveys(env: str, client: TestClient) -> None:
    """Each demo survey has more answers than the rule of five hides: the analyst's pages show tables, not only "too few"."""
    assert cli.main(["seed-demo"]) == 0
    sign_in(client, PETERIS.personal_code)
    for survey in ("recipients-2026", "portal-2026"):
        page = client.get(f"/lv/analysis/{survey}")
        assert page.status_code == 200
        assert "<table" in page.text, f"{survey}: no results shown"

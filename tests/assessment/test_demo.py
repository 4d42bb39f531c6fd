"""The demo's self-assessments: Anna's submitted one, Ольга's half-done one, and Līga's differing one."""

from __future__ import annotations

import re

from portal import cli
from tests.applications.test_routes import ANNA, OLGA, translated
from tests.assessment.test_routes import ADULTS, answered_text
from tests.casework.test_desk import LIGA, switch_to
from tests.client import TestClient
from tests.conftest import sign_in
from tests.test_cli import env

__all__ = ["env"]  # the fixture that points the CLI at the test database


def test_the_demo_people_find_their_self_assessments(env: str, client: TestClient) -> None:
    assert cli.main(["seed-demo"]) == 0
    sign_in(client, ANNA)
    overview = client.get("/lv/assessment").text
    assert overview.count(translated("lv", "Completed")) == len(ADULTS.sections)
    result_path = re.search(r'href="(/lv/assessment/versions/\d+)"', overview)
    assert result_path
    result = client.get(result_path.group(1)).text
    assert "Pamata atbalsta intensitāte" in result and "80 stundas" in result

    switch_to(client, OLGA)
    overview = client.get("/ru/assessment").text
    assert overview.count(translated("ru", "Completed")) == 2
    assert overview.count(translated("ru", "Not started")) == len(ADULTS.sections) - 2
    assert answered_text("ru", 4, 4) in overview
    assert "В доме нет лифта" in client.get("/ru/assessment/mobility_home/check").text

    switch_to(client, LIGA)
    desk = client.get("/lv/desk?status=all").text
    cases = re.findall(r'href="(/lv/desk/cases/\d+)"', desk)
    compared = [client.get(f"{case}/assessment").text for case in cases]
    differing = [page for page in compared if f"<strong>{translated('lv', 'Different')}</strong>" in page]
    assert len(differing) == 1
    assert differing[0].count(f"<strong>{translated('lv', 'Different')}</strong>") == 2

"""The privacy notice says what is kept of this person's answer: a visitor's and a signed-in person's differ."""

from __future__ import annotations

from portal.surveys.definitions import all_surveys
from tests.applications.test_routes import translated
from tests.client import TestClient
from tests.conftest import sign_in

VISITOR = "Your browser keeps a cookie that says you have answered, so that you are not asked again. We keep nothing that says who you are."
SIGNED_IN = "We keep that you have answered this survey, so that you cannot answer twice. This record holds no answers and no time."


def test_the_public_surveys_notice_fits_whoever_answers(client: TestClient) -> None:
    survey = next(s for s in all_surveys().values() if s.audience == "public")
    page = client.get(f"/lv/surveys/{survey.id}").text
    assert translated("lv", VISITOR) in page and translated("lv", SIGNED_IN) not in page
    sign_in(client, "150385-11001")
    page = client.get(f"/lv/surveys/{survey.id}").text
    assert translated("lv", SIGNED_IN) in page and translated("lv", VISITOR) not in page

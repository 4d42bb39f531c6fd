"""Hostile input to the session's POSTs: "stay signed in" (its `return_to`) and signing out."""

from __future__ import annotations

from typing import Any

import pytest

from tests.applications.test_hostile_input import HOSTILE
from tests.applications.test_routes import ANNA, translated
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.hostile import stored_marks

DASHBOARD = "/lv/dashboard"


@pytest.mark.parametrize(
    "return_to",
    [*HOSTILE, ["/lv/settings", "/lv/settings"], "https://evil.example/lv/", "//evil.example", "/lv/settings\x00", "/lv/sett\ufffdings"],
)
def test_stay_signed_in_goes_back_only_to_our_own_pages(client: TestClient, database_url: str, return_to: Any) -> None:
    sign_in(client, ANNA)
    token = csrf_of(client.get(DASHBOARD).text)
    response = client.post("/lv/session/extend", data={"csrf_token": token, "return_to": return_to})
    assert response.status_code == 303 and response.headers["location"] == DASHBOARD
    assert stored_marks(database_url) == []


def test_stay_signed_in_with_a_file_or_a_body_that_is_not_utf8(client: TestClient) -> None:
    sign_in(client, ANNA)
    token = csrf_of(client.get(DASHBOARD).text)
    response = client.post("/lv/session/extend", data={"csrf_token": token}, files={"return_to": ("x", b"/lv/settings", "text/plain")})
    assert response.status_code == 303 and response.headers["location"] == DASHBOARD
    response = client.post(
        "/lv/session/extend",
        content=b"return_to=%2Flv%2Fsettings%C3%28&csrf_token=" + token.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert translated("lv", "The form could not be read") in response.text


def test_signing_out_reads_nothing_but_the_token(client: TestClient) -> None:
    sign_in(client, ANNA)
    token = csrf_of(client.get(DASHBOARD).text)
    response = client.post("/lv/sign-out", data={"csrf_token": token, "return_to": "\x00" * 3, "next": "x" * 20_000})
    assert response.status_code == 303
    assert client.get(DASHBOARD).status_code in (302, 303)  # signed out

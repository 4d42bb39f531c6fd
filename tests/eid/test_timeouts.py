"""Idle and absolute timeouts, with a clock the tests move (the session's own timestamps)."""

from __future__ import annotations

import time
from unittest import mock

from portal.settings import Settings
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in


def later(seconds: float) -> mock._patch:  # type: ignore[type-arg]
    real = time.time
    return mock.patch("portal.eid.session.time.time", lambda: real() + seconds)


def test_activity_within_the_idle_timeout_keeps_the_session(client: TestClient, settings: Settings) -> None:
    sign_in(client, "150385-11001")
    with later(settings.idle_timeout_seconds - 60):
        assert client.get("/lv/dashboard").status_code == 200


def test_after_the_idle_timeout_the_next_request_explains_and_brings_back(client: TestClient, settings: Settings) -> None:
    sign_in(client, "150385-11001")
    with later(settings.idle_timeout_seconds + 1):
        response = client.get("/lv/settings?x=1")
    assert response.status_code == 303
    assert response.headers["location"] == "/lv/session-ended?reason=idle&next=%2Flv%2Fsettings%3Fx%3D1"
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert "/lv/sign-in?next=%2Flv%2Fsettings%3Fx%3D1" in page.text.replace("&amp;", "&")
    assert "Iziet" not in page.text
    # Signing in again returns to that page.
    assert sign_in(client, "150385-11001", next_page="/lv/settings?x=1").headers["location"] == "/lv/settings?x=1"


def test_the_absolute_timeout_ends_even_an_active_session(client: TestClient, settings: Settings) -> None:
    sign_in(client, "150385-11001")
    step = settings.idle_timeout_seconds - 60
    elapsed = 0
    while elapsed + step < settings.absolute_timeout_seconds:
        elapsed += step
        with later(elapsed):
            assert client.get("/lv/dashboard").status_code == 200
    with later(settings.absolute_timeout_seconds + 1):
        response = client.get("/lv/dashboard")
    assert response.status_code == 303
    assert "reason=absolute" in response.headers["location"]


def test_stay_signed_in_extends_the_session_without_javascript(client: TestClient, settings: Settings) -> None:
    sign_in(client, "150385-11001")
    token = csrf_of(client.get("/lv/dashboard").text)
    with later(settings.idle_timeout_seconds - 30):
        response = client.post("/lv/session/extend", data={"csrf_token": token, "return_to": "/lv/settings"})
        assert response.status_code == 303 and response.headers["location"] == "/lv/settings"
    with later(2 * settings.idle_timeout_seconds - 60):
        assert client.get("/lv/dashboard").status_code == 200


def test_stay_signed_in_from_the_dialog_answers_no_content(client: TestClient) -> None:
    sign_in(client, "150385-11001")
    token = csrf_of(client.get("/lv/dashboard").text)
    response = client.post("/lv/session/extend", data={"csrf_token": token}, headers={"X-Requested-With": "fetch"})
    assert response.status_code == 204


def test_signed_in_pages_carry_the_timeout_dialog(client: TestClient, settings: Settings) -> None:
    sign_in(client, "150385-11001")
    page = client.get("/lv/dashboard").text
    assert f'data-idle-seconds="{settings.idle_timeout_seconds}"' in page
    assert f'data-warn-seconds="{settings.idle_warning_seconds}"' in page

"""Sessions kept on the server: the cookie holds a token and times, and a person ends their other sessions."""

from __future__ import annotations

import hashlib

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from portal import db as database
from portal.app import SESSION_COOKIE, create_app
from portal.audit import AuditEvent
from portal.eid.models import WebSession
from portal.eid.service import device_of
from portal.settings import Settings
from tests.applications.test_routes import translated
from tests.client import TestClient
from tests.conftest import csrf_of, session_data, sign_in
from tests.timesheets.helpers import ANNA, ILZE

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
PHONE = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36"


def rows(database_url: str, model: type) -> list:  # type: ignore[type-arg]
    engine = create_engine(database.sync_url(database_url))
    with Session(engine) as session:
        found = list(session.scalars(select(model)))
    engine.dispose()
    return found


def cookie_of(client: TestClient, settings: Settings) -> dict[str, object]:
    data = session_data(client.cookies.get(SESSION_COOKIE) or "", settings.secret_key)
    assert data is not None
    return data


def test_the_cookie_holds_a_token_and_times_and_the_server_only_its_hash(client: TestClient, settings: Settings) -> None:
    sign_in(client, ANNA)
    data = cookie_of(client, settings)
    assert set(data) <= {"sid", "csrf", "person_id", "signed_in_at", "last_seen"}
    raw = client.cookies.get(SESSION_COOKIE) or ""
    assert "Bērziņa" not in str(data) and ANNA not in str(data) and raw.count(".") < 4  # no ID token (a JWT) in it
    [row] = rows(settings.database_url, WebSession)
    assert row.id == hashlib.sha256(str(data["sid"]).encode()).hexdigest() != data["sid"]
    assert row.id_token and row.id_token.count(".") == 2 and row.ended_at is None
    # The audit names the session by its row, never by the token.
    [signed_in] = rows(settings.database_url, AuditEvent)
    assert signed_in.session_ref == row.id[:32]


def test_a_person_sees_where_they_are_signed_in_and_ends_the_others(settings: Settings) -> None:
    app = create_app(settings)
    with (TestClient(app, base_url="http://testserver", follow_redirects=False, headers={"user-agent": FIREFOX}) as laptop,
          TestClient(app, base_url="http://testserver", follow_redirects=False, headers={"user-agent": PHONE}) as phone,
          TestClient(app, base_url="http://testserver", follow_redirects=False) as someone_else):
        sign_in(laptop, ANNA)
        sign_in(phone, ANNA)
        sign_in(someone_else, ILZE)
        page = laptop.get("/lv/sessions")
        assert page.status_code == 200
        assert page.text.count('class="summary-list"') == 2  # Anna's two sessions; never Ilze's
        assert translated("lv", "This browser") in page.text and "Chrome, Android" in page.text
        ended = laptop.post("/lv/sessions", data={"csrf_token": csrf_of(page.text)})
        assert ended.status_code == 303 and ended.headers["location"] == "/lv/sessions?ended=1"
        assert laptop.get("/lv/sessions?ended=1").text.count('class="summary-list"') == 1
        # The phone's next request finds its session ended; the laptop and Ilze stay signed in.
        assert phone.get("/lv/dashboard").status_code == 303
        assert laptop.get("/lv/dashboard").status_code == 200
        assert someone_else.get("/ru/sessions").status_code == 200
    events = [(event.action, event.detail) for event in rows(settings.database_url, AuditEvent)]
    assert ("signed_out", "1 other sessions") in events


def test_signing_out_ends_this_session_only(settings: Settings) -> None:
    app = create_app(settings)
    with (TestClient(app, base_url="http://testserver", follow_redirects=False) as one,
          TestClient(app, base_url="http://testserver", follow_redirects=False) as other):
        sign_in(one, ANNA)
        sign_in(other, ANNA)
        page = one.get("/lv/dashboard")
        assert one.post("/lv/sign-out", data={"csrf_token": csrf_of(page.text)}).status_code == 303
        assert one.get("/lv/dashboard").status_code == 303
        assert other.get("/lv/dashboard").status_code == 200
    ended = [row for row in rows(settings.database_url, WebSession) if row.ended_at is not None]
    assert len(ended) == 1 and ended[0].id_token is None  # kept only while it may be needed


def test_the_sessions_page_needs_sign_in_and_its_post_a_token(client: TestClient) -> None:
    assert client.get("/lv/sessions").status_code == 303
    sign_in(client, ANNA)
    assert client.post("/lv/sessions", data={}).status_code == 403


def test_a_browser_is_named_by_what_a_person_recognises() -> None:
    assert device_of(FIREFOX) == "Firefox, Windows"
    assert device_of(PHONE) == "Chrome, Android"
    assert device_of("curl/8.5") == ""

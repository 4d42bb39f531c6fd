"""Contact details in settings: prefilled from the latest application, each address confirmed by a one-time code
(only its hash kept, an expiry, limited attempts), over HTTP with real SMTP."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.app import create_app
from portal.db import Database, utcnow
from portal.people import contacts
from portal.people import service as people
from portal.people.models import Channel, ContactCode, ContactDetails
from portal.settings import Settings
from tests.applications.test_details import complete_adult, error_ids
from tests.applications.test_routes import ANNA
from tests.client import TestClient
from tests.conftest import csrf_of, make_settings, sign_in
from tests.mail import Inbox, body_of, smtp_server
from tests.race import posts_at_once, workers

CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def mail(database_url: str, provider: str) -> Iterator[tuple[Settings, Inbox]]:
    with smtp_server() as (smtp_url, inbox):
        yield make_settings(database_url, provider, smtp_url=smtp_url), inbox


@pytest.fixture
def app_client(mail: tuple[Settings, Inbox]) -> Iterator[TestClient]:
    with TestClient(create_app(mail[0]), base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


def post(client: TestClient, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data={"csrf_token": csrf_of(client.get(path).text), **data})


def in_db(database_url: str, work: Any) -> Any:
    async def run() -> Any:
        db = Database(database_url)
        try:
            async with db.session() as session:
                return await work(session)
        finally:
            await db.dispose()

    return asyncio.run(run())


def test_contact_details_are_prefilled_checked_at_the_field_and_confirmed_by_a_code(
    app_client: TestClient, mail: tuple[Settings, Inbox]
) -> None:
    settings, inbox = mail
    client = app_client
    check = complete_adult(client)  # Anna applies, with her e-mail as the contact
    assert client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(client.get(check).text)}).status_code == 303
    assert inbox.messages == []  # her application's address is not confirmed: nothing is sent there

    settings_page = client.get("/lv/settings").text
    assert 'href="/lv/settings/contact"' in settings_page
    page = client.get("/lv/settings/contact").text
    prefilled = re.search(r'id="email"[^>]*value="([^"]*)"', page)
    assert prefilled and prefilled.group(1)  # from her application's contact answers
    assert 'autocomplete="email"' in page and 'autocomplete="tel"' in page

    response = post(client, "/lv/settings/contact", {"email": "nav-adrese", "phone": "67123456", "channel": "sms", "language": "lv"})
    assert response.status_code == 422
    assert error_ids(response.text) == ["email", "phone"]  # not an address; a landline takes no text messages
    response = post(client, "/lv/settings/contact", {"email": "", "phone": "", "channel": "eaddress", "language": "ru"})
    assert response.status_code == 422 and error_ids(response.text) == ["eaddress"]
    assert in_db(settings.database_url, lambda db: db.scalar(select(ContactDetails.id))) is None  # nothing half-written

    response = post(client, "/lv/settings/contact", {"email": "anna.b@example.lv", "phone": "", "channel": "email", "language": "lv"})
    assert response.status_code == 303 and response.headers["location"] == "/lv/settings/contact/confirm/email"
    [sent] = inbox.messages
    assert sent["To"] == "anna.b@example.lv"
    found = CODE.search(body_of(sent))
    assert found
    code = found.group(1)
    stored = in_db(settings.database_url, lambda db: db.scalar(select(ContactCode)))
    assert code not in (stored.code_hash, stored.salt)  # only a hash of it

    confirm = "/lv/settings/contact/confirm/email"
    wrong = "000000" if code != "000000" else "111111"
    response = post(client, confirm, {"code": wrong})
    assert response.status_code == 422 and error_ids(response.text) == ["code"]
    response = post(client, confirm, {"code": ""})
    assert response.status_code == 422 and error_ids(response.text) == ["code"]
    response = post(client, confirm, {"code": code})
    assert response.status_code == 303 and response.headers["location"] == "/lv/settings?confirmed=1"
    assert client.get(confirm).headers["location"] == "/lv/settings"  # nothing left to confirm
    assert "tag--green" in client.get("/lv/settings?confirmed=1").text

    # A changed address is unconfirmed again, and gets a code of its own.
    response = post(client, "/lv/settings/contact", {"email": "anna@example.lv", "phone": "", "channel": "email", "language": "lv"})
    assert response.headers["location"] == "/lv/settings/contact/confirm/email"
    assert [m["To"] for m in inbox.messages][-1] == "anna@example.lv"
    assert "tag--yellow" in client.get("/lv/settings").text


def test_a_code_expires_and_holds_for_a_few_attempts_only(database_url: str) -> None:
    async def work(db: AsyncSession) -> None:
        anna = await people.ensure_person(db, ANNA, "Anna", "Bērziņa")
        now = utcnow()
        await contacts.save(db, anna, email="anna@example.lv", phone="", eaddress=False, channel=Channel.EMAIL, language="lv",
                            now=now)
        row = await db.scalar(select(ContactCode))
        assert row is not None
        # The code is unknown here (only its hash is kept): a new one, of our choosing, under the same rules.
        row.salt = "00" * 16
        row.code_hash = contacts._hash("123456", row.salt)
        for attempt in range(1, contacts.MAX_ATTEMPTS):
            assert await contacts.confirm(db, anna, Channel.EMAIL, "654321", now=now) is contacts.CodeOutcome.WRONG, attempt
        assert await contacts.confirm(db, anna, Channel.EMAIL, "654321", now=now) is contacts.CodeOutcome.TOO_MANY
        assert await contacts.confirm(db, anna, Channel.EMAIL, "123456", now=now) is contacts.CodeOutcome.TOO_MANY
        with pytest.raises(contacts.TooSoon):
            await contacts.send_code(db, anna, Channel.EMAIL, now=now + timedelta(seconds=10))
        await contacts.send_code(db, anna, Channel.EMAIL, now=now + contacts.RESEND_AFTER)
        row = await db.scalar(select(ContactCode))
        assert row is not None and row.attempts == 0
        row.code_hash = contacts._hash("123456", row.salt)
        late = now + contacts.RESEND_AFTER + contacts.CODE_VALID
        assert await contacts.confirm(db, anna, Channel.EMAIL, "123456", now=late) is contacts.CodeOutcome.EXPIRED
        assert (await contacts.reach_of(db, anna)).channel is None  # unconfirmed: not used for notices
        assert await contacts.confirm(db, anna, Channel.EMAIL, "123456", now=late - timedelta(seconds=1)) is contacts.CodeOutcome.CONFIRMED
        reach = await contacts.reach_of(db, anna)
        assert (reach.channel, reach.address) == (Channel.EMAIL, "anna@example.lv")

    in_db(database_url, work)


def test_two_first_saves_and_two_wrong_codes_at_once(app_client: TestClient, mail: tuple[Settings, Inbox]) -> None:
    """Two tabs: the first saves both succeed (one row, the later one's address); two wrong codes both count."""
    settings, _inbox = mail
    sign_in(app_client, ANNA)
    token = csrf_of(app_client.get("/lv/settings/contact").text)
    with workers(settings, app_client) as (first, second):
        answers = posts_at_once(
            (first, "/lv/settings/contact", {"csrf_token": token, "email": "a1@example.lv", "channel": "email", "language": "lv"}),
            (second, "/lv/settings/contact", {"csrf_token": token, "email": "a2@example.lv", "channel": "email", "language": "lv"}),
        )
        assert [a.status_code for a in answers] == [303, 303], [a.text[:300] for a in answers]
        [details] = in_db(settings.database_url, lambda db: _all(db, ContactDetails))
        [code] = in_db(settings.database_url, lambda db: _all(db, ContactCode))
        assert details.email in ("a1@example.lv", "a2@example.lv") and code.address == details.email  # the code is for it

        confirm = "/lv/settings/contact/confirm/email"
        answers = posts_at_once((first, confirm, {"csrf_token": token, "code": "x"}), (second, confirm, {"csrf_token": token, "code": "y"}))
        assert [a.status_code for a in answers] == [422, 422]
    [code] = in_db(settings.database_url, lambda db: _all(db, ContactCode))
    assert code.attempts == 2


async def _all(db: AsyncSession, model: type) -> list[Any]:
    return list(await db.scalars(select(model)))

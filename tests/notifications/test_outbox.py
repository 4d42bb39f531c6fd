"""The outbox: queued with the change, delivered over real SMTP, kept when SMTP fails."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.db import Database, utcnow
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.notifications.service import (
    CLAIM_LEASE,
    MAX_ATTEMPTS,
    claim_next,
    deliver_pending,
    mark_failed,
    mark_sent,
    masked,
    queue_email,
)
from tests.conftest import engine_for
from tests.mail import body_of, free_port, smtp_server
from tests.notifications.servers import SlowInbox, smtp_server_with

SENDER = "Portāls <portal@asistents.example.lv>"


def outbox_rows(database_url: str) -> list[OutboxMessage]:
    with Session(engine_for(database_url)) as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_queued_message_is_sent_once(database_url: str) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            queue_email(session, "anna@example.lv", "Pieteikums saņemts", "Jūsu pieteikums AP-2026-000001.")
        with smtp_server() as (url, inbox):
            assert await deliver_pending(db, url, "portal@example.lv") == 1
            assert await deliver_pending(db, url, "portal@example.lv") == 0
        assert len(inbox.messages) == 1
        message = inbox.messages[0]
        assert message["To"] == "anna@example.lv" and message["Subject"] == "Pieteikums saņemts"
        assert "AP-2026-000001" in body_of(message)
        await db.dispose()

    asyncio.run(work())
    [row] = outbox_rows(database_url)
    assert row.status is OutboxStatus.SENT and row.sent_at is not None and row.attempts == 1 and row.claim_token is None


def test_a_message_that_cannot_be_sent_waits_for_its_next_attempt(database_url: str) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            queue_email(session, "anna@example.lv", "Subject", "Body")
        nobody_listens = f"smtp://127.0.0.1:{free_port()}"
        now = utcnow()
        assert await deliver_pending(db, nobody_listens, "portal@example.lv", now=now) == 0
        [message] = outbox_rows(database_url)
        assert message.status is OutboxStatus.PENDING and message.sent_at is None and message.attempts == 1
        assert message.last_error.startswith("ConnectionRefusedError")
        assert message.next_attempt_at == now + timedelta(minutes=1)
        with smtp_server() as (url, inbox):
            assert await deliver_pending(db, url, "portal@example.lv", now=now + timedelta(seconds=59)) == 0
            assert inbox.messages == []
            assert await deliver_pending(db, url, "portal@example.lv", now=now + timedelta(minutes=1)) == 1
        assert len(inbox.messages) == 1
        await db.dispose()

    asyncio.run(work())


def test_every_attempt_carries_the_same_message_id(database_url: str) -> None:
    """The server saw the first attempt and refused it (451); the second, accepted, is recognisably the same message."""

    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            queue_email(session, "anna@example.lv", "Subject", "Body")
            queue_email(session, "juris@example.lv", "Subject", "Body")
        inbox = SlowInbox(refuse_first=1)
        with smtp_server_with(inbox) as url:
            now = utcnow()
            assert await deliver_pending(db, url, SENDER, now=now) == 1
            assert await deliver_pending(db, url, SENDER, now=now + timedelta(minutes=1)) == 1
        first, second = outbox_rows(database_url)
        assert (first.attempts, second.attempts) == (2, 1)
        assert "451" in first.last_error
        expected = f"<outbox-{first.id}-{first.delivery_key}@asistents.example.lv>"
        assert inbox.refused == [expected]
        assert [m["Message-ID"] for m in inbox.messages] == [f"<outbox-{second.id}-{second.delivery_key}@asistents.example.lv>", expected]
        assert first.delivery_key != second.delivery_key and len(first.delivery_key) == 16
        await db.dispose()

    asyncio.run(work())


def test_an_abandoned_claim_is_claimed_again_after_its_lease(database_url: str) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            queue_email(session, "anna@example.lv", "Subject", "Body")
        now = utcnow()
        first = await claim_next(db, ["email"], now)
        assert first is not None and first.attempts == 1
        assert await claim_next(db, ["email"], now + CLAIM_LEASE - timedelta(seconds=1)) is None
        again = await claim_next(db, ["email"], now + CLAIM_LEASE)
        assert again is not None and again.id == first.id and again.attempts == 2 and again.token != first.token

        # The first worker wakes up: its failure does not overwrite the claim that is running now.
        await mark_failed(db, first, "OSError: late", now + CLAIM_LEASE)
        [row] = outbox_rows(database_url)
        assert row.status is OutboxStatus.SENDING and row.claim_token == again.token and row.last_error == ""
        # But what was sent is sent, whichever claim sent it.
        await mark_sent(db, first, now + CLAIM_LEASE)
        [row] = outbox_rows(database_url)
        assert row.status is OutboxStatus.SENT and row.claim_token is None
        await db.dispose()

    asyncio.run(work())


def test_a_last_attempt_that_was_abandoned_makes_a_dead_letter(database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            queue_email(session, "anna@example.lv", "Subject", "Body")
            queue_email(session, "juris@example.lv", "Subject", "Body")
        with engine_for(database_url).begin() as connection:
            connection.execute(OutboxMessage.__table__.update().values(attempts=MAX_ATTEMPTS - 1))
        now = utcnow()
        claim = await claim_next(db, ["email"], now)
        assert claim is not None and claim.attempts == MAX_ATTEMPTS
        with engine_for(database_url).begin() as connection:  # the other one is due when the lease runs out
            table = OutboxMessage.__table__
            connection.execute(table.update().where(table.c.id != claim.id).values(next_attempt_at=now + CLAIM_LEASE))
        # The worker dies. After the lease the message is not tried a 13th time; the next one is claimed instead.
        after = await claim_next(db, ["email"], now + CLAIM_LEASE)
        assert after is not None and after.id != claim.id
        dead, sending = outbox_rows(database_url)
        assert dead.status is OutboxStatus.DEAD and "abandoned" in dead.last_error
        assert sending.status is OutboxStatus.SENDING
        await db.dispose()

    with caplog.at_level(logging.ERROR, logger="portal.notifications.service"):
        asyncio.run(work())
    assert [r.levelno for r in caplog.records if "dead letter" in r.getMessage()] == [logging.ERROR]


def test_addresses_are_masked_in_listings() -> None:
    assert masked("anna.berzina@example.lv") == "an***@example.lv"
    assert masked("+371 20000001") == "*********0001"

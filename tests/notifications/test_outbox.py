"""The outbox: queued with the change, delivered over real SMTP, kept when SMTP fails."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from portal.db import Database
from portal.notifications.models import OutboxMessage
from portal.notifications.service import deliver_pending, queue_email
from tests.mail import body_of, free_port, smtp_server


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


def test_a_message_that_cannot_be_sent_waits_for_the_next_run(database_url: str) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            queue_email(session, "anna@example.lv", "Subject", "Body")
        nobody_listens = f"smtp://127.0.0.1:{free_port()}"
        assert await deliver_pending(db, nobody_listens, "portal@example.lv") == 0
        async with db.session() as session:
            message = await session.scalar(select(OutboxMessage))
            assert message is not None and message.sent_at is None and message.attempts == 1 and message.last_error
        with smtp_server() as (url, inbox):
            assert await deliver_pending(db, url, "portal@example.lv") == 1
        assert len(inbox.messages) == 1
        await db.dispose()

    asyncio.run(work())

"""Delivery that neither duplicates nor forgets: a worker killed mid-batch, SMTP down for a day, a server
that never answers, two workers at once. Real SMTP servers (aiosmtpd) and a real worker process."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from portal import cli
from portal.db import Database, utcnow
from portal.notifications.models import OutboxStatus
from portal.notifications.service import CLAIM_LEASE, MAX_ATTEMPTS, deliver_pending, queue_email
from tests.conftest import engine_for
from tests.mail import free_port, smtp_server
from tests.notifications.servers import SlowInbox, silent_server, smtp_server_with
from tests.notifications.test_outbox import outbox_rows

ROOT = Path(__file__).resolve().parents[2]
MAIL_FROM = "portal@asistents.example.lv"


async def queue(database_url: str, count: int) -> None:
    db = Database(database_url)
    try:
        async with db.session() as session:
            for n in range(count):
                queue_email(session, f"person{n}@example.lv", f"Message {n}", f"Body {n}")
    finally:
        await db.dispose()


def message_ids(database_url: str) -> dict[int, str]:
    return {row.id: f"<outbox-{row.id}-{row.delivery_key}@asistents.example.lv>" for row in outbox_rows(database_url)}


def start_worker(database_url: str, smtp_url: str) -> subprocess.Popen[bytes]:
    """`portal worker --once` in a process of its own, against the same database."""
    env = {**os.environ, "PORTAL_DATABASE_URL": database_url, "PORTAL_SECRET_KEY": "worker-test",
           "PORTAL_SMTP_URL": smtp_url, "PORTAL_MAIL_FROM": MAIL_FROM, "PORTAL_SMS_SENDER": "log"}
    return subprocess.Popen([sys.executable, "-m", "portal.cli", "worker", "--once"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(condition: threading.Event | None, until: float, check: object = None) -> None:
    deadline = time.monotonic() + until
    while time.monotonic() < deadline:
        if (condition is not None and condition.is_set()) or (callable(check) and check()):
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


def deliver_again(database_url: str, smtp_url: str, after: timedelta = timedelta(0)) -> int:
    async def run() -> int:
        db = Database(database_url)
        try:
            return await deliver_pending(db, smtp_url, MAIL_FROM, now=utcnow() + after)
        finally:
            await db.dispose()

    return asyncio.run(run())


# ---------------------------------------------------------------- a worker killed


def test_a_worker_killed_between_the_servers_acceptance_and_its_commit_sends_that_one_again_with_its_message_id(
    database_url: str,
) -> None:
    """The 12th message reaches the server, and the worker is killed (SIGKILL) before it hears the reply."""
    asyncio.run(queue(database_url, 30))
    ids = message_ids(database_url)
    inbox = SlowInbox(delay=0.01, hold_at=12)
    with smtp_server_with(inbox) as url:
        worker = start_worker(database_url, url)
        try:
            wait_for(inbox.holding, until=30)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        inbox.release.set()
        assert worker.returncode == -signal.SIGKILL

        rows = outbox_rows(database_url)
        before = {row.id for row in rows if row.status is OutboxStatus.SENT}
        [in_flight] = [row for row in rows if row.status is OutboxStatus.SENDING]
        assert len(before) == 11 and all(row.status is OutboxStatus.PENDING for row in rows if row.id not in before | {in_flight.id})
        received_before = [str(m["Message-ID"]) for m in inbox.messages]
        assert received_before == [ids[i] for i in sorted(before)] + [ids[in_flight.id]]

        # The rest go at once; the one in flight waits for its lease to run out (the worker might only be slow).
        assert deliver_again(database_url, url) == 18
        assert deliver_again(database_url, url, after=CLAIM_LEASE) == 1
        assert deliver_again(database_url, url, after=CLAIM_LEASE) == 0

    received = Counter(str(m["Message-ID"]) for m in inbox.messages)
    assert set(received) == set(ids.values())  # every message arrived
    assert {mid: n for mid, n in received.items() if n > 1} == {ids[in_flight.id]: 2}  # the one in flight, twice
    assert all(row.status is OutboxStatus.SENT for row in outbox_rows(database_url))
    assert [row.attempts for row in outbox_rows(database_url) if row.id == in_flight.id] == [2]


def test_a_worker_killed_at_any_moment_loses_nothing_and_repeats_at_most_the_one_in_flight(database_url: str) -> None:
    asyncio.run(queue(database_url, 30))
    ids = message_ids(database_url)
    inbox = SlowInbox(delay=0.05)
    with smtp_server_with(inbox) as url:
        worker = start_worker(database_url, url)
        try:
            wait_for(None, until=30, check=lambda: len(inbox.messages) >= 10)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
        assert worker.returncode == -signal.SIGKILL
        received_before = {str(m["Message-ID"]) for m in inbox.messages}
        rows = outbox_rows(database_url)
        sent_before = {ids[row.id] for row in rows if row.status is OutboxStatus.SENT}
        # Sent is committed only after the server took the message: the last one it took may not be, yet.
        assert sent_before <= received_before and len(received_before - sent_before) <= 1 and len(sent_before) < 30
        assert len([row for row in rows if row.status is OutboxStatus.SENDING]) <= 1
        deliver_again(database_url, url)
        deliver_again(database_url, url, after=CLAIM_LEASE)

    received = Counter(str(m["Message-ID"]) for m in inbox.messages)
    assert set(received) == set(ids.values())
    twice = [mid for mid, n in received.items() if n > 1]
    assert len(twice) <= 1 and max(received.values()) <= 2
    assert not set(twice) & sent_before  # committed as sent before the kill: never sent again
    assert all(row.status is OutboxStatus.SENT for row in outbox_rows(database_url))


# ------------------------------------------------------------- SMTP down for a day


MINUTES_BETWEEN_ATTEMPTS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 720]  # then the 12th attempt, the last


def test_with_smtp_down_the_attempts_back_off_then_a_dead_letter_is_listed_and_requeued(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    assert len(MINUTES_BETWEEN_ATTEMPTS) == MAX_ATTEMPTS - 1
    down = f"smtp://127.0.0.1:{free_port()}"
    asyncio.run(queue(database_url, 1))

    async def attempts() -> None:
        db = Database(database_url)
        try:
            now = utcnow()
            for attempt, minutes in enumerate([*MINUTES_BETWEEN_ATTEMPTS, None], start=1):
                assert await deliver_pending(db, down, MAIL_FROM, now=now) == 0
                [row] = outbox_rows(database_url)
                assert row.attempts == attempt and row.last_error.startswith("ConnectionRefusedError")
                if minutes is None:
                    assert row.status is OutboxStatus.DEAD
                    return
                assert row.status is OutboxStatus.PENDING and row.next_attempt_at == now + timedelta(minutes=minutes)
                # Not due yet: not tried.
                assert await deliver_pending(db, down, MAIL_FROM, now=row.next_attempt_at - timedelta(seconds=1)) == 0
                assert outbox_rows(database_url)[0].attempts == attempt
                now = row.next_attempt_at
        finally:
            await db.dispose()

    with caplog.at_level(logging.WARNING, logger="portal.notifications.service"):
        asyncio.run(attempts())
    [row] = outbox_rows(database_url)
    [error] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert error.levelno == logging.ERROR and f"email {row.id} is a dead letter after 12 attempts: ConnectionRefusedError" in error.getMessage()
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == MAX_ATTEMPTS - 1

    for name, value in {"PORTAL_DATABASE_URL": database_url, "PORTAL_SECRET_KEY": "cli-test"}.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    assert cli.main(["outbox"]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("0 pending (0 due now), 0 sending, 0 sent, 1 dead\n")
    assert f"  {row.id}  email  pe***@example.lv  12 attempts  created {row.created_at:%Y-%m-%d %H:%M} UTC  ConnectionRefusedError" in listing

    assert cli.main(["outbox", "--requeue", str(row.id + 1)]) == 2
    assert "not every message given is a dead letter" in capsys.readouterr().err
    assert cli.main(["outbox", "--requeue", str(row.id)]) == 0
    assert capsys.readouterr().out == "1 message(s) requeued\n"
    [row] = outbox_rows(database_url)
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 0)
    assert cli.main(["outbox"]) == 0
    assert capsys.readouterr().out == "1 pending (1 due now), 0 sending, 0 sent, 0 dead\n"

    with smtp_server() as (url, inbox):  # SMTP is back
        assert deliver_again(database_url, url) == 1
    assert [m["Subject"] for m in inbox.messages] == ["Message 0"]
    assert outbox_rows(database_url)[0].status is OutboxStatus.SENT


def test_requeue_all_dead(database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(queue(database_url, 3))
    first, second, _ = outbox_rows(database_url)
    with engine_for(database_url).begin() as connection:
        connection.execute(text("UPDATE outbox_message SET status = 'dead', attempts = 12 WHERE id IN (:a, :b)"),
                           {"a": first.id, "b": second.id})
    for name, value in {"PORTAL_DATABASE_URL": database_url, "PORTAL_SECRET_KEY": "cli-test"}.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["outbox", "--requeue-all-dead"]) == 0
    assert capsys.readouterr().out == "2 message(s) requeued\n"
    assert [(row.status, row.attempts) for row in outbox_rows(database_url)] == [(OutboxStatus.PENDING, 0)] * 3


# ------------------------------------------------------- a server that never answers


def test_a_server_that_never_answers_costs_one_bounded_wait_and_holds_no_lock(database_url: str) -> None:
    asyncio.run(queue(database_url, 1))
    [queued] = outbox_rows(database_url)

    async def work(url: str, accepted: threading.Event) -> None:
        deliverer, other = Database(database_url), Database(database_url)
        try:
            started = time.monotonic()
            delivery = asyncio.create_task(deliver_pending(deliverer, url, MAIL_FROM, smtp_timeout=1.5))
            while not accepted.is_set():
                await asyncio.sleep(0.01)
            # The send is waiting for the greeting. Another transaction writes the very row, at once.
            async with other.session() as session:
                if session.get_bind().dialect.name == "postgresql":
                    await session.execute(text("SET LOCAL lock_timeout = '200ms'"))
                written = time.monotonic()
                await session.execute(text("UPDATE outbox_message SET subject = subject WHERE id = :id"), {"id": queued.id})
            assert time.monotonic() - written < 0.5 and not delivery.done()
            assert await delivery == 0
            assert time.monotonic() - started < 1.5 + 2  # the timeout, and not the default 10 s
        finally:
            await deliverer.dispose()
            await other.dispose()

    with silent_server() as (url, accepted):
        asyncio.run(work(url, accepted))
    [row] = outbox_rows(database_url)
    assert row.status is OutboxStatus.PENDING and row.attempts == 1 and "timed out" in row.last_error


# ----------------------------------------------------------------- two workers at once


def test_two_deliverers_at_once_never_send_one_message_twice(database_url: str) -> None:
    asyncio.run(queue(database_url, 40))
    ids = message_ids(database_url)
    inbox = SlowInbox(delay=0.02)
    barrier = threading.Barrier(2)

    def deliverer(url: str) -> int:
        async def run() -> int:
            db = Database(database_url)  # each its own engine and pool, as two processes would have
            try:
                barrier.wait()
                return await deliver_pending(db, url, MAIL_FROM)
            finally:
                await db.dispose()

        return asyncio.run(run())

    with smtp_server_with(inbox) as url:
        results: list[int] = []
        threads = [threading.Thread(target=lambda: results.append(deliverer(url))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert sorted(Counter(str(m["Message-ID"]) for m in inbox.messages).values()) == [1] * 40
    assert {str(m["Message-ID"]) for m in inbox.messages} == set(ids.values())
    assert sum(results) == 40 and min(results) > 0, results  # both sent, none twice
    assert all(row.status is OutboxStatus.SENT and row.attempts == 1 for row in outbox_rows(database_url))

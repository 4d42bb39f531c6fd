"""Mail servers that misbehave on purpose: a slow one, one that keeps a message but holds back its reply, one that never answers."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from aiosmtpd.controller import Controller

from tests.mail import Inbox, free_port


class SlowInbox(Inbox):
    """Waits `delay` seconds before it takes each message.

    The `hold_at`-th message it keeps and then gives no reply until `release` is set: the server has the
    message, the sender has not heard so (the window in which a killed sender leaves a second copy).
    `refuse_first` messages are answered 451 (try again later) after being seen, not kept.
    """

    def __init__(self, delay: float = 0.0, hold_at: int | None = None, refuse_first: int = 0) -> None:
        super().__init__()
        self.delay = delay
        self.hold_at = hold_at
        self.refuse_first = refuse_first
        self.refused: list[str] = []  # Message-IDs of the refused ones
        self.holding = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        await asyncio.sleep(self.delay)
        if len(self.refused) < self.refuse_first:
            kept = len(self.messages)
            await super().handle_DATA(server, session, envelope)
            self.refused.append(str(self.messages.pop(kept)["Message-ID"]))
            return "451 Try again later"
        reply = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.hold_at:
            self.holding.set()
            while not self.release.is_set():
                await asyncio.sleep(0.01)
        return reply


@contextmanager
def smtp_server_with(inbox: Inbox) -> Iterator[str]:
    """A real SMTP server on loopback with the given handler; yields its smtp:// URL."""
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}"
    finally:
        if isinstance(inbox, SlowInbox):
            inbox.release.set()  # a held handler would keep the server from stopping
        controller.stop()


@contextmanager
def silent_server() -> Iterator[tuple[str, threading.Event]]:
    """Accepts connections and never says a word (no SMTP greeting); yields its URL and an event set at the first accept."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)  # so that the thread sees `stop`
    accepted, stop = threading.Event(), threading.Event()
    connections: list[socket.socket] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connections.append(connection)
            accepted.set()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"smtp://127.0.0.1:{listener.getsockname()[1]}", accepted
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for connection in connections:
            connection.close()

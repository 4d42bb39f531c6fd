"""Text messages: one small interface, so that a real SMS gateway is one class more.

PORTAL_SMS_SENDER names the sender. "log" (the default, and the demo's) only writes the
message to the log; a gateway is added as a class with `send` and a name in SENDERS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)


class SmsError(Exception):
    """The gateway did not take the message; the outbox keeps it for the next run."""


class SmsSender(Protocol):
    def send(self, to: str, text: str) -> None:
        """Send `text` to the phone number `to` (+371 XXXXXXXX), or raise SmsError or OSError."""


class LogSender:
    """Sends nothing: writes the message to the log (the demo, development)."""

    def send(self, to: str, text: str) -> None:
        log.info("SMS to %s: %s", to, text)


SENDERS: dict[str, Callable[[], SmsSender]] = {"log": LogSender}


def sms_sender(name: str) -> SmsSender:
    """The sender PORTAL_SMS_SENDER names."""
    if name not in SENDERS:
        raise ValueError(f"PORTAL_SMS_SENDER: no SMS sender called {name!r} (known: {', '.join(sorted(SENDERS))})")
    return SENDERS[name]()

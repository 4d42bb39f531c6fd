"""The official electronic address (e-adrese): one small interface, so that the state's real service is one class more.

Institutions deliver documents, decisions above all, to a person's e-address once they have activated one
(Official Electronic Address Law). PORTAL_EADDRESS_SENDER names the sender: "log" (the default, and the
demo's and tests') only writes the message to the log; the real service is a class with `send` and a name
in SENDERS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

log = logging.getLogger(__name__)


class EAddressError(Exception):
    """The e-address service did not take the message; the outbox keeps it for the next run."""


Attachment = tuple[str, bytes]  # the name it is delivered under, its content


class EAddressSender(Protocol):
    def send(self, to: str, subject: str, text: str, attachments: Sequence[Attachment] = ()) -> None:
        """Deliver to the e-address `to` (_PRIVATE@<personal code>), with the documents attached (a decision
        is delivered as the document itself), or raise EAddressError or OSError."""


class LogSender:
    """Sends nothing: writes the message to the log (the demo, development, tests)."""

    def send(self, to: str, subject: str, text: str, attachments: Sequence[Attachment] = ()) -> None:
        attached = "".join(f"\n[attached: {name}, {len(content)} bytes]" for name, content in attachments)
        log.info("e-address message to %s: %s\n%s%s", to, subject, text, attached)


SENDERS: dict[str, Callable[[], EAddressSender]] = {"log": LogSender}


def eaddress_sender(name: str) -> EAddressSender:
    """The sender PORTAL_EADDRESS_SENDER names."""
    if name not in SENDERS:
        raise ValueError(f"PORTAL_EADDRESS_SENDER: no e-address sender called {name!r} (known: {', '.join(sorted(SENDERS))})")
    return SENDERS[name]()


def eaddress_of(personal_code: str) -> str:
    """A person's e-address identifier: the e-address of a private person is named by their personal code."""
    return "_PRIVATE@" + personal_code.replace("-", "")

"""The mail relay's TLS is checked: a relay that offers STARTTLS with a certificate nobody vouches for
gets nothing (the attempt fails and is kept), one whose certificate is trusted gets the message over TLS.
A real SMTP server (aiosmtpd with STARTTLS) and a certificate made for the test."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from portal import tls
from portal.notifications.models import OutboxStatus
from tests.mail import Inbox, free_port
from tests.notifications.test_delivery import deliver_again, queue
from tests.notifications.test_outbox import outbox_rows


class TlsInbox(Inbox):
    """Keeps each message with whether its session was encrypted."""

    def __init__(self) -> None:
        super().__init__()
        self.encrypted: list[bool] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.encrypted.append(getattr(session, "ssl", None) is not None)
        return await super().handle_DATA(server, session, envelope)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 that signs itself; (certificate, key) as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail relay of the test")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "relay.pem", directory / "relay.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_file, key_file


@contextmanager
def starttls_relay(cert_file: Path, key_file: Path) -> Iterator[tuple[str, TlsInbox]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox = TlsInbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", inbox
    finally:
        controller.stop()


def test_a_relay_whose_certificate_nobody_vouches_for_gets_nothing_and_the_message_waits(database_url: str, tmp_path: Path) -> None:
    cert_file, key_file = self_signed_certificate(tmp_path)
    asyncio.run(queue(database_url, 1))
    with starttls_relay(cert_file, key_file) as (url, inbox):
        assert deliver_again(database_url, url) == 0
    assert inbox.messages == []
    [row] = outbox_rows(database_url)
    assert row.status == OutboxStatus.PENDING
    assert row.attempts == 1
    assert "CERTIFICATE_VERIFY_FAILED" in (row.last_error or "")


def test_a_relay_with_a_trusted_certificate_gets_the_message_over_tls(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert_file, key_file = self_signed_certificate(tmp_path)
    trusting = ssl.create_default_context(cafile=str(cert_file))
    monkeypatch.setattr(tls, "CLIENT", trusting)
    asyncio.run(queue(database_url, 1))
    with starttls_relay(cert_file, key_file) as (url, inbox):
        assert deliver_again(database_url, url) == 1
    assert inbox.encrypted == [True]
    [row] = outbox_rows(database_url)
    assert row.status == OutboxStatus.SENT


def test_one_context_serves_every_connection() -> None:
    """Made once at start-up; it checks the server's certificate and name."""
    assert tls.CLIENT.verify_mode == ssl.CERT_REQUIRED
    assert tls.CLIENT.check_hostname

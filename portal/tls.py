"""The TLS of every connection the portal opens: to the eID provider, the registers and the mail relay.

One context, made once at start-up and shared (an `ssl.SSLContext` may serve any number of
connections at once). Loading the trusted certificates costs about 25 ms of CPU; httpx paid it for
every client Authlib made, three to five times per sign-in, and smtplib's own default for STARTTLS
checks neither the relay's certificate nor its name.

The trust is httpx's: the file in SSL_CERT_FILE or the directory in SSL_CERT_DIR when set, else certifi's.
"""

from __future__ import annotations

import ssl

import httpx


def client_context(cert_file: str | None = None, key_file: str | None = None) -> ssl.SSLContext:
    """A context that checks the server's certificate and name, presenting `cert_file` (PEM) when given."""
    context = httpx.create_ssl_context()
    if cert_file:
        context.load_cert_chain(cert_file, key_file or None)
    return context


CLIENT = client_context()

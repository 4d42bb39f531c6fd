"""A second eID provider for the sign-in tests: panva's oidc-provider (npm), OpenID-certified, on loopback.

oidc-provider-mock (the demo's provider) puts every claim in the ID token. oidc-provider does what OpenID
Connect Core describes for the code flow: the ID token carries `sub`, and the claims a scope asks for
(`profile`, and `nin` here) come from the UserInfo endpoint only. The portal's sign-in has to work with both.

The Node script is tests/eid/oidc_provider.mjs; the package is in package.json and package-lock.json, installed
by `make test-deps` (`npm ci`).
"""

from __future__ import annotations

import html
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn
from urllib.parse import urljoin

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
PACKAGE = ROOT / "node_modules" / "oidc-provider" / "package.json"
STARTS_WITHIN_SECONDS = 30

CLIENT_ID = "assistant-portal"
CLIENT_SECRET = "test-client-secret"  # tests.conftest.make_settings gives the portal this one
REDIRECT_URI = "http://testserver/auth/callback"

# The two shapes of answer providers give (issue 16). The names are released from UserInfo only.
# (a) `sub` is the personal code, the names in the usual case.
BY_SUB = "150385-11001"
# (b) an opaque `sub`, the personal code in `nin` (11 digits, no dash), the names in capitals, as brokers for
# eParaksts Mobile and Smart-ID send them; one Latvian, one Russian (a new-format code).
BY_NIN = "a6c1e0f2-3b7d-4c59-9e8a-opaque-subject"
BY_NIN_RU = "0b9f7d21-5e4c-4a8b-b1d3-opaque-subject"
ACCOUNTS: dict[str, dict[str, object]] = {
    BY_SUB: {"given_name": "Anna", "family_name": "Bērziņa", "name": "Anna Bērziņa"},
    BY_NIN: {"given_name": "JĀNIS-PĒTERIS", "family_name": "KALNIŅŠ", "name": "JĀNIS-PĒTERIS KALNIŅŠ", "nin": "02079011000"},
    BY_NIN_RU: {"given_name": "ОЛЬГА", "family_name": "ИВАНОВА", "nin": "32867300679"},
}

_FORM = re.compile(r'<form[^>]*\baction="([^"]+)"[^>]*>.*?name="prompt" value="([a-z]+)"', re.DOTALL)


def _missing(what: str) -> NoReturn:
    pytest.fail(f"{what}: the sign-in tests against the certified provider need Node.js and the npm packages (run `make test-deps`)")


@contextmanager
def running_certified_provider(accounts: Mapping[str, Mapping[str, object]] = ACCOUNTS) -> Iterator[str]:
    """Start oidc-provider on a free loopback port; yields its issuer. Stops when the block ends."""
    node = shutil.which("node")
    if node is None:
        _missing("node is not on the PATH")
    if not PACKAGE.is_file():
        _missing(f"oidc-provider is not installed ({PACKAGE} is missing)")
    config = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [REDIRECT_URI],
              "post_logout_redirect_uris": ["http://testserver/lv/signed-out", "http://testserver/ru/signed-out",
                                           "http://testserver/en/signed-out"],
              "accounts": accounts}
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # our own script, no shell
            [str(node), str(SCRIPT)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
            env={**os.environ, "OIDC_TEST_CONFIG": json.dumps(config)},
        )
        assert process.stdout is not None and process.stdin is not None
        try:
            ready, _, _ = select.select([process.stdout], [], [], STARTS_WITHIN_SECONDS)
            issuer = process.stdout.readline().decode().strip() if ready else ""
            if not issuer.startswith("http://127.0.0.1:"):
                errors.seek(0)
                pytest.fail(f"oidc-provider did not start (exit code {process.poll()}):\n{errors.read().decode(errors='replace')}")
            yield issuer
        finally:
            process.stdin.close()  # the script stops when its stdin closes
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def certified_authorizes(authorize_url: str, login: str) -> str:
    """Act as the person at oidc-provider: its login page (any password), then its consent page.

    Returns the URL the provider sends the browser back to (the portal's callback).
    """
    provider = f"{httpx.URL(authorize_url).scheme}://{httpx.URL(authorize_url).netloc.decode()}"
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        response = browser.get(authorize_url)
        prompts: list[str] = []
        for _ in range(12):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if not location.startswith(provider + "/"):
                    assert prompts == ["login", "consent"], prompts  # the person went through both pages
                    return location
                response = browser.get(location)
                continue
            assert response.status_code == 200, response.text
            form = _FORM.search(response.text)
            assert form, response.text
            action, prompt = urljoin(str(response.url), html.unescape(form.group(1))), form.group(2)
            prompts.append(prompt)
            data = {"prompt": "login", "login": login, "password": "any"} if prompt == "login" else {"prompt": prompt}
            response = browser.post(action, data=data)
    raise AssertionError(f"oidc-provider never sent the browser back: {prompts}")

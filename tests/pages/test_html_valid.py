"""Every page is valid HTML by an independent validator: the Nu HTML Checker (vnu.jar from npm)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.conftest import ROOT, csrf_of, set_provider_user, sign_in

VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def collect_pages(client: TestClient, provider: str) -> dict[str, str]:
    pages: dict[str, str] = {}
    for lang in ("lv", "ru"):
        for path in ("/", "/settings", "/accessibility", "/components", "/signed-out", "/session-ended", "/no-such-page"):
            pages[f"{lang}{path}"] = client.get(f"/{lang}{path}").text
        token = csrf_of(pages[f"{lang}/settings"])
        pages[f"{lang}/settings (error)"] = client.post(f"/{lang}/settings", data={"csrf_token": token, "text": "huge"}).text
        pages[f"{lang}/settings (no csrf)"] = client.post(f"/{lang}/settings", data={}).text
    set_provider_user(provider, "malformed", {"given_name": "X"})
    pages["sign-in failed"] = sign_in(client, "malformed").text
    sign_in(client, "150385-11001")
    for lang in ("lv", "ru"):
        pages[f"{lang}/dashboard"] = client.get(f"/{lang}/dashboard").text
        pages[f"{lang}/settings (signed in)"] = client.get(f"/{lang}/settings").text
    return pages


def test_every_page_is_valid_html(client: TestClient, provider: str, tmp_path: Path) -> None:
    if not VNU.exists():
        pytest.fail(f"{VNU} is missing: run `make test` (npm ci installs the Nu HTML Checker)")
    pages = collect_pages(client, provider)
    files = {}
    for number, (name, html) in enumerate(pages.items()):
        path = tmp_path / f"page{number}.html"
        path.write_text(html, encoding="utf-8")
        files[str(path)] = name
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--stdout", *files], capture_output=True, text=True, timeout=300
    )
    messages = json.loads(result.stdout or "{}").get("messages", [])
    problems = [
        f"{files.get(m.get('url', '').removeprefix('file:'), m.get('url'))}: line {m.get('lastLine')}: {m['message']}"
        for m in messages
        if m.get("type") == "error" or m.get("subType") == "warning"
    ]
    assert problems == []

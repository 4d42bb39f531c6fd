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


def collect_application_pages(client: TestClient, database_url: str) -> dict[str, str]:
    """The apply journey's pages, the status pages, the answer to a request and the desk, with error states."""
    from tests.applications.test_details import complete_adult, post
    from tests.casework.test_desk import LIGA, make_caseworker, switch_to

    pages: dict[str, str] = {}
    make_caseworker(database_url, LIGA, "riga")
    check = complete_adult(client)
    steps = ("service", "disability-group", "limitations", "details", "contact", "purposes", "frequency", "assistant",
             "documents", "declarations")
    for step in steps:
        path = check.replace("/check", f"/{step}")
        pages[step] = client.get(path).text
        bad_file = {"document-work-or-studies": ("a.pdf", b"not a pdf", "application/pdf")} if step == "documents" else None
        pages[f"{step} (error)"] = post(client, path, {}, files=bad_file).text
    pages["apply start"] = client.get("/lv/apply").text
    pages["for whom"] = client.get("/lv/apply/new").text
    pages["check"] = client.get(check).text
    confirmation = client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(pages["check"])}).headers["location"]
    status = confirmation.removesuffix("/submitted")
    case = "/lv/desk/cases/" + status.rsplit("/", 1)[1]
    pages["confirmation"] = client.get(confirmation).text
    pages["status"] = client.get(status).text
    pages["applications"] = client.get("/lv/applications").text
    pages["withdraw"] = client.get(status + "/withdraw").text
    pages["withdraw (error)"] = post(client, status + "/withdraw", {"reason": "x" * 1001}).text
    switch_to(client, LIGA)
    pages["desk"] = client.get("/ru/desk").text
    pages["case"] = client.get(case).text
    for action in ("request-information", "grant", "refuse", "assign", "note"):
        pages[action] = client.get(f"{case}/{action}").text
        pages[f"{action} (error)"] = post(client, f"{case}/{action}", {}).text
    post(client, f"{case}/request-information", {"message": "Lūdzu, atsūtiet līgumu."})
    switch_to(client, "150385-11001")
    pages["respond"] = client.get(status + "/respond").text
    pages["respond (error)"] = post(client, status + "/respond", {}).text
    return pages


def assert_valid(pages: dict[str, str], tmp_path: Path) -> None:
    if not VNU.exists():
        pytest.fail(f"{VNU} is missing: run `make test` (npm ci installs the Nu HTML Checker)")
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


def test_every_page_is_valid_html(client: TestClient, provider: str, tmp_path: Path) -> None:
    assert_valid(collect_pages(client, provider), tmp_path)


def test_every_application_and_desk_page_is_valid_html(client: TestClient, database_url: str, tmp_path: Path) -> None:
    pages = collect_application_pages(client, database_url)
    assert len(pages) == 42 and [name for name, html in pages.items() if "<main" not in html] == []
    assert_valid(pages, tmp_path)

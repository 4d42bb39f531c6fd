"""Deciding a case as the desk does: compose (the grant or refusal page), preview, issue."""

from __future__ import annotations

import re

import httpx

from tests.client import TestClient
from tests.conftest import csrf_of


def draft_of(preview: str) -> str:
    found = re.search(r'name="draft" value="(\d+)"', preview)
    assert found, "the preview offers to issue a draft"
    return found.group(1)


def issue_form(client: TestClient, preview_path: str) -> dict[str, str]:
    """What the preview's "Issue" button sends."""
    preview = client.get(preview_path)
    assert preview.status_code == 200, preview.text[:2000]
    return {"csrf_token": csrf_of(preview.text), "draft": draft_of(preview.text), "checked": "yes"}


def issue(client: TestClient, composed: httpx.Response | str) -> httpx.Response:
    """After the grant or refusal page (its answer, or the preview's path): issue the previewed decision."""
    path = composed if isinstance(composed, str) else composed.headers["location"]
    if not isinstance(composed, str):
        assert composed.status_code == 303 and path.endswith("/decision"), (composed.status_code, path)
    return client.post(path, data=issue_form(client, path))


def decide(client: TestClient, composed: httpx.Response) -> str:
    """Issue, and where the desk lands (the case)."""
    issued = issue(client, composed)
    assert issued.status_code == 303, issued.text[:2000]
    return str(issued.headers["location"])

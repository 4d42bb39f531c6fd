"""Walking the apply journey as a person would, page by page, to count what it asks."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal.app import create_app
from portal.registers.files import DEMO_FIXTURE
from portal.settings import Settings
from tests.applications.test_details import PDF
from tests.client import TestClient
from tests.conftest import csrf_of, make_settings

ANNA, JANIS, MARTA, ILZE, LIGA, OLGA = "150385-11001", "020790-11000", "120215-21007", "110978-11006", "230565-11005", "328673-00679"
ELIGIBILITY = {"service", "disability-group", "limitations", "transport-indication", "disability", "studies-at-school",
               "special-care-opinion", "companion-opinion", "family-works", "assistant-opinion"}
DECLARED = ["truth", "changes", "data"]


def fixture_without(tmp_path: Path, *codes: str, name: str = "registers.json") -> Path:
    """The demo fixture without these people's records in any register."""
    data = json.loads(DEMO_FIXTURE.read_text(encoding="utf-8"))
    for section in ("population", "disability", "education"):
        for code in codes:
            data[section].pop(code, None)
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def demo_fixture_copy(tmp_path: Path, name: str = "registers.json") -> Path:
    path = tmp_path / name
    shutil.copy(DEMO_FIXTURE, path)
    return path


def edit_fixture(path: Path, section: str, code: str, **changes: Any) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data[section][code].update(changes)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def register_settings(database_url: str, provider: str, fixture: Path | None = None, **overrides: Any) -> Settings:
    return make_settings(database_url, provider, register_adapter="file", register_file=str(fixture or DEMO_FIXTURE), **overrides)


@contextmanager
def client_for(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as client:
        yield client


@dataclass
class Walk:
    """What the journey asked: the pages in order, the eligibility questions among them, the documents."""

    pages: list[str] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    check: str = ""

    @property
    def questions(self) -> list[str]:
        return [page for page in self.pages if page in ELIGIBILITY]


STUDY = {
    "service": "study_assistant", "disability-group": "2", "assistant-opinion": "yes",
    "details": {"municipality": "riga", "address": "Maskavas iela 50-12, Rīga, LV-1003", "address-source": "register"},
    "contact": {"method": "email", "email": "olga.ivanova@example.lv"},
    "assistant": {"choice": "find"},
    "declarations": {"declarations": DECLARED},
}


def walk(client: TestClient, first: str, answers: dict[str, Any]) -> Walk:
    """Answer every page from `first` to the check page with `answers` (slug -> the answer or the form's data)."""
    done = Walk()
    path = first
    for _page in range(30):
        slug = path.split("?")[0].rsplit("/", 1)[-1]
        if slug == "check":
            done.check = path
            return done
        done.pages.append(slug)
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        token = csrf_of(page.text)
        files = None
        if slug == "documents":
            fields = re.findall(r'type="file"[^>]*name="([^"]+)"|name="([^"]+)"[^>]*type="file"', page.text)
            names = [a or b for a, b in fields]
            done.documents += names
            files = [(name, (f"{name}.pdf", PDF, "application/pdf")) for name in names]
            data: dict[str, Any] = {}
        else:
            given = answers[slug]
            data = given if isinstance(given, dict) else {"answer": given}
        response = client.post(path, data={"csrf_token": token, **data}, files=files)
        assert response.status_code == 303, (path, response.status_code, response.text[:3000])
        path = response.headers["location"]
    raise AssertionError(f"the journey did not reach the check page: {done.pages}")

"""Every service kind, applied for to the end over HTTP: an adult for themself, a parent for a child,
in Latvian and in Russian; each gets one reference number and reaches the municipality's desk."""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.settings import Settings
from tests.applications.test_details import PDF, post
from tests.applications.test_routes import ANNA, JANIS, add_parent, start_for
from tests.casework.test_desk import LIGA, make_caseworker, switch_to
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in

ANSWERS: dict[str, Any] = {
    "disability-group": "1",
    "limitations": "yes",
    "disability": "yes",
    "studies-at-school": "yes",
    "special-care-opinion": "yes",
    "companion-opinion": "yes",
    "family-works": "yes",
    "assistant-opinion": "yes",
    "school-documents": "upload",
    "details": {"municipality": "riga", "address": "Brīvības iela 1, Rīga"},
    "contact": {"method": "phone", "phone": "20123456"},
    "purposes": {"purposes": ["volunteering"]},
    "frequency": {"frequency-volunteering": "weekly"},
    "school": {"school": "Rīgas 1. pamatskola", "activities": ["moving", "peers"]},
    "assistant": {"choice": "find"},
    "declarations": {"declarations": ["truth", "changes", "data"]},
}


def apply_to_the_end(client: TestClient, first_page: str, kind: str) -> str:
    """Answer whatever page comes next until the check page; returns the check page's address."""
    answers = dict(ANSWERS, service=kind)
    if kind == "child_companion":
        answers["special-care-opinion"] = "no"  # a companion is for a child without special care
    location, seen = first_page, []
    while not location.endswith("/check"):
        step = location.rsplit("/", 1)[1].split("?")[0]
        assert step not in seen, f"{step} asked twice: {seen}"
        seen.append(step)
        if step == "documents":
            fields = sorted(set(re.findall(r'name="(document-[a-z-]+)"', client.get(location).text)))
            assert fields, "a documents page with nothing to upload"
            response = post(client, location, {}, files=[(field, (f"{field}.pdf", PDF, "application/pdf")) for field in fields])
        else:
            value = answers[step]
            response = post(client, location, value if isinstance(value, dict) else {"answer": value})
        assert response.status_code == 303, f"{kind}, {step}: {response.status_code}\n{response.text[:3000]}"
        location = response.headers["location"]
    return location


@pytest.mark.parametrize(
    ("kind", "for_child", "lang"),
    [
        ("adult_assistant", False, "lv"),
        ("study_assistant", False, "ru"),
        ("school_assistant", False, "lv"),  # an adult of group I or II while studying
        ("child_assistant", True, "ru"),
        ("child_companion", True, "lv"),
        ("child_care", True, "ru"),
        ("school_assistant", True, "ru"),
    ],
)
def test_every_kind_can_be_applied_for(client: TestClient, settings: Settings, kind: str, for_child: bool, lang: str) -> None:
    add_parent(settings.database_url)
    make_caseworker(settings.database_url, LIGA, "riga")
    sign_in(client, JANIS if for_child else ANNA, lang=lang)
    who = "self"
    if for_child:
        who = re.findall(r'name="answer" type="radio" value="(\d+)"', client.get(f"/{lang}/apply/new").text)[0]
    service_page = start_for(client, who, lang=lang)
    response = post(client, service_page, {"answer": kind})
    check = apply_to_the_end(client, response.headers["location"], kind)
    page = client.get(check).text
    submitted = client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(page)})
    confirmation = client.get(submitted.headers["location"]).text
    reference = re.search(r"AP-\d{4}-\d{6}", confirmation)
    assert reference, confirmation[:2000]
    switch_to(client, LIGA)
    assert reference.group(0) in client.get("/lv/desk").text

"""Hostile input to every POST of the apply journey and the status pages: never a 500, never stored.

Each field gets NUL, characters that look like digits but are not ASCII ("²", "①", "٣"), a number
too large for any column, a negative number, 20,000 characters, a second value, a file where text
belongs, and nothing at all. A person sees a message at the field (422); the database never holds
NUL or U+FFFD afterwards.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from portal.applications.models import Application
from portal.casework import service as casework
from portal.db import Database
from portal.people import service as people
from tests.applications.test_details import PDF, complete_adult, error_ids, fill, post
from tests.applications.test_routes import ANNA, JANIS, OLGA, add_parent, answer, start_for, translated
from tests.client import TestClient
from tests.conftest import csrf_of, sign_in
from tests.hostile import stored_marks

NUL = "a\x00b"
LONG = "x" * 20_000
LOOK_LIKE_DIGITS = ["²", "①", "٣", "12345678901234567890", "-1"]
BROKEN = ["\x00", NUL, "\ufffd", LONG]  # refused by every field, whatever it is
HOSTILE = BROKEN + LOOK_LIKE_DIGITS

TEXT, CHOICE, BOXES = "text", "choice", "boxes"  # what a field is: free text, radios or a select, checkboxes


def send(client: TestClient, path: str, data: dict[str, Any], files: Any = None) -> Any:
    response = post(client, path, data, files)
    assert response.status_code < 500, f"{path} {str(data)[:200]}: {response.status_code}"
    return response


def attack(client: TestClient, path: str, good: dict[str, Any], fields: dict[str, str]) -> None:
    """Each field in turn gets each hostile value (the others stay good), a second value, a file, nothing."""
    for name, kind in fields.items():
        for hostile in HOSTILE:
            response = send(client, path, good | {name: hostile})
            if hostile in BROKEN or kind != TEXT:
                assert response.status_code == 422, f"{name}={hostile[:20]!r}: {response.status_code}"
                assert name in error_ids(response.text), f"{name}={hostile[:20]!r}: {error_ids(response.text)}"
        if kind != BOXES:  # ticking several boxes is what checkboxes are for
            twice = good[name] if isinstance(good[name], str) else "x"
            response = send(client, path, good | {name: [twice, twice]})
            assert response.status_code == 422 and name in error_ids(response.text), name
        others = {key: value for key, value in good.items() if key != name}
        send(client, path, others, files={name: ("x.txt", b"text", "text/plain")})
        send(client, path, others)


def test_the_for_whom_page(client: TestClient, database_url: str) -> None:
    add_parent(database_url)
    sign_in(client, ANNA)
    attack(client, "/lv/apply/new", {"answer": "self"}, {"answer": CHOICE})
    assert error_ids(send(client, "/lv/apply/new", {}).text) == ["answer"]
    # Marta exists, but Anna does not represent her: an id that reads well is still refused.
    for candidate in ("1", "2", "3", "0", "2147483647", "2147483648"):
        response = send(client, "/lv/apply/new", {"answer": candidate})
        assert response.status_code == 422 and error_ids(response.text) == ["answer"], candidate
    assert stored_marks(database_url) == []


def test_the_questions_and_the_pages_of_an_adults_application(client: TestClient, database_url: str) -> None:
    sign_in(client, ANNA)
    service_page = start_for(client, "self")
    attack(client, service_page, {"answer": "adult_assistant"}, {"answer": CHOICE})
    # A kind the age rules out (Reg. 316) is refused like one not offered.
    assert error_ids(send(client, service_page, {"answer": "child_assistant"}).text) == ["answer"]
    group = answer(client, service_page, "adult_assistant")
    attack(client, group, {"answer": "1"}, {"answer": CHOICE})
    details = answer(client, answer(client, group, "1"), "yes")

    attack(client, details, {"municipality": "riga", "address": "Brīvības iela 1"}, {"municipality": CHOICE, "address": TEXT})
    contact = fill(client, details, {"municipality": "riga", "address": "Brīvības iela 1"})
    attack(client, contact, {"method": "email", "phone": "20123456", "email": "anna@example.lv"},
           {"method": CHOICE, "phone": TEXT, "email": TEXT})
    # A phone number or an e-mail address in digits that are not ASCII is not one.
    for field, typed in (("phone", "2٠١٢٣٤٥٦"), ("email", "anna@example.lv\u0000")):
        response = send(client, contact, {"method": field, field: typed})
        assert response.status_code == 422 and error_ids(response.text) == [field], typed
    purposes = fill(client, contact, {"method": "phone", "phone": "20123456"})
    attack(client, purposes, {"purposes": ["work_study_sport", "other"]}, {"purposes": BOXES})
    frequency = fill(client, purposes, {"purposes": ["work_study_sport", "other"]})
    attack(client, frequency, {"frequency-work-study-sport": "daily", "frequency-other": "weekly"},
           {"frequency-work-study-sport": CHOICE, "frequency-other": CHOICE})
    assistant = fill(client, frequency, {"frequency-work-study-sport": "daily", "frequency-other": "weekly"})
    attack(client, assistant, {"choice": "known", "assistant-name": "Ilze Ozola", "assistant-code": "110978-11006"},
           {"choice": CHOICE, "assistant-name": TEXT, "assistant-code": TEXT})
    for code in ("١١٠٩٧٨-١١٠٠٦", "110978-1100٦", "32١٢٣٤٥٦٧٨٩"):
        response = send(client, assistant, {"choice": "known", "assistant-name": "Ilze Ozola", "assistant-code": code})
        assert response.status_code == 422 and error_ids(response.text) == ["assistant-code"], code
    # What is typed for a preferred assistant does not count when the social service is to find one.
    response = send(client, assistant, {"choice": "find", "assistant-name": NUL, "assistant-code": LONG})
    assert response.status_code == 303
    documents = response.headers["location"]
    assert documents.endswith("/documents")
    declarations = post(client, documents, {}, files={"document-work-or-studies": ("līgums.pdf", PDF, "application/pdf")})
    assert declarations.status_code == 303
    attack(client, declarations.headers["location"], {"declarations": ["truth", "changes", "data"]}, {"declarations": BOXES})
    assert stored_marks(database_url) == []


def test_the_documents_page(client: TestClient, database_url: str) -> None:
    check = complete_adult(client)
    documents = check.replace("/check", "/documents")
    field = "document-work-or-studies"
    # Five names below, and five files are the most one document can have: the one complete_adult added goes.
    page = client.get(documents).text
    remove = re.search(r'action="(/lv/apply/\d+/documents/\d+/remove)"', page)
    assert remove and client.post(remove.group(1), data={"csrf_token": csrf_of(page)}).status_code == 303
    # File names that carry NUL, U+FFFD, paths and 20,000 characters are kept only cleaned.
    for name in ("\x00.pdf", "a\ufffdb.pdf", "..\\..\\x.pdf", "y" * 1000 + ".pdf", "²①٣.pdf"):
        response = send(client, documents, {"action": "upload"}, files={field: (name, PDF, "application/pdf")})
        assert response.status_code == 303, name[:20]
    # A name longer than a multipart header may be: the body is refused whole, nothing is kept.
    response = send(client, documents, {"action": "upload"}, files={field: (LONG + ".pdf", PDF, "application/pdf")})
    assert response.status_code in (400, 403)
    # Two files in a field that takes one, a text where a file belongs, a second "upload" button.
    response = send(client, documents, {}, files=[(field, ("a.pdf", PDF, "application/pdf")), (field, ("b.pdf", PDF, "application/pdf"))])
    assert response.status_code == 422 and error_ids(response.text) == [field]
    for hostile in HOSTILE:
        send(client, documents, {field: hostile, "action": hostile})
    send(client, documents, {"action": ["upload", "upload"]})
    assert stored_marks(database_url) == []
    names = re.findall(r"<span>([^<]*) \(\d+ KB\)</span>", client.get(documents).text)
    assert max(len(name) for name in names) == 255  # the end of a long name, with its extension


def test_a_school_from_the_list_or_typed(client: TestClient, database_url: str) -> None:
    async def add_school() -> None:
        db = Database(database_url)
        async with db.session() as session:
            await people.add_school(session, await people.municipality_by_code(session, "jelgava"), "Jelgavas 4. vidusskola")
        await db.dispose()

    add_parent(database_url)
    asyncio.run(add_school())
    sign_in(client, JANIS)
    marta = re.findall(r'name="answer" type="radio" value="(\d+)"', client.get("/lv/apply/new").text)[0]
    details = answer(client, answer(client, answer(client, start_for(client, marta), "school_assistant"), "yes"), "yes")
    contact = fill(client, details, {"municipality": "jelgava", "address": "Lielā iela 5, Jelgava"})
    school = fill(client, contact, {"method": "post"})
    assert school.endswith("/school")
    listed = re.findall(r'name="school-id" type="radio" value="(\d+)"', client.get(school).text)
    assert len(listed) == 1
    attack(client, school, {"school-id": "other", "school": "Jelgavas 5. vidusskola", "activities": ["moving"]},
           {"school-id": CHOICE, "school": TEXT, "activities": BOXES})
    # A school from the list is that school, whatever was typed in the name field.
    response = send(client, school, {"school-id": listed[0], "school": NUL, "activities": ["moving"]})
    assert response.status_code == 303
    for hostile in ("2147483648", "12345678901234567890", "٣", "-1"):
        response = send(client, school, {"school-id": hostile, "activities": ["moving"]})
        assert response.status_code == 422 and error_ids(response.text) == ["school-id"], hostile
    assert stored_marks(database_url) == []


def submitted(client: TestClient) -> str:
    check = complete_adult(client)
    page = client.get(check).text
    response = client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(page)})
    assert response.status_code == 303
    return str(response.headers["location"]).replace("/submitted", "")


def test_withdrawing(client: TestClient, database_url: str) -> None:
    withdraw = submitted(client) + "/withdraw"
    for hostile in BROKEN:
        response = send(client, withdraw, {"reason": hostile})
        assert response.status_code == 422 and error_ids(response.text) == ["reason"], hostile[:20]
    response = send(client, withdraw, {"reason": ["one", "two"]})
    assert response.status_code == 422 and error_ids(response.text) == ["reason"]
    send(client, withdraw, {}, files={"reason": ("x.txt", b"text", "text/plain")})
    assert stored_marks(database_url) == []
    # Digits that are not ASCII are just text in a reason.
    assert send(client, withdraw, {"reason": "²①٣ -1"}).status_code == 303
    assert "²①٣ -1" in client.get(withdraw.replace("/withdraw", "")).text


def request_information(database_url: str) -> None:
    async def work() -> None:
        db = Database(database_url)
        async with db.session() as session:
            staff = await people.ensure_person(session, OLGA, "Olga", "Ivanova")
            application = await session.scalar(select(Application))
            assert application is not None
            await casework.request_information(session, application, staff, "Lūdzu, atsūtiet darba līgumu.")
        await db.dispose()

    asyncio.run(work())


def test_answering_a_request_for_information(client: TestClient, database_url: str) -> None:
    status = submitted(client)
    request_information(database_url)
    respond = status + "/respond"
    for hostile in BROKEN:
        response = send(client, respond, {"answer": hostile})
        assert response.status_code == 422 and error_ids(response.text) == ["answer"], hostile[:20]
    response = send(client, respond, {"answer": ["one", "two"]})
    assert response.status_code == 422 and error_ids(response.text) == ["answer"]
    response = send(client, respond, {})
    assert response.status_code == 422 and error_ids(response.text) == ["answer"]  # neither a text nor a document
    response = send(client, respond, {"documents": "not a file"})
    assert response.status_code == 422 and error_ids(response.text) == ["answer"]
    response = send(client, respond, {}, files=[("documents", ("\ufffd\x00.pdf", b"plain text", "application/pdf"))])
    assert response.status_code == 422 and error_ids(response.text) == ["documents"]
    assert stored_marks(database_url) == []
    files = [("documents", ("a\ufffd.pdf", PDF, "application/pdf")), ("documents", ("b.pdf", PDF, "application/pdf"))]
    assert send(client, respond, {"answer": "²①٣"}, files=files).status_code == 303
    shown = client.get(status).text
    assert "²①٣" in shown and "b.pdf" in shown and "a.pdf" in shown
    assert stored_marks(database_url) == []


def test_any_text_in_the_details_is_kept_readable_or_refused(client: TestClient, database_url: str) -> None:
    sign_in(client, ANNA)
    details = answer(client, answer(client, answer(client, start_for(client, "self"), "adult_assistant"), "1"), "yes")
    contact = details.replace("/details", "/contact")

    @settings(max_examples=25, deadline=None)
    @given(address=st.text(max_size=40), phone=st.text(max_size=20))
    def typed(address: str, phone: str) -> None:
        assert send(client, details, {"municipality": "riga", "address": address}).status_code in (303, 422)
        assert send(client, contact, {"method": "phone", "phone": phone}).status_code in (303, 422)
        assert stored_marks(database_url) == []

    typed()


@pytest.mark.parametrize(("lang", "prefix"), [("lv", "/lv"), ("ru", "/ru")])
def test_a_body_that_is_not_utf8_is_answered_with_the_400_page(client: TestClient, database_url: str, lang: str, prefix: str) -> None:
    sign_in(client, ANNA, lang=lang)
    token = csrf_of(client.get(f"{prefix}/apply/new").text)
    response = client.post(
        f"{prefix}/apply/new",
        content=b"answer=%C3%28&csrf_token=" + token.encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 400
    assert translated(lang, "The form could not be read") in response.text
    # The same inside a multipart body (a text part that is not UTF-8).
    details = answer(client, answer(client, answer(client, start_for(client, "self", lang), "adult_assistant"), "1"), "yes")
    boundary = "hostileboundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="address"\r\n\r\n'
    ).encode() + b"\xc3\x28\r\n" + f"--{boundary}--\r\n".encode()
    response = client.post(details, content=body, headers={"content-type": f"multipart/form-data; boundary={boundary}"})
    assert response.status_code == 400
    assert translated(lang, "The form could not be read") in response.text
    assert stored_marks(database_url) == []


def test_ids_past_an_integer_column_are_not_found(client: TestClient) -> None:
    sign_in(client, ANNA)
    token = csrf_of(client.get("/lv/apply/new").text)
    huge = "99999999999999999999"
    for path in (f"/lv/apply/{huge}/details", f"/lv/apply/{huge}/documents/{huge}/remove", f"/lv/applications/{huge}/withdraw",
                 f"/lv/applications/{huge}/respond", "/lv/apply/2147483648/submit"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path

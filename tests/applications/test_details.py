"""The apply journey after the eligibility questions, over HTTP: details, contact, purposes,
the school, the preferred assistant, documents, declarations, check, submit, status, withdraw."""

from __future__ import annotations

import re
from typing import Any

import pytest

from portal.settings import Settings
from tests.applications.test_routes import (
    ANNA,
    JANIS,
    MARTA,
    OLGA,
    add_parent,
    answer,
    start_for,
    translated,
)
from tests.client import TestClient
from tests.conftest import csrf_of, make_settings, sign_in
from tests.contacts import give_contact
from tests.mail import body_of, smtp_server

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NOT_A_PDF = b"This is plain text, whatever the name says."


def post(client: TestClient, path: str, data: dict[str, Any], files: Any = None) -> Any:
    token = csrf_of(client.get(path).text)
    return client.post(path, data={"csrf_token": token, **data}, files=files)


def fill(client: TestClient, path: str, data: dict[str, Any]) -> str:
    response = post(client, path, data)
    assert response.status_code == 303, response.text[:2000]
    return str(response.headers["location"])


def error_ids(html: str) -> list[str]:
    summary = html.split('class="error-summary"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'href="#([^"]+)"', summary)


def adult_to_details(client: TestClient) -> str:
    sign_in(client, ANNA)
    group = answer(client, start_for(client, "self"), "adult_assistant")
    return answer(client, answer(client, group, "1"), "yes")


def complete_adult(client: TestClient, email: str = "anna@example.lv") -> str:
    """Anna applies for the adult assistant for work; returns the check page."""
    details = adult_to_details(client)
    contact = fill(client, details, {"municipality": "riga", "address": "Brīvības iela 1-2, Rīga, LV-1010"})
    purposes = fill(client, contact, {"method": "email", "email": email})
    frequency = fill(client, purposes, {"purposes": ["work_study_sport", "other"]})
    assistant = fill(client, frequency, {"frequency-work-study-sport": "daily", "frequency-other": "weekly"})
    documents = fill(client, assistant, {"choice": "known", "assistant-name": "Ilze Ozola", "assistant-code": "110978-11006"})
    assert documents.endswith("/documents")
    response = post(client, documents, {}, files={"document-work-or-studies": ("darba līgums.pdf", PDF, "application/pdf")})
    assert response.status_code == 303
    declarations = response.headers["location"]
    assert declarations.endswith("/declarations")
    check = fill(client, declarations, {"declarations": ["truth", "changes", "data"]})
    assert check.endswith("/check")
    return check


def test_each_detail_page_says_what_is_wrong_at_the_field(client: TestClient) -> None:
    details = adult_to_details(client)
    assert details.endswith("/details")
    page = client.get(details).text
    assert "Anna Bērziņa" in page and "150385-11001" in page  # from eID, shown, not editable
    assert 'name="personal_code"' not in page
    response = post(client, details, {"municipality": "atlantis", "address": "  "})
    assert response.status_code == 422
    assert error_ids(response.text) == ["municipality", "address"]
    assert 'aria-invalid="true"' in response.text

    contact = fill(client, details, {"municipality": "riga", "address": "Brīvības iela 1"})
    response = post(client, contact, {"method": "phone", "phone": "12345", "email": "not-an-address"})
    assert response.status_code == 422
    assert error_ids(response.text) == ["phone", "email"]
    assert 'value="12345"' in response.text  # what was typed stays
    response = post(client, contact, {"method": "email"})
    assert error_ids(response.text) == ["email"]
    assert error_ids(post(client, contact, {}).text) == ["method"]
    purposes = fill(client, contact, {"method": "phone", "phone": "+371 2012 3456"})
    assert "+371 20123456" in client.get(contact).text  # stored normalised

    assert error_ids(post(client, purposes, {"purposes": ["not-a-purpose"]}).text) == ["purposes"]
    frequency = fill(client, purposes, {"purposes": ["volunteering", "day_centre"]})
    response = post(client, frequency, {"frequency-volunteering": "weekly"})
    assert error_ids(response.text) == ["frequency-day-centre"]
    assistant = fill(client, frequency, {"frequency-volunteering": "weekly", "frequency-day-centre": "daily"})

    response = post(client, assistant, {"choice": "known", "assistant-name": "Ilze Ozola", "assistant-code": "110978-11007"})
    assert error_ids(response.text) == ["assistant-code"]  # the check digit is wrong
    assert error_ids(post(client, assistant, {}).text) == ["choice"]
    documents = fill(client, assistant, {"choice": "find"})
    assert documents.endswith("/documents")  # volunteering calls for the contract


def test_a_file_is_judged_by_its_content_and_a_good_one_is_kept_when_another_fails(client: TestClient) -> None:
    details = adult_to_details(client)
    contact = fill(client, details, {"municipality": "riga", "address": "Brīvības iela 1"})
    purposes = fill(client, contact, {"method": "post"})
    frequency = fill(client, purposes, {"purposes": ["work_study_sport", "volunteering"]})
    assistant = fill(client, frequency, {"frequency-work-study-sport": "daily", "frequency-volunteering": "weekly"})
    documents = fill(client, assistant, {"choice": "find"})
    response = post(
        client,
        documents,
        {},
        files=[
            ("document-work-or-studies", ("contract.pdf", NOT_A_PDF, "application/pdf")),  # named .pdf, but text
            ("document-volunteering", ("līgums.png", PNG, "image/png")),
        ],
    )
    assert response.status_code == 422
    assert error_ids(response.text) == ["document-work-or-studies"]
    assert translated("lv", "The selected file must be a PDF, JPG or PNG") in response.text
    assert "līgums.png" in response.text  # the good file survived the other's error
    # Continuing without the missing document says which one is missing.
    response = post(client, documents, {})
    assert response.status_code == 422 and error_ids(response.text) == ["document-work-or-studies"]
    # Too large: more than 10 MB.
    big = b"%PDF-" + b"0" * (10 * 1024 * 1024)
    response = post(client, documents, {}, files={"document-work-or-studies": ("big.pdf", big, "application/pdf")})
    assert response.status_code == 422
    assert translated("lv", "The selected file must be smaller than 10 MB") in response.text
    declarations = post(client, documents, {}, files={"document-work-or-studies": ("x.jpg", b"\xff\xd8\xff\xe0" + b"1" * 50, "image/jpeg")})
    assert declarations.status_code == 303 and declarations.headers["location"].endswith("/declarations")
    # A file can be removed while the application is a draft.
    page = client.get(documents).text
    remove = re.search(r'action="(/lv/apply/\d+/documents/\d+/remove)"', page)
    assert remove
    assert client.post(remove.group(1), data={"csrf_token": csrf_of(page)}).status_code == 303
    assert client.get(documents).text.count("/remove") == 1


def test_declarations_must_all_be_confirmed(client: TestClient) -> None:
    check = complete_adult(client)
    declarations = check.replace("/check", "/declarations")
    response = post(client, declarations, {"declarations": ["truth", "data"]})
    assert response.status_code == 422 and error_ids(response.text) == ["declarations"]


def test_submit_once_gives_a_reference_and_an_email(database_url: str, provider: str) -> None:
    with smtp_server() as (smtp_url, inbox):
        settings = make_settings(database_url, provider, smtp_url=smtp_url)
        from portal.app import create_app

        with TestClient(create_app(settings), base_url="http://testserver", follow_redirects=False) as client:
            give_contact(database_url, ANNA, "Anna", "Bērziņa", email="anna@example.lv")  # confirmed in her settings
            check = complete_adult(client)
            page = client.get(check).text
            for expected in ("Brīvības iela 1-2", "anna@example.lv", "darba līgums.pdf", "Ilze Ozola, 110978-11006"):
                assert expected in page, expected
            assert page.count("?change=1") >= 12
            submit = check.replace("/check", "/submit")
            first = client.post(submit, data={"csrf_token": csrf_of(page)})
            assert first.status_code == 303
            confirmation = first.headers["location"]
            assert re.fullmatch(r"/lv/applications/\d+/submitted", confirmation)
            # The same form again (double click, back button, a second tab): the same application.
            again = client.post(submit, data={"csrf_token": csrf_of(page)})
            assert again.headers["location"] == confirmation
            shown = client.get(confirmation).text
            reference = re.search(r"AP-\d{4}-\d{6}", shown)
            assert reference, shown
            assert client.get(check).headers["location"] == confirmation.replace("/submitted", "")
            listing = client.get("/lv/applications").text
            assert set(re.findall(r"AP-\d{4}-\d{6}", listing)) == {reference.group(0)}
            assert listing.count("application-list__item") == 1
    assert len(inbox.messages) == 1, "one application, one confirmation"
    message = inbox.messages[0]
    assert message["To"] == "anna@example.lv"
    assert reference.group(0) in message["Subject"] and reference.group(0) in body_of(message)
    assert "Rīgas valstspilsēta" in body_of(message)


def test_an_incomplete_draft_cannot_be_submitted(client: TestClient) -> None:
    details = adult_to_details(client)
    page = client.get(details.replace("/details", "/check")).text
    assert "/submit" not in page
    response = client.post(details.replace("/details", "/submit"), data={"csrf_token": csrf_of(page)})
    assert response.headers["location"].endswith("/check")
    assert "AP-" not in client.get("/lv/applications").text


def test_the_status_page_shows_history_and_the_application_can_be_withdrawn(client: TestClient) -> None:
    check = complete_adult(client)
    page = client.get(check).text
    status = client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(page)}).headers["location"].replace("/submitted", "")
    shown = client.get(status).text
    assert translated("lv", "Application sent to the social service") in shown
    assert translated("lv", "Submitted") in shown
    document = re.search(r'href="(/lv/applications/\d+/documents/\d+)"', shown)
    assert document
    download = client.get(document.group(1))
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf" and "attachment" in download.headers["content-disposition"]

    withdraw = status + "/withdraw"
    response = post(client, withdraw, {"reason": "x" * 1001})
    assert response.status_code == 422 and error_ids(response.text) == ["reason"]
    assert fill(client, withdraw, {"reason": "Man vairs nevajag"}) == status
    shown = client.get(status).text
    assert translated("lv", "Withdrawn") in shown and "Man vairs nevajag" in shown
    assert withdraw not in shown
    assert client.get(withdraw).headers["location"] == status


def test_a_school_assistant_with_consent_needs_no_documents(client: TestClient, settings: Settings) -> None:
    add_parent(settings.database_url)
    sign_in(client, JANIS)
    marta = re.findall(r'name="answer" type="radio" value="(\d+)"', client.get("/lv/apply/new").text)[0]
    at_school = answer(client, start_for(client, marta), "school_assistant")
    opinion = answer(client, at_school, "yes")
    details = answer(client, opinion, "yes")
    page = client.get(details).text
    assert "Marta Kalniņa" in page and "120215-21007" in page and "Jānis Kalniņš" in page
    contact = fill(client, details, {"municipality": "jelgava", "address": "Lielā iela 5, Jelgava"})
    school = fill(client, contact, {"method": "phone", "phone": "29 123 456"})
    assert school.endswith("/school")
    assert error_ids(post(client, school, {"school": ""}).text) == ["school", "activities"]
    school_documents = fill(client, school, {"school": "Jelgavas 4. vidusskola", "activities": ["moving", "notes"]})
    assert school_documents.endswith("/school-documents")
    assistant = answer(client, school_documents, "consent")
    declarations = fill(client, assistant, {"choice": "find"})
    assert declarations.endswith("/declarations")  # no documents page
    check = fill(client, declarations, {"declarations": ["truth", "changes", "data"]})
    # Changing to "upload" brings the documents page in, then back to the check page.
    documents = answer(client, school_documents + "?change=1", "upload")
    assert documents.endswith("/documents?change=1")
    response = post(client, documents, {}, files=[
        ("document-irp", ("irp.pdf", PDF, "application/pdf")),
        ("document-vdeavk-recommendation", ("ieteikums.png", PNG, "image/png")),
    ])
    assert response.headers["location"] == check


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_another_persons_application_and_documents_answer_404(client: TestClient, method: str) -> None:
    check = complete_adult(client)
    page = client.get(check).text
    application_id = re.search(r"/apply/(\d+)/", check).group(1)  # type: ignore[union-attr]
    draft_document = re.search(r'/apply/\d+/documents/(\d+)/remove', client.get(check.replace("/check", "/documents")).text)
    assert draft_document
    status = client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(page)}).headers["location"].replace("/submitted", "")
    document = re.search(r'href="(/lv/applications/\d+/documents/\d+)"', client.get(status).text).group(1)  # type: ignore[union-attr]
    client.cookies.clear()
    sign_in(client, OLGA)
    token = csrf_of(client.get("/lv/dashboard").text)
    draft_pages = [f"/lv/apply/{application_id}/details", f"/lv/apply/{application_id}/check"]
    remove = f"/lv/apply/{application_id}/documents/{draft_document.group(1)}/remove"
    paths = {
        "GET": [status, status + "/submitted", status + "/withdraw", document, *draft_pages],
        "POST": [status + "/withdraw", remove, f"/lv/apply/{application_id}/details", f"/lv/apply/{application_id}/submit"],
    }[method]
    for path in paths:
        response = client.request(method, path, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code == 404, f"{method} {path}: {response.status_code}"


def test_marta_sees_the_application_her_father_sent_for_her(client: TestClient, settings: Settings) -> None:
    """A submitted application is the represented person's business too, unlike a draft."""
    add_parent(settings.database_url)
    sign_in(client, JANIS)
    marta = re.findall(r'name="answer" type="radio" value="(\d+)"', client.get("/lv/apply/new").text)[0]
    companion = answer(client, start_for(client, marta), "child_companion")
    opinion = answer(client, answer(client, companion, "yes"), "no")  # disability yes, special care no
    details = answer(client, opinion, "unknown")  # companion opinion: don't know
    contact = fill(client, details, {"municipality": "riga", "address": "Rīga"})
    assistant = fill(client, contact, {"method": "post"})
    check = fill(client, fill(client, assistant, {"choice": "find"}), {"declarations": ["truth", "changes", "data"]})
    page = client.get(check).text
    status = client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(page)}).headers["location"].replace("/submitted", "")
    client.cookies.clear()
    sign_in(client, MARTA)
    assert client.get(status).status_code == 200

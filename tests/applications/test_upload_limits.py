"""Uploads are what they say (issue 13, point 6): five files per document at most, a stored file's
type and name come from its content, and a download is an attachment of that type under that name.

Over HTTP, on the real database and a storage directory of each test's own (so that what is stored
can be compared file by file with the rows): the documents page and the answer to a request for
information, a race of two posts at once (tests/race.py), and the downloads of the person and the desk.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import text

from portal.app import create_app
from portal.applications import documents
from portal.applications.documents import MAX_FILES_PER_KIND, TOO_MANY_FILES, TOO_MANY_FILES_FOR_ANSWER, stored_filename
from portal.applications.uploads import content_disposition
from portal.settings import Settings
from tests.applications.test_details import PDF, PNG, complete_adult, error_ids, fill, post
from tests.applications.test_routes import translated
from tests.casework.test_desk import LIGA, anna_submits, make_caseworker, switch_to
from tests.client import TestClient
from tests.conftest import csrf_of, engine_for, make_settings
from tests.race import at_once, workers

FIELD = "document-work-or-studies"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
ROUNDS = 4


@pytest.fixture
def own_settings(database_url: str, provider: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, provider, upload_dir=str(tmp_path / "uploads"))


@pytest.fixture
def own_client(own_settings: Settings) -> Any:
    with TestClient(create_app(own_settings), base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


def stored(database_url: str, kind: str = "work_or_studies") -> list[dict[str, Any]]:
    with engine_for(database_url).connect() as connection:
        rows = connection.execute(text(
            "SELECT id, filename, content_type, storage_key FROM application_document WHERE kind = :kind ORDER BY id"
        ), {"kind": kind})
        return [dict(row._mapping) for row in rows]


def storage_keys(settings: Settings) -> set[str]:
    """The files in storage: a refused post leaves none behind, a removed document takes its own."""
    root = Path(settings.upload_dir)
    return {path.name for path in root.glob("*/*")} if root.exists() else set()


def assert_storage_matches(settings: Settings) -> None:
    with engine_for(settings.database_url).connect() as connection:
        keys = set(connection.scalars(text("SELECT storage_key FROM application_document")))
    assert storage_keys(settings) == keys


def upload(client: TestClient, documents_page: str, name: str, content: bytes, stay: bool = True) -> Any:
    return post(client, documents_page, {"action": "upload"} if stay else {}, files={FIELD: (name, content, "application/octet-stream")})


def remove_first(client: TestClient, documents_page: str) -> None:
    page = client.get(documents_page).text
    action = re.search(r'action="(/lv/apply/\d+/documents/\d+/remove)"', page)
    assert action, "a file to remove"
    assert client.post(action.group(1), data={"csrf_token": csrf_of(page)}).status_code == 303


# ------------------------------------------------------------------ the count


def test_a_document_takes_five_files_and_a_sixth_is_refused_at_its_field(own_client: TestClient, own_settings: Settings) -> None:
    client, database_url = own_client, own_settings.database_url
    documents_page = complete_adult(client).replace("/check", "/documents")  # one file of the kind already
    for number in range(2, MAX_FILES_PER_KIND + 1):
        assert upload(client, documents_page, f"lapa-{number}.pdf", PDF).status_code == 303
    assert len(stored(database_url)) == MAX_FILES_PER_KIND
    page = client.get(documents_page).text
    assert f'id="{FIELD}"' not in page, "a full document offers no field for another file"
    assert 'name="action"' not in page, "nor a button to upload and stay"
    # The sixth, sent anyway (a page opened before the fifth was added, another tab), by either button.
    for stay in (True, False):
        refused = upload(client, documents_page, "sestā.pdf", PDF, stay)
        assert refused.status_code == 422 and error_ids(refused.text) == [FIELD]
        assert translated("lv", TOO_MANY_FILES) in refused.text
        assert f'id="{FIELD}"' in refused.text and 'aria-invalid="true"' in refused.text  # the message is at the field
    assert [row["filename"] for row in stored(database_url)][-1] == "lapa-5.pdf" and len(stored(database_url)) == MAX_FILES_PER_KIND
    assert_storage_matches(own_settings)
    # Removing one makes room again.
    remove_first(client, documents_page)
    assert f'id="{FIELD}"' in client.get(documents_page).text
    assert upload(client, documents_page, "sestā.pdf", PDF).status_code == 303
    assert len(stored(database_url)) == MAX_FILES_PER_KIND
    assert_storage_matches(own_settings)


def test_two_posts_at_once_cannot_pass_the_limit_together(own_client: TestClient, own_settings: Settings) -> None:
    """Four files, and two tabs each adding one at the same moment: one is kept, the other refused."""
    client, database_url = own_client, own_settings.database_url
    documents_page = complete_adult(client).replace("/check", "/documents")
    for number in range(2, MAX_FILES_PER_KIND):
        assert upload(client, documents_page, f"lapa-{number}.pdf", PDF).status_code == 303
    outcomes = []
    with workers(own_settings, client) as (first, second):
        for round_ in range(ROUNDS):
            assert len(stored(database_url)) == MAX_FILES_PER_KIND - 1
            token = csrf_of(first.get(documents_page).text)
            sends = [partial(tab.post, documents_page, data={"csrf_token": token, "action": "upload"},
                             files={FIELD: (f"{tab_name}-{round_}.pdf", PDF, "application/pdf")})
                     for tab, tab_name in ((first, "a"), (second, "b"))]
            answers = at_once(*sends)
            outcomes.append(sorted(answer.status_code for answer in answers))
            assert len(stored(database_url)) == MAX_FILES_PER_KIND, f"round {round_}: {outcomes[-1]}"
            assert_storage_matches(own_settings)
            remove_first(client, documents_page)
    assert outcomes == [[303, 422]] * ROUNDS


def test_an_answer_takes_five_files_per_request_all_or_none(own_client: TestClient, own_settings: Settings) -> None:
    client, database_url = own_client, own_settings.database_url
    make_caseworker(database_url, LIGA, "riga")
    status, case = anna_submits(client)
    respond = status + "/respond"

    def request_information(message: str) -> None:
        switch_to(client, LIGA)
        if "start-review" in client.get(case).text:
            assert client.post(case + "/start-review", data={"csrf_token": csrf_of(client.get(case).text)}).status_code == 303
        assert fill(client, case + "/request-information", {"message": message}) == case
        switch_to(client, "150385-11001")  # Anna

    def send(count: int, answer: str = "Pievienoju.") -> Any:
        files = [("documents", (f"lapa-{n}.pdf", PDF, "application/pdf")) for n in range(count)]
        return post(client, respond, {"answer": answer}, files=files)

    request_information("Lūdzu, atsūtiet darba līgumu.")
    refused = send(MAX_FILES_PER_KIND + 1)
    assert refused.status_code == 422 and error_ids(refused.text) == ["documents"]
    assert translated("lv", TOO_MANY_FILES_FOR_ANSWER) in refused.text
    assert stored(database_url, "info_response") == [], "none of the six was kept"
    assert_storage_matches(own_settings)
    # Three kept with an answer too long to send, then three more: six for this request, so none of them.
    kept = send(3, "x" * 2001)
    assert kept.status_code == 422 and error_ids(kept.text) == ["answer"] and len(stored(database_url, "info_response")) == 3
    refused = send(3)
    assert refused.status_code == 422 and error_ids(refused.text) == ["documents"]
    assert send(2).status_code == 303 and len(stored(database_url, "info_response")) == MAX_FILES_PER_KIND
    # A second request can be answered with five files of its own.
    request_information("Lūdzu, vēl arī rīkojumu.")
    assert send(MAX_FILES_PER_KIND).status_code == 303 and len(stored(database_url, "info_response")) == 2 * MAX_FILES_PER_KIND
    assert_storage_matches(own_settings)


# ------------------------------------------------------------ type and name


def test_the_type_and_name_come_from_the_content_for_the_person_and_the_desk(own_client: TestClient, own_settings: Settings) -> None:
    client, database_url = own_client, own_settings.database_url
    make_caseworker(database_url, LIGA, "riga")
    documents_page = complete_adult(client).replace("/check", "/documents")  # "darba līgums.pdf"
    for name, content in (("x.html", PDF), ("b.svg", PNG), (".pdf", PDF), ("līgums.html", JPEG)):
        assert upload(client, documents_page, name, content).status_code == 303, name
    expected = {
        "darba līgums.pdf": ("application/pdf", PDF),
        "x.pdf": ("application/pdf", PDF),
        "b.png": ("image/png", PNG),
        "dokuments-4.pdf": ("application/pdf", PDF),  # no name to speak of: the fourth file of the document
        "līgums.jpg": ("image/jpeg", JPEG),
    }
    rows = stored(database_url)
    assert [(row["filename"], row["content_type"]) for row in rows] == [(name, kind) for name, (kind, _content) in expected.items()]
    page = client.get(documents_page).text
    assert "x.html" not in page and "b.svg" not in page and "x.pdf" in page
    status, case = anna_submits_from(client, documents_page)

    def downloads(prefix: str) -> None:
        for row in rows:
            response = client.get(f"{prefix}/documents/{row['id']}")
            content_type, content = expected[row["filename"]]
            assert response.status_code == 200 and response.content == content
            assert response.headers["content-type"] == content_type
            assert response.headers["content-disposition"] == content_disposition(row["filename"])
            assert response.headers["content-disposition"].startswith("attachment; ")
            assert response.headers["x-content-type-options"] == "nosniff"
            assert "sandbox" in response.headers["content-security-policy"]
            assert "no-store" in response.headers["cache-control"]

    downloads(status)
    switch_to(client, LIGA)
    downloads(case)
    headers = client.get(f"{case}/documents/{rows[4]['id']}").headers
    assert headers["content-disposition"] == f"attachment; filename=\"ligums.jpg\"; filename*=UTF-8''{quote('līgums.jpg')}"
    assert client.get(f"{case}/documents/{rows[1]['id']}").headers["content-disposition"] == 'attachment; filename="x.pdf"'


def anna_submits_from(client: TestClient, documents_page: str) -> tuple[str, str]:
    """Anna sends the draft whose documents page this is: her status page and the desk's case page."""
    check = documents_page.replace("/documents", "/check")
    submitted = client.post(check.replace("/check", "/submit"), data={"csrf_token": csrf_of(client.get(check).text)})
    assert submitted.status_code == 303
    status = submitted.headers["location"].replace("/submitted", "")
    return status, f"/lv/desk/cases/{status.rsplit('/', 1)[1]}"


def test_a_file_kept_under_its_old_name_is_served_under_its_type(own_client: TestClient, own_settings: Settings) -> None:
    """A row kept before names followed the content (`x.html`, a PDF) is sent as `x.pdf`, of the type its bytes show."""
    client, database_url = own_client, own_settings.database_url
    documents_page = complete_adult(client).replace("/check", "/documents")
    (row,) = stored(database_url)
    with engine_for(database_url).begin() as connection:
        connection.execute(text("UPDATE application_document SET filename = 'x.html', content_type = 'text/html' WHERE id = :id"),
                           {"id": row["id"]})
    status, _case = anna_submits_from(client, documents_page)
    response = client.get(f"{status}/documents/{row['id']}")
    assert response.status_code == 200 and response.content == PDF
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == 'attachment; filename="x.pdf"'


def test_content_that_is_no_pdf_jpeg_or_png_is_refused_at_the_field(own_client: TestClient, own_settings: Settings) -> None:
    client, database_url = own_client, own_settings.database_url
    documents_page = complete_adult(client).replace("/check", "/documents")
    before = stored(database_url)
    for name, content in (
        ("x.pdf", b"<!doctype html><script>alert(1)</script>%PDF-"),
        ("b.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        ("c.jpg", b"GIF89a" + b"\x00" * 16),
        ("d.pdf", b""),
    ):
        refused = upload(client, documents_page, name, content)
        assert refused.status_code == 422 and error_ids(refused.text) == [FIELD], name
        problem = documents.UploadProblem.EMPTY if not content else documents.UploadProblem.WRONG_TYPE
        assert f"{name}: {translated('lv', documents.UPLOAD_PROBLEM_TEXTS[problem])}" in refused.text
    assert stored(database_url) == before
    assert_storage_matches(own_settings)


# --------------------------------------------------------------- the names


@pytest.mark.parametrize(
    ("sent", "content_type", "kept"),
    [
        ("x.html", "application/pdf", "x.pdf"),
        ("b.svg", "image/png", "b.png"),
        ("scan.JPEG", "image/jpeg", "scan.JPEG"),
        ("scan.jpg", "image/jpeg", "scan.jpg"),
        ("scan.png", "image/jpeg", "scan.jpg"),
        ("līgums", "application/pdf", "līgums.pdf"),
        ("Līgums Nr. 5", "application/pdf", "Līgums Nr. 5.pdf"),  # a dot in the name is no extension
        ("x.tar.gz", "application/pdf", "x.tar.pdf"),
        (".pdf", "application/pdf", "dokuments-3.pdf"),
        ("", "image/png", "dokuments-3.png"),
        ("\x00.pdf", "application/pdf", "dokuments-3.pdf"),
        ("---.pdf", "application/pdf", "dokuments-3.pdf"),
        (".hidden.pdf", "application/pdf", "hidden.pdf"),
        ("C:\\Users\\anna\\x.html", "application/pdf", "x.pdf"),
        ("../../etc/passwd", "image/png", "passwd.png"),
    ],
)
def test_a_stored_name_has_the_extension_of_its_type(sent: str, content_type: str, kept: str) -> None:
    assert stored_filename(sent, content_type, 3) == kept
    assert stored_filename(kept, content_type, 9) == kept  # the served name of a stored one is itself


def test_a_long_name_keeps_its_end_and_its_extension() -> None:
    kept = stored_filename("y" * 1000 + ".html", "application/pdf", 1)
    assert len(kept) == 255 and kept.endswith("y.pdf")


def test_a_non_ascii_name_is_sent_as_rfc_6266_filename_star() -> None:
    assert content_disposition("x.pdf") == 'attachment; filename="x.pdf"'
    assert content_disposition("darba līgums.pdf") == "attachment; filename=\"darba ligums.pdf\"; filename*=UTF-8''darba%20l%C4%ABgums.pdf"
    cyrillic = content_disposition("договор.pdf")
    assert cyrillic == f"attachment; filename=\"_______.pdf\"; filename*=UTF-8''{quote('договор.pdf', safe='')}"
    assert content_disposition("50% atlaide.pdf").startswith('attachment; filename="50_ atlaide.pdf"; filename*=UTF-8')

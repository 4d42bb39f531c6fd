"""Decisions as documents: the desk composes from the template, previews what the person will get, issues
it once; the PDF/A is rendered at issue and kept as issued (its SHA-256), tagged, in Latvian with the
Russian explanation for a person who applied in Russian; the person (and only they) downloads it; the
receipt of an application is a PDF too. The PDFs are read with poppler's pdftotext and pdfinfo."""

from __future__ import annotations

import asyncio
import hashlib
import re
import subprocess
import zlib
from pathlib import Path

from sqlalchemy import text

from portal.applications import demo as demo_applications
from portal.audit import AuditEvent
from portal.db import Database
from portal.people import service as people
from portal.settings import Settings
from tests.applications.test_details import error_ids, post
from tests.applications.test_routes import ANNA, translated
from tests.casework.decisions import decide, draft_of, issue_form
from tests.casework.test_desk import LIGA, anna_submits, count, make_caseworker, switch_to
from tests.casework.test_races import GRANT
from tests.client import TestClient
from tests.conftest import csrf_of, engine_for, sign_in

STRANGER = "110978-11006"  # signed in, nobody's representative


def poppler(tool: str, pdf: bytes, tmp_path: Path, *options: str) -> str:
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run([tool, *options, str(path), *(["-"] if tool == "pdftotext" else [])],
                          check=True, capture_output=True, text=True).stdout


def languages_tagged(pdf: bytes) -> set[str]:
    """Every /Lang in the PDF: the catalog's and the structure elements' (inside its compressed object streams)."""
    parts = [pdf]
    for found in re.finditer(rb"stream\r?\n", pdf):
        end = pdf.find(b"endstream", found.end())
        try:
            parts.append(zlib.decompress(pdf[found.end():end]))
        except zlib.error:
            continue
    return {lang.decode() for lang in re.findall(rb"/Lang ?\(([^)]*)\)", b"".join(parts))}


def stored(database_url: str, application_id: str) -> tuple[str, int, str]:
    with engine_for(database_url).connect() as connection:
        row = connection.execute(text("SELECT sha256, size, languages FROM decision_document WHERE application_id = :id"),
                                 {"id": application_id}).one()
    return row[0], row[1], row[2]


def test_the_desk_previews_issues_once_and_the_person_downloads_the_decision(client: TestClient, settings: Settings,
                                                                              tmp_path: Path) -> None:
    make_caseworker(settings.database_url, LIGA, "riga")
    status, case = anna_submits(client)
    application_id = case.rsplit("/", 1)[1]
    reference = re.search(r"AP-\d{4}-\d{6}", client.get(status).text)
    assert reference
    switch_to(client, LIGA)
    composed = post(client, case + "/grant", GRANT | {"text": "Strādā algotu darbu: 80 stundas mēnesī."})
    assert composed.status_code == 303 and composed.headers["location"] == case + "/decision"
    # The preview: the document as the person will get it, nothing decided yet.
    preview = client.get(case + "/decision")
    assert preview.status_code == 200
    document = preview.text.split('id="decision-document"', 1)[1].split("</form>", 1)[0]
    for shown in (reference.group(0), "Anna Bērziņa", "Līga Liepiņa", "Rīgas valstspilsēta", "80 stundas mēnesī",
                  "2027. gada 1. janvāris – 2027. gada 31. decembris", "Strādā algotu darbu",
                  "noteikumu Nr. 316", "viena mēneša laikā", "Administratīvo aktu strīdu komisijai"):
        assert shown in document, shown
    assert 'lang="lv"' in document and 'lang="ru"' not in document  # Anna applied in Latvian
    assert count(settings.database_url, AuditEvent, action="document_downloaded") == 0
    assert client.get(case + "/decision.pdf").status_code == 404  # nothing issued yet
    # Back to change it: the grant page has the grant as composed.
    assert 'value="Strādā algotu darbu: 80 stundas mēnesī."' in client.get(case + "/grant").text or \
        "Strādā algotu darbu: 80 stundas mēnesī.</textarea>" in client.get(case + "/grant").text

    assert decide(client, composed) == case
    case_page = client.get(case).text
    assert f'href="{case}/decision.pdf"' in case_page
    assert client.get(case + "/decision").headers["location"] == case  # decided: nothing to preview
    before = count(settings.database_url, AuditEvent, action="document_downloaded")
    issued = client.get(case + "/decision.pdf")
    assert issued.status_code == 200 and issued.headers["content-type"] == "application/pdf"
    assert count(settings.database_url, AuditEvent, action="document_downloaded") == before + 1  # staff download: audited
    sha256, size, languages = stored(settings.database_url, application_id)
    assert hashlib.sha256(issued.content).hexdigest() == sha256 and len(issued.content) == size and languages == "lv"

    words = poppler("pdftotext", issued.content, tmp_path)
    for said in (reference.group(0), "Anna Bērziņa", "150385-11001", "Līga Liepiņa", "Rīgas valstspilsēta", "80 stundas mēnesī",
                 "Tiesiskais pamatojums", "Kā lēmumu apstrīdēt", "Administratīvā procesa likuma"):
        assert said in words, said
    assert "viena mēneša laikā no tā spēkā stāšanās dienas" in " ".join(words.split())
    info = poppler("pdfinfo", issued.content, tmp_path)
    assert re.search(r"^Tagged:\s+yes$", info, re.M) and f"Lēmums {reference.group(0)}" in info
    metadata = poppler("pdfinfo", issued.content, tmp_path, "-meta")
    assert 'pdfaid:part="3"' in metadata and 'pdfaid:conformance="U"' in metadata
    structure = poppler("pdfinfo", issued.content, tmp_path, "-struct")
    tags = [line.strip().split(" ")[0] for line in structure.splitlines()]
    assert tags[:3] == ["Document", "Sect", "H1"] and "H2" in tags and "Table" in tags and "TH" in tags
    assert languages_tagged(issued.content) == {"lv"}

    # The person's page links it; the file is the one issued.
    switch_to(client, ANNA)
    assert f'href="{status}/decision.pdf"' in client.get(status).text
    assert client.get(status + "/decision.pdf").content == issued.content
    # Anyone else: not found.
    switch_to(client, STRANGER)
    assert client.get(status + "/decision.pdf").status_code == 404
    assert client.get(status + "/receipt.pdf").status_code == 404


def test_a_person_who_applied_in_russian_gets_the_explanation_in_russian_beside_it(client: TestClient, settings: Settings,
                                                                                  tmp_path: Path) -> None:
    make_caseworker(settings.database_url, LIGA, "riga")

    async def work() -> int:
        db = Database(settings.database_url)
        async with db.session() as session:
            anna = await people.ensure_person(session, ANNA, "Anna", "Bērziņa")
            contact = {"method": "post", "phone": "", "email": ""}
            application = await demo_applications.submitted_application(session, anna, anna, demo_applications.adult_answers(contact), "ru")
            application_id = application.id
        await db.dispose()
        return application_id

    application_id = asyncio.run(work())
    case = f"/ru/desk/cases/{application_id}"
    sign_in(client, LIGA, "ru")
    composed = post(client, case + "/refuse", {"reasons": "Nav noteikta I vai II invaliditātes grupa."})
    assert composed.headers["location"] == case + "/decision"
    preview = client.get(case + "/decision").text
    assert 'lang="lv"' in preview and 'lang="ru"' in preview and "Как обжаловать решение" in preview
    assert decide(client, composed) == case
    issued = client.get(case + "/decision.pdf").content
    words = " ".join(poppler("pdftotext", issued, tmp_path).split())
    for said in ("Atteikt piešķirt pakalpojumu.", "Nav noteikta I vai II invaliditātes grupa.", "Kā lēmumu apstrīdēt",
                 "Отказать в предоставлении услуги.", "Как обжаловать решение", "в течение одного месяца"):
        assert said in words, said
    assert languages_tagged(issued) == {"lv", "ru"}  # the document's language, and the Russian section's
    assert stored(settings.database_url, str(application_id))[2] == "lv ru"


def test_an_issue_from_an_older_preview_or_a_second_issue_is_a_conflict(client: TestClient, settings: Settings) -> None:
    make_caseworker(settings.database_url, LIGA, "riga")
    _status, case = anna_submits(client)
    switch_to(client, LIGA)
    preview = case + "/decision"
    post(client, case + "/grant", GRANT)
    older = issue_form(client, preview)
    post(client, case + "/refuse", {"reasons": "Pārdomāts."})  # composed again (another tab)
    newer = issue_form(client, preview)
    assert newer["draft"] != older["draft"]
    unticked = client.post(preview, data=newer | {"checked": ""})
    assert unticked.status_code == 422 and error_ids(unticked.text) == ["checked"]  # she says she read it, or nothing is issued
    stale = client.post(preview, data=older)
    assert stale.status_code == 409 and error_ids(stale.text) == ["checked"]
    assert draft_of(stale.text) == newer["draft"] and "Pārdomāts." in stale.text  # the current one, to check
    assert client.post(preview, data={"csrf_token": older["csrf_token"], "draft": "x", "checked": "yes"}).status_code == 409
    assert client.post(preview, data=newer).status_code == 303
    again = client.post(preview, data=newer)  # the same button again (a double click, the back button)
    assert again.status_code == 409 and translated("lv", "The case was already decided") in again.text
    assert client.post(preview, data={"draft": newer["draft"]}).status_code == 403  # CSRF
    with engine_for(settings.database_url).connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM decision_document")) == 1
        assert connection.scalar(text("SELECT count(*) FROM decision_draft")) == 0


def test_the_receipt_of_an_application_is_a_pdf(client: TestClient, settings: Settings, tmp_path: Path) -> None:
    status, _case = anna_submits(client)
    confirmation = client.get(status + "/submitted").text
    assert f'href="{status}/receipt.pdf"' in confirmation and f'href="{status}/receipt.pdf"' in client.get(status).text
    receipt = client.get(status + "/receipt.pdf")
    assert receipt.status_code == 200 and receipt.headers["content-type"] == "application/pdf"
    words = " ".join(poppler("pdftotext", receipt.content, tmp_path).split())
    reference = re.search(r"AP-\d{4}-\d{6}", confirmation)
    assert reference and reference.group(0) in words
    for said in ("Iesnieguma saņemšanas apliecinājums", "Anna Bērziņa", "Rīgas valstspilsēta", "viena mēneša laikā"):
        assert said in words, said
    assert re.search(r"^Tagged:\s+yes$", poppler("pdfinfo", receipt.content, tmp_path), re.M)
    assert languages_tagged(receipt.content) == {"lv"}
    assert csrf_of(confirmation)  # a page of the signed-in person, as before

"""A document listed on a case whose stored file is gone, or a decision whose file is not the one issued:
the person and the desk are told it cannot be opened (no 500, nothing handed out), the operator finds why in the log."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from portal.settings import Settings
from portal.storage import FileStorage
from tests.applications.test_details import post
from tests.applications.test_routes import ANNA
from tests.casework.decisions import decide
from tests.casework.test_desk import LIGA, anna_submits, make_caseworker, switch_to
from tests.casework.test_races import GRANT
from tests.client import TestClient
from tests.conftest import engine_for

UNAVAILABLE = {"lv": "Datni nevar atvērt", "ru": "Файл невозможно открыть"}


def _stored_path(settings: Settings, table: str, application_id: str) -> str:
    with engine_for(settings.database_url).connect() as connection:
        key = connection.execute(text(f"SELECT storage_key FROM {table} WHERE application_id = :id ORDER BY id LIMIT 1"),
                                 {"id": application_id}).scalar_one()
    return str(FileStorage(settings.upload_dir)._path(key))


def _told_unavailable(client: TestClient, path: str, lang: str = "lv") -> None:
    answer = client.get(path)
    assert answer.status_code == 404, (path, answer.status_code)
    assert answer.headers["content-type"].startswith("text/html")
    assert f"<h1 class=\"heading-xl\">{UNAVAILABLE[lang]}</h1>" in answer.text, answer.text[:2000]
    assert f'<html lang="{lang}"' in answer.text


def test_a_file_missing_or_altered_is_a_page_that_says_so(client: TestClient, settings: Settings,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    make_caseworker(settings.database_url, LIGA, "riga")
    status, case = anna_submits(client)
    application_id = case.rsplit("/", 1)[1]
    switch_to(client, LIGA)
    documents = re.findall(rf'href="({re.escape(case)}/documents/\d+)"', client.get(case).text)
    assert documents, "Anna sent a document with her application"
    assert client.get(documents[0]).status_code == 200
    assert decide(client, post(client, case + "/grant", GRANT | {"text": "Strādā algotu darbu."})) == case
    assert client.get(case + "/decision.pdf").status_code == 200

    # The document's file is lost; the decision's file is changed after it was issued.
    Path(_stored_path(settings, "application_document", application_id)).unlink()
    with Path(_stored_path(settings, "decision_document", application_id)).open("ab") as altered:
        altered.write(b"%% appended")

    caplog.set_level(logging.ERROR, logger="portal.app")
    _told_unavailable(client, documents[0])
    _told_unavailable(client, case + "/decision.pdf")
    _told_unavailable(client, documents[0].replace("/lv/", "/ru/"), "ru")
    switch_to(client, ANNA)
    _told_unavailable(client, status + "/decision.pdf")
    anna_documents = re.findall(rf'href="({re.escape(status)}/documents/\d+)"', client.get(status).text)
    assert anna_documents, "Anna's status page lists the document she sent"
    _told_unavailable(client, anna_documents[0])
    logged = [record.getMessage() for record in caplog.records if record.name == "portal.app"]
    assert any("is missing" in message for message in logged), logged
    assert any("SHA-256" in message for message in logged), logged

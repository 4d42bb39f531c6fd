"""Which documents an application needs, and which files are accepted."""

from __future__ import annotations

from datetime import date

import pytest

from portal.applications.documents import (
    MAX_BYTES,
    DocumentKind,
    UploadProblem,
    check_upload,
    required_documents,
    safe_filename,
)
from portal.applications.rules import ServiceKind, add_months, decision_due
from portal.text import sort_key


@pytest.mark.parametrize(
    ("kind", "answers", "needed"),
    [
        (ServiceKind.ADULT_ASSISTANT, {"purposes": ["work_study_sport", "other"]}, [DocumentKind.WORK_OR_STUDIES]),
        (ServiceKind.ADULT_ASSISTANT, {"purposes": ["day_centre", "dialysis_chemotherapy", "other"]}, []),
        (ServiceKind.ADULT_ASSISTANT, {"purposes": ["volunteering", "board"]}, [DocumentKind.BOARD, DocumentKind.VOLUNTEERING]),
        (ServiceKind.CHILD_ASSISTANT, {"special-care-opinion": "yes"}, [DocumentKind.VDEAVK_OPINION]),
        (ServiceKind.CHILD_ASSISTANT, {"special-care-opinion": "unknown"}, []),  # the social service checks
        (ServiceKind.CHILD_COMPANION, {"companion-opinion": "yes"}, [DocumentKind.VDEAVK_OPINION]),
        (ServiceKind.CHILD_CARE, {"special-care-opinion": "yes", "family-works": "yes"}, [DocumentKind.VDEAVK_OPINION, DocumentKind.FAMILY_WORK]),
        (ServiceKind.SCHOOL_ASSISTANT, {"school-documents": "upload"}, [DocumentKind.IRP, DocumentKind.VDEAVK_RECOMMENDATION]),
        (ServiceKind.SCHOOL_ASSISTANT, {"school-documents": "consent"}, []),  # seed 004, a.2/b.2
        (ServiceKind.STUDY_ASSISTANT, {}, [DocumentKind.UNIVERSITY]),
        (None, {"purposes": ["work_study_sport"]}, []),
    ],
)
def test_only_the_documents_the_answers_call_for(kind: ServiceKind | None, answers: dict[str, object], needed: list[DocumentKind]) -> None:
    assert required_documents(kind, answers) == needed


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n...", ("application/pdf", None)),
        (b"\x89PNG\r\n\x1a\n....", ("image/png", None)),
        (b"\xff\xd8\xff\xe0....", ("image/jpeg", None)),
        (b"GIF89a....", (None, UploadProblem.WRONG_TYPE)),
        (b"<html>%PDF-", (None, UploadProblem.WRONG_TYPE)),
        (b"", (None, UploadProblem.EMPTY)),
        (b"%PDF-" + b"0" * MAX_BYTES, (None, UploadProblem.TOO_LARGE)),
    ],
)
def test_the_type_is_told_by_the_content(content: bytes, expected: tuple[str | None, UploadProblem | None]) -> None:
    assert check_upload(content) == expected


def test_file_names_lose_their_paths_and_control_characters() -> None:
    assert safe_filename("C:\\Users\\anna\\darba līgums.pdf") == "darba līgums.pdf"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename('a"b<c>\x00d.pdf') == "abcd.pdf"
    assert safe_filename("") == "document"
    assert len(safe_filename("x" * 400 + ".pdf")) == 255


def test_the_decision_is_due_a_month_after_the_application() -> None:
    assert decision_due(date(2026, 11, 23)) == date(2026, 12, 23)
    assert decision_due(date(2026, 1, 31)) == date(2026, 2, 28)
    assert decision_due(date(2028, 1, 31)) == date(2028, 2, 29)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)
    assert add_months(date(2026, 3, 31), 36) == date(2029, 3, 31)


def test_latvian_alphabetical_order() -> None:
    names = ["Ādažu novads", "Cēsu novads", "Aizkraukles novads", "Alūksnes novads", "Čēsis", "Dobeles novads"]
    assert sorted(names, key=sort_key) == ["Ādažu novads", "Aizkraukles novads", "Alūksnes novads", "Cēsu novads", "Čēsis", "Dobeles novads"]

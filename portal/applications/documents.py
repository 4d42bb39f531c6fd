"""Which documents an application needs, and what an upload must be.

Documents are asked for only where the state registers do not already hold the
facts (domain guide, "Applying"; latvija.gov.lv service 12787): proof of work,
studies or other activities, and the VDEĀVK papers the person has at hand. What
the registers hold (`Held`: the commission's opinions from the disability
register, a school or university from the education register) is not asked for.
The legal representation itself needs no proof here: the portal offers to apply
for someone only through a representation the register holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from babel.support import LazyProxy

from portal.applications.rules import Answer, Purpose, ServiceKind
from portal.forms import readable
from portal.i18n import lazy_gettext as _l

MAX_BYTES = 10 * 1024 * 1024
# Of one kind on a draft, or sent with one answer to a request (service.add_documents holds it);
# so a form's file field never usefully carries more than this many files.
MAX_FILES_PER_KIND = 5

# The file types accepted, told by their first bytes (never by the name the file came with).
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
)
# The extensions a stored file's name may end with, by its type; the first is the one given when
# the name sent has none of them (`x.html` that is a PDF is kept as `x.pdf`).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
}
# The name of a file sent without a usable one (`.pdf`, `---.png`): `dokuments-1.pdf`. A file's
# name is data the person and the social service both see, not page text, so it is not translated.
DEFAULT_STEM = "dokuments"
MAX_NAME = 255  # ApplicationDocument.filename
MAX_EXTENSION = 10  # what follows the last dot is an extension only when it is this short, in letters and digits


class DocumentKind(StrEnum):
    WORK_OR_STUDIES = "work_or_studies"
    SCHOOL = "school"
    BOARD = "board"
    VOLUNTEERING = "volunteering"
    VDEAVK_OPINION = "vdeavk_opinion"
    FAMILY_WORK = "family_work"
    IRP = "irp"
    VDEAVK_RECOMMENDATION = "vdeavk_recommendation"
    UNIVERSITY = "university"
    INFO_RESPONSE = "info_response"  # sent with an answer to the social service's request


@dataclass(frozen=True)
class DocumentText:
    title: LazyProxy
    hint: LazyProxy


DOCUMENT_TEXTS: dict[DocumentKind, DocumentText] = {
    DocumentKind.WORK_OR_STUDIES: DocumentText(
        _l("Confirmation of work, studies or Paralympic training"),
        _l("From the employer, the school or university, or the Latvian Paralympic Committee. If self-employed: the self-employment declaration."),
    ),
    DocumentKind.SCHOOL: DocumentText(
        _l("Confirmation from the school"),
        _l("That the person attends a basic, secondary or vocational school."),
    ),
    DocumentKind.BOARD: DocumentText(
        _l("Confirmation of board membership"),
        _l("Of the association, foundation or company whose board the person is on."),
    ),
    DocumentKind.VOLUNTEERING: DocumentText(
        _l("Volunteering contract"),
        _l("The contract with the organisation the person volunteers for."),
    ),
    DocumentKind.VDEAVK_OPINION: DocumentText(
        _l("The VDEĀVK opinion"),
        _l("The State Medical Commission's opinion on the need for special care or for a companion."),
    ),
    DocumentKind.FAMILY_WORK: DocumentText(
        _l("Confirmation that the parents or guardians work or study"),
        _l("From the employer or the place of study of each parent or guardian."),
    ),
    DocumentKind.IRP: DocumentText(
        _l("Individual rehabilitation plan (IRP)"),
        _l("The plan must say that an assistant is needed."),
    ),
    DocumentKind.VDEAVK_RECOMMENDATION: DocumentText(
        _l("The VDEĀVK recommendation"),
        _l("The State Medical Commission's recommendation on the need for an assistant."),
    ),
    DocumentKind.UNIVERSITY: DocumentText(
        _l("Confirmation of studies"),
        _l("From the university or college: that the person studies there and in which programme."),
    ),
    DocumentKind.INFO_RESPONSE: DocumentText(
        _l("Documents for the social service"),
        _l("The documents the social service asked for."),
    ),
}

class Held(StrEnum):
    """A fact that the state registers hold about the person, so that no document need prove it."""

    SPECIAL_CARE_OPINION = "special_care_opinion"  # the disability register (VDEĀVK)
    COMPANION_OPINION = "companion_opinion"
    ASSISTANT_OPINION = "assistant_opinion"
    SCHOOL = "school"  # the education register (VIIS): a general or vocational school now
    UNIVERSITY = "university"  # the education register: a university or college now


# The fact that makes each document unnecessary when a register holds it.
HELD_INSTEAD: dict[DocumentKind, Held] = {
    DocumentKind.SCHOOL: Held.SCHOOL,
    DocumentKind.UNIVERSITY: Held.UNIVERSITY,
    DocumentKind.VDEAVK_RECOMMENDATION: Held.SPECIAL_CARE_OPINION,
}


PURPOSE_DOCUMENTS: dict[Purpose, DocumentKind] = {
    Purpose.WORK_STUDY_SPORT: DocumentKind.WORK_OR_STUDIES,
    Purpose.SCHOOL: DocumentKind.SCHOOL,
    Purpose.BOARD: DocumentKind.BOARD,
    Purpose.VOLUNTEERING: DocumentKind.VOLUNTEERING,
    # Day-care centres, dialysis and chemotherapy: the municipality and the health registers know.
}

SCHOOL_DOCUMENTS_UPLOAD = "upload"
SCHOOL_DOCUMENTS_CONSENT = "consent"


def required_documents(kind: ServiceKind | None, answers: dict[str, object], held: frozenset[Held] = frozenset()) -> list[DocumentKind]:
    """The documents these answers call for, in the order the page asks for them, but none for a fact
    the registers hold (`held`)."""
    needed: list[DocumentKind] = []
    purposes = answers.get("purposes")
    if kind is ServiceKind.ADULT_ASSISTANT and isinstance(purposes, list):
        needed += [PURPOSE_DOCUMENTS[Purpose(p)] for p in Purpose if p.value in purposes and Purpose(p) in PURPOSE_DOCUMENTS]
    # The opinion the person says the commission gave: the disability register shows it, when it holds it.
    if (kind in (ServiceKind.CHILD_ASSISTANT, ServiceKind.CHILD_CARE) and answers.get("special-care-opinion") == Answer.YES
            and Held.SPECIAL_CARE_OPINION not in held):
        needed.append(DocumentKind.VDEAVK_OPINION)
    if kind is ServiceKind.CHILD_COMPANION and answers.get("companion-opinion") == Answer.YES and Held.COMPANION_OPINION not in held:
        needed.append(DocumentKind.VDEAVK_OPINION)
    if kind is ServiceKind.CHILD_CARE and answers.get("family-works") == Answer.YES:
        needed.append(DocumentKind.FAMILY_WORK)
    if kind is ServiceKind.SCHOOL_ASSISTANT and answers.get("school-documents") == SCHOOL_DOCUMENTS_UPLOAD:
        needed += [DocumentKind.IRP, DocumentKind.VDEAVK_RECOMMENDATION]
    if kind is ServiceKind.STUDY_ASSISTANT:
        needed.append(DocumentKind.UNIVERSITY)
    return [document for document in needed if HELD_INSTEAD.get(document) not in held]


class UploadProblem(StrEnum):
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    WRONG_TYPE = "wrong_type"


UPLOAD_PROBLEM_TEXTS: dict[UploadProblem, LazyProxy] = {
    UploadProblem.EMPTY: _l("The selected file is empty"),
    UploadProblem.TOO_LARGE: _l("The selected file must be smaller than 10 MB"),
    UploadProblem.WRONG_TYPE: _l("The selected file must be a PDF, JPG or PNG"),
}
# Said at the field when a form's files would make more than MAX_FILES_PER_KIND of one document
# (none of that field's files is kept then): the documents page, and the answer to a request.
TOO_MANY_FILES = _l("This document already has %(num)s files, the most it can have. Remove one to add another.",
                    num=MAX_FILES_PER_KIND)
TOO_MANY_FILES_FOR_ANSWER = _l("You can send up to %(num)s files with one answer. None of the files you chose was added: "
                               "choose fewer.", num=MAX_FILES_PER_KIND)


def content_type_of(content: bytes) -> str | None:
    for signature, content_type, _name in SIGNATURES:
        if content.startswith(signature):
            return content_type
    return None


def check_upload(content: bytes) -> tuple[str | None, UploadProblem | None]:
    """(content type, None) for an acceptable file, else (None, the problem)."""
    if not content:
        return None, UploadProblem.EMPTY
    if len(content) > MAX_BYTES:
        return None, UploadProblem.TOO_LARGE
    content_type = content_type_of(content)
    if content_type is None:
        return None, UploadProblem.WRONG_TYPE
    return content_type, None


def _cleaned(name: str) -> str:
    """The last part of the name the browser sent, without control or replacement characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in base if ch.isprintable() and readable(ch) and ch not in '"<>').strip()


def safe_filename(name: str) -> str:
    """The last part of the name the browser sent, without control or replacement characters, at most 255 long."""
    return (_cleaned(name) or "document")[-MAX_NAME:]


def stored_filename(name: str, content_type: str, number: int) -> str:
    """The name a file of this (sniffed) type is kept and served under: the stem of the name sent and
    an extension of the type, whatever the name said (`x.html` that is a PDF: `x.pdf`).

    A name with no letter or digit before its extension gets `dokuments-<number>`; a long one
    keeps its end, as safe_filename does, and always its extension.
    """
    cleaned = _cleaned(name)
    stem, dot, extension = cleaned.rpartition(".")
    if not dot or not (extension.isascii() and extension.isalnum() and len(extension) <= MAX_EXTENSION):
        stem, extension = cleaned, ""  # no extension, or a dot inside the name ("Līgums Nr. 5")
    allowed = EXTENSIONS[content_type]
    suffix = f".{extension}" if f".{extension}".lower() in allowed else allowed[0]
    # Leading dots would hide the file on some systems; dots and spaces before the extension say nothing.
    stem = stem.strip(" .")
    if not any(ch.isalnum() for ch in stem):
        stem = f"{DEFAULT_STEM}-{number}"
    return stem[-(MAX_NAME - len(suffix)):] + suffix

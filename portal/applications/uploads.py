"""Files between the browser and an application: storing what a form uploads, sending one back.

Shared by the journey's documents page, the answer to a request for information, and the desk.
"""

from __future__ import annotations

import unicodedata
from datetime import date
from urllib.parse import quote

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import UploadFile
from starlette.responses import Response

from portal.applications import documents, service
from portal.applications.models import ApplicationDocument
from portal.people.models import Person
from portal.storage import Storage


async def store_uploads(
    db: AsyncSession,
    storage: Storage,
    actor: Person,
    application_id: int,
    today: date,
    uploads: list[tuple[str, str, UploadFile]],
) -> list[tuple[str, str]]:
    """Keep each field's acceptable files at once; returns (field, message) for each file that is not.

    `uploads` holds (form field, document kind, the file chosen), as the form's Upload fields read them.
    A field's good files are kept together or not at all: when they would make more than
    MAX_FILES_PER_KIND of their kind, none of them is, and the field says so once.
    """
    errors: list[tuple[str, str]] = []
    by_field: dict[tuple[str, str], list[service.NewFile]] = {}
    for field, kind, upload in uploads:
        content = await upload.read(documents.MAX_BYTES + 1)
        _content_type, problem = documents.check_upload(content)
        if problem is not None:
            errors.append((field, f"{documents.safe_filename(upload.filename or '')}: {documents.UPLOAD_PROBLEM_TEXTS[problem]}"))
            continue
        by_field.setdefault((field, kind), []).append(service.NewFile(upload.filename or "", content))
    for (field, kind), files in by_field.items():
        try:
            await service.add_documents(db, storage, actor, application_id, today, kind=kind, files=files)
        except service.TooManyFiles:
            too_many = documents.TOO_MANY_FILES_FOR_ANSWER if kind == service.INFO_RESPONSE_KIND else documents.TOO_MANY_FILES
            errors.append((field, str(too_many)))
    return errors


def download(storage: Storage, document: ApplicationDocument) -> Response:
    """The file as an attachment, of the type its content shows and under a name with that type's
    extension (a file kept before names followed the type is named so here too); never cached by
    shared caches, never read by a browser as anything else, never run as a page."""
    content = storage.read(document.storage_key)
    content_type = documents.content_type_of(content)
    if content_type is None:  # not one the portal keeps (storage changed under it): bytes to save, nothing to open
        name, media_type = f"{documents.DEFAULT_STEM}-{document.id}", "application/octet-stream"
    else:
        name, media_type = documents.stored_filename(document.filename, content_type, document.id), content_type
    return Response(
        content,
        media_type=media_type,
        headers={
            "content-disposition": content_disposition(name),
            "x-content-type-options": "nosniff",
            # Should a browser open it after all, nothing in it runs, loads or is framed.
            "content-security-policy": "default-src 'none'; sandbox",
            "cache-control": "private, no-store",
        },
    )


def pdf_response(content: bytes, filename: str) -> Response:
    """A PDF the portal made (a decision, a receipt), as a download: not cached by shared caches, never run as a page."""
    return Response(content, media_type="application/pdf", headers={
        "content-disposition": content_disposition(filename),
        "x-content-type-options": "nosniff",
        "content-security-policy": "default-src 'none'; sandbox",
        "cache-control": "private, no-store",
    })


def content_disposition(name: str) -> str:
    """`attachment` with the name: as a quoted ASCII `filename` for every browser, and, when the name
    is not ASCII, also as `filename*` in UTF-8 (RFC 6266, RFC 8187), which browsers prefer."""
    fallback = "".join(
        ch if ch.isascii() and ch.isprintable() and ch not in '"\\%' else "_"
        for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch)
    )
    if fallback == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"

"""Files between the browser and an application: storing what a form uploads, sending one back.

Shared by the journey's documents page, the answer to a request for information, and the desk.
"""

from __future__ import annotations

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
    """Keep each acceptable file at once; returns (field, message) for each that is not.

    `uploads` holds (form field, document kind, the file chosen), as the form's Upload fields read them.
    """
    errors: list[tuple[str, str]] = []
    for field, kind, upload in uploads:
        filename = documents.safe_filename(upload.filename or "")
        content = await upload.read(documents.MAX_BYTES + 1)
        content_type, problem = documents.check_upload(content)
        if problem is not None:
            errors.append((field, f"{filename}: {documents.UPLOAD_PROBLEM_TEXTS[problem]}"))
            continue
        await service.add_document(
            db, storage, actor, application_id, today,
            kind=kind, filename=filename, content_type=str(content_type), content=content,
        )
    return errors


def download(storage: Storage, document: ApplicationDocument) -> Response:
    """The file as an attachment under the name it was uploaded with; never cached by shared caches."""
    return Response(
        storage.read(document.storage_key),
        media_type=document.content_type,
        headers={
            "content-disposition": f"attachment; filename*=UTF-8''{quote(document.filename)}",
            "cache-control": "private, no-store",
        },
    )

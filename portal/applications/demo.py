"""Demo applications (issue 3's demo data): a half-filled draft, granted cases, and cases at the desk.

- Ольга Иванова: a draft for the adult assistant, half filled.
- Anna Bērziņa: granted, adult assistant, 80 h a month, 2026-01-01 to 2028-12-31, assistant Ilze Ozola.
- Jānis Kalniņš for Marta: child assistant granted (80 h a month, assistant Ilze Ozola), and a
  care-service application waiting at Līga Liepiņa's desk.
- Līga's desk (Rīga) also has a case in review with a request for more information.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.applications import service
from portal.applications.models import Application
from portal.applications.rules import ServiceKind
from portal.casework import service as casework
from portal.people import demo as demo_people
from portal.people import service as people
from portal.people.models import Person
from portal.storage import Storage

RIGA_DETAILS = {"municipality": "riga", "address": "Brīvības iela 100-5, Rīga, LV-1001"}
DECLARED = ["truth", "changes", "data"]


def adult_answers(contact: dict[str, str]) -> dict[str, Any]:
    return {
        "service": "adult_assistant",
        "disability-group": "1",
        "limitations": "yes",
        "details": RIGA_DETAILS,
        "contact": contact,
        "purposes": ["work_study_sport", "other"],
        "frequency": {"work_study_sport": "daily", "other": "weekly"},
        "assistant": {"choice": "known", "name": "Ilze Ozola", "code": demo_people.ILZE.personal_code},
        "declarations": DECLARED,
    }


def child_answers(kind: ServiceKind) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "service": kind.value,
        "disability": "yes",
        "special-care-opinion": "unknown",  # the social service checks the VDEĀVK's register
        "details": {"municipality": "riga", "address": "Krišjāņa Barona iela 20-3, Rīga, LV-1011"},
        "contact": {"method": "phone", "phone": "+371 29123456", "email": ""},
        "assistant": {"choice": "known", "name": "Ilze Ozola", "code": demo_people.ILZE.personal_code},
        "declarations": DECLARED,
    }
    if kind is ServiceKind.CHILD_CARE:
        answers["family-works"] = "unknown"
    return answers


def demo_pdf(text: str) -> bytes:
    """A one-page PDF that says `text` (ASCII): enough for a document to open in the demo."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


async def submitted_application(
    db: AsyncSession,
    by: Person,
    person: Person,
    answers: dict[str, Any],
    language: str,
    documents: tuple[tuple[str, str, bytes], ...] = (),
    storage: Storage | None = None,
) -> Application:
    """A draft with these answers and documents (kind, file name, content), submitted to Rīga."""
    today = clock.today()
    riga = await people.municipality_by_code(db, "riga")
    draft = await service.start_draft(db, by, person.id, today)
    await service.save_answers(db, by, draft.id, answers, today)
    for kind, filename, content in documents:
        assert storage is not None
        await service.add_document(db, storage, by, draft.id, today, kind=kind, filename=filename,
                                   content_type="application/pdf", content=content)
    return await service.submit(db, by, draft.id, today, riga.id, language=language)


async def seed(db: AsyncSession, storage: Storage) -> None:
    """Idempotent: nothing is added for a person who already has applications."""
    by_code = {p.personal_code: await people.person_by_code(db, p.personal_code) for p in demo_people.DEMO_PEOPLE}
    olga, anna = by_code[demo_people.OLGA.personal_code], by_code[demo_people.ANNA.personal_code]
    janis, marta = by_code[demo_people.JANIS.personal_code], by_code[demo_people.MARTA.personal_code]
    ilze, liga = by_code[demo_people.ILZE.personal_code], by_code[demo_people.LIGA.personal_code]
    if await db.scalar(select(Application.id).limit(1)) is not None:
        return
    today = clock.today()

    draft = await service.start_draft(db, olga, olga.id, today)
    await service.save_answers(db, olga, draft.id, {"service": "adult_assistant", "disability-group": "2"}, today)

    employer = ("work_or_studies", "darba-deveja-izzina.pdf", demo_pdf("Darba deveja izzina (demo)"))
    anna_contact = {"method": "email", "email": "anna.berzina@example.lv", "phone": ""}
    granted = await submitted_application(db, anna, anna, adult_answers(anna_contact), "lv", (employer,), storage)
    await casework.start_review(db, granted, liga)
    await casework.grant(db, granted, liga, kind=ServiceKind.ADULT_ASSISTANT, minutes=80 * 60, valid_from=date(2026, 1, 1),
                   valid_to=date(2028, 12, 31), decision_text="Piešķirts asistenta pakalpojums darbam: 80 stundas mēnesī.")
    await casework.assign(db, granted, liga, ilze, date(2026, 1, 1))

    child = await submitted_application(db, janis, marta, child_answers(ServiceKind.CHILD_ASSISTANT), "lv")
    await casework.start_review(db, child, liga)
    await casework.grant(db, child, liga, kind=ServiceKind.CHILD_ASSISTANT, minutes=80 * 60, valid_from=date(2026, 3, 1),
                   valid_to=date(2029, 2, 28), decision_text="Piešķirts asistenta pakalpojums bērnam: 80 stundas mēnesī.")
    await casework.assign(db, child, liga, ilze, date(2026, 3, 1))

    await submitted_application(db, janis, marta, child_answers(ServiceKind.CHILD_CARE), "lv")  # waiting at the desk

    # A case in review that waits for the person: Ольга's earlier application for the study assistant.
    study = {
        "service": "study_assistant",
        "disability-group": "2",
        "assistant-opinion": "unknown",
        "details": {"municipality": "riga", "address": "Maskavas iela 50-12, Rīga, LV-1003"},
        "contact": {"method": "email", "email": "olga.ivanova@example.lv", "phone": ""},
        "assistant": {"choice": "find", "name": "", "code": ""},
        "declarations": DECLARED,
    }
    asked = await submitted_application(db, olga, olga, study, "ru")
    await casework.start_review(db, asked, liga)
    await casework.request_information(db, asked, liga, "Пожалуйста, пришлите справку из университета о том, что вы учитесь в этом году.")

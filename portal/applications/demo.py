"""Demo applications (issue 3's demo data): a half-filled draft, granted cases, and cases at the desk.

- Ольга Иванова: a draft for the adult assistant, half filled.
- Anna Bērziņa: granted, adult assistant, 80 h a month, 2026-01-01 to 2028-12-31, assistant Ilze Ozola
  (each grant issued as the desk issues it, with its decision as a PDF).
- Jānis Kalniņš for Marta: child assistant granted (80 h a month, assistant Ilze Ozola), and a
  care-service application waiting at Līga Liepiņa's desk.
- Līga's desk (Rīga) also has a case in review with a request for more information.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.applications import service
from portal.applications.models import Application
from portal.applications.rules import ServiceKind
from portal.casework import service as casework
from portal.demo_history import happened_on
from portal.people import demo as demo_people
from portal.people import service as people
from portal.people.demo import OLGA_PHONE
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


async def _decided(db: AsyncSession, storage: Storage, application: Application, staff: Person, chosen: casework.Grant,
                   day: date) -> None:
    """Granted as the desk grants: composed, then issued, so that the person has the decision as a PDF
    (casework.documents) beside the case, as every case decided in the portal has; dated `day`, the
    day the block it is in happened on (demo_history)."""
    draft = await casework.compose_grant(db, application, staff, chosen)
    await casework.issue(db, storage, application, staff, draft.version, issued_on=day)


async def seed(db: AsyncSession, storage: Storage) -> None:
    """Idempotent: nothing is added for a person who already has applications."""
    by_code = {p.personal_code: await people.person_by_code(db, p.personal_code) for p in demo_people.DEMO_PEOPLE}
    olga, anna = by_code[demo_people.OLGA.personal_code], by_code[demo_people.ANNA.personal_code]
    janis, marta = by_code[demo_people.JANIS.personal_code], by_code[demo_people.MARTA.personal_code]
    ilze, liga = by_code[demo_people.ILZE.personal_code], by_code[demo_people.LIGA.personal_code]
    if await db.scalar(select(Application.id).limit(1)) is not None:
        return
    today = clock.today()

    async with happened_on(db, today - timedelta(days=2)):  # Ольга has begun an application for the adult assistant
        draft = await service.start_draft(db, olga, olga.id, today)
        await service.save_answers(db, olga, draft.id, {"service": "adult_assistant", "disability-group": "2"}, today)

    # Anna applied a month before her grant began, was granted in two weeks, with Ilze as her assistant.
    employer = ("work_or_studies", "darba-deveja-izzina.pdf", demo_pdf("Darba deveja izzina (demo)"))
    anna_contact = {"method": "email", "email": "anna.berzina@example.lv", "phone": ""}
    anna_from = date(2026, 1, 1)
    async with happened_on(db, anna_from - timedelta(days=30)):
        granted = await submitted_application(db, anna, anna, adult_answers(anna_contact), "lv", (employer,), storage)
    async with happened_on(db, anna_from - timedelta(days=27)):
        await casework.start_review(db, granted, liga)
    anna_decided = anna_from - timedelta(days=14)
    async with happened_on(db, anna_decided, hour=14):
        await _decided(db, storage, granted, liga, casework.Grant(ServiceKind.ADULT_ASSISTANT, 80 * 60, anna_from, date(2028, 12, 31),
                                                                  "Piešķirts asistenta pakalpojums darbam: 80 stundas mēnesī."), anna_decided)
        await casework.assign(db, granted, liga, ilze, anna_from)

    # Marta's: granted for a period that ends within 60 days of the demo's today (her father is told to apply again).
    marta_from = date(2026, 3, 1)
    async with happened_on(db, marta_from - timedelta(days=27)):
        child = await submitted_application(db, janis, marta, child_answers(ServiceKind.CHILD_ASSISTANT), "lv")
    async with happened_on(db, marta_from - timedelta(days=24)):
        await casework.start_review(db, child, liga)
    marta_decided = marta_from - timedelta(days=9)
    async with happened_on(db, marta_decided, hour=14):
        await _decided(db, storage, child, liga, casework.Grant(
            ServiceKind.CHILD_ASSISTANT, 80 * 60, marta_from, max(today + timedelta(days=45), marta_from + timedelta(days=90)),
            "Piešķirts asistenta pakalpojums bērnam: 80 stundas mēnesī."), marta_decided)
        await casework.assign(db, child, liga, ilze, marta_from)

    async with happened_on(db, today - timedelta(days=6)):
        await submitted_application(db, janis, marta, child_answers(ServiceKind.CHILD_CARE), "lv")  # waiting at the desk

    # A case in review that waits for the person: Ольга's earlier application for the study assistant.
    study = {
        "service": "study_assistant",
        "disability-group": "2",
        "assistant-opinion": "unknown",
        "details": {"municipality": "riga", "address": "Maskavas iela 50-12, Rīga, LV-1003"},
        "contact": {"method": "phone", "email": "", "phone": OLGA_PHONE},
        "assistant": {"choice": "find", "name": "", "code": ""},
        "declarations": DECLARED,
    }
    async with happened_on(db, today - timedelta(days=20)):
        asked = await submitted_application(db, olga, olga, study, "ru")
    async with happened_on(db, today - timedelta(days=14)):
        await casework.start_review(db, asked, liga)
    async with happened_on(db, today - timedelta(days=10), hour=13):  # she answers by the date the notice gives
        await casework.request_information(db, asked, liga, "Пожалуйста, пришлите справку из университета о том, что вы учитесь в этом году.")

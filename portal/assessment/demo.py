"""Demo self-assessments (issue 4's demo data).

- Anna Bērziņa: a submitted self-assessment (she works; base support intensity, 80 hours),
  sent with her granted application.
- Ольга Иванова: one in progress, in Russian: two sections done, the rest not started.
- Līga Liepiņa: her assessment of Anna's case differs from Anna's in two answers.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.applications.models import Application
from portal.applications.rules import ServiceKind
from portal.assessment import service
from portal.assessment.definitions import Definition
from portal.assessment.models import Assessment
from portal.people import demo as demo_people
from portal.people import service as people
from portal.people.models import Person


def rating(level: str, comment: str = "") -> dict[str, str]:
    return {"rating": level, "comment": comment}


# Anna works as an accountant and moves with crutches: help outside, little with self-care.
ANNA_ANSWERS: dict[str, Any] = {
    "moving_indoors": rating("independent"),
    "leaving_home": rating("supervision", "Ziemā vajag, lai kāds ir blakus uz kāpnēm."),
    "stairs": rating("some_help", "Pārvietojos ar kruķiem; uz augstām kāpnēm un ledū vajag atbalstu."),
    "distances": rating("some_help", "Bez apstāšanās noeju apmēram 200 metrus."),
    "public_transport": rating("some_help", "Iekāpt autobusā ar kruķiem palīdz cits cilvēks."),
    "orientation": rating("supervision", "Jaunās vietās vajag, lai kāds parāda ceļu."),
    "dressing": rating("independent"),
    "eating": rating("supervision", "Paplāti ēdnīcā nevaru panest pati."),
    "hygiene": rating("independent"),
    "toilet": rating("supervision", "Nepielāgotā tualetē vajag, lai kāds ir tuvumā."),
    "understanding": rating("independent"),
    "expressing": rating("independent"),
    "reading_writing": rating("independent"),
    "planning": rating("independent"),
    "safety": rating("supervision", "Ledū un sastrēgumā baidos nokrist."),
    "money": rating("independent"),
    "purposes": ["work_study_sport"],
    "frequency": "daily",
    "travels_alone": "no",
    "other_needs": "Strādāju par grāmatvedi birojā Rīgas centrā, darbā esmu piecas dienas nedēļā.",
}

# Līga sees two answers otherwise: public transport needs full help, orientation none.
LIGA_CHANGES: dict[str, Any] = {
    "public_transport": rating("full_help", "Autobusā un tramvajā ar kruķiem vienmēr vajag pilnu palīdzību."),
    "orientation": rating("independent", "Pazīstamos maršrutos orientējas pati; jaunās vietās izmanto kartes lietotni."),
}

OLGA_SECTIONS: dict[str, dict[str, Any]] = {
    "mobility_home": {
        "moving_indoors": rating("independent"),
        "leaving_home": rating("some_help", "В доме нет лифта, с пятого этажа спускаюсь только с помощью."),
    },
    "mobility_outside": {
        "stairs": rating("some_help", "На лестницах и в гололёд нужна поддержка под руку."),
        "distances": rating("supervision", "Хожу медленно, нужно, чтобы кто-то был рядом."),
        "public_transport": rating("some_help", "Не вижу номера автобусов, нужна помощь при посадке."),
        "orientation": rating("full_help", "Плохо вижу, в незнакомых местах одна не ориентируюсь."),
    },
}


def _sections(definition: Definition, answers: dict[str, Any]) -> list[dict[str, Any]]:
    return [{q.id: answers[q.id] for q in section.questions if q.id in answers} for section in definition.sections]


async def seed(db: AsyncSession) -> None:
    """Idempotent: nothing is added once any assessment exists."""
    if await db.scalar(select(Assessment.id).limit(1)) is not None:
        return
    today = clock.today()
    by_code = {p.personal_code: await people.person_by_code(db, p.personal_code) for p in demo_people.DEMO_PEOPLE}
    anna, olga = by_code[demo_people.ANNA.personal_code], by_code[demo_people.OLGA.personal_code]
    liga = by_code[demo_people.LIGA.personal_code]

    adults = service.questionnaire_for(anna, today)
    for answers in _sections(adults, ANNA_ANSWERS):
        await service.save_section(db, anna, anna, adults, answers)
    sent = await service.submit(db, anna, anna)

    granted = await _application(db, anna, ServiceKind.ADULT_ASSISTANT)
    if granted is not None:
        granted.assessment_id = sent.id
        for answers in _sections(adults, {**ANNA_ANSWERS, **LIGA_CHANGES}):
            await service.save_section(db, liga, anna, adults, answers, application_id=granted.id)
        await service.submit(db, liga, anna, granted.id)

    for answers in OLGA_SECTIONS.values():
        await service.save_section(db, olga, olga, service.questionnaire_for(olga, today), answers)


async def _application(db: AsyncSession, person: Person, kind: ServiceKind) -> Application | None:
    return await db.scalar(select(Application).where(Application.person_id == person.id, Application.kind == kind).limit(1))

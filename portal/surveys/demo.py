"""Demo survey answers (issue 6's demo data): the 2026 recipients' survey is open, Anna Bērziņa has
not answered it, and generated anonymous responses in both languages give the results a shape: 48 to
the recipients' survey, and 36 to the public survey about the portal, so that the analyst's pages of
both show results (with more than 5 answers) and not only "too few to show"."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.surveys import answers as answering
from portal.surveys import service
from portal.surveys.definitions import Survey, all_surveys
from portal.surveys.models import SurveyResponse

GENERATED = {"recipients-2026": 48, "portal-2026": 36}
WHAT_TO_CHANGE = (
    ("lv", "Vairāk stundu mācībām un darbam."),
    ("lv", "Vienkāršāku mēneša pārskatu."),
    ("ru", "Больше часов для учёбы."),
    ("ru", "Чтобы ассистента можно было найти быстрее."),
)


async def seed(db: AsyncSession) -> None:
    """Idempotent: nothing is added once any response exists."""
    if await db.scalar(select(SurveyResponse.id).limit(1)) is not None:
        return
    chance = random.Random(2026)  # the same demo every time
    for survey_id, generated in GENERATED.items():
        await _answer(db, all_surveys()[survey_id], generated, chance)


async def _answer(db: AsyncSession, survey: Survey, generated: int, chance: random.Random) -> None:
    today = clock.today()
    for number in range(generated):
        answers: dict[str, object] = {}
        for question in survey.questions():
            if not answering.shows(question, answers):
                continue
            if question.kind == "text":
                if chance.random() < 0.3:
                    answers[question.id] = chance.choice(WHAT_TO_CHANGE)[1]
                continue
            values = [o.value for o in question.options]
            if question.kind == "multiple":
                answers[question.id] = chance.sample(values, k=chance.randint(1, min(3, len(values))))
            elif question.kind == "scale":  # leaning to the positive, as such surveys do
                answers[question.id] = values[min(len(values) - 1, max(0, round(chance.gauss(len(values) * 0.65, 1.1))))]
            elif question.required or chance.random() < 0.8:
                answers[question.id] = chance.choice(values)
        language = "ru" if number % 3 == 0 else "lv"
        day = max(survey.opens, today - timedelta(days=chance.randint(0, 20)))
        await service.add_response(db, survey, answers, language, min(day, today), None)

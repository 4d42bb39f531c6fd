"""The survey analyst's pages at /{lang}/analysis: each survey's response count and rate, and its
results as tables and charts, filtered by the language of answering and the service kind, with
CSV exports: for an anonymous survey rows in groups of at least five (analysis.safe_rows) and the
free text apart, shuffled. Only for the survey analyst role; anyone else gets "not found". HTTP only."""

from __future__ import annotations

import io
import secrets
from collections.abc import Awaitable, Callable, Iterable

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import audit, clock, csvfiles, i18n
from portal.applications.journey import kind_name
from portal.applications.rules import ServiceKind
from portal.db import unit_of_work
from portal.eid.session import current_person, staff_only
from portal.entitlements.models import Entitlement
from portal.i18n import gettext as _
from portal.people.models import StaffRoleName
from portal.surveys import analysis, answers, charts
from portal.surveys.definitions import Survey, all_surveys
from portal.surveys.models import SurveyResponse
from portal.templating import render

Endpoint = Callable[[Request], Awaitable[Response]]


analysts_only = staff_only(StaffRoleName.SURVEY_ANALYST)


async def _recipients(db: AsyncSession, survey: Survey) -> int | None:
    """How many people the survey asks (for the response rate); known for the recipients' surveys."""
    if survey.audience != "recipients":
        return None
    query = select(func.count(func.distinct(Entitlement.person_id))).where(Entitlement.valid_to >= survey.opens,
                                                                          Entitlement.valid_from <= survey.closes)
    if survey.kinds:
        query = query.where(Entitlement.kind.in_(survey.kinds))
    return int(await db.scalar(query) or 0)


@analysts_only
async def index(request: Request) -> Response:
    async with unit_of_work(request) as db:
        counts = dict((await db.execute(select(SurveyResponse.survey_id, func.count()).group_by(SurveyResponse.survey_id))).all())
        rows = []
        for survey in all_surveys().values():
            asked = await _recipients(db, survey)
            count = int(counts.get(survey.id, 0))
            rows.append({"survey": survey, "count": count, "asked": asked,
                         "rate": round(100 * count / asked, 1) if asked else None})
    return render(request, "analysis/index.html", {"rows": rows, "today": clock.today()})


def _survey(request: Request) -> Survey:
    survey = all_surveys().get(request.path_params["survey"])
    if survey is None:
        raise HTTPException(404)
    return survey


def _filters(request: Request) -> tuple[str, str]:
    language = request.query_params.get("language", "")
    kind = request.query_params.get("kind", "")
    return (language if language in ("lv", "ru") else "", kind if kind in ServiceKind._value2member_map_ else "")


async def _responses(db: AsyncSession, survey: Survey) -> list[SurveyResponse]:
    return list(await db.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)))


@analysts_only
async def results(request: Request) -> Response:
    survey = _survey(request)
    language, kind = _filters(request)
    async with unit_of_work(request) as db:
        everything = await _responses(db, survey)
    chosen = analysis.filtered(everything, language, kind)
    enough = len(chosen) >= analysis.MIN_GROUP
    tables = analysis.tabulate(survey, [r.answers for r in chosen]) if enough else []
    lang = i18n.get_locale()
    items = []
    for result in tables:
        question = result.question
        words = {o.value: o.text(lang) for o in question.options}
        table_rows = [[words[row.value], i18n.format_number(row.count) if row.count is not None else _("fewer than 5"),
                       f"{i18n.format_number(row.percent)} %" if row.percent is not None else "–"] for row in result.rows]
        chart = None
        if result.rows:
            bars = [(words[row.value], row.count, f"{row.count} ({i18n.format_number(row.percent or 0)} %)" if row.count is not None
                     else _("fewer than 5")) for row in result.rows]
            description = "; ".join(f"{label}: {text}" for label, _count, text in bars)
            chart = charts.bar_chart(f"chart-{question.id}", question.text(lang), description, bars)
        items.append({"result": result, "text": question.text(lang), "rows": table_rows, "chart": chart})
    return render(request, "analysis/survey.html", {
        "survey": survey, "items": items, "count": len(chosen), "total": len(everything), "enough": enough,
        "filters": {"language": language, "kind": kind},
        "language_options": [{"value": "", "text": _("Both languages")}, {"value": "lv", "text": "Latviešu"}, {"value": "ru", "text": "Русский"}],
        "kind_options": [{"value": "", "text": _("All services")}] + [{"value": k.value, "text": kind_name(k)} for k in ServiceKind],
        "min_group": analysis.MIN_GROUP,
    })


def _csv(name: str, rows: Iterable[Iterable[object]]) -> Response:
    out = io.StringIO()
    csvfiles.writer(out).writerows(rows)
    return Response("\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}.csv"', "Cache-Control": "no-store"})


@analysts_only
async def export(request: Request) -> Response:
    """The responses, the answers in words in the page's language. An anonymous survey's rows share their
    language, period, place and service with at least four others (coarsened, or left out), and carry
    no free text and no number; a survey that is not anonymous has every response, one row each."""
    survey = _survey(request)
    async with unit_of_work(request) as db:
        everything = await _responses(db, survey)
        audit.record(db, actor=current_person(request), subject=None, action=audit.AuditAction.SURVEY_EXPORTED,
                     detail=f"{survey.id}: responses")
    lang = i18n.get_locale()
    if not survey.anonymous:
        questions = survey.questions()
        return _csv(survey.id, [
            [_("Number"), _("Language of answering"), _("Month"), *(q.text(lang) for q in questions)],
            *([number, r.language, r.submitted_on.strftime("%Y-%m"), *(answers.describe(q, r.answers.get(q.id)) for q in questions)]
              for number, r in enumerate(sorted(everything, key=lambda r: (r.submitted_on, r.id)), 1)),
        ])
    keyed = {analysis.PLACE, analysis.SERVICE}
    columns = [q for q in survey.questions() if q.kind != "text" and q.id not in keyed]
    by_id = {q.id: q for q in survey.questions()}
    left_out, whole_period = _("not shown"), f"{survey.opens:%Y-%m}–{survey.closes:%Y-%m}"
    rows, _suppressed = analysis.safe_rows(everything)
    secrets.SystemRandom().shuffle(rows)  # then sorted by the key only: within a group the order is random

    def said(question_id: str, value: str | None) -> str:
        question = by_id.get(question_id)
        if value is None:
            return left_out
        return answers.describe(question, value) if question is not None else ""

    header = [_("Language of answering"), _("Period")]
    header += [by_id[key].text(lang) for key in (analysis.PLACE, analysis.SERVICE) if key in by_id]
    body = []
    for row in sorted(rows, key=lambda r: tuple(v or "" for v in (r.language, r.month, r.place, r.service))):
        line: list[object] = [row.language or left_out, row.month or whole_period]
        line += [said(key, value) for key, value in ((analysis.PLACE, row.place), (analysis.SERVICE, row.service)) if key in by_id]
        body.append(line + [answers.describe(q, row.answers.get(q.id)) for q in columns])
    return _csv(survey.id, [header + [q.text(lang) for q in columns], *body])


@analysts_only
async def export_texts(request: Request) -> Response:
    """The free-text answers alone, apart from the rest of their response, in a random order; only for
    the questions at least five answered."""
    survey = _survey(request)
    async with unit_of_work(request) as db:
        everything = await _responses(db, survey)
        audit.record(db, actor=current_person(request), subject=None, action=audit.AuditAction.SURVEY_EXPORTED,
                     detail=f"{survey.id}: free texts")
    lang = i18n.get_locale()
    texts = analysis.free_texts(survey, [r.answers for r in everything])
    secrets.SystemRandom().shuffle(texts)
    return _csv(f"{survey.id}-texts", [[_("Question"), _("Answer")], *([q.text(lang), text] for q, text in texts)])


def page_routes() -> list[Route]:
    return [
        Route("/analysis", index, name="analysis"),
        Route("/analysis/{survey}.csv", export, name="analysis_export"),
        Route("/analysis/{survey}/texts.csv", export_texts, name="analysis_export_texts"),
        Route("/analysis/{survey}", results, name="analysis_survey"),
    ]

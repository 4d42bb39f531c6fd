"""The survey analyst's pages at /{lang}/analysis: each survey's responses, the answers waiting to
be added and the response rate; its results as tables and charts, filtered by the language of
answering and the service kind; its free-text answers a page at a time; and CSV exports, streamed:
for an anonymous survey rows in groups of at least five (analysis.safe_export) and the free text
apart, shuffled. Every figure is the database's (analysis.py). Only for the survey analyst role;
anyone else gets "not found". HTTP only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal import audit, csvfiles, i18n
from portal.applications.journey import kind_name
from portal.applications.rules import ServiceKind
from portal.db import unit_of_work
from portal.eid.session import current_person, staff_only
from portal.forms import Choice, Form, Text
from portal.i18n import gettext as _
from portal.paging import MAX_CURSOR
from portal.people.models import StaffRoleName
from portal.surveys import analysis, answers, charts, service
from portal.surveys.definitions import Question, Survey, all_surveys
from portal.templating import lang_url, render

Endpoint = Callable[[Request], Awaitable[Response]]


analysts_only = staff_only(StaffRoleName.SURVEY_ANALYST)


# The pages' filters and cursors, in the URL; a value that is not one of the choices is the default.
# (Declared here rather than in surveys/forms.py, which holds the answering pages' fields.)
class SurveysForm(Form):
    after = Text(max_length=MAX_CURSOR)
    before = Text(max_length=MAX_CURSOR)


class ResultsForm(Form):
    language = Choice(["", *i18n.LOCALES])
    kind = Choice(["", *[kind.value for kind in ServiceKind]])
    after = Text(max_length=MAX_CURSOR)
    before = Text(max_length=MAX_CURSOR)

    def chosen(self) -> analysis.Chosen:
        return analysis.Chosen(language=self.values["language"], kind=self.values["kind"])


@analysts_only
async def index(request: Request) -> Response:
    form = SurveysForm.from_query(request)
    page = analysis.surveys_page(list(all_surveys().values()), after=form.values["after"], before=form.values["before"])
    async with unit_of_work(request) as db:
        rows = await analysis.figures(db, page.rows)

    def page_href(**cursor: str) -> str:
        return lang_url(request, "analysis") + "?" + urlencode(cursor)

    return render(request, "analysis/index.html", {
        "rows": rows, "release_batch": service.RELEASE_BATCH,
        "previous_href": page_href(before=page.before) if page.before else None,
        "next_href": page_href(after=page.after) if page.after else None,
    })


def _survey(request: Request) -> Survey:
    survey = all_surveys().get(request.path_params["survey"])
    if survey is None:
        raise HTTPException(404)
    return survey


def _filter_options() -> dict[str, list[dict[str, str]]]:
    return {
        "language_options": [{"value": "", "text": _("All languages")}]
        + [{"value": code, "text": i18n.LANGUAGE_NAMES[code]} for code in i18n.LOCALES],
        "kind_options": [{"value": "", "text": _("All services")}] + [{"value": k.value, "text": kind_name(k)} for k in ServiceKind],
    }


def _filters(form: ResultsForm) -> dict[str, str]:
    return {"language": form.values["language"], "kind": form.values["kind"]}


def _with_filters(path: str, filters: dict[str, str], **more: str) -> str:
    query = urlencode({name: value for name, value in (filters | more).items() if value})
    return path + ("?" + query if query else "")


@analysts_only
async def results(request: Request) -> Response:
    survey = _survey(request)
    form = ResultsForm.from_query(request)
    async with unit_of_work(request) as db:
        found = await analysis.results(db, survey, form.chosen())
    lang = i18n.get_locale()
    filters = _filters(form)
    items = []
    for result in found.questions:
        question = result.question
        words = {o.value: o.text(lang) for o in question.options}
        table_rows = [[words[row.value], i18n.format_number(row.count) if row.count is not None else _("fewer than 5"),
                       f"{i18n.format_number(row.percent)} %" if row.percent is not None else "–"] for row in result.rows]
        chart = None
        if result.rows:
            chart = charts.bars([(words[row.value], row.count, f"{row.count} ({i18n.format_number(row.percent or 0)} %)"
                                  if row.count is not None else _("fewer than 5")) for row in result.rows])
        more = None
        if question.kind == "text" and not result.suppressed and result.answered > len(result.texts):
            more = _with_filters(lang_url(request, "analysis_texts", survey=survey.id, question=question.id), filters)
        items.append({"result": result, "text": question.text(lang), "rows": table_rows, "chart": chart, "more": more})
    return render(request, "analysis/survey.html", {
        "survey": survey, "items": items, "count": found.count, "total": found.total, "enough": found.enough,
        "held": found.held, "release_batch": service.RELEASE_BATCH, "filters": filters, "min_group": analysis.MIN_GROUP,
        **_filter_options(),
    })


def _text_question(survey: Survey, request: Request) -> Question:
    question = next((q for q in survey.questions() if q.id == request.path_params["question"] and q.kind == "text"), None)
    if question is None:
        raise HTTPException(404)
    return question


@analysts_only
async def texts(request: Request) -> Response:
    """One free-text question's answers, a page at a time, with the results' filters."""
    survey = _survey(request)
    question = _text_question(survey, request)
    form = ResultsForm.from_query(request)
    async with unit_of_work(request) as db:
        found = await analysis.texts_page(db, survey, question, form.chosen(), after=form.values["after"], before=form.values["before"])
    filters = _filters(form)
    path = lang_url(request, "analysis_texts", survey=survey.id, question=question.id)
    return render(request, "analysis/texts.html", {
        "survey": survey, "question": question, "text": question.text(i18n.get_locale()), "found": found,
        "filters": filters, "results_href": _with_filters(lang_url(request, "analysis_survey", survey=survey.id), filters),
        "previous_href": _with_filters(path, filters, before=found.page.before) if found.page.before else None,
        "next_href": _with_filters(path, filters, after=found.page.after) if found.page.after else None,
        **_filter_options(),
    })


async def _audited(request: Request, survey: Survey, what: str) -> None:
    """The export is recorded, and committed, before a byte of it is sent."""
    async with unit_of_work(request) as db:
        audit.record(db, actor=current_person(request), subject=None, action=audit.AuditAction.SURVEY_EXPORTED,
                     detail=f"{survey.id}: {what}")


@analysts_only
async def export(request: Request) -> Response:
    """The responses, the answers in words in the page's language. An anonymous survey's rows share their
    language, period, place and service with at least four others (coarsened, or left out), and carry
    no free text and no number; a survey that is not anonymous has every response, one row each."""
    survey = _survey(request)
    await _audited(request, survey, "responses")
    lang = i18n.get_locale()
    if not survey.anonymous:
        questions = survey.questions()

        async def every_row() -> AsyncIterator[list[object]]:
            async with unit_of_work(request) as db:
                number = 0
                async for language, submitted_on, given in analysis.every_response(db, survey):
                    number += 1
                    yield [number, language, submitted_on.strftime("%Y-%m"), *(answers.describe(q, given.get(q.id)) for q in questions)]

        header = [_("Number"), _("Language of answering"), _("Month"), *(q.text(lang) for q in questions)]
        return csvfiles.attachment(f"{survey.id}.csv", csvfiles.streamed(header, every_row()))
    keyed = {analysis.PLACE, analysis.SERVICE}
    columns = [q for q in survey.questions() if q.kind != "text" and q.id not in keyed]
    by_id = {q.id: q for q in survey.questions()}
    left_out, whole_period = _("not shown"), f"{survey.opens:%Y-%m}–{survey.closes:%Y-%m}"

    def said(question_id: str, value: str | None) -> str:
        question = by_id.get(question_id)
        if value is None:
            return left_out
        return answers.describe(question, value) if question is not None else ""

    async def safe_rows() -> AsyncIterator[list[object]]:
        async with unit_of_work(request) as db:
            async for row in analysis.safe_export(db, survey):
                line: list[object] = [row.language or left_out, row.month or whole_period]
                line += [said(key, value) for key, value in ((analysis.PLACE, row.place), (analysis.SERVICE, row.service)) if key in by_id]
                yield line + [answers.describe(q, row.answers.get(q.id)) for q in columns]

    header = [_("Language of answering"), _("Period")]
    header += [by_id[key].text(lang) for key in (analysis.PLACE, analysis.SERVICE) if key in by_id]
    return csvfiles.attachment(f"{survey.id}.csv", csvfiles.streamed(header + [q.text(lang) for q in columns], safe_rows()))


@analysts_only
async def export_texts(request: Request) -> Response:
    """The free-text answers alone, apart from the rest of their response, in a random order; only for
    the questions at least five answered."""
    survey = _survey(request)
    await _audited(request, survey, "free texts")
    lang = i18n.get_locale()
    words = {q.id: q.text(lang) for q in survey.questions()}

    async def shuffled() -> AsyncIterator[list[object]]:
        async with unit_of_work(request) as db:
            async for question_id, text in analysis.shuffled_texts(db, survey):
                yield [words[question_id], text]

    return csvfiles.attachment(f"{survey.id}-texts.csv", csvfiles.streamed([_("Question"), _("Answer")], shuffled()))


def page_routes() -> list[Route]:
    return [
        Route("/analysis", index, name="analysis"),
        Route("/analysis/{survey}.csv", export, name="analysis_export"),
        Route("/analysis/{survey}/texts.csv", export_texts, name="analysis_export_texts"),
        Route("/analysis/{survey}/free-text/{question}", texts, name="analysis_texts"),
        Route("/analysis/{survey}", results, name="analysis_survey"),
    ]

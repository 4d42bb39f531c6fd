"""The results of a survey as tables: counts and percentages per answer, mean and distribution
for rating scales, the free-text answers; and the rows of its CSV exports. No group smaller than
MIN_GROUP is ever shown: a count below it reads "fewer than 5", and a filter that leaves fewer
responses shows nothing.

The results page reads the tallies (surveys/tallies.py: counts per survey, language, service kind,
question and option, kept on every write of a response), summed for the filters with GROUP BY in the
database, so a page reads a few rows per question however many responses there are, and what fewer
than MIN_GROUP share never leaves the database (the sums under MIN_GROUP are filtered out there).
Its first free texts, the free texts' pages and the exports read the responses, in the database, on
SQLite and PostgreSQL alike (json_each, jsonb_array_elements_text), the exports streamed from one
statement each (window counts keep groups under MIN_GROUP out of them). `tabulate` and `safe_rows`
are the same rules in Python over a list of responses: the definition the tallies and the SQL are
checked against (tests/surveys/test_analysis_sql.py), not what the pages use. No HTTP here.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from typing import cast as cast_type

from sqlalchemy import Float, Integer, Select, String, and_, case, cast, func, literal, select, true, union_all
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from portal.db import read_only
from portal.entitlements.models import Entitlement
from portal.i18n import WrittenText
from portal.paging import PAGE_SIZE, Key, Page, cursor_text, keyset_page, read_cursor
from portal.surveys import tallies
from portal.surveys.answers import shows
from portal.surveys.definitions import Question, Survey
from portal.surveys.models import SurveyHeldAnswer, SurveyParticipation, SurveyResponse, SurveyTally

MIN_GROUP = 5
TEXTS_SHOWN = 10  # free-text answers on the results page; the rest a page at a time (`texts_page`)
STREAM_BATCH = 500  # rows fetched from the database's cursor at a time while an export streams

T = TypeVar("T")
Rows = Select[*tuple[Any, ...]]  # a SELECT of any columns


@dataclass(frozen=True)
class Row:
    value: str
    count: int | None  # None: fewer than MIN_GROUP, not shown
    percent: float | None


@dataclass(frozen=True)
class QuestionResult:
    question: Question
    answered: int  # 0 when suppressed: how many fewer than MIN_GROUP is not said
    rows: tuple[Row, ...]
    mean: float | None  # for a scale, when enough answered
    texts: tuple[str, ...]  # free text, when enough answered (on the results page: the first TEXTS_SHOWN)
    suppressed: bool  # fewer than MIN_GROUP answered this question


def _row(value: str, count: int, answered: int) -> Row:
    if count < MIN_GROUP:
        return Row(value, None, None)
    return Row(value, count, round(100 * count / answered, 1) if answered else 0.0)


def tabulate(survey: Survey, responses: Sequence[dict[str, Any]]) -> list[QuestionResult]:
    """The results of the responses' answers, in Python: the definition `results` computes in SQL."""
    results = []
    for question in survey.questions():
        given = [r[question.id] for r in responses if shows(question, r) and r.get(question.id) not in (None, "", [])]
        answered = len(given)
        suppressed = answered < MIN_GROUP
        if question.kind == "text":
            texts = tuple(sorted(str(t) for t in given)) if not suppressed else ()
            results.append(QuestionResult(question, answered, (), None, texts, suppressed))
            continue
        counts = {o.value: 0 for o in question.options}
        for answer in given:
            for value in (answer if isinstance(answer, list) else [answer]):
                if value in counts:
                    counts[value] += 1
        rows = tuple(_row(value, count, answered) for value, count in counts.items()) if not suppressed else ()
        mean = None
        if question.kind == "scale" and not suppressed:
            mean = round(sum(int(v) * c for v, c in counts.items()) / answered, 2)
        results.append(QuestionResult(question, answered, rows, mean, (), suppressed))
    return results


# The answers that, with the language and the period, single a respondent out: where they receive the
# service and which service (issue 13: 21 of 34 such combinations were one person's). A survey that does
# not ask them has the language and the period only.
PLACE, SERVICE = "where", "service_kind"


@dataclass(frozen=True)
class ExportRow:
    """One response as the anonymous export shows it: a key column is None where it is left out."""

    language: str | None
    month: str | None  # "YYYY-MM"; None: the survey's whole period
    place: str | None
    service: str | None
    answers: dict[str, Any]


# What is kept of (language, month, place, service), tried in turn: a response is shown at the first that
# at least MIN_GROUP responses (not yet shown) share; one that shares none with enough is left out.
COARSENINGS: tuple[tuple[bool, bool, bool, bool], ...] = (
    (True, True, True, True),
    (True, False, True, True),
    (False, False, True, True),
    (False, False, False, True),
    (False, False, False, False),
)


def _key(response: Any, keep: tuple[bool, bool, bool, bool]) -> tuple[str | None, ...]:
    answers = response.answers
    full = (response.language, response.submitted_on.strftime("%Y-%m"), str(answers.get(PLACE) or ""), str(answers.get(SERVICE) or ""))
    return tuple(value if kept else None for value, kept in zip(full, keep, strict=True))


def safe_rows(responses: Sequence[Any]) -> tuple[list[ExportRow], int]:
    """The responses of an anonymous survey as rows in which every combination of language, period,
    place and service occurs at least MIN_GROUP times (coarsened, or left out); and how many were left
    out. The free text is not in them. In Python: the definition `safe_export` computes in SQL."""
    waiting = list(responses)
    shown: list[ExportRow] = []
    for keep in COARSENINGS:
        groups: dict[tuple[str | None, ...], list[Any]] = {}
        for response in waiting:
            groups.setdefault(_key(response, keep), []).append(response)
        waiting = []
        for key, members in groups.items():
            if len(members) < MIN_GROUP:
                waiting.extend(members)
                continue
            language, month, place, service = key
            shown.extend(ExportRow(language, month, place, service, dict(r.answers)) for r in members)
    return shown, len(waiting)


# ------------------------------------------------------------------ in SQL


@dataclass(frozen=True)
class _Values:
    """A "several choices" answer's values as a one-column table `value`, to join beside its response
    `where` the answer is a list (answers.answer_problem: it always is; anything else counts as no answer)."""

    table: Any
    where: ColumnElement[bool]


class _Spelling:
    """The few expressions SQLite and PostgreSQL spell differently: the responses with their answers
    read once, an answer's list of values as rows, a date's month, a random sort key, code-point order."""

    def __init__(self, db: AsyncSession) -> None:
        self.postgres = db.get_bind().dialect.name == "postgresql"

    def responses(self, conditions: Sequence[ColumnElement[bool]], inline: bool = False) -> Any:
        """The responses the conditions choose (id, survey_id, language, submitted_on, answers), as a WITH
        query the figures read from (`inline`: a subquery, which the planner merges into each query that
        reads it, so that an index's order and a LIMIT reach the table). On PostgreSQL the column is jsonb
        (migration 0023: json was parsed again for every response on every page); the cast only gives
        the expression jsonb's operators."""
        answers = cast(SurveyResponse.answers, JSONB) if self.postgres else SurveyResponse.answers
        chosen = select(SurveyResponse.id, SurveyResponse.survey_id, SurveyResponse.language, SurveyResponse.submitted_on,
                        answers.label("answers")).where(*conditions)
        return chosen.subquery("chosen") if inline else chosen.cte("chosen")

    def values(self, source: Any, question_id: str) -> _Values:
        if self.postgres:
            given = source.c.answers[question_id]
            # jsonb_array_elements_text refuses what is not a list: an empty one instead.
            only_lists = case((func.jsonb_typeof(given) == "array", given), else_=cast(literal("[]"), JSONB))
            return _Values(func.jsonb_array_elements_text(only_lists).table_valued("value").render_derived(), true())
        path = literal(f'$."{question_id}"', String)
        # json_each walks a single value too: only lists count.
        return _Values(func.json_each(source.c.answers, path).table_valued("value"), func.json_type(source.c.answers, path) == "array")

    def month(self, day: Any) -> ColumnElement[str]:
        return func.to_char(day, "YYYY-MM") if self.postgres else func.strftime("%Y-%m", day)

    def random_key(self) -> ColumnElement[Any]:
        """A sort key from the operating system's randomness, as `secrets` has it: on PostgreSQL
        gen_random_uuid() (random() is a seeded generator there), on SQLite random() (ChaCha20 seeded
        from the operating system)."""
        return func.gen_random_uuid() if self.postgres else func.random()

    def in_order(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """Code-point order, as Python sorts (PostgreSQL's default collation sorts by language)."""
        return text.collate("C") if self.postgres else text


def _answer(source: Any, question_id: str) -> ColumnElement[str]:
    return cast_type(ColumnElement[str], source.c.answers[question_id].as_string())


@dataclass(frozen=True)
class Chosen:
    """The results' filters: the language of answering, and the service kind from the survey's own question."""

    language: str = ""
    kind: str = ""


def _matching(survey: Survey, chosen: Chosen) -> list[ColumnElement[bool]]:
    conditions = [SurveyResponse.survey_id == survey.id]
    if chosen.language:
        conditions.append(SurveyResponse.language == chosen.language)
    if chosen.kind:
        conditions.append(SurveyResponse.answers[SERVICE].as_string() == chosen.kind)
    return conditions


def _shows(sql: _Spelling, source: Any, survey: Survey, question: Question) -> ColumnElement[bool]:
    """answers.shows in SQL: a question with a condition counts only when the earlier answer is one of its values."""
    if question.show_if is None:
        return true()
    earlier = next((q for q in survey.questions() if q.id == question.show_if.question), None)
    if earlier is not None and earlier.kind == "multiple":
        values = sql.values(source, earlier.id)
        return select(values.table.c.value).where(values.where, values.table.c.value.in_(question.show_if.answers)).exists()
    return _answer(source, question.show_if.question).in_(question.show_if.answers)


def _given(sql: _Spelling, source: Any, question: Question) -> ColumnElement[bool]:
    """The question was answered: not missing, null, "" or an empty list."""
    if question.kind == "multiple":
        values = sql.values(source, question.id)
        return select(values.table.c.value).where(values.where).exists()
    return and_(_answer(source, question.id).is_not(None), _answer(source, question.id) != "")


def _answered(sql: _Spelling, source: Any, survey: Survey, question: Question) -> list[ColumnElement[bool]]:
    return [_shows(sql, source, survey, question), _given(sql, source, question)]


@dataclass(frozen=True)
class Results:
    total: int  # every response of the survey (added to the results)
    count: int | None  # those the filters chose; None: fewer than MIN_GROUP, and nothing else is shown
    held: int  # answers waiting to be added (anonymous: in batches of at least MIN_GROUP)
    questions: list[QuestionResult]

    @property
    def enough(self) -> bool:
        return self.count is not None


def _tally_filters(survey: Survey, chosen: Chosen) -> list[ColumnElement[bool]]:
    conditions = [SurveyTally.survey_id == survey.id]
    if chosen.language:
        conditions.append(SurveyTally.language == chosen.language)
    if chosen.kind:
        conditions.append(SurveyTally.kind == chosen.kind)
    return conditions


def _tallied(survey: Survey, chosen: Chosen) -> Rows:
    """(question, value, n, answered, mean) from the tallies the filters choose, summed over the groups they
    leave: the responses (question RESPONSES), how many answered each question (value ANSWERED; for a
    scale with its mean) and how many chose each option. Nothing fewer than MIN_GROUP share comes back:
    no question (nor the responses) fewer answered, no option fewer chose."""
    grouped = (select(SurveyTally.question, SurveyTally.value, func.sum(SurveyTally.n).label("n"))
               .where(*_tally_filters(survey, chosen)).group_by(SurveyTally.question, SurveyTally.value).subquery())
    question, value, n = grouped.c.question, grouped.c.value, grouped.c.n
    answered = func.max(case((value == tallies.ANSWERED, n))).over(partition_by=question)
    # A scale's options are its points (definitions.load): the mean is the points chosen over how many answered.
    scales = [(and_(question == q.id, value.in_([o.value for o in q.options])), cast(value, Integer) * n)
              for q in survey.questions() if q.kind == "scale"]
    points = func.sum(case(*scales, else_=0)).over(partition_by=question) if scales else literal(0)
    totals = select(question, value, n, answered.label("answered"), points.label("points")).subquery()
    return (select(totals.c.question, totals.c.value, totals.c.n, totals.c.answered,
                   cast(totals.c.points, Float) / totals.c.answered)
            .where(totals.c.answered >= MIN_GROUP, totals.c.n >= MIN_GROUP))


async def results(db: AsyncSession, survey: Survey, chosen: Chosen) -> Results:
    """The survey's results for the filters, as `tabulate` has them (a free text's first TEXTS_SHOWN
    answers), from the tallies (surveys/tallies.py): three statements, none of which reads the responses
    but the free texts' few (the counts, every question's figures, the first texts)."""
    sql = _Spelling(db)
    responses = SurveyTally.question == tallies.RESPONSES
    total, count, held = (await db.execute(select(
        select(func.coalesce(func.sum(SurveyTally.n), 0)).where(SurveyTally.survey_id == survey.id, responses).scalar_subquery(),
        # NULL when the filters leave fewer than MIN_GROUP: then nothing else is asked.
        select(func.sum(SurveyTally.n)).where(*_tally_filters(survey, chosen), responses)
        .group_by(SurveyTally.survey_id).having(func.sum(SurveyTally.n) >= MIN_GROUP).scalar_subquery(),
        select(func.count()).where(SurveyHeldAnswer.survey_id == survey.id).scalar_subquery(),
    ))).one()
    if count is None:
        return Results(int(total), None, int(held), [])
    answered: dict[str, tuple[int, float | None]] = {}
    chose: dict[tuple[str, str], int] = {}
    for question_id, value, number, of, mean in (await db.execute(_tallied(survey, chosen))).all():
        if question_id == tallies.RESPONSES:
            continue  # the count, above
        if value == tallies.ANSWERED:
            answered[question_id] = (int(of), mean)
        else:
            chose[(question_id, value)] = int(number)
    texts = await _first_texts(db, sql, survey, chosen, [q for q in survey.questions() if q.kind == "text" and q.id in answered])
    questions = []
    for question in survey.questions():
        if question.id not in answered:
            questions.append(QuestionResult(question, 0, (), None, (), True))
            continue
        number, mean = answered[question.id]
        rows = () if question.kind == "text" else tuple(_row(o.value, chose.get((question.id, o.value), 0), number) for o in question.options)
        average = round(float(mean), 2) if question.kind == "scale" and mean is not None else None
        questions.append(QuestionResult(question, number, rows, average, texts.get(question.id, ()), False))
    return Results(int(total), int(count), int(held), questions)


async def _first_texts(db: AsyncSession, sql: _Spelling, survey: Survey, chosen: Chosen,
                       questions: Sequence[Question]) -> dict[str, tuple[str, ...]]:
    """The first TEXTS_SHOWN answers to each free-text question, in the order of `texts_page`, in one
    statement: per question the responses in the order of their ids, up to the first TEXTS_SHOWN that
    answered it (an index's order, not a sort of them all)."""
    if not questions:
        return {}
    source = sql.responses(_matching(survey, chosen), inline=True)
    firsts = [select(literal(q.id, String).label("question"), _answer(source, q.id).label("text"), source.c.language, source.c.id)
              .where(*_answered(sql, source, survey, q)).order_by(source.c.id).limit(TEXTS_SHOWN).subquery()
              for q in questions]
    every = union_all(*(select(first.c.question, first.c.text, first.c.language, first.c.id) for first in firsts)).subquery()
    found: dict[str, list[str]] = {}
    for question_id, text, language in (await db.execute(
            select(every.c.question, every.c.text, every.c.language).order_by(every.c.question, every.c.id))).all():
        found.setdefault(question_id, []).append(WrittenText(text, language))
    return {key: tuple(texts) for key, texts in found.items()}


TEXT_KEY_KINDS = "s"  # a free text's place in its list: its response's random id (the text itself may be long)


@dataclass(frozen=True)
class Texts:
    answered: int | None  # None: fewer than MIN_GROUP answered (or responses matched): nothing shown
    page: Page[str]


async def texts_page(db: AsyncSession, survey: Survey, question: Question, chosen: Chosen,
                     after: str = "", before: str = "", size: int = PAGE_SIZE) -> Texts:
    """A page of the answers to a free-text question, in the order of their responses' random ids (which
    says nothing of who answered when): two statements, however many answered (how many matched and
    answered from the tallies, then the page in the order of an index)."""
    sql = _Spelling(db)
    source = sql.responses(_matching(survey, chosen), inline=True)
    where = _answered(sql, source, survey, question)
    # Only what at least MIN_GROUP share comes back from the tallies: a count missing is one under it.
    shown = {(question_id, value): of for question_id, value, _n, of, _mean in (await db.execute(_tallied(survey, chosen))).all()}
    matched, answered = shown.get((tallies.RESPONSES, tallies.ANSWERED)), shown.get((question.id, tallies.ANSWERED))
    if matched is None or answered is None:
        return Texts(None, Page([], None, None))
    query = cast_type(Select[Any], select(source.c.id, _answer(source, question.id), source.c.language).where(*where))
    found: Page[Any] = await keyset_page(db, query, (source.c.id,), lambda row: (row[0],), after=read_cursor(after, TEXT_KEY_KINDS),
                                         before=read_cursor(before, TEXT_KEY_KINDS), size=size, entities=True)
    return Texts(int(answered), Page([WrittenText(row[1], row[2]) for row in found.rows], found.after, found.before))


# ------------------------------------------------------------------ the list of surveys


SURVEY_KEY_KINDS = "ds"  # a survey's place in the list: the day it opens, then its id (newest first)


def _survey_key(survey: Survey) -> Key:
    return (survey.opens, survey.id)


def surveys_page(surveys: Sequence[Survey], after: str = "", before: str = "", size: int = PAGE_SIZE) -> Page[Survey]:
    """A page of the surveys, newest first, found by key as `paging.keyset_page` finds rows (the surveys
    are definition files, not rows)."""
    return _page(sorted(surveys, key=_survey_key, reverse=True), _survey_key,
                 read_cursor(after, SURVEY_KEY_KINDS), read_cursor(before, SURVEY_KEY_KINDS), size)


def _page(ordered: Sequence[T], key: Callable[[T], Key], after: Key | None, before: Key | None, size: int) -> Page[T]:
    """The page after `after` (or before `before`) of `ordered`, which is in descending order of `key`."""
    if before is not None and after is None:
        earlier = [item for item in ordered if key(item) > before]
        rows, has_previous, has_next = earlier[-size:], len(earlier) > size, True
    else:
        later = [item for item in ordered if after is None or key(item) < after]
        rows, has_previous, has_next = later[:size], after is not None, len(later) > size
    return Page(list(rows), after=cursor_text(key(rows[-1])) if rows and has_next else None,
                before=cursor_text(key(rows[0])) if rows and has_previous else None)


@dataclass(frozen=True)
class Figures:
    """What the list of surveys says of one: its responses, the answers waiting, and its response rate."""

    survey: Survey
    responses: int
    held: int
    asked: int | None  # the people the survey is for, over its period; None: not known (public, signed in)
    answered: int | None  # of those same people, how many answered (held answers included)

    @property
    def rate(self) -> float | None:
        """answered ÷ asked, both counted in the same people: never over 100 %."""
        if not self.asked or self.answered is None:
            return None
        return round(100 * self.answered / self.asked, 1)


def _asked(survey: Survey) -> Rows | None:
    """The people a recipients' survey asks: anyone with a grant of its kinds during its period (whom
    service.may_answer lets answer while it is open)."""
    if survey.audience != "recipients":
        return None
    query = select(Entitlement.person_id).where(Entitlement.valid_to >= survey.opens, Entitlement.valid_from <= survey.closes)
    if survey.kinds:
        query = query.where(Entitlement.kind.in_(survey.kinds))
    return query


async def figures(db: AsyncSession, surveys: Sequence[Survey]) -> list[Figures]:
    """Each survey's figures, in one statement for them all.

    The response rate counts people, not responses: of the people the survey asks, those who answered
    (a participation, written when a signed-in person submits), so that both figures count the same
    people. Responses over people counted visitors, demo answers and people outside the audience too,
    and read 2,400 % (issue 15)."""
    if not surveys:
        return []
    ids = [survey.id for survey in surveys]
    parts: list[Rows] = [
        select(SurveyTally.survey_id, literal("responses", String), func.sum(SurveyTally.n))
        .where(SurveyTally.survey_id.in_(ids), SurveyTally.question == tallies.RESPONSES).group_by(SurveyTally.survey_id),
        select(SurveyHeldAnswer.survey_id, literal("held", String), func.count())
        .where(SurveyHeldAnswer.survey_id.in_(ids)).group_by(SurveyHeldAnswer.survey_id),
    ]
    for survey in surveys:
        asked = _asked(survey)
        if asked is None:
            continue
        people = asked.subquery()
        parts.append(select(literal(survey.id, String), literal("asked", String), func.count(func.distinct(people.c.person_id))))
        parts.append(select(literal(survey.id, String), literal("answered", String), func.count())
                     .where(SurveyParticipation.survey_id == survey.id, SurveyParticipation.person_id.in_(asked)))
    found = {(survey_id, measure): int(number) for survey_id, measure, number in (await db.execute(union_all(*parts))).all()}
    return [Figures(survey, found.get((survey.id, "responses"), 0), found.get((survey.id, "held"), 0),
                    found.get((survey.id, "asked")), found.get((survey.id, "answered"))) for survey in surveys]


# ------------------------------------------------------------------ the exports, streamed


async def _streamed(db: AsyncSession, statement: Rows) -> AsyncIterator[Any]:
    """The statement's rows as the database's cursor gives them (on PostgreSQL a server-side cursor),
    STREAM_BATCH at a time, never all at once; in a transaction that only reads, so that on SQLite no
    writer waits while a download runs."""
    await read_only(db)
    result = await db.stream(statement.execution_options(yield_per=STREAM_BATCH))
    async for partition in result.partitions(STREAM_BATCH):
        for row in partition:
            yield row


def every_response(db: AsyncSession, survey: Survey) -> AsyncIterator[Any]:
    """A survey that is not anonymous: (language, submitted_on, answers) of every response, in the order
    they were given."""
    return _streamed(db, select(SurveyResponse.language, SurveyResponse.submitted_on, SurveyResponse.answers)
                     .where(SurveyResponse.survey_id == survey.id).order_by(SurveyResponse.submitted_on, SurveyResponse.id))


KEYS = ("language", "month", "place", "service")


def _coarsened(sql: _Spelling, survey: Survey) -> Rows:
    """`safe_rows` in one statement. For each coarsening in turn, a window count of the responses still
    waiting (not shown at an earlier one) that share the response's key; a response is shown at the
    first at which at least MIN_GROUP share it, with the key as kept there; one shown at none is not
    selected. The windows sort only the keys; the answers are joined to what is shown at the end."""
    source = select(
        SurveyResponse.id, SurveyResponse.language, sql.month(SurveyResponse.submitted_on).label("month"),
        func.coalesce(SurveyResponse.answers[PLACE].as_string(), "").label("place"),
        func.coalesce(SurveyResponse.answers[SERVICE].as_string(), "").label("service"),
    ).where(SurveyResponse.survey_id == survey.id).subquery()
    for level, keep in enumerate(COARSENINGS):
        waiting = and_(true(), *(source.c[f"shared{earlier}"] < MIN_GROUP for earlier in range(level)))
        partition = [source.c[name] for name, kept in zip(KEYS, keep, strict=True) if kept]
        shared = func.sum(case((waiting, 1), else_=0)).over(partition_by=partition or None)
        source = select(*source.c, shared.label(f"shared{level}")).subquery()
    # CASE takes the first that holds: reaching level n means fewer than MIN_GROUP shared at each before.
    shown_at = case(*((source.c[f"shared{level}"] >= MIN_GROUP, level) for level in range(len(COARSENINGS))), else_=None)
    ranked = select(*(source.c[name] for name in ("id", *KEYS)), shown_at.label("level")).subquery()
    shown = [case((ranked.c.level.in_([n for n, keep in enumerate(COARSENINGS) if keep[index]]), ranked.c[name]), else_=None).label(name)
             for index, name in enumerate(KEYS)]
    return (select(*shown, SurveyResponse.answers).join_from(ranked, SurveyResponse, SurveyResponse.id == ranked.c.id)
            .where(ranked.c.level.is_not(None))
            # In the order of what is shown; within a group, in an order from the system's randomness.
            .order_by(*(sql.in_order(func.coalesce(column, "")) for column in shown), sql.random_key()))


async def safe_export(db: AsyncSession, survey: Survey) -> AsyncIterator[ExportRow]:
    """The anonymous survey's rows as `safe_rows` gives them, in the order of what is shown and shuffled
    within each group: streamed from one statement."""
    async for language, month, place, service, answers in _streamed(db, _coarsened(_Spelling(db), survey)):
        yield ExportRow(language, month, place, service, dict(answers))


async def shuffled_texts(db: AsyncSession, survey: Survey) -> AsyncIterator[tuple[str, str]]:
    """(question id, text) of every free-text answer, apart from the rest of its response, for the
    questions at least MIN_GROUP answered, in an order from the system's randomness: one statement."""
    sql = _Spelling(db)
    questions = [q for q in survey.questions() if q.kind == "text"]
    if not questions:
        return
    source = sql.responses([SurveyResponse.survey_id == survey.id])
    texts = union_all(*(select(literal(q.id, String).label("question"), _answer(source, q.id).label("text"))
                        .where(*_answered(sql, source, survey, q)) for q in questions)).subquery()
    counted = select(texts.c.question, texts.c.text, func.count().over(partition_by=texts.c.question).label("answered")).subquery()
    async for question_id, text in _streamed(db, select(counted.c.question, counted.c.text)
                                             .where(counted.c.answered >= MIN_GROUP).order_by(sql.random_key())):
        yield question_id, text

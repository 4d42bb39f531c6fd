"""`python -m bench.national`: a country's worth of data in a local PostgreSQL database, in a few minutes.

Not run in CI, and not by `make bench`: it drops the `public` schema of the database it is given
(only on 127.0.0.1 or localhost). The schema is the migrations' (`portal.db.upgrade`), the demo
data is seeded first (`portal.demo.seed`, so the demo people can sign in), and then, with one
fixed seed and relative to today: 100,000 people, 10,000 applications across the 43
municipalities (half in Rīga), 9,000 grants with their assistants, 24 months of monthly reports
and time entries, 20,000 survey answers and 200,000 audit events; then what surrounds them that the
pages read too (bench/national_rest.py): self-assessments, register reads, documents, contact
details, the last 30 days' sessions and the last 90 days' messages sent.

Rows are planned in Python (bench/national_plan.py) and written with COPY, several tables at
once on several connections. The big tables' indexes and foreign keys are dropped for the load
and built again afterwards from their own definitions, so building them checks every row: the
exclusion constraint of migration 0010 refuses any overlap of an assistant's entries.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import psycopg

from bench import national_names as names
from bench import national_rest
from bench.national_plan import (
    PURPOSES,
    RUSSIAN,
    SLOT_MINUTES,
    WEIGHTS,
    Assignment,
    Ids,
    Municipality,
    Person,
    World,
    between,
    number_references,
    plan,
    riga_datetime,
)

with warnings.catch_warnings():  # authlib's deprecation notices, printed on import
    warnings.simplefilter("ignore")
    from portal import clock, demo
    from portal import db as database
    from portal.applications.rules import Period
    from portal.casework import tally
    from portal.people.demo import LIGA
    from portal.settings import DEFAULT_UPLOAD_DIR
    from portal.storage import FileStorage
    from portal.surveys import answers as answering
    from portal.surveys import tallies
    from portal.surveys.definitions import Survey, all_surveys
    from portal.timesheets import pay
    from portal.timesheets.service import last_day, month_of, next_month

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/bench_national"
LOCAL_HOSTS = ("127.0.0.1", "localhost")
CITIES = {"riga": "Rīga", "daugavpils": "Daugavpils", "jelgava": "Jelgava", "jurmala": "Jūrmala", "liepaja": "Liepāja",
          "rezekne": "Rēzekne", "ventspils": "Ventspils"}
SEED = 12  # issue 12: the same country every time (for the same today)
PEOPLE = 100_000
APPLICATIONS = 10_000
GRANTS = 9_000
MONTHS = 24  # full months of reports before this one (and this one's days before today)
SURVEY_RESPONSES = 20_000
AUDIT_EVENTS = 200_000
# Loaded with their indexes and foreign keys dropped, then built again (a build is faster than
# 2 million single-row index updates, and the build checks every row at once).
BIG_TABLES = ("time_entry", "monthly_report", "report_event", "audit_event", "application_event")
TABLES = ("person", "representation", "staff_role", "application", "application_event", "entitlement", "assistant_assignment",
          "monthly_report", "time_entry", "report_event", "survey_response", "survey_participation", "audit_event")


# ------------------------------------------------------------------ the database


def psycopg_url(url: str) -> str:
    return str(database.sync_url(url).set(drivername="postgresql"))


def prepare(url: str) -> None:
    """The database (created when missing), an empty schema, the migrations, the demo data."""
    target = urlsplit(url)
    if target.hostname not in LOCAL_HOSTS:
        # The schema is dropped: only a local database, never one named by mistake.
        raise SystemExit(f"refusing to drop the schema of {url}: only a database on {' or '.join(LOCAL_HOSTS)}")
    name = target.path.lstrip("/")
    maintenance = psycopg_url(url).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(psycopg_url(url), autocommit=True) as connection:
        connection.execute("DROP SCHEMA IF EXISTS public CASCADE")
        connection.execute("CREATE SCHEMA public")
    database.upgrade(url)

    async def seed() -> None:
        db = database.Database(url)
        try:
            async with db.session() as session:
                # The portal's default upload directory: a portal started without PORTAL_UPLOAD_DIR finds the demo's documents.
                await demo.seed(session, FileStorage(DEFAULT_UPLOAD_DIR))
        finally:
            await db.dispose()

    asyncio.run(seed())


async def kept_on_write(url: str) -> None:
    """What the portal keeps on write, made from the rows COPY loaded (which no service wrote), as the
    migrations make them from a database's data: the confirmed reports' pay lines and the months'
    totals (timesheets.pay: without them the summary and the CSV would show nothing), and the desk's
    tallies and list rows (casework.tally)."""
    db = database.Database(url)
    try:
        async with db.session() as session:
            await pay.refill(session)
            await tally.rebuild(session)
    finally:
        await db.dispose()


@dataclass
class Deferred:
    """A table's foreign keys, exclusion constraints and plain indexes, as they were made."""

    table: str
    constraints: list[tuple[str, str]] = field(default_factory=list)
    indexes: list[tuple[str, str]] = field(default_factory=list)


def drop_indexes(connection: psycopg.Connection[Any], table: str) -> Deferred:
    deferred = Deferred(table)
    deferred.constraints = list(connection.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('f', 'x')",
        (table,)))
    deferred.indexes = list(connection.execute(
        "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE i.indrelid = %s::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid"
        " AND k.conrelid = i.indrelid)", (table,)))
    for constraint, _definition in deferred.constraints:
        connection.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
    for index, _definition in deferred.indexes:
        connection.execute(f'DROP INDEX "{index}"')
    return deferred


def build_indexes(url: str, deferred: Deferred) -> None:
    with psycopg.connect(psycopg_url(url), autocommit=True) as connection:
        connection.execute("SET maintenance_work_mem = '512MB'")
        for _index, definition in deferred.indexes:
            connection.execute(definition)
        for constraint, definition in deferred.constraints:
            connection.execute(f'ALTER TABLE {deferred.table} ADD CONSTRAINT "{constraint}" {definition}')


def copy_rows(connection: psycopg.Connection[Any], table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    count = 0
    with connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


class Copies:
    """One COPY per table, each on a connection of its own, written to in turns (one row stream feeds several)."""

    def __init__(self, url: str, tables: dict[str, Sequence[str]]) -> None:
        self.url, self.tables = url, tables

    def __enter__(self) -> dict[str, Any]:
        self.connections = [psycopg.connect(psycopg_url(self.url)) for _ in self.tables]
        self.copies = [c.cursor().copy(f"COPY {t} ({', '.join(cols)}) FROM STDIN")
                       for c, (t, cols) in zip(self.connections, self.tables.items(), strict=True)]
        return {table: copy.__enter__() for table, copy in zip(self.tables, self.copies, strict=True)}

    def __exit__(self, *exc: object) -> None:
        for copy in self.copies:
            copy.__exit__(*exc)  # type: ignore[arg-type]
        for connection in self.connections:
            if exc[0] is None:
                connection.commit()
            connection.close()


# ------------------------------------------------------------------ steps


@contextmanager
def step(name: str, timings: list[tuple[str, float]]) -> Iterator[None]:
    print(f"  {name} ...", end="", flush=True)
    started = time.perf_counter()
    yield
    took = time.perf_counter() - started
    timings.append((name, took))
    print(f" {took:.1f} s", flush=True)


def existing(url: str) -> tuple[Ids, list[Municipality], set[str], dict[str, int], dict[int, int], list[tuple[date, int]]]:
    """What the migrations and the demo left: the next ids, municipalities, codes, demo people, references, rates."""
    with psycopg.connect(psycopg_url(url)) as connection:
        next_ids = {table: connection.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}").fetchone()[0]  # type: ignore[index]
                    for table in TABLES if table != "survey_response"}
        municipalities = []
        for mid, code, name_lv in connection.execute("SELECT id, code, name_lv FROM municipality ORDER BY id"):
            town = CITIES.get(code) or name_lv.replace("novads", "nov.")
            municipalities.append(Municipality(mid, code, town, WEIGHTS.get(code, 1.0), RUSSIAN.get(code, 0.15)))
        people: dict[str, int] = dict(connection.execute("SELECT personal_code, id FROM person").fetchall())
        references: dict[int, int] = dict(connection.execute("SELECT year, last FROM reference_sequence").fetchall())
        rates = connection.execute("SELECT valid_from, cents FROM hourly_rate ORDER BY valid_from").fetchall()
    return Ids(next_ids), municipalities, set(people), people, references, rates


def write_people(url: str, world: World) -> None:
    with psycopg.connect(psycopg_url(url)) as connection:
        copy_rows(connection, "person", ("id", "personal_code", "given_name", "family_name", "preferred_locale", "created_at", "updated_at"),
                  ((p.id, p.code, p.given, p.family, p.locale, p.created_at, p.created_at) for p in world.people))
        representations = []
        for r in world.representations:
            recorded = min(r.representative.created_at, r.represented.created_at)  # known to the portal from the start
            representations.append((r.id, r.representative.id, r.represented.id, r.kind, r.valid_from, r.valid_to, recorded, recorded))
        copy_rows(connection, "representation", ("id", "representative_id", "represented_id", "kind", "valid_from", "valid_to",
                                                 "created_at", "updated_at"), representations)
        ids = world.ids
        copy_rows(connection, "staff_role", ("id", "person_id", "role", "municipality_id", "created_at", "updated_at"),
                  ((ids.take("staff_role"), p.id, role, m.id if m else None, p.created_at, p.created_at) for p, role, m in world.staff_roles))
        connection.commit()


def write_applications(url: str, world: World, last_references: dict[int, int]) -> None:
    with psycopg.connect(psycopg_url(url)) as connection:
        rows: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        for a in world.applications:
            a.events.sort(key=lambda e: e.at)
            rows.append((a.id, a.reference, a.person.id, a.created_by.id, a.kind.value if a.kind else None, a.status.value,
                         json.dumps(a.answers, ensure_ascii=False), a.municipality.id if a.municipality else None, a.submitted_at,
                         a.decided_at, a.events[0].at, a.events[-1].at, a.language))
            events.extend((world.ids.take("application_event"), a.id, e.at, e.actor.id, a.person.id, e.action.value,
                           e.from_status.value if e.from_status else None, e.to_status.value if e.to_status else None, e.message)
                          for e in a.events)
        copy_rows(connection, "application", ("id", "reference", "person_id", "created_by_id", "kind", "status", "answers",
                                              "municipality_id", "submitted_at", "decided_at", "created_at", "updated_at", "language"), rows)
        copy_rows(connection, "application_event", ("id", "application_id", "at", "actor_id", "on_behalf_of_id", "action", "from_status",
                                                    "to_status", "message"), events)
        copy_rows(connection, "entitlement", ("id", "person_id", "application_id", "kind", "minutes", "period", "valid_from", "valid_to",
                                              "decision_text", "decided_by_id", "created_at"),
                  ((g.id, g.application.person.id, g.application.id, g.kind.value, g.minutes, g.period.value, g.valid_from, g.valid_to,
                    names.DECISIONS[g.kind.value].format(hours=g.minutes // 60),
                    g.decided_by.id, g.decided_at) for g in world.grants))
        copy_rows(connection, "assistant_assignment", ("id", "person_id", "assistant_id", "application_id", "valid_from", "valid_to",
                                                       "assigned_by_id", "created_at"),
                  ((a.id, a.grant.application.person.id, a.assistant.id, a.grant.application.id, a.valid_from, a.valid_to,
                    a.assigned_by.id, a.created_at) for a in world.assignments))
        # The next submission's reference follows the last one given here (portal.applications.service.next_reference).
        for year, last in last_references.items():
            connection.execute("INSERT INTO reference_sequence (year, last) VALUES (%s, %s)"
                               " ON CONFLICT (year) DO UPDATE SET last = excluded.last", (year, last))
        connection.commit()


# ------------------------------------------------------------------ months


REPORT_COLUMNS = ("id", "assignment_id", "entitlement_id", "person_id", "assistant_id", "month", "revision", "superseded", "status",
                  "version", "total_minutes", "amount_cents", "submitted_at", "confirmed_at", "confirmed_by_id", "returned_reason",
                  "check_note", "created_at")
ENTRY_COLUMNS = ("id", "report_id", "assistant_id", "day", "start_minute", "end_minute", "purpose", "note", "superseded", "created_at")
EVENT_COLUMNS = ("id", "report_id", "at", "actor_id", "on_behalf_of_id", "action", "message", "entry_ids")


@dataclass(slots=True)
class Entry:
    day: date
    start: int
    end: int
    purpose: str
    note: str
    created_at: datetime


class Months:
    """Every assignment's months in the window: the entries, the report's revisions and their events."""

    def __init__(self, world: World, rates: list[tuple[date, int]], first_month: date) -> None:
        self.world, self.rates, self.first_month = world, rates, first_month
        self.rng = random.Random(SEED + 1)
        self.viewable: list[tuple[int, Person, date, int, Municipality]] = []  # for the desk's audit events
        self.statuses: Counter[str] = Counter()

    def rate_on(self, day: date) -> int:
        in_force = [cents for valid_from, cents in self.rates if valid_from <= day]
        return in_force[-1] if in_force else 0

    def amount(self, entries: Sequence[Entry]) -> int:
        # As timesheets.service.amount_cents: each entry at its day's rate, rounded once, at the end.
        return round(sum((e.end - e.start) * self.rate_on(e.day) for e in entries) / 60)

    def entries(self, assignment: Assignment, month: date, first: date, last: date) -> list[Entry]:
        """The month's plan of days over the whole assignment's part of the month; only the days until today are kept."""
        rng, grant = self.rng, assignment.grant
        minutes = grant.entry_minutes
        start = assignment.slot_start + min(assignment.offset, SLOT_MINUTES - minutes)
        weekdays = [first + timedelta(days=n) for n in range((last - first).days + 1) if (first + timedelta(days=n)).weekday() < 5]
        within = int(grant.minutes * grant.use) // minutes
        if grant.period is Period.WEEK:
            # The same weekdays each ISO week, so a week across a month's end stays within the week's hours too.
            per_week = max(1, min(5, within))
            days = [day for day in weekdays if day.isoweekday() <= per_week]
        else:
            days = sorted(rng.sample(weekdays, min(within, len(weekdays))))
        purposes = PURPOSES[grant.kind]
        found = []
        for day in days:
            if day >= self.world.today:
                break
            purpose = rng.choice(purposes)
            note = rng.choice(names.NOTES["other"]) if purpose == "other" and rng.random() < 0.7 else ""
            typed = min(riga_datetime(day, start + minutes) + timedelta(minutes=rng.randint(5, 60 * 30)), self.world.now)
            found.append(Entry(day, start, start + minutes, purpose, note, typed))
        return found

    def rows(self, copies: dict[str, Any]) -> None:
        world, ids = self.world, self.world.ids
        for assignment in world.assignments:
            grant = assignment.grant
            ends = min(assignment.valid_to or grant.valid_to, grant.valid_to)
            first = max(assignment.valid_from, grant.valid_from, self.first_month)
            month = month_of(first)
            while month <= min(ends, world.today):
                entries = self.entries(assignment, month, max(first, month), min(ends, last_day(month)))
                if entries and self.rng.random() > 0.01:  # now and then nothing is recorded (a stay in hospital)
                    self.month(copies, ids, assignment, month, entries)
                month = next_month(month)

    def month(self, copies: dict[str, Any], ids: Ids, assignment: Assignment, month: date, entries: list[Entry]) -> None:
        rng, world = self.rng, self.world
        person, assistant = assignment.grant.application.person, assignment.assistant
        over = riga_datetime(last_day(month), 16 * 60)
        days_since = (world.today - last_day(month)).days
        # A month is submitted once it is over; the person confirms within days (a few never do).
        submitted = month < month_of(world.today) and rng.random() < min(0.985, 0.45 + 0.05 * days_since)
        confirmed = submitted and rng.random() < min(0.985, 0.04 + 0.035 * days_since)
        returned = submitted and not confirmed and rng.random() < 0.06
        corrected = confirmed and days_since > 45 and rng.random() < 0.015
        events: list[tuple[datetime, Person, str, str]] = []
        submitted_at = confirmed_at = None
        confirmer = None
        if submitted:
            submitted_at = between(rng, over, min(over + timedelta(days=6), world.now))
            if confirmed and rng.random() < 0.03:  # returned once, corrected and submitted again
                returned_at = between(rng, submitted_at, min(submitted_at + timedelta(days=3), world.now))
                events += [(submitted_at, assistant, "submitted", ""),
                           (returned_at, world.representative_by(person, returned_at.date()), "returned", rng.choice(names.RETURNS))]
                submitted_at = between(rng, returned_at, min(returned_at + timedelta(days=3), world.now))
            events.append((submitted_at, assistant, "submitted", ""))
            if confirmed or returned:
                at = between(rng, submitted_at, min(submitted_at + timedelta(days=10), world.now))
                confirmer = world.representative_by(person, at.date())
                if confirmed:
                    confirmed_at = at
                    events.append((at, confirmer, "confirmed", ""))
                else:
                    events.append((at, confirmer, "returned", rng.choice(names.RETURNS)))
        status = "confirmed" if confirmed else "returned" if returned else "submitted" if submitted else "open"
        reason = events[-1][3] if returned else ""
        self.report(copies, ids, assignment, month, 1, corrected, status, entries, events, submitted_at, confirmed_at,
                               confirmer if confirmed else None, reason)
        if corrected:
            assert confirmed_at is not None and confirmer is not None
            # A correction: the next revision with the entries copied (one shortened), confirmed again.
            copied = [Entry(e.day, e.start, e.end, e.purpose, e.note, e.created_at) for e in entries]
            if copied[0].end - copied[0].start > 60:
                copied[0].end -= 30
            started = between(rng, confirmed_at, min(confirmed_at + timedelta(days=30), world.now - timedelta(days=2)))
            again = between(rng, started, min(started + timedelta(days=2), world.now))
            done = between(rng, again, min(again + timedelta(days=5), world.now))
            self.report(copies, ids, assignment, month, 2, False, "confirmed", copied,
                        [(started, assistant, "correction_started", "1"), (again, assistant, "submitted", ""),
                         (done, confirmer, "confirmed", "")], again, done, confirmer, "", created_at=started)

    def report(self, copies: dict[str, Any], ids: Ids, assignment: Assignment, month: date, revision: int, superseded: bool,
               status: str, entries: list[Entry], events: list[tuple[datetime, Person, str, str]], submitted_at: datetime | None,
               confirmed_at: datetime | None, confirmer: Person | None, reason: str, created_at: datetime | None = None) -> None:
        grant, person = assignment.grant, assignment.grant.application.person
        report_id = ids.take("monthly_report")
        total = sum(e.end - e.start for e in entries)
        amount = self.amount(entries) if status != "open" else 0
        # Every change moves `version` on: each entry saved, each change of state (and being superseded).
        version = 1 + len(entries) + len(events) + (1 if superseded else 0)
        copies["monthly_report"].write_row((
            report_id, assignment.id, grant.id, person.id, assignment.assistant.id, month, revision, superseded, status, version, total,
            amount, submitted_at, confirmed_at, confirmer.id if confirmer else None, reason, "", created_at or entries[0].created_at))
        entry_copy = copies["time_entry"]
        for e in entries:
            entry_copy.write_row((ids.take("time_entry"), report_id, assignment.assistant.id, e.day, e.start, e.end, e.purpose, e.note,
                                  superseded, created_at or e.created_at))
        event_copy = copies["report_event"]
        for at, actor, action, message in events:
            event_copy.write_row((ids.take("report_event"), report_id, at, actor.id, person.id, action, message, "[]"))
        self.statuses[status if not superseded else "superseded"] += 1
        if status != "open":
            self.viewable.append((report_id, person, month, revision, person.municipality))


# ------------------------------------------------------------------ surveys and audit


def survey_answers(rng: random.Random, survey: Survey) -> dict[str, Any]:
    """Answers the definition allows (as portal/surveys/demo.py makes them), checked with the portal's own rules."""
    answers: dict[str, Any] = {}
    for question in survey.questions():
        if not answering.shows(question, answers):
            continue
        values = [o.value for o in question.options]
        if question.kind == "text":
            if rng.random() < 0.25:
                answers[question.id] = rng.choice(names.SURVEY_TEXTS)[1][: question.max_length or 1000]
        elif question.kind == "multiple":
            answers[question.id] = rng.sample(values, k=rng.randint(1, min(3, len(values))))
        elif question.kind == "scale":  # leaning to the positive, as such surveys do
            answers[question.id] = values[min(len(values) - 1, max(0, round(rng.gauss(len(values) * 0.65, 1.1))))]
        elif question.required or rng.random() < 0.8:
            answers[question.id] = rng.choice(values)
    assert all(answering.answer_problem(q, answers.get(q.id)) is None for q in survey.questions() if answering.shows(q, answers))
    assert answering.first_unfinished(survey, answers) is None
    return answers


def write_surveys(url: str, world: World) -> None:
    rng = random.Random(SEED + 2)
    surveys = all_surveys()
    recipients_survey, portal_survey = surveys["recipients-2026"], surveys["portal-2026"]
    today = world.today
    # Who may answer the recipients' survey today (surveys.service.may_answer): a grant still running.
    running = sorted({g.application.person.id: g.application.person for g in world.grants
                      if g.valid_from <= today <= g.valid_to and (today - g.application.person.born).days >= 18 * 365.25}.values(),
                     key=lambda p: p.id)
    responses: list[tuple[Any, ...]] = []
    participations: list[tuple[int, str, int]] = []

    def respond(survey: Survey, person: Person | None, language: str) -> None:
        day = survey.opens + timedelta(days=rng.randint(0, max(0, (min(today, survey.closes) - survey.opens).days)))
        # A random id and the day only (surveys.service.new_response): nothing orders the answers by who or when.
        responses.append((f"{rng.getrandbits(128):032x}", survey.id, survey.version, language, day,
                          json.dumps(survey_answers(rng, survey), ensure_ascii=False), None))
        if person is not None:
            participations.append((world.ids.take("survey_participation"), survey.id, person.id))

    if today < portal_survey.opens:
        return  # nothing was open yet on that day
    if today >= recipients_survey.opens:
        for person in rng.sample(running, min(len(running) * 3 // 4, SURVEY_RESPONSES * 3 // 10)):
            respond(recipients_survey, person, person.language)
    signed_in = rng.sample(world.people, (SURVEY_RESPONSES - len(responses)) // 5)
    for person in signed_in:
        respond(portal_survey, person, person.language)
    while len(responses) < SURVEY_RESPONSES:  # visitors who did not sign in: the public survey only
        respond(portal_survey, None, "ru" if rng.random() < 0.3 else "lv")
    rng.shuffle(responses)  # the order rows are stored in says nothing either
    with psycopg.connect(psycopg_url(url)) as connection:
        copy_rows(connection, "survey_response", ("id", "survey_id", "survey_version", "language", "submitted_on", "answers", "person_id"),
                  responses)
        copy_rows(connection, "survey_participation", ("id", "survey_id", "person_id"), participations)
        # The results' tallies, as the portal keeps them on every write (surveys/tallies.py), of the demo's
        # responses and these: counted from what the table now holds, by the portal's own rule.
        stored = connection.execute("SELECT survey_id, language, answers FROM survey_response").fetchall()
        connection.execute("DELETE FROM survey_tally")
        copy_rows(connection, "survey_tally", ("survey_id", "language", "kind", "question", "value", "n"),
                  ((*key, n) for key, n in tallies.counted(stored).items()))
        connection.commit()


def audit_rows(world: World, viewable: list[tuple[int, Person, date, int, Municipality]], since: datetime) -> Iterator[tuple[Any, ...]]:
    """Sign-ins of everyone (staff and assistants most often), and the desk's views of cases and reports."""
    rng = random.Random(SEED + 3)
    ids, now = world.ids, world.now
    submitted = [a for a in world.applications if a.submitted_at is not None and a.municipality is not None]

    def desk(municipality: Municipality) -> Person:
        return world.decider(municipality)

    cases = 36_000
    for a in rng.choices(submitted, k=cases):
        assert a.submitted_at is not None and a.municipality is not None
        at = between(rng, max(a.submitted_at, since), min((a.decided_at or now) + timedelta(days=20), now))
        yield ids.take("audit_event"), at, desk(a.municipality).id, a.person.id, "case_viewed", a.reference or ""
    assessments = 4_000
    for a in rng.choices(submitted, k=assessments):
        assert a.submitted_at is not None and a.municipality is not None
        at = between(rng, max(a.submitted_at, since), min((a.decided_at or now) + timedelta(days=5), now))
        yield ids.take("audit_event"), at, desk(a.municipality).id, a.person.id, "self_assessment_viewed", a.reference or ""
    reports = 20_000
    for report_id, person, month, revision, municipality in rng.choices(viewable, k=reports):
        at = between(rng, max(riga_datetime(last_day(month), 18 * 60), since), now)
        yield (ids.take("audit_event"), at, desk(municipality).id, person.id, "report_viewed",
               f"report {report_id}, {month:%Y-%m}, revision {revision}")
    staff = [p for p, _role, _m in world.staff_roles]
    users = world.assistants + world.recipients + [r.representative for r in world.representations]
    sign_ins = AUDIT_EVENTS - cases - assessments - reports
    for number in range(sign_ins):
        group = rng.random()
        person = rng.choice(staff if group < 0.12 else users if group < 0.75 else world.people)
        at = between(rng, max(since, person.created_at), now)
        action = "signed_out" if number % 40 == 0 else "signed_in"  # "sign out everywhere" now and then
        yield ids.take("audit_event"), at, person.id, person.id, action, ""


# ------------------------------------------------------------------ the run


def run(url: str, today: date) -> None:
    timings: list[tuple[str, float]] = []
    started = time.perf_counter()
    print(f"bench.national: {url}, today {today}, seed {SEED}", flush=True)
    with step("schema, migrations and demo data", timings):
        prepare(url)
    ids, municipalities, codes, demo_people, references, rates = existing(url)
    # The data ends as today begins (in Riga): the same day gives the same rows, whenever it runs.
    now = riga_datetime(today, 0)
    liga = Person(demo_people[LIGA.personal_code], LIGA.personal_code, LIGA.given_name, LIGA.family_name, None, date(1965, 5, 23),
                  next(m for m in municipalities if m.code == "riga"), False, now)
    first_month = month_of(today)
    for _ in range(MONTHS):
        first_month = month_of(first_month - timedelta(days=1))
    world = World(random.Random(SEED), today, now, ids, municipalities, names.PersonalCodes(codes), liga, first_month)
    with step("planning people, applications, grants (in memory)", timings):
        plan(world, people=PEOPLE, applications=APPLICATIONS, grants=GRANTS)
        last_references = number_references(world, references)
    with step("people, representation, staff roles", timings):
        write_people(url, world)
    with psycopg.connect(psycopg_url(url), autocommit=True) as connection:
        deferred = [drop_indexes(connection, table) for table in BIG_TABLES]
    with step("applications and their events, grants, assignments", timings):
        write_applications(url, world, last_references)
    months = Months(world, rates, first_month)
    with step(f"monthly reports, time entries, report events ({first_month:%Y-%m} to {today:%Y-%m})", timings), \
            Copies(url, {"monthly_report": REPORT_COLUMNS, "time_entry": ENTRY_COLUMNS, "report_event": EVENT_COLUMNS}) as copies:
        months.rows(copies)
    with step("survey responses and participation", timings):
        write_surveys(url, world)
    with step("audit events", timings), psycopg.connect(psycopg_url(url)) as connection:
        since = riga_datetime(first_month, 0)
        copy_rows(connection, "audit_event", ("id", "at", "actor_id", "subject_id", "action", "detail"),
                  audit_rows(world, months.viewable, since))
        connection.execute("UPDATE person SET last_signed_in_at = s.at FROM (SELECT subject_id, max(at) AS at FROM audit_event"
                           " WHERE action = 'signed_in' GROUP BY subject_id) s WHERE person.id = s.subject_id")
        connection.commit()
    with step("indexes and constraints built again (checks every row)", timings), ThreadPoolExecutor(2) as pool:
        # Two at a time: the machine's two cores (the exclusion constraint's GiST index is the longest).
        list(pool.map(lambda d: build_indexes(url, d), deferred))
    with step("self-assessments, register reads, documents, contact details, sessions, messages sent", timings):
        national_rest.write_rest(psycopg_url(url), world)
    with step("stored pay and the desk's tallies, made from the data (timesheets.pay.refill, casework.tally.rebuild)", timings):
        asyncio.run(kept_on_write(url))
    with step("sequences, VACUUM and ANALYZE", timings), psycopg.connect(psycopg_url(url), autocommit=True) as connection:
        for table in (*TABLES, "reference_sequence"):
            if table not in ("survey_response", "reference_sequence"):
                connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        # VACUUM too, as autovacuum would have by then: without the visibility map an index-only scan
        # still reads every row it finds (the month's reports' joins over half the country's rows).
        connection.execute("VACUUM (ANALYZE)")
    report(url, months, timings, time.perf_counter() - started)


CHECKS = {
    "reports whose total_minutes is not the sum of their entries":
        "SELECT count(*) FROM monthly_report r LEFT JOIN (SELECT report_id, sum(end_minute - start_minute) AS m FROM time_entry"
        " GROUP BY report_id) e ON e.report_id = r.id WHERE r.total_minutes <> coalesce(e.m, 0)",
    "grant-months over the month's hours":
        "SELECT count(*) FROM (SELECT g.id FROM time_entry t JOIN monthly_report r ON r.id = t.report_id AND NOT r.superseded"
        " JOIN entitlement g ON g.id = r.entitlement_id WHERE g.period = 'month'"
        " GROUP BY g.id, g.minutes, date_trunc('month', t.day) HAVING sum(t.end_minute - t.start_minute) > g.minutes) x",
    "grant-weeks over the week's hours":
        "SELECT count(*) FROM (SELECT g.id FROM time_entry t JOIN monthly_report r ON r.id = t.report_id AND NOT r.superseded"
        " JOIN entitlement g ON g.id = r.entitlement_id WHERE g.period = 'week'"
        " GROUP BY g.id, g.minutes, date_trunc('week', t.day) HAVING sum(t.end_minute - t.start_minute) > g.minutes) x",
    "entries outside their grant and assignment":
        "SELECT count(*) FROM time_entry t JOIN monthly_report r ON r.id = t.report_id JOIN entitlement g ON g.id = r.entitlement_id"
        " JOIN assistant_assignment a ON a.id = r.assignment_id WHERE t.day < greatest(g.valid_from, a.valid_from)"
        " OR t.day > least(g.valid_to, coalesce(a.valid_to, g.valid_to))",
}


def report(url: str, months: Months, timings: list[tuple[str, float]], total: float) -> None:
    with psycopg.connect(psycopg_url(url)) as connection:
        counts = {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (*TABLES, *national_rest.TABLES)}  # type: ignore[index]
        by_status = connection.execute("SELECT status, count(*) FROM application GROUP BY status ORDER BY 2 DESC").fetchall()
        riga = connection.execute(
            "SELECT count(*) FROM application a JOIN municipality m ON m.id = a.municipality_id WHERE m.code = 'riga'"
            " AND a.status IN ('submitted', 'in_review', 'info_requested')").fetchone()[0]  # type: ignore[index]
        reports = connection.execute("SELECT status, superseded, count(*) FROM monthly_report GROUP BY 1, 2 ORDER BY 3 DESC").fetchall()
        checks = {name: connection.execute(query).fetchone()[0] for name, query in CHECKS.items()}  # type: ignore[index]
        size = connection.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]  # type: ignore[index]
    print("\nRows")
    for table, count in counts.items():
        print(f"  {table:<22} {count:>10,}")
    print("  applications by status: " + ", ".join(f"{s} {n:,}" for s, n in by_status))
    print(f"  open cases at Rīga's desk (Līga Liepiņa's): {riga:,}")
    print("  monthly reports: " + ", ".join(f"{s}{' (superseded)' if sup else ''} {n:,}" for s, sup, n in reports))
    print("\nChecks (each must be 0)")
    for name, found in checks.items():
        print(f"  {name}: {found}")
    print(f"\nDatabase size: {size}; {total:.0f} s in all")
    if any(checks.values()):
        raise SystemExit("a check failed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.national", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                        help=f"a local PostgreSQL database; its public schema is dropped (default {DEFAULT_DATABASE_URL})")
    parser.add_argument("--today", type=date.fromisoformat, default=None,
                        help="the day the data ends on (default: today in Riga); the same day gives the same data")
    args = parser.parse_args(argv)
    run(args.database_url, args.today or clock.today())
    return 0


if __name__ == "__main__":
    sys.exit(main())

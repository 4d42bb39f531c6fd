"""The rows around a country's cases and months that the pages read too (bench.national's last step):
self-assessments, register reads, documents, contact details, signed-in sessions and messages sent.

Without them these tables hold the demo's handful of rows at national volume, and a query on them
looks cheap whatever its plan: a person's page could scan them all and no EXPLAIN would show it.
The content is the demo's (its adult self-assessment's answers, its register reads' facts, with
each person's own name and birth date), so every page that shows a row can render it; a document
is its row only (no file is written: the pages list documents, a download of one of these answers
that the file is missing).
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta
from typing import Any

import psycopg

from bench.national_plan import Application, Person, World, between

SEED = 15
# What it fills (web_session's ids are text: no sequence to move on).
TABLES = ("assessment", "register_read", "application_document", "contact_details", "web_session", "outbox_message")
WITH_SEQUENCES = tuple(t for t in TABLES if t != "web_session")
ADULT_YEARS = 18
SELF_ASSESSED = 0.8  # adults whose application carries a self-assessment (the rest applied without one)
DOCUMENTS = (("work_or_studies", "izzina.pdf", "application/pdf"), ("medical", "atzinums.pdf", "application/pdf"),
             ("other", "foto.jpg", "image/jpeg"))
CONTACT_SHARE = 0.7  # of the people with a grant, their representatives and the assistants
SESSION_DAYS = 30  # portal.retention.SESSION_DAYS: older sessions are deleted
SENT_MESSAGE_DAYS = 90  # portal.retention.SENT_MESSAGE_DAYS
DEVICES = ("Firefox on Windows", "Chrome on Windows", "Safari on iPhone", "Chrome on Android", "Edge on Windows")


def _template_rows(connection: psycopg.Connection[Any]) -> tuple[str, dict[str, dict[str, Any]]]:
    """The demo's adult self-assessment answers and one register read's facts per register."""
    answers = connection.execute(
        "SELECT answers::text FROM assessment WHERE questionnaire = 'adults-2021' AND status = 'submitted'"
        " AND application_id IS NULL ORDER BY id LIMIT 1").fetchone()
    assert answers is not None, "the demo seeds an adult's submitted self-assessment"
    facts = {register: json.loads(text) for register, text in connection.execute(
        "SELECT DISTINCT ON (register) register, facts::text FROM register_read WHERE outcome = 'found' ORDER BY register, id")}
    assert {"population", "disability", "education"} <= set(facts), facts.keys()
    return answers[0], facts


def _adult(person: Person, on: datetime) -> bool:
    return (on.date() - person.born).days >= ADULT_YEARS * 365.25


def _decider(application: Application) -> Person:
    decided = [e for e in application.events if e.to_status is not None and application.decided_at and e.at == application.decided_at]
    return decided[-1].actor if decided else application.events[-1].actor


def write_rest(url: str, world: World) -> None:
    rng = random.Random(SEED)
    with psycopg.connect(url) as connection:
        answers, facts = _template_rows(connection)
        next_id = {t: connection.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {t}").fetchone()[0]  # type: ignore[index]
                   for t in WITH_SEQUENCES}

        def take(table: str) -> int:
            next_id[table] += 1
            return int(next_id[table] - 1)

        assessments: list[tuple[Any, ...]] = []
        sent_with: list[tuple[int, int]] = []
        reads: list[tuple[Any, ...]] = []
        documents: list[tuple[Any, ...]] = []
        self_numbers: dict[int, int] = {}
        for a in world.applications:
            if a.submitted_at is None:
                continue
            person = a.person
            if _adult(person, a.submitted_at) and rng.random() < SELF_ASSESSED:
                number = self_numbers[person.id] = self_numbers.get(person.id, 0) + 1
                filled = between(rng, a.submitted_at - timedelta(days=20), a.submitted_at - timedelta(hours=1))
                own = take("assessment")
                assessments.append((own, person.id, None, number, "adults-2021", "submitted", answers, a.created_by.id, a.created_by.id,
                                    filled, a.created_by.id, filled - timedelta(days=1), filled, a.language))
                sent_with.append((own, a.id))
                if a.decided_at is not None:  # the social service's own assessment of the case, for the decision
                    decider = _decider(a)
                    at = between(rng, a.submitted_at, a.decided_at)
                    assessments.append((take("assessment"), person.id, a.id, 1, "adults-2021", "submitted", answers, decider.id,
                                        decider.id, at, decider.id, at, at, "lv"))
            stages = [("applied", a.submitted_at)] + ([("decided", a.decided_at)] if a.decided_at else [])
            for stage, at in stages:
                for register, template in facts.items():
                    found = dict(template)
                    if register == "population":
                        found |= {"given_name": person.given, "family_name": person.family, "birth_date": person.born.isoformat()}
                    reads.append((take("register_read"), a.id, register, stage, "found", json.dumps(found, ensure_ascii=False), at))
            for kind, filename, content_type in rng.sample(DOCUMENTS, rng.randint(0, 2)):
                key = hashlib.sha1(f"bench {a.id} {kind}".encode()).hexdigest()
                documents.append((take("application_document"), a.id, kind, filename, content_type, rng.randint(40_000, 900_000), key,
                                  a.created_by.id, between(rng, a.submitted_at - timedelta(days=3), a.submitted_at)))
        _copy(connection, "assessment", (
            "id", "person_id", "application_id", "number", "questionnaire", "status", "answers", "created_by_id", "updated_by_id",
            "submitted_at", "submitted_by_id", "created_at", "updated_at", "language"), assessments)
        with connection.cursor() as cursor:
            cursor.executemany("UPDATE application SET assessment_id = %s WHERE id = %s", sent_with)
        _copy(connection, "register_read", (
            "id", "application_id", "register", "stage", "outcome", "facts", "read_at"), reads)
        _copy(connection, "application_document", (
            "id", "application_id", "kind", "filename", "content_type", "size", "storage_key", "uploaded_by_id", "uploaded_at"), documents)

        reached = {p.id: p for p in (*world.recipients, *world.assistants, *(r.representative for r in world.representations))}
        contacts = []
        for person in sorted(reached.values(), key=lambda p: p.id):
            if rng.random() >= CONTACT_SHARE:
                continue
            confirmed = between(rng, person.created_at, world.now)
            phone = f"+371 2{rng.randint(0, 9_999_999):07d}" if rng.random() < 0.4 else ""
            contacts.append((take("contact_details"), person.id, f"{person.id}@example.lv", confirmed, phone, confirmed if phone else None,
                             "", None, "email", person.locale or "lv", confirmed, confirmed))
        _copy(connection, "contact_details", (
            "id", "person_id", "email", "email_confirmed_at", "phone", "phone_confirmed_at", "eaddress", "eaddress_confirmed_at",
            "channel", "language", "created_at", "updated_at"), contacts)

        # A session for each sign-in of the last SESSION_DAYS (the audit's), ended unless it is of the last hours.
        connection.execute(
            "INSERT INTO web_session (id, person_id, signed_in_at, last_seen_at, ended_at, device)"
            " SELECT encode(sha256(convert_to('bench ' || id, 'UTF8')), 'hex'), subject_id, at, at + interval '12 minutes',"
            "  CASE WHEN at < %(now)s - interval '3 hours' THEN at + interval '40 minutes' END,"
            "  (%(devices)s::text[])[1 + id %% %(n)s]"
            " FROM audit_event WHERE action = 'signed_in' AND subject_id IS NOT NULL AND at >= %(since)s",
            {"now": world.now, "since": world.now - timedelta(days=SESSION_DAYS), "devices": list(DEVICES), "n": len(DEVICES)})
        # What the report notices sent in the last SENT_MESSAGE_DAYS would be: one to the person for each
        # report submitted, one to the assistant for each returned (the text as the outbox keeps it).
        connection.execute(
            "INSERT INTO outbox_message (created_at, channel, to_address, subject, body, status, next_attempt_at, claimed_at,"
            "  delivery_key, sent_at, attempts, last_error, dedupe_key)"
            " SELECT e.at, 'email', c.email, 'Ikmēneša pārskats', 'Asistents iesniedza ikmēneša pārskatu.', 'sent', e.at, e.at,"
            "  substr(md5('bench ' || e.id), 1, 16), e.at + interval '1 minute', 1, '', 'bench report ' || e.id"
            " FROM report_event e JOIN monthly_report r ON r.id = e.report_id"
            " JOIN contact_details c ON c.person_id = CASE WHEN e.action = 'returned' THEN r.assistant_id ELSE r.person_id END"
            " WHERE e.action IN ('submitted', 'returned') AND e.at >= %(since)s",
            {"since": world.now - timedelta(days=SENT_MESSAGE_DAYS)})
        for table in WITH_SEQUENCES:
            connection.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
        connection.commit()


def _copy(connection: psycopg.Connection[Any], table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    with connection.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)

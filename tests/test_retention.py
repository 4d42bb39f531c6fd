"""`portal retention` against the test database: each rule removes (or anonymises) a row just past its
period and keeps one just inside it; a dry run changes nothing; files go with their documents, only once
the database has committed; a second run does nothing."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import os
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from portal import cli, clock, retention
from portal.applications.models import Application, ApplicationAction, ApplicationDocument, ApplicationEvent, ApplicationStatus
from portal.applications.rules import Period, ServiceKind
from portal.assessment.models import Assessment, AssessmentStatus
from portal.audit import AuditAction, AuditEvent
from portal.casework.models import DecisionDocument, Outcome
from portal.db import Base
from portal.eid.models import WebSession
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.people.models import Municipality, Person, Representation, RepresentationKind, StaffRole, StaffRoleName
from portal.ratelimit import RateLimitHit
from portal.storage import FileStorage, FileUnavailable
from portal.surveys.models import SurveyDraft, SurveyParticipation, SurveyResponse, SurveyVisit
from portal.timesheets.models import ControlSample, MonthlyReport, ReportAction, ReportEvent, ReportStatus, TimeEntry
from tests.conftest import engine_for

# recipients-2026 closes on 2027-01-31, portal-2026 on 2027-12-31 (portal/surveys/definitions/).
RECIPIENTS, PORTAL = "recipients-2026", "portal-2026"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    monkeypatch.setenv("PORTAL_SECRET_KEY", "retention-test")
    monkeypatch.setenv("PORTAL_UPLOAD_DIR", str(tmp_path / "uploads"))
    return database_url


@pytest.fixture
def storage(env: str) -> FileStorage:
    return FileStorage(os.environ["PORTAL_UPLOAD_DIR"])


@pytest.fixture
def db(env: str) -> Iterator[Session]:
    """The tests' own session: rows written as they would be after years of use, committed by `add`."""
    with Session(engine_for(env), expire_on_commit=False) as session:
        yield session


def riga(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=clock.RIGA)


def just_before(day: date) -> datetime:
    """The last minute of the day before, in Riga: past a period whose first day kept is `day`."""
    return riga(day) - timedelta(minutes=1)


def add(db: Session, *rows: Any) -> None:
    db.add_all(rows)
    db.commit()


_codes = itertools.count(1)


def person(db: Session, **values: Any) -> Person:
    n = next(_codes)
    found = Person(personal_code=f"{n:06d}-{n:05d}", given_name=f"Person{n}", family_name="Test", **values)
    add(db, found)
    return found


def retention_run(today: date, capsys: pytest.CaptureFixture[str], *, dry_run: bool = False) -> dict[str, str]:
    """`portal retention --today …`; its lines by rule."""
    capsys.readouterr()
    assert cli.main(["retention", "--today", today.isoformat(), *(["--dry-run"] if dry_run else [])]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"retention on {today.isoformat()}" + (" (dry run: nothing changed)" if dry_run else "")
    lines = {line.split(":", 1)[0]: line for line in out[1:]}
    assert list(lines) == [rule.kind for rule in retention.RULES]
    return lines


def ids(db: Session, model: Any) -> set[Any]:
    db.commit()  # a fresh transaction: what the run committed
    return set(db.scalars(select(model.id)))


def snapshot(db: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, as it is now."""
    db.commit()
    found = {}
    for table in Base.metadata.sorted_tables:
        found[table.name] = sorted((tuple(map(repr, row)) for row in db.execute(select(table))), key=repr)
    return found


@dataclasses.dataclass(frozen=True)
class Doc:
    id: int
    storage_key: str


def document(db: Session, storage: FileStorage, application: Application, uploaded_at: datetime) -> Doc:
    found = ApplicationDocument(
        application_id=application.id, kind="employer", filename="a.pdf", content_type="application/pdf", size=8,
        storage_key=storage.save(b"%PDF-1.4"), uploaded_by_id=application.created_by_id, uploaded_at=uploaded_at,
    )
    add(db, found)
    return Doc(found.id, found.storage_key)


def issued(db: Session, storage: FileStorage, application: Application, caseworker: Person) -> Doc:
    """The decision of the case as issued: its PDF in storage, like an upload."""
    content = b"%PDF-1.7 decision"
    found = DecisionDocument(application_id=application.id, outcome=Outcome.REFUSED, storage_key=storage.save(content),
                             sha256=hashlib.sha256(content).hexdigest(), size=len(content), languages="lv",
                             issued_by_id=caseworker.id)
    add(db, found)
    return Doc(found.id, found.storage_key)


def stored(storage: FileStorage, doc: Doc) -> bool:
    try:
        storage.read(doc.storage_key)
    except FileUnavailable:
        return False
    return True


def municipality_id(db: Session) -> int:
    found = db.scalar(select(Municipality.id).where(Municipality.code == "riga"))
    assert found is not None
    return found


# ------------------------------------------------------------------ drafts


def test_application_drafts_go_six_months_after_their_last_change_with_their_files(
    db: Session, storage: FileStorage, capsys: pytest.CaptureFixture[str]
) -> None:
    today = date(2027, 3, 1)  # kept: changed on 2026-09-01 or later
    anna = person(db)
    old = Application(person_id=anna.id, created_by_id=anna.id, updated_at=just_before(date(2026, 9, 1)))
    recent = Application(person_id=anna.id, created_by_id=anna.id, updated_at=riga(date(2026, 9, 1)))
    uploaded_to = Application(person_id=anna.id, created_by_id=anna.id, updated_at=riga(date(2026, 1, 1)))
    submitted = Application(person_id=anna.id, created_by_id=anna.id, status=ApplicationStatus.SUBMITTED,
                            updated_at=riga(date(2020, 1, 1)), submitted_at=riga(date(2020, 1, 1)))
    add(db, old, recent, uploaded_to, submitted)
    old_doc = document(db, storage, old, just_before(date(2026, 9, 1)))
    new_doc = document(db, storage, uploaded_to, riga(date(2026, 12, 24)))  # a document added counts as a change
    add(db, ApplicationEvent(application_id=old.id, actor_id=anna.id, on_behalf_of_id=anna.id, action=ApplicationAction.STARTED,
                             at=riga(date(2026, 8, 1))))

    lines = retention_run(today, capsys)

    assert lines["application_draft"] == "application_draft: 1 expired; deleted 1 (1 file)"
    assert ids(db, Application) == {recent.id, uploaded_to.id, submitted.id}
    assert ids(db, ApplicationDocument) == {new_doc.id}
    assert ids(db, ApplicationEvent) == set()  # the draft's history went with it
    assert not stored(storage, old_doc) and stored(storage, new_doc)


def test_self_assessment_and_survey_drafts(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    today = date(2027, 3, 1)
    anna, ilze, jana, olga = person(db), person(db), person(db), person(db)

    def in_progress(who: Person, changed: datetime) -> Assessment:
        return Assessment(person_id=who.id, number=1, questionnaire="adult-v1", created_by_id=who.id, updated_by_id=who.id,
                          updated_at=changed)

    old, recent = in_progress(anna, just_before(date(2026, 9, 1))), in_progress(ilze, riga(date(2026, 9, 1)))
    submitted = Assessment(person_id=jana.id, number=1, questionnaire="adult-v1", created_by_id=jana.id, updated_by_id=jana.id,
                           status=AssessmentStatus.SUBMITTED, submitted_at=riga(date(2026, 1, 1)), updated_at=riga(date(2026, 1, 1)))
    stale = SurveyDraft(survey_id=PORTAL, person_id=anna.id, updated_at=just_before(date(2026, 9, 1)))
    fresh = SurveyDraft(survey_id=PORTAL, person_id=ilze.id, updated_at=riga(date(2026, 9, 1)))
    of_closed = SurveyDraft(survey_id=RECIPIENTS, person_id=olga.id, updated_at=riga(date(2027, 1, 30)))  # closed 2027-01-31
    of_unknown = SurveyDraft(survey_id="gone-2020", person_id=olga.id, updated_at=riga(date(2027, 1, 30)))
    add(db, old, recent, submitted, stale, fresh, of_closed, of_unknown)

    lines = retention_run(today, capsys)

    assert lines["self_assessment_draft"] == "self_assessment_draft: 1 expired; deleted 1"
    assert ids(db, Assessment) == {recent.id, submitted.id}
    assert lines["survey_draft"] == "survey_draft: 2 expired; deleted 2"
    assert ids(db, SurveyDraft) == {fresh.id, of_unknown.id}


def test_sessions_visits_and_rate_limit_counts(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    today = date(2027, 3, 1)  # sessions and visits: kept from 2027-01-30 (30 days); counts: from 2027-02-28 (a day)
    anna = person(db)
    old_session = WebSession(id="a" * 64, person_id=anna.id, signed_in_at=just_before(date(2027, 1, 30)),
                             last_seen_at=just_before(date(2027, 1, 30)), device="")
    new_session = WebSession(id="b" * 64, person_id=anna.id, signed_in_at=riga(date(2027, 1, 30)),
                             last_seen_at=riga(date(2027, 1, 30)), device="")
    old_visit = SurveyVisit(visit="c" * 64, survey_id=PORTAL, answers={}, updated_on=date(2027, 1, 29))
    new_visit = SurveyVisit(visit="c" * 64, survey_id="another-open-survey", answers={}, updated_on=date(2027, 1, 30))
    of_closed = SurveyVisit(visit="d" * 64, survey_id=RECIPIENTS, answers={}, updated_on=date(2027, 2, 20))  # closed 2027-01-31
    first_kept = int(riga(date(2027, 2, 28)).timestamp())
    old_count = RateLimitHit(limit_name="sign_in", client="e" * 64, window_end=first_kept - 1, hits=3)
    new_count = RateLimitHit(limit_name="sign_in", client="e" * 64, window_end=first_kept, hits=3)
    add(db, old_session, new_session, old_visit, new_visit, of_closed, old_count, new_count)

    lines = retention_run(today, capsys)

    assert lines["web_session"] == "web_session: 1 expired; deleted 1"
    assert ids(db, WebSession) == {"b" * 64}
    assert lines["survey_visit"] == "survey_visit: 2 expired; deleted 2"
    assert set(db.scalars(select(SurveyVisit.survey_id))) == {"another-open-survey"}
    assert lines["rate_limit_hit"] == "rate_limit_hit: 1 expired; deleted 1"
    assert set(db.scalars(select(RateLimitHit.window_end))) == {first_kept}


# ------------------------------------------------------------------ the outbox


def test_outbox_sent_messages_notices_and_dead_letters(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    today = date(2027, 3, 1)  # sent: kept from 2026-12-01 (90 days); dead: from 2026-03-01 (a year)
    ninety = date(2026, 12, 1)

    def sent(at: datetime, key: str | None = None) -> OutboxMessage:
        return OutboxMessage(to_address="anna@example.lv", subject="S", body="B", status=OutboxStatus.SENT, sent_at=at,
                             created_at=at, dedupe_key=key)

    old, recent = sent(just_before(ninety)), sent(riga(ninety))
    old_notice, recent_notice = sent(just_before(ninety), "report-reminder:1:2026-08:assistant"), sent(riga(ninety), "k2")
    dead_old = OutboxMessage(to_address="+371 20000001", channel="sms", subject="S", body="B", status=OutboxStatus.DEAD,
                             created_at=riga(date(2025, 1, 1)), claimed_at=just_before(date(2026, 3, 1)), attempts=12)
    dead_recent = OutboxMessage(to_address="+371 20000002", channel="sms", subject="S", body="B", status=OutboxStatus.DEAD,
                                created_at=riga(date(2025, 1, 1)), claimed_at=riga(date(2026, 3, 1)), attempts=12)
    pending = OutboxMessage(to_address="jana@example.lv", subject="S", body="B", created_at=riga(date(2020, 1, 1)),
                            next_attempt_at=riga(date(2020, 1, 1)))
    next_year = sent(riga(date(2027, 1, 1)), "report-waiting:9:recipient:1")
    add(db, old, recent, old_notice, recent_notice, dead_old, dead_recent, pending, next_year)

    lines = retention_run(today, capsys)

    assert lines["outbox_sent"] == "outbox_sent: 1 expired; deleted 1"
    assert lines["outbox_notice"] == "outbox_notice: 1 expired; anonymised 1"
    assert lines["outbox_dead"] == "outbox_dead: 1 expired; deleted 1"
    assert lines["outbox_notice_key"] == "outbox_notice_key: 0 expired"
    assert ids(db, OutboxMessage) == {recent.id, old_notice.id, recent_notice.id, dead_recent.id, pending.id, next_year.id}
    db.expire_all()
    kept = {m.id: m for m in db.scalars(select(OutboxMessage))}
    blanked = kept[old_notice.id]
    assert (blanked.to_address, blanked.subject, blanked.body, blanked.last_error) == ("", "", "", "")
    assert blanked.dedupe_key == "report-reminder:1:2026-08:assistant"  # `portal notify` still finds it queued
    assert kept[recent_notice.id].to_address == "anna@example.lv" and kept[pending.id].body == "B"

    # The keys go once the reports they could be about are gone: 10 years from the end of the year queued.
    assert retention_run(date(2036, 12, 31), capsys)["outbox_notice_key"] == "outbox_notice_key: 0 expired"
    assert retention_run(date(2037, 1, 1), capsys)["outbox_notice_key"] == "outbox_notice_key: 2 expired; deleted 2"
    assert ids(db, OutboxMessage) == {pending.id, next_year.id}


# ------------------------------------------------------------------ the month's reports and the case files


_references = itertools.count(1)


def granted(db: Session, recipient: Person, assistant: Person, caseworker: Person, *, valid_from: date, valid_to: date,
            decided_at: datetime) -> tuple[Application, Entitlement, AssistantAssignment]:
    case = Application(person_id=recipient.id, created_by_id=recipient.id, status=ApplicationStatus.GRANTED,
                       kind=ServiceKind.ADULT_ASSISTANT, reference=f"AP-2000-{next(_references):06d}",
                       submitted_at=decided_at - timedelta(days=20), decided_at=decided_at, updated_at=decided_at)
    add(db, case)
    grant = Entitlement(person_id=recipient.id, application_id=case.id, kind=ServiceKind.ADULT_ASSISTANT, minutes=80 * 60,
                        period=Period.MONTH, valid_from=valid_from, valid_to=valid_to, decided_by_id=caseworker.id,
                        created_at=decided_at)
    assignment = AssistantAssignment(person_id=recipient.id, assistant_id=assistant.id, application_id=case.id,
                                     valid_from=valid_from, assigned_by_id=caseworker.id, created_at=decided_at)
    add(db, grant, assignment,
        ApplicationEvent(application_id=case.id, actor_id=caseworker.id, on_behalf_of_id=recipient.id,
                         action=ApplicationAction.GRANTED, at=decided_at))
    return case, grant, assignment


def monthly(db: Session, grant: Entitlement, assignment: AssistantAssignment, month: date, *, revision: int = 1,
            sample: ControlSample | None = None) -> MonthlyReport:
    report = MonthlyReport(assignment_id=assignment.id, entitlement_id=grant.id, person_id=grant.person_id,
                           assistant_id=assignment.assistant_id, month=month, revision=revision, status=ReportStatus.CONFIRMED,
                           total_minutes=60, sample_id=sample.id if sample else None, created_at=riga(month))
    add(db, report)
    add(db, TimeEntry(report_id=report.id, assistant_id=assignment.assistant_id, day=month + timedelta(days=revision),
                      start_minute=600, end_minute=660, purpose="work_study_sport", superseded=revision == 1 and month.month == 12),
        ReportEvent(report_id=report.id, actor_id=assignment.assistant_id, action=ReportAction.SUBMITTED, at=riga(month)))
    return report


def test_monthly_reports_and_their_samples_are_kept_ten_years_from_the_end_of_their_year(
    db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    anna, ilze, liga = person(db), person(db), person(db)
    case, grant, assignment = granted(db, anna, ilze, liga, valid_from=date(2026, 1, 1), valid_to=date(2027, 12, 31),
                                      decided_at=riga(date(2025, 12, 10)))
    december_sample = ControlSample(municipality_id=municipality_id(db), month=date(2026, 12, 1), percent=10, seed="a" * 64,
                                    drawn_by_id=liga.id)
    november_sample = ControlSample(municipality_id=municipality_id(db), month=date(2026, 11, 1), percent=10, seed="b" * 64,
                                    drawn_by_id=liga.id)
    january_sample = ControlSample(municipality_id=municipality_id(db), month=date(2027, 1, 1), percent=10, seed="c" * 64,
                                   drawn_by_id=liga.id)
    add(db, december_sample, november_sample, january_sample)
    first = monthly(db, grant, assignment, date(2026, 12, 1), revision=1)
    second = monthly(db, grant, assignment, date(2026, 12, 1), revision=2, sample=december_sample)
    # A report of January 2027 that (oddly) names November's sample: the sample waits for it.
    january = monthly(db, grant, assignment, date(2027, 1, 1), sample=november_sample)
    december = {first.id, second.id}

    lines = retention_run(date(2036, 12, 31), capsys)  # December 2026 is kept to the end of 2036
    assert lines["monthly_report"] == "monthly_report: 0 expired"
    assert lines["control_sample"] == "control_sample: 0 expired"

    lines = retention_run(date(2037, 1, 1), capsys)
    assert lines["monthly_report"] == "monthly_report: 2 expired; deleted 2"
    assert ids(db, MonthlyReport) == {january.id}
    db.expire_all()
    assert {e.report_id for e in db.scalars(select(TimeEntry))} == {january.id}  # the entries and events went with them
    assert {e.report_id for e in db.scalars(select(ReportEvent))} == {january.id}
    assert lines["control_sample"] == "control_sample: 2 expired; deleted 1; 1 kept: reports of it are still kept"
    assert ids(db, ControlSample) == {november_sample.id, january_sample.id}
    assert {case.id} == ids(db, Application) and {grant.id} == ids(db, Entitlement)  # the grant runs to the end of 2027
    assert not december & ids(db, MonthlyReport)


def test_case_files_are_kept_ten_years_from_the_end_of_the_year_the_case_closed(
    db: Session, storage: FileStorage, capsys: pytest.CaptureFixture[str]
) -> None:
    today, closes = date(2037, 1, 1), date(2027, 1, 1)  # a case whose last entry is in 2026 goes on 2037-01-01
    anna, ilze, liga = person(db), person(db), person(db)

    def closed(status: ApplicationStatus, at: datetime, *, decided: bool = True) -> Application:
        case = Application(person_id=anna.id, created_by_id=anna.id, status=status, kind=ServiceKind.ADULT_ASSISTANT,
                           reference=f"AP-2000-{next(_references):06d}", submitted_at=at - timedelta(days=30),
                           decided_at=at if decided else None, updated_at=at)
        add(db, case)
        add(db, ApplicationEvent(application_id=case.id, actor_id=liga.id if decided else anna.id, on_behalf_of_id=anna.id,
                                 action=ApplicationAction.REFUSED if decided else ApplicationAction.WITHDRAWN, at=at))
        return case

    def self_assessment(number: int) -> Assessment:
        version = Assessment(person_id=anna.id, number=number, questionnaire="adult-v1", created_by_id=anna.id,
                             updated_by_id=anna.id, status=AssessmentStatus.SUBMITTED, submitted_at=riga(date(2020, 1, 1)),
                             updated_at=riga(date(2020, 1, 1)))
        add(db, version)
        return version

    refused_old, refused_new = closed(ApplicationStatus.REFUSED, just_before(closes)), closed(ApplicationStatus.REFUSED, riga(closes))
    noted = closed(ApplicationStatus.REFUSED, just_before(closes))
    add(db, ApplicationEvent(application_id=noted.id, actor_id=liga.id, on_behalf_of_id=anna.id, action=ApplicationAction.NOTE,
                             message="appealed to the court", at=riga(closes)))
    closed(ApplicationStatus.WITHDRAWN, just_before(closes), decided=False)
    open_case = Application(person_id=anna.id, created_by_id=anna.id, status=ApplicationStatus.IN_REVIEW,
                            submitted_at=riga(date(2001, 1, 1)), updated_at=riga(date(2001, 1, 1)))
    add(db, open_case)
    granted_old, old_grant, old_assignment = granted(db, anna, ilze, liga, valid_from=date(2024, 1, 1), valid_to=date(2026, 12, 31),
                                                     decided_at=riga(date(2023, 12, 1)))
    granted_new, new_grant, _ = granted(db, anna, ilze, liga, valid_from=date(2024, 1, 1), valid_to=date(2027, 1, 1),
                                        decided_at=riga(date(2023, 12, 1)))
    reported, reported_grant, reported_assignment = granted(db, anna, ilze, liga, valid_from=date(2024, 1, 1),
                                                            valid_to=date(2026, 12, 31), decided_at=riga(date(2023, 12, 1)))
    kept_report = monthly(db, reported_grant, reported_assignment, date(2027, 1, 1))  # (oddly) after the grant: it holds the case
    sent_with_old, sent_with_new = self_assessment(1), self_assessment(2)
    desk = Assessment(person_id=anna.id, application_id=refused_old.id, number=1, questionnaire="adult-v1", created_by_id=liga.id,
                      updated_by_id=liga.id, status=AssessmentStatus.SUBMITTED, submitted_at=riga(date(2026, 6, 1)))
    add(db, desk)
    desk_id = desk.id
    refused_old.assessment_id, refused_new.assessment_id = sent_with_old.id, sent_with_new.id
    db.commit()
    old_doc, new_doc = document(db, storage, refused_old, riga(date(2026, 5, 1))), document(db, storage, refused_new, riga(date(2026, 5, 1)))
    old_decision, new_decision = issued(db, storage, refused_old, liga), issued(db, storage, refused_new, liga)

    assert retention_run(date(2036, 12, 31), capsys)["case_file"] == "case_file: 0 expired"  # a day earlier: none yet
    assert len(ids(db, Application)) == 8

    lines = retention_run(today, capsys)

    assert lines["case_file"] == "case_file: 4 expired; deleted 3 (2 files); 1 kept: monthly reports of its grant are still kept"
    assert ids(db, Application) == {refused_new.id, noted.id, open_case.id, granted_new.id, reported.id}
    assert ids(db, Entitlement) == {new_grant.id, reported_grant.id} and old_grant.id not in ids(db, Entitlement)
    assert old_assignment.id not in ids(db, AssistantAssignment)
    assert ids(db, MonthlyReport) == {kept_report.id}
    db.expire_all()
    assert {e.application_id for e in db.scalars(select(ApplicationEvent))} == {
        refused_new.id, noted.id, granted_new.id, reported.id}
    assert ids(db, ApplicationDocument) == {new_doc.id}
    assert not stored(storage, old_doc) and stored(storage, new_doc)
    assert ids(db, DecisionDocument) == {new_decision.id}  # the decision as issued, and its file, go with the case file
    assert not stored(storage, old_decision) and stored(storage, new_decision)
    # The desk's assessment went with its case; the self-assessment sent with it is no case's now, and 17 years old.
    assert desk_id not in ids(db, Assessment)
    assert lines["self_assessment"] == "self_assessment: 1 expired; deleted 1"
    assert ids(db, Assessment) == {sent_with_new.id}


def test_self_assessments_no_application_was_sent_with_go_three_years_after_submission(
    db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    today = date(2027, 3, 1)  # kept: submitted on 2024-03-01 or later
    anna, jana = person(db), person(db)

    def submitted(who: Person, number: int, at: datetime) -> Assessment:
        version = Assessment(person_id=who.id, number=number, questionnaire="adult-v1", created_by_id=who.id,
                             updated_by_id=who.id, status=AssessmentStatus.SUBMITTED, submitted_at=at, updated_at=at)
        add(db, version)
        return version

    submitted(anna, 1, just_before(date(2024, 3, 1)))
    recent = submitted(anna, 2, riga(date(2024, 3, 1)))
    attached = submitted(jana, 1, riga(date(2020, 1, 1)))
    add(db, Application(person_id=jana.id, created_by_id=jana.id, assessment_id=attached.id, updated_at=riga(date(2027, 2, 1))))

    assert retention_run(today, capsys)["self_assessment"] == "self_assessment: 1 expired; deleted 1"
    assert ids(db, Assessment) == {recent.id, attached.id}


def test_representations_are_kept_while_a_record_of_an_act_under_them_is(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    today = date(2037, 1, 1)
    pairs = [(person(db), person(db)) for _ in range(4)]

    def representation(pair: tuple[Person, Person], valid_to: date | None) -> Representation:
        return Representation(representative_id=pair[0].id, represented_id=pair[1].id, kind=RepresentationKind.GUARDIAN,
                              valid_from=date(2020, 1, 1), valid_to=valid_to)

    ended, recent = representation(pairs[0], date(2026, 12, 31)), representation(pairs[1], date(2027, 1, 1))
    acted_under, open_ended = representation(pairs[2], date(2026, 12, 31)), representation(pairs[3], None)
    add(db, ended, recent, acted_under, open_ended)
    guardian, ward = pairs[2]
    case = Application(person_id=ward.id, created_by_id=ward.id, status=ApplicationStatus.SUBMITTED,
                       submitted_at=riga(date(2026, 6, 1)), updated_at=riga(date(2026, 6, 1)))
    add(db, case)
    add(db, ApplicationEvent(application_id=case.id, actor_id=guardian.id, on_behalf_of_id=ward.id,
                             action=ApplicationAction.INFORMATION_PROVIDED, at=riga(date(2026, 6, 2))))

    assert retention_run(date(2036, 12, 31), capsys)["representation"] == "representation: 0 expired"
    lines = retention_run(today, capsys)
    assert lines["representation"] == ("representation: 2 expired; deleted 1; "
                                       "1 kept: a kept application or report records an act under it")
    assert ids(db, Representation) == {recent.id, acted_under.id, open_ended.id}


# ------------------------------------------------------------------ surveys, the audit, people


def test_survey_participations_go_and_personal_responses_are_anonymised_a_year_after_the_survey_closes(
    db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    anna, ilze = person(db), person(db)
    of_closed, of_open = SurveyParticipation(survey_id=RECIPIENTS, person_id=anna.id), SurveyParticipation(survey_id=PORTAL, person_id=anna.id)
    of_unknown = SurveyParticipation(survey_id="gone-2020", person_id=anna.id)
    named = SurveyResponse(id="a" * 32, survey_id=RECIPIENTS, survey_version="1", language="lv", submitted_on=date(2027, 1, 15),
                           answers={"overall": "5"}, person_id=ilze.id)
    anonymous = SurveyResponse(id="b" * 32, survey_id=RECIPIENTS, survey_version="1", language="ru", submitted_on=date(2027, 1, 1),
                               answers={"overall": "4"})
    named_open = SurveyResponse(id="c" * 32, survey_id=PORTAL, survey_version="1", language="lv", submitted_on=date(2027, 5, 15),
                                answers={}, person_id=ilze.id)
    add(db, of_closed, of_open, of_unknown, named, anonymous, named_open)

    lines = retention_run(date(2028, 1, 31), capsys)  # recipients-2026 closed on 2027-01-31: a year has not passed
    assert lines["survey_participation"] == "survey_participation: 0 expired"
    assert lines["survey_response_person"] == "survey_response_person: 0 expired"

    lines = retention_run(date(2028, 2, 1), capsys)
    assert lines["survey_participation"] == "survey_participation: 1 expired; deleted 1"
    assert ids(db, SurveyParticipation) == {of_open.id, of_unknown.id}
    assert lines["survey_response_person"] == "survey_response_person: 1 expired; anonymised 1"
    db.expire_all()
    responses = {r.id: (r.person_id, r.submitted_on, r.answers) for r in db.scalars(select(SurveyResponse))}
    assert responses == {
        named.id: (None, date(2027, 1, 1), {"overall": "5"}),  # the answers stay, with the month
        anonymous.id: (None, date(2027, 1, 1), {"overall": "4"}),
        named_open.id: (ilze.id, date(2027, 5, 15), {}),
    }


def test_the_audit_is_counted_and_never_changed(db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    anna = person(db)
    old = AuditEvent(actor_id=anna.id, subject_id=anna.id, action=AuditAction.SIGNED_IN, at=just_before(date(2027, 3, 1)))
    recent = AuditEvent(actor_id=anna.id, subject_id=anna.id, action=AuditAction.SIGNED_IN, at=riga(date(2027, 3, 1)))
    add(db, old, recent)
    before = snapshot(db)["audit_event"]

    lines = retention_run(date(2032, 3, 1), capsys)

    assert lines["audit_event"] == ("audit_event: 1 expired; kept: the audit is append-only, "
                                    "the database owner's maintenance removes them (docs/retention.md)")
    assert snapshot(db)["audit_event"] == before


def test_people_go_a_year_after_their_last_sign_in_once_nothing_else_of_theirs_is_kept(
    db: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    today, kept_from = date(2027, 3, 1), date(2026, 3, 1)
    long_ago = just_before(kept_from)
    gone = person(db, updated_at=long_ago, last_signed_in_at=long_ago)
    never_signed_in = person(db, updated_at=long_ago)  # an assistant the desk named, whose case is gone
    signed_in = person(db, updated_at=long_ago, last_signed_in_at=riga(kept_from))
    changed = person(db, updated_at=riga(kept_from))
    audited = person(db, updated_at=long_ago, last_signed_in_at=long_ago)
    staff = person(db, updated_at=long_ago, last_signed_in_at=long_ago)
    represented = person(db, updated_at=long_ago)
    add(db, AuditEvent(actor_id=None, subject_id=audited.id, action=AuditAction.SIGNED_OUT, at=riga(date(2026, 1, 1))),
        StaffRole(person_id=staff.id, role=StaffRoleName.ADMIN),
        Representation(representative_id=changed.id, represented_id=represented.id, kind=RepresentationKind.PARENT,
                       valid_from=date(2020, 1, 1)))

    lines = retention_run(today, capsys)

    assert lines["person"] == "person: 3 expired; deleted 2; 1 kept: the audit names them (removed by its maintenance first)"
    assert ids(db, Person) == {signed_in.id, changed.id, audited.id, staff.id, represented.id}
    assert gone.id not in ids(db, Person) and never_signed_in.id not in ids(db, Person)


# ------------------------------------------------------------------ a whole run


def years_of_use(db: Session, storage: FileStorage) -> tuple[Doc, Doc]:
    """A little of everything, some of it expired on 2037-01-01 and some not."""
    anna, ilze, liga = person(db), person(db), person(db)
    draft = Application(person_id=anna.id, created_by_id=anna.id, updated_at=riga(date(2030, 1, 1)))
    add(db, draft)
    old_file = document(db, storage, draft, riga(date(2030, 1, 1)))
    case, grant, assignment = granted(db, anna, ilze, liga, valid_from=date(2024, 1, 1), valid_to=date(2026, 6, 30),
                                      decided_at=riga(date(2023, 12, 1)))
    monthly(db, grant, assignment, date(2026, 5, 1))
    current, current_grant, current_assignment = granted(db, anna, ilze, liga, valid_from=date(2036, 1, 1), valid_to=date(2038, 12, 31),
                                                         decided_at=riga(date(2035, 12, 1)))
    monthly(db, current_grant, current_assignment, date(2036, 12, 1))
    kept_file = document(db, storage, current, riga(date(2035, 11, 1)))
    add(db,
        OutboxMessage(to_address="a@example.lv", subject="S", body="B", status=OutboxStatus.SENT, sent_at=riga(date(2030, 1, 1)),
                      created_at=riga(date(2030, 1, 1)), dedupe_key="report-reminder:1:2029-12:assistant"),
        OutboxMessage(to_address="a@example.lv", subject="S", body="B", status=OutboxStatus.SENT, sent_at=riga(date(2036, 12, 30)),
                      created_at=riga(date(2036, 12, 30))),
        AuditEvent(actor_id=liga.id, subject_id=anna.id, action=AuditAction.CASE_VIEWED, at=riga(date(2025, 1, 1))),
        SurveyParticipation(survey_id=RECIPIENTS, person_id=anna.id),
        Representation(representative_id=liga.id, represented_id=ilze.id, kind=RepresentationKind.AUTHORISED,
                       valid_from=date(2020, 1, 1), valid_to=date(2025, 1, 1)))
    return old_file, kept_file


def test_a_dry_run_changes_nothing_and_a_second_run_does_nothing(
    db: Session, storage: FileStorage, capsys: pytest.CaptureFixture[str]
) -> None:
    today = date(2037, 1, 1)
    old_file, kept_file = years_of_use(db, storage)
    before = snapshot(db)

    dry = retention_run(today, capsys, dry_run=True)

    assert snapshot(db) == before and stored(storage, old_file) and stored(storage, kept_file)
    assert dry["application_draft"] == "application_draft: 1 expired; would delete 1 (1 file)"
    assert dry["monthly_report"] == "monthly_report: 1 expired; would delete 1"
    assert dry["outbox_notice"] == "outbox_notice: 1 expired; would anonymise 1"
    assert dry["survey_participation"] == "survey_participation: 1 expired; would delete 1"
    # The case waits for its report in a dry run: the run itself deletes the report first, then the case.
    assert dry["case_file"] == "case_file: 1 expired; would delete 0 (0 files); 1 kept: monthly reports of its grant are still kept"

    done = retention_run(today, capsys)

    assert done["application_draft"] == "application_draft: 1 expired; deleted 1 (1 file)"
    assert done["case_file"] == "case_file: 1 expired; deleted 1 (0 files)"
    assert done["representation"] == "representation: 1 expired; deleted 1"
    assert not stored(storage, old_file) and stored(storage, kept_file)
    after = snapshot(db)
    assert after != before

    again = retention_run(today, capsys)

    assert snapshot(db) == after and stored(storage, kept_file)
    acted = [line for line in again.values() if "deleted" in line or "anonymised" in line]
    assert acted == [], acted
    assert again["audit_event"].startswith("audit_event: 1 expired; kept:")


def test_a_rule_works_in_batches(db: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(retention, "BATCH", 2)
    anna = person(db)
    add(db, *[Application(person_id=anna.id, created_by_id=anna.id, updated_at=riga(date(2020, 1, 1))) for _ in range(5)])

    assert retention_run(date(2027, 3, 1), capsys)["application_draft"] == "application_draft: 5 expired; deleted 5 (0 files)"
    assert ids(db, Application) == set()


def test_a_batch_that_fails_to_commit_leaves_its_rows_and_their_files(
    db: Session, storage: FileStorage, env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import asyncio

    from sqlalchemy.ext.asyncio import AsyncSession

    from portal.db import Database

    anna = person(db)
    draft = Application(person_id=anna.id, created_by_id=anna.id, updated_at=riga(date(2020, 1, 1)))
    add(db, draft)
    doc = document(db, storage, draft, riga(date(2020, 1, 1)))
    rule = next(rule for rule in retention.RULES if rule.kind == "application_draft")
    acted: list[bool] = []

    async def act(session: Any, chosen: list[Any]) -> None:
        assert rule.act is not None
        await rule.act(session, chosen)
        acted.append(True)

    commit = AsyncSession.commit

    async def failing_commit(self: AsyncSession) -> None:
        if acted:  # the batch's own commit: the database goes away at that moment
            raise ConnectionError("the database went away")
        await commit(self)

    monkeypatch.setattr(retention, "RULES", (dataclasses.replace(rule, act=act),))
    monkeypatch.setattr(AsyncSession, "commit", failing_commit)

    async def run() -> None:
        database = Database(env)
        try:
            await retention.run(database, storage, date(2027, 3, 1))
        finally:
            await database.dispose()

    with pytest.raises(ConnectionError, match="went away"):
        asyncio.run(run())
    assert acted == [True]
    assert ids(db, Application) == {draft.id} and ids(db, ApplicationDocument) == {doc.id}
    assert stored(storage, doc)


def test_today_must_be_a_date(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as usage:
        cli.main(["retention", "--today", "1.3.2027"])
    assert usage.value.code == 2


# ------------------------------------------------------------------ the table itself



def test_every_table_has_a_rule_or_a_reason() -> None:
    ruled = {rule.table for rule in retention.RULES}
    unexplained = set(Base.metadata.tables) - ruled - set(retention.KEPT) - set(retention.PART_OF)
    assert unexplained == set()
    for rule in retention.RULES:
        assert rule.why and rule.clock and rule.done and rule.record, rule.kind
        assert (rule.actionable is None) == (not rule.waits_because), rule.kind
    assert len({rule.kind for rule in retention.RULES}) == len(retention.RULES)


@pytest.mark.parametrize(("period", "today", "first_kept"), [
    (retention.Period(months=6), date(2027, 3, 1), date(2026, 9, 1)),
    (retention.Period(months=6), date(2027, 8, 31), date(2027, 2, 28)),  # no 31 February: its last day
    (retention.Period(days=90), date(2027, 3, 1), date(2026, 12, 1)),
    (retention.Period(years=1), date(2028, 2, 29), date(2027, 2, 28)),
    (retention.Period(years=10, from_year_end=True), date(2036, 12, 31), date(2026, 1, 1)),
    (retention.Period(years=10, from_year_end=True), date(2037, 1, 1), date(2027, 1, 1)),
])
def test_periods(period: retention.Period, today: date, first_kept: date) -> None:
    assert period.cutoff(today) == first_kept


def test_the_audit_trigger_still_refuses_on_postgresql(db: Session) -> None:
    """What retention relies on: nothing the portal runs can delete the audit (PostgreSQL, migration 0015)."""
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    anna = person(db)
    add(db, AuditEvent(actor_id=anna.id, subject_id=anna.id, action=AuditAction.SIGNED_IN))
    with pytest.raises(Exception, match="append-only"):
        db.execute(AuditEvent.__table__.delete())
    db.rollback()
    assert db.scalar(select(func.count()).select_from(AuditEvent)) == 1
    assert db.execute(text("SELECT 1")).scalar() == 1


def test_the_documented_table_names_every_rule() -> None:
    page = (Path(__file__).resolve().parent.parent / "docs" / "retention.md").read_text(encoding="utf-8")
    assert [rule.kind for rule in retention.RULES if f"| `{rule.kind}` |" not in page] == []
    assert [table for table in retention.KEPT if f"`{table}`" not in page] == []

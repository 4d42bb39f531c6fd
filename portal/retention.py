"""How long each kind of record is kept, and the run (`portal retention`, from cron) that removes what expired.

RULES is the one table: for each kind of record its period, what starts the clock, what is done
when it has run out (deleted, or anonymised: what the statistics need stays, what identifies goes)
and why. KEPT names the tables no rule removes rows of, and why; PART_OF the tables whose rows go
with a rule's rows. docs/retention.md is the same table for people, with what a run does not do.

How a run works:

- The rules run in the order of RULES: the monthly reports before the control samples and the case
  files they belong to, the case files before the self-assessments and representations they name,
  and everything before the people.
- A rule works in batches of at most BATCH rows, each a transaction of its own: the rows are chosen
  and locked (PostgreSQL: FOR UPDATE SKIP LOCKED, so a row someone is changing at this moment is left
  for the next run; SQLite's transactions take the write lock at BEGIN), then deleted or anonymised,
  then committed. A run stopped anywhere leaves whole batches done and the rest as it was. A deleted
  row no longer matches and an anonymised one no longer matches either, so a second run does nothing.
- What a rule still needs is part of its choice, in the same statement that locks: a draft changed
  yesterday, an open case, a case whose grant has a report still kept, a month still being reported.
- Files: the storage keys of a batch's documents are read once its applications are locked (a document
  added meanwhile waits for the lock, then finds its application gone), and the files are deleted only
  after the batch has committed, so a batch rolled back leaves every file.
- The audit is append-only (a trigger on PostgreSQL, migration 0015): its events past their period are
  counted and reported, never changed; the database owner's maintenance removes them (docs/retention.md).
- A dry run only counts, in read-only transactions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, String, cast, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

import portal.models  # noqa: F401  (every table registered: a person is kept while any row of any table names them)
from portal import clock
from portal.applications.models import CLOSED, Application, ApplicationDocument, ApplicationEvent, ApplicationStatus
from portal.applications.rules import MAX_GRANT_YEARS, add_months
from portal.assessment.models import Assessment, AssessmentStatus
from portal.audit import AuditEvent
from portal.casework import tally
from portal.casework.models import DecisionDocument, PayrollExport, PayrollLine
from portal.db import Base, Database, read_only
from portal.eid.models import WebSession
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.notifications.models import OutboxMessage, OutboxStatus
from portal.people.models import Person, Representation
from portal.ratelimit import RateLimitHit
from portal.storage import Storage
from portal.surveys.definitions import Survey, all_surveys
from portal.surveys.models import SurveyDraft, SurveyParticipation, SurveyResponse, SurveyVisit
from portal.timesheets import pay
from portal.timesheets.models import ControlSample, MonthlyReport, ReportEvent

# Rows per transaction: a batch locks no more than this, and a run stopped leaves whole batches.
BATCH = 500

# The periods, in one place. The ones marked *unverified* are the municipality's to confirm
# (docs/domain.md: "retention periods for case records are unverified").
DRAFT_MONTHS = 6
SENT_MESSAGE_DAYS = 90
DEAD_LETTER_YEARS = 1
PAYROLL_YEARS = 10  # Accounting Law art. 28: source documents of pay calculated by month
CASE_FILE_YEARS = 10  # *unverified*: the municipality's nomenclature of records
UNSENT_SELF_ASSESSMENT_YEARS = MAX_GRANT_YEARS
SURVEY_YEARS_AFTER_CLOSING = 1
AUDIT_YEARS = 5  # *unverified*: the data protection officer's to confirm
PERSON_YEARS = 1
SESSION_DAYS = 30
SURVEY_VISIT_DAYS = 30
RATE_LIMIT_DAYS = 1


class Action(StrEnum):
    DELETE = "delete"
    ANONYMISE = "anonymise"  # what the statistics need stays, what identifies goes
    REPORT = "report"  # counted and reported, never changed (the audit)


@dataclass(frozen=True)
class Period:
    days: int = 0
    months: int = 0
    years: int = 0
    # Counted from 1 January after the year the clock started, as records' and accounts' periods are:
    # a file closed in 2026 and kept 10 years is kept to the end of 2036.
    from_year_end: bool = False

    def cutoff(self, today: date) -> date:
        """The first day still kept: a clock that started on an earlier day has run out."""
        if self.from_year_end:
            return date(today.year - self.years, 1, 1)
        return add_months(today, -(12 * self.years + self.months)) - timedelta(days=self.days)

    def __str__(self) -> str:
        parts = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in ((self.years, "year"), (self.months, "month"), (self.days, "day")) if n]
        return " ".join(parts) + (" from the end of that year" if self.from_year_end else "")


@dataclass(frozen=True)
class Window:
    """A rule's cutoff on the day of the run: the first day still kept, and its first moment in Riga."""

    today: date
    cutoff: date
    surveys: Mapping[str, Survey]

    @property
    def moment(self) -> datetime:
        return datetime.combine(self.cutoff, time.min, tzinfo=clock.RIGA)

    def surveys_closed_before(self) -> list[str]:
        """The surveys that closed before the cutoff (a survey whose definition is gone is left alone:
        when it closed is not known)."""
        return sorted(survey.id for survey in self.surveys.values() if survey.closes < self.cutoff)


Choose = Callable[[Window], Select[Any]]  # the primary keys of the rows, one column
Act = Callable[[AsyncSession, list[Any]], Awaitable[None]]


@dataclass(frozen=True)
class Rule:
    kind: str  # the name the run prints
    table: str
    record: str  # which rows, in plain words
    period: Period
    clock: str  # what starts it
    action: Action
    done: str  # what happens to them
    why: str
    expired: Choose  # past the period, by the clock
    act: Act | None = None  # None: reported only
    # The expired rows acted on, when some of them are still needed (None: all of them), and why the rest wait.
    actionable: Choose | None = None
    waits_because: str = ""
    # The rows are applications: their documents' files are deleted once the batch has committed.
    documents: bool = False
    append_only: str = "the audit"  # for a rule that only reports (Action.REPORT): what its run says it keeps

    def window(self, today: date, surveys: Mapping[str, Survey]) -> Window:
        return Window(today, self.period.cutoff(today), surveys)


# ------------------------------------------------------------------ the rules' choices


def _deleting(model: Any) -> Act:
    async def act(session: AsyncSession, ids: list[Any]) -> None:
        await session.execute(delete(model).where(model.id.in_(ids)).execution_options(synchronize_session=False))

    return act


def application_drafts(w: Window) -> Select[Any]:
    return select(Application.id).where(
        Application.status == ApplicationStatus.DRAFT,
        Application.updated_at < w.moment,  # an answer saved moves it on
        ~exists().where(ApplicationDocument.application_id == Application.id, ApplicationDocument.uploaded_at >= w.moment),
    )


def self_assessment_drafts(w: Window) -> Select[Any]:
    return select(Assessment.id).where(
        Assessment.application_id.is_(None),  # the person's own; the desk's assessment of a case goes with the case
        Assessment.status == AssessmentStatus.IN_PROGRESS,
        Assessment.updated_at < w.moment,
        ~exists().where(Application.assessment_id == Assessment.id),
    )


def survey_drafts(w: Window) -> Select[Any]:
    # A draft of a survey that has closed can never be sent: it goes the day after the survey closes.
    closed = [survey.id for survey in w.surveys.values() if survey.closes < w.today]
    return select(SurveyDraft.id).where(or_(SurveyDraft.updated_at < w.moment, SurveyDraft.survey_id.in_(closed)))


def sent_messages(w: Window) -> Select[Any]:
    return select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at < w.moment, OutboxMessage.dedupe_key.is_(None)
    )


def _not_blank(message: type[OutboxMessage]) -> ColumnElement[bool]:
    return or_(message.to_address != "", message.subject != "", message.body != "", message.last_error != "")


def sent_notices(w: Window) -> Select[Any]:
    return select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at < w.moment, OutboxMessage.dedupe_key.is_not(None),
        _not_blank(OutboxMessage),
    )


async def _blank_notices(session: AsyncSession, ids: list[Any]) -> None:
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(to_address="", subject="", body="", last_error="")
        .execution_options(synchronize_session=False)
    )


def dead_letters(w: Window) -> Select[Any]:
    last_attempt = func.coalesce(OutboxMessage.claimed_at, OutboxMessage.created_at)
    return select(OutboxMessage.id).where(OutboxMessage.status == OutboxStatus.DEAD, last_attempt < w.moment)


def notice_keys(w: Window) -> Select[Any]:
    return select(OutboxMessage.id).where(
        OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.dedupe_key.is_not(None), OutboxMessage.created_at < w.moment
    )


def monthly_reports(w: Window) -> Select[Any]:
    # Every revision of a month has the month: a month's revisions go together.
    return select(MonthlyReport.id).where(MonthlyReport.month < w.cutoff)


async def _delete_reports(session: AsyncSession, ids: list[Any]) -> None:
    """The reports, with the desk's tallies of their months and samples (casework.tally) and the months' stored
    pay totals (timesheets.pay: moved to a revision left, or gone)."""
    before = await tally.reports_deleting(session, ids)
    async with pay.kept(session, ids):
        await session.execute(delete(MonthlyReport).where(MonthlyReport.id.in_(ids)).execution_options(synchronize_session=False))
    await tally.months_moved(session, before, before.keys())


def monthly_reports_unpaid(w: Window) -> Select[Any]:
    """Reports no payroll export names (an export's lines are append-only: its maintenance removes them first)."""
    return monthly_reports(w).where(~exists().where(PayrollLine.report_id == MonthlyReport.id))


def payroll_exports(w: Window) -> Select[Any]:
    return select(PayrollExport.id).where(PayrollExport.month < w.cutoff)


def control_samples(w: Window) -> Select[Any]:
    return select(ControlSample.id).where(ControlSample.month < w.cutoff)


def control_samples_unused(w: Window) -> Select[Any]:
    return control_samples(w).where(~exists().where(MonthlyReport.sample_id == ControlSample.id))


def case_files(w: Window) -> Select[Any]:
    """Closed cases whose last entry is before the cutoff: the decision, anything in the history after
    it (a withdrawal, a note about an appeal), and for a grant the end of its period."""
    return select(Application.id).where(
        Application.status.in_(CLOSED),
        Application.updated_at < w.moment,
        or_(Application.decided_at.is_(None), Application.decided_at < w.moment),
        ~exists().where(ApplicationEvent.application_id == Application.id, ApplicationEvent.at >= w.moment),
        ~exists().where(Entitlement.application_id == Application.id, Entitlement.valid_to >= w.cutoff),
    )


def case_files_without_reports(w: Window) -> Select[Any]:
    return case_files(w).where(
        ~exists().where(Entitlement.application_id == Application.id, MonthlyReport.entitlement_id == Entitlement.id),
        ~exists().where(AssistantAssignment.application_id == Application.id, MonthlyReport.assignment_id == AssistantAssignment.id),
    )


async def _delete_case_files(session: AsyncSession, ids: list[Any]) -> None:
    # The grant and its assignments name the application without a cascade (a grant is never deleted
    # by accident); the history, the documents and the desk's assessments go with it by ON DELETE CASCADE.
    # Its assignments leave the desk's months (casework.tally; their list rows go by the cascade).
    assignments = list(await session.scalars(select(AssistantAssignment.id).where(AssistantAssignment.application_id.in_(ids))))
    before = await tally.assignments_changing(session, assignments)
    await session.execute(delete(AssistantAssignment).where(AssistantAssignment.application_id.in_(ids)))
    await session.execute(delete(Entitlement).where(Entitlement.application_id.in_(ids)))
    await session.execute(delete(Application).where(Application.id.in_(ids)).execution_options(synchronize_session=False))
    await tally.assignments_changed(session, before, assignments)


def unsent_self_assessments(w: Window) -> Select[Any]:
    return select(Assessment.id).where(
        Assessment.application_id.is_(None),
        Assessment.status == AssessmentStatus.SUBMITTED,
        Assessment.submitted_at < w.moment,
        ~exists().where(Application.assessment_id == Assessment.id),  # sent with a case: part of its file
    )


def ended_representations(w: Window) -> Select[Any]:
    return select(Representation.id).where(Representation.valid_to.is_not(None), Representation.valid_to < w.cutoff)


def representations_no_record_names(w: Window) -> Select[Any]:
    """Ended, and no kept record shows an act under it (who acted, for whom)."""
    rep, represented = Representation.representative_id, Representation.represented_id
    return ended_representations(w).where(
        ~exists().where(ApplicationEvent.actor_id == rep, ApplicationEvent.on_behalf_of_id == represented),
        ~exists().where(ReportEvent.actor_id == rep, ReportEvent.on_behalf_of_id == represented),
        ~exists().where(Application.created_by_id == rep, Application.person_id == represented),
    )


def participations(w: Window) -> Select[Any]:
    return select(SurveyParticipation.id).where(SurveyParticipation.survey_id.in_(w.surveys_closed_before()))


def personal_responses(w: Window) -> Select[Any]:
    return select(SurveyResponse.id).where(
        SurveyResponse.person_id.is_not(None), SurveyResponse.survey_id.in_(w.surveys_closed_before())
    )


async def _anonymise_responses(session: AsyncSession, ids: list[Any]) -> None:
    for response in await session.scalars(select(SurveyResponse).where(SurveyResponse.id.in_(ids))):
        response.person_id = None
        response.submitted_on = response.submitted_on.replace(day=1)  # the month, as an anonymous survey's
    await session.flush()


def sessions(w: Window) -> Select[Any]:
    # A session lasts at most the absolute timeout (12 hours) after sign-in: a month after it, it is long over.
    return select(WebSession.id).where(WebSession.signed_in_at < w.moment)


def _visit_key() -> ColumnElement[str]:
    return SurveyVisit.visit + ":" + SurveyVisit.survey_id


def survey_visits(w: Window) -> Select[Any]:
    closed = [survey.id for survey in w.surveys.values() if survey.closes < w.today]
    return select(_visit_key()).where(or_(SurveyVisit.updated_on < w.cutoff, SurveyVisit.survey_id.in_(closed)))


async def _delete_visits(session: AsyncSession, keys: list[Any]) -> None:
    await session.execute(delete(SurveyVisit).where(_visit_key().in_(keys)).execution_options(synchronize_session=False))


def _hit_key() -> ColumnElement[str]:
    return RateLimitHit.limit_name + ":" + RateLimitHit.client + ":" + cast(RateLimitHit.window_end, String)


def rate_limit_hits(w: Window) -> Select[Any]:
    return select(_hit_key()).where(RateLimitHit.window_end < int(w.moment.timestamp()))


async def _delete_hits(session: AsyncSession, keys: list[Any]) -> None:
    await session.execute(delete(RateLimitHit).where(_hit_key().in_(keys)).execution_options(synchronize_session=False))


def audit_events(w: Window) -> Select[Any]:
    return select(AuditEvent.id).where(AuditEvent.at < w.moment)


def _references_to_people() -> list[Any]:
    """Every column of every table that names a person (the models registered now, new tables included)."""
    return [
        fk.parent
        for table in Base.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == Person.__tablename__ and table.name != Person.__tablename__
    ]


def people(w: Window) -> Select[Any]:
    """Nothing of theirs is kept any more but the audit, and they have not signed in (or been changed) since the cutoff."""
    audit = AuditEvent.__table__
    return select(Person.id).where(
        Person.updated_at < w.moment,
        or_(Person.last_signed_in_at.is_(None), Person.last_signed_in_at < w.moment),
        *[~exists().where(column == Person.id) for column in _references_to_people() if column.table is not audit],
    )


def people_the_audit_does_not_name(w: Window) -> Select[Any]:
    return people(w).where(~exists().where(AuditEvent.actor_id == Person.id), ~exists().where(AuditEvent.subject_id == Person.id))


# ------------------------------------------------------------------ the table

RULES: tuple[Rule, ...] = (
    Rule(
        "application_draft", "application", "Applications never submitted (drafts), with their documents and the files",
        Period(months=DRAFT_MONTHS), "the draft's last change: an answer saved, a document added", Action.DELETE,
        "deleted, with the files of their documents",
        "A draft is the person's unfinished work, not yet a record of the social service: no one has received it and nothing "
        "was decided on it. Six months untouched is far past any journey (the portal signs people out after 20 idle minutes); "
        "a person who comes back starts again.",
        application_drafts, _deleting(Application), documents=True,
    ),
    Rule(
        "self_assessment_draft", "assessment", "Self-assessment versions in progress (the person's own, never submitted)",
        Period(months=DRAFT_MONTHS), "the version's last change", Action.DELETE, "deleted",
        "Unfinished, like an application's draft; the versions already submitted are not touched. The social service's own "
        "assessment of a case goes with the case file.",
        self_assessment_drafts, _deleting(Assessment),
    ),
    Rule(
        "survey_draft", "survey_draft", "Unfinished survey answers of a signed-in person",
        Period(months=DRAFT_MONTHS), "the last change; or the survey's closing, whichever comes first", Action.DELETE, "deleted",
        "Kept only so that the person can come back to them; once the survey has closed they can never be sent.",
        survey_drafts, _deleting(SurveyDraft),
    ),
    Rule(
        "outbox_sent", "outbox_message", "E-mails and text messages sent (other than report notices)",
        Period(days=SENT_MESSAGE_DAYS), "sent", Action.DELETE, "deleted",
        "A copy of what was sent, with the address. Ninety days answer \"did you write to me?\"; what a message told about "
        "is in the case or the report, not in the copy.",
        sent_messages, _deleting(OutboxMessage),
    ),
    Rule(
        "outbox_notice", "outbox_message", "Report reminders and notices sent (messages with a dedupe key)",
        Period(days=SENT_MESSAGE_DAYS), "sent", Action.ANONYMISE, "the address, subject, text and error blanked; the key kept",
        "As other messages; but `portal notify` queues each notice once by its key, and without the key it would remind "
        "again about a report that still waits. The key holds only ids.",
        sent_notices, _blank_notices,
    ),
    Rule(
        "outbox_dead", "outbox_message", "Dead letters: messages every attempt failed to send",
        Period(years=DEAD_LETTER_YEARS), "the last attempt", Action.DELETE, "deleted",
        "Kept so that the operator sees what failed and can requeue it (`portal outbox`); a year covers any outage worth "
        "requeuing. A reminder deleted this way was never delivered: `portal notify` may queue it once more if still due.",
        dead_letters, _deleting(OutboxMessage),
    ),
    Rule(
        "monthly_report", "monthly_report", "Monthly reports, every revision, with their time entries and events",
        Period(years=PAYROLL_YEARS, from_year_end=True), "the report's month", Action.DELETE, "deleted",
        "The source document of the assistant's pay for the month (the hours, from-to, the confirmation). The Accounting Law "
        "(Grāmatvedības likums, art. 28) keeps source documents of pay calculated by month 10 years (other source documents 5), "
        "counted from the end of the year. *Unverified*: 5 years may do where assistants are paid on a service contract, "
        "not employment: the municipality's accountant confirms. Statistics for the ministry are reported (SPOLIS) at the time.",
        monthly_reports, _delete_reports,
        actionable=monthly_reports_unpaid, waits_because="a payroll export names them (removed by its maintenance first)",
    ),
    Rule(
        "payroll_export", "payroll_export", "Payroll exports of a month, with their lines (and adjustments)",
        Period(years=PAYROLL_YEARS, from_year_end=True), "the export's month", Action.REPORT,
        "counted and reported, never changed: the database owner's maintenance removes them",
        "What was handed to the payroll: the accounting record of the assistants' pay for the month, kept as the monthly "
        "reports are (Accounting Law art. 28). Append-only (migration 0021): the portal never deletes an export.",
        payroll_exports, append_only="the payroll",
    ),
    Rule(
        "control_sample", "control_sample", "Control samples drawn of a month's reports",
        Period(years=PAYROLL_YEARS, from_year_end=True), "the sample's month", Action.DELETE, "deleted",
        "The draw (its seed, its percent, who drew it) shows how the month's reports were checked: it goes with them.",
        control_samples, _deleting(ControlSample),
        actionable=control_samples_unused, waits_because="reports of it are still kept",
    ),
    Rule(
        "outbox_notice_key", "outbox_message", "Keys of report notices sent (anonymised by outbox_notice)",
        Period(years=PAYROLL_YEARS, from_year_end=True), "queued", Action.DELETE, "deleted",
        "Each key names a report's month or one of its events, and is queued in or after that month: once the reports of "
        "that time are gone (monthly_report, earlier in the same run), the notice can never be due again.",
        notice_keys, _deleting(OutboxMessage),
    ),
    Rule(
        "case_file", "application", "Closed cases (granted, refused, withdrawn): the application, its history, documents and "
        "files, the social service's assessments, the grant and its assistant assignments",
        Period(years=CASE_FILE_YEARS, from_year_end=True),
        "the case's last entry: the decision or withdrawal, a later note in its history (an appeal), and for a grant "
        "the end of its period, whichever is latest", Action.DELETE, "deleted, with the files of their documents",
        "An administrative act and its file (Administrative Procedure Law). The Archives Law (Arhīvu likums) leaves the period "
        "to the municipality's nomenclature of records (lietu nomenklatūra): social service case files are commonly kept "
        "10 years after the case closes. *Unverified*: the municipality's setting to confirm (CASE_FILE_YEARS). "
        "Open cases are never touched.",
        case_files, _delete_case_files, documents=True,
        actionable=case_files_without_reports, waits_because="monthly reports of its grant are still kept",
    ),
    Rule(
        "self_assessment", "assessment", "Submitted self-assessments no application was sent with",
        Period(years=UNSENT_SELF_ASSESSMENT_YEARS), "submitted", Action.DELETE, "deleted",
        "It describes the person's situation when they filled it in, and a grant lasts at most 3 years (Regulation 316): an "
        "older one is not what a case would be decided on. One sent with an application is part of that case file and "
        "stays as long as it does.",
        unsent_self_assessments, _deleting(Assessment),
    ),
    Rule(
        "representation", "representation", "Representations that have ended (a guardian, a parent, an authorised person)",
        Period(years=CASE_FILE_YEARS, from_year_end=True), "the representation's last day", Action.DELETE, "deleted",
        "It shows who could act for whom. The case files and reports record acts under it (who acted, for whom), so it is "
        "kept as long as any of them is.",
        ended_representations, _deleting(Representation),
        actionable=representations_no_record_names, waits_because="a kept application or report records an act under it",
    ),
    Rule(
        "survey_participation", "survey_participation", "That a person answered a survey",
        Period(years=SURVEY_YEARS_AFTER_CLOSING), "the survey's closing", Action.DELETE, "deleted",
        "Kept only so that no one answers twice. After the survey has closed it is of no use but to count who answered, and "
        "it is what narrows an anonymous respondent to their batch (docs/architecture.md, \"Anonymous answers\").",
        participations, _deleting(SurveyParticipation),
    ),
    Rule(
        "survey_response_person", "survey_response", "Responses to a survey that is not anonymous: who answered",
        Period(years=SURVEY_YEARS_AFTER_CLOSING), "the survey's closing", Action.ANONYMISE,
        "the person removed, the day made the first of its month; the answers kept",
        "The results need the answers, the language and the month, not who gave them. (An anonymous survey's responses "
        "never had a person.)",
        personal_responses, _anonymise_responses,
    ),
    Rule(
        "audit_event", "audit_event", "Audit events: who read or changed whose data",
        Period(years=AUDIT_YEARS), "the event", Action.REPORT,
        "counted and reported, never changed: the database owner's maintenance removes them",
        "A person may ask who looked at their data, and the Data State Inspectorate may check it; 5 years covers either "
        "question well after the fact. *Unverified*: the data protection officer confirms. The audit is append-only "
        "(migration 0015): the portal never deletes it, whatever its role.",
        audit_events,
    ),
    Rule(
        "web_session", "web_session", "Signed-in sessions (which browser, when signed in and last active)",
        Period(days=SESSION_DAYS), "the sign-in", Action.DELETE, "deleted",
        "A session ends at most 12 hours after sign-in; its row is kept a month so that a person, or the social service "
        "asked about misuse, can still tell which browser was signed in. The sign-ins themselves are in the audit.",
        sessions, _deleting(WebSession),
    ),
    Rule(
        "survey_visit", "survey_visit", "A visitor's unfinished answers to a public survey (under a random token)",
        Period(days=SURVEY_VISIT_DAYS), "the day they last saved a page; or the survey's closing, whichever comes first",
        Action.DELETE, "deleted",
        "Kept only so that the visitor can go on answering; a month untouched, or the survey closed, they will not be sent.",
        survey_visits, _delete_visits,
    ),
    Rule(
        "rate_limit_hit", "rate_limit_hit", "Counts of requests per address (a keyed hash of it) for the rate limits",
        Period(days=RATE_LIMIT_DAYS), "the end of the count's window", Action.DELETE, "deleted",
        "A count is of use only within its window and the next (an hour at most); the survey's privacy notice says it is "
        "deleted after a day.",
        rate_limit_hits, _delete_hits,
    ),
    Rule(
        "person", "person", "People of whom nothing else is kept (no case, report, grant, representation, role, survey record)",
        Period(years=PERSON_YEARS), "their last sign-in or change", Action.DELETE, "deleted",
        "The row is their name and personal code, kept for the records about them; when none is left it has no purpose. "
        "A person who signs in again is created again from eID.",
        people, _deleting(Person),
        actionable=people_the_audit_does_not_name, waits_because="the audit names them (removed by its maintenance first)",
    ),
)

# Tables no rule removes rows of.
KEPT: Mapping[str, str] = {
    "survey_held_answer": "anonymous answers waiting for their batch: the batch step (surveys/service.py, release_held) "
    "moves them into the responses; retention never deletes an answer someone gave",
    "survey_response": "an anonymous survey's responses have no person and the month only: they are the results "
    "(a response with a person is anonymised by survey_response_person)",
    "survey_tally": "the results' counts of the responses (surveys/tallies.py): counts only, no person, no time; "
    "they go as the responses go",
    "staff_role": "a role in force; `portal staff remove` deletes it when it ends",
    "municipality": "reference data, no one's",
    "school": "reference data, no one's",
    "hourly_rate": "reference data, no one's",
    "month_pay_total": "counts of a month's paid reports per desk and service, no one's: they follow the reports (timesheets.pay)",
    "reference_sequence": "the last reference number of each year, no one's",
    "report_tally": "counts of assignments per desk, service and month, no one's: kept in step with the reports "
    "(casework.tally), so the months whose reports go count none",
}

# Tables whose rows go with a rule's rows.
PART_OF: Mapping[str, str] = {
    "application_event": "case_file, application_draft",
    "application_document": "case_file, application_draft (and their files)",
    "register_read": "case_file, application_draft (what the state registers said about the application's person)",
    "entitlement": "case_file",
    "decision_draft": "case_file, application_draft (a decision being composed)",
    "decision_document": "case_file (and its file: the decision as issued)",
    "assistant_assignment": "case_file",
    "time_entry": "monthly_report",
    "payroll_line": "payroll_export",
    "report_event": "monthly_report",
    "report_pay_line": "monthly_report (a confirmed report's pay, stored: timesheets.pay)",
    "contact_details": "person (the person's own contact details, deleted with them)",
    "desk_assignment": "case_file (an assignment's place on the desk's list of the month)",
    "desk_report": "case_file (an assignment's month in a report's state on the desk's list, kept in step with its reports "
    "by casework.tally)",
    "sample_tally": "control_sample (its counts, kept in step with its reports by casework.tally)",
    "contact_code": "person (one code at most per address, replaced by the next, deleted once it confirms)",
}


# ------------------------------------------------------------------ the run


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    expired: int  # past the period
    waiting: int  # past the period, kept: something still needs them (rule.waits_because), or the audit
    done: int  # deleted or anonymised (would be, in a dry run)
    files: int

    def line(self, dry_run: bool) -> str:
        """One line of the run's output: "case_file: 3 expired; deleted 2 (5 files); 1 kept: ..."."""
        rule = self.rule
        text = f"{rule.kind}: {self.expired} expired"
        if not self.expired:
            return text
        if rule.action is Action.REPORT:
            return text + f"; kept: {rule.append_only} is append-only, the database owner's maintenance removes them (docs/retention.md)"
        would, did = {Action.DELETE: ("would delete", "deleted"), Action.ANONYMISE: ("would anonymise", "anonymised")}[rule.action]
        text += f"; {would if dry_run else did} {self.done}"
        if rule.documents:
            text += f" ({self.files} file{'' if self.files == 1 else 's'})"
        if self.waiting:
            text += f"; {self.waiting} kept: {rule.waits_because}"
        return text


def _count(statement: Select[Any]) -> Select[Any]:
    return select(func.count()).select_from(statement.subquery())


def _locked_batch(statement: Select[Any]) -> Select[Any]:
    return statement.order_by(*statement.selected_columns).limit(BATCH).with_for_update(skip_locked=True)


def _documents_of(applications: Select[Any] | list[Any]) -> Select[Any]:
    """The files of the applications: what was uploaded, and the decision as issued."""
    uploaded = select(ApplicationDocument.storage_key).where(ApplicationDocument.application_id.in_(applications))
    issued = select(DecisionDocument.storage_key).where(DecisionDocument.application_id.in_(applications))
    return select(uploaded.union_all(issued).subquery().c.storage_key)


async def _counted(database: Database, rule: Rule, window: Window) -> tuple[int, int, int]:
    """How many expired, how many of them would be acted on, and their documents' files."""
    async with database.session() as session:
        await read_only(session)
        expired = int(await session.scalar(_count(rule.expired(window))) or 0)
        if rule.act is None:
            return expired, 0, 0
        chosen = rule.actionable(window) if rule.actionable else rule.expired(window)
        actionable = expired if rule.actionable is None else int(await session.scalar(_count(chosen)) or 0)
        files = int(await session.scalar(_count(_documents_of(chosen))) or 0) if rule.documents else 0
    return expired, actionable, files


async def _applied(database: Database, storage: Storage, rule: Rule, window: Window) -> Outcome:
    expired, actionable, _files = await _counted(database, rule, window)
    if rule.act is None:
        return Outcome(rule, expired, expired, 0, 0)
    choose = rule.actionable or rule.expired
    done = files = 0
    seen: set[Any] = set()
    while True:
        keys: list[str] = []
        async with database.session() as session:
            ids = list(await session.scalars(_locked_batch(choose(window))))
            if not ids:
                break
            again = seen.intersection(ids)
            if again:  # a rule whose action leaves its rows chosen would never end
                raise RuntimeError(f"retention rule {rule.kind} chose rows it had already done: {sorted(again)[:5]}")
            seen.update(ids)
            if rule.documents:
                keys = list(await session.scalars(_documents_of(ids)))
            await rule.act(session, ids)
        # Committed: only now are the files of what it deleted removed.
        for key in keys:
            storage.delete(key)
        done += len(ids)
        files += len(keys)
        if len(ids) < BATCH:
            break
    return Outcome(rule, expired, max(expired - actionable, 0), done, files)


async def run(
    database: Database, storage: Storage, today: date, *, dry_run: bool = False, surveys: Mapping[str, Survey] | None = None
) -> list[Outcome]:
    """Every rule in turn, on `today` (in Riga); a dry run only counts."""
    known = all_surveys() if surveys is None else surveys
    outcomes = []
    for rule in RULES:
        window = rule.window(today, known)
        if dry_run:
            expired, actionable, files = await _counted(database, rule, window)
            waiting = expired if rule.act is None else max(expired - actionable, 0)
            outcomes.append(Outcome(rule, expired, waiting, actionable, files))
        else:
            outcomes.append(await _applied(database, storage, rule, window))
    return outcomes


def report(outcomes: list[Outcome], today: date, dry_run: bool) -> list[str]:
    """What `portal retention` prints: the day, then one line per rule."""
    head = f"retention on {today.isoformat()}" + (" (dry run: nothing changed)" if dry_run else "")
    return [head, *(outcome.line(dry_run) for outcome in outcomes)]

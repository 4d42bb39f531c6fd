"""After the soak: is every acknowledged write in the database, and is nothing half-written?

Read with plain SQL on the tables (not the portal's models, which other work may be changing),
once the servers have stopped, so no transaction is still open.

Writes (bench/soak_clients.py's journal):
- an entry whose add was acknowledged is in the latest revision of its month, with its day and
  times, unless its own client deleted it; a refused add is nowhere; an acknowledged delete
  leaves it out of the latest revision (a correction copies entries, so older revisions keep theirs);
- an acknowledged confirmation left its report confirmed, by that person, with its event;
- a self-assessment section holds the answers of a write that no acknowledged write to the same
  section certainly followed (it started after that one's answer). With one writer per section
  that is the last acknowledged write, or a later one that got no answer.

Invariants, over the whole database:
- each monthly report's total_minutes is the sum of its entries' minutes;
- no two entries of one assistant overlap (reports not superseded);
- no grant's month (or ISO week) is over its minutes, no day over 24 hours;
- each (assignment, month) has revisions 1..n, only the last not superseded, the others confirmed;
- a confirmed report has its confirmer, time and event; a submitted one its time;
- at most one self-assessment in progress per person (and per case).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import create_engine, text

from bench.soak_clients import Journal, Outcome, Write
from portal.db import sync_url

DAY_MINUTES = 24 * 60


@dataclass
class Findings:
    acknowledged: int = 0
    missing: list[str] = field(default_factory=list)  # acknowledged writes not (or not rightly) in the database
    violations: list[str] = field(default_factory=list)  # invariants the data breaks


def check(database_url: str, journal: Journal) -> Findings:
    engine = create_engine(sync_url(database_url))
    try:
        with engine.connect() as db:
            rows = _read(db)
    finally:
        engine.dispose()
    findings = Findings(acknowledged=sum(1 for w in journal.writes if w.outcome is Outcome.ACKED))
    _check_entries(journal.writes, rows, findings)
    _check_confirmations(journal.writes, rows, findings)
    _check_sections(journal.writes, rows, findings)
    _check_invariants(rows, findings)
    return findings


def _read(db: Any) -> dict[str, list[Any]]:
    def all_of(sql: str) -> list[Any]:
        return list(db.execute(text(sql)))

    return {
        "reports": all_of("SELECT id, assignment_id, entitlement_id, month, revision, superseded, status, total_minutes,"
                          " submitted_at, confirmed_at, confirmed_by_id FROM monthly_report"),
        "entries": all_of("SELECT id, report_id, assistant_id, day, start_minute, end_minute, note FROM time_entry"),
        "events": all_of("SELECT report_id, action, actor_id FROM report_event"),
        "grants": all_of("SELECT id, minutes, period FROM entitlement"),
        "people": all_of("SELECT id, personal_code FROM person"),
        "assessments": all_of("SELECT id, person_id, application_id, status, answers FROM assessment"),
    }


def _month(value: date) -> str:
    return value.strftime("%Y-%m")


def _check_entries(writes: list[Write], rows: dict[str, list[Any]], findings: Findings) -> None:
    reports = {r.id: r for r in rows["reports"]}
    latest: dict[tuple[int, str], int] = {}  # (assignment, "YYYY-MM") -> the latest revision's report id
    for r in rows["reports"]:
        key = (r.assignment_id, _month(r.month))
        if key not in latest or reports[latest[key]].revision < r.revision:
            latest[key] = r.id
    by_tag: dict[str, list[Any]] = defaultdict(list)
    for e in rows["entries"]:
        if e.note.startswith("soak-"):
            by_tag[e.note].append(e)
    deletes: dict[str, list[Write]] = defaultdict(list)
    for w in writes:
        if w.kind == "entry_delete":
            deletes[w.key].append(w)
    adds = {w.key: w for w in writes if w.kind == "entry_add"}
    for tag in by_tag:
        if tag not in adds:
            findings.violations.append(f"entry {tag}: in the database, but no client added it")
    for tag, w in adds.items():
        d = w.detail
        report_id = latest.get((d["assignment"], d["month"]))
        in_latest = [e for e in by_tag.get(tag, []) if e.report_id == report_id]
        what = f"entry {tag} ({d['day']} {d['start']}-{d['end']} min, assignment {d['assignment']})"
        if len(in_latest) > 1:
            findings.violations.append(f"{what}: {len(in_latest)} copies in one revision")
        for e in by_tag.get(tag, []):
            if (e.day.isoformat(), e.start_minute, e.end_minute) != (d["day"], d["start"], d["end"]):
                findings.violations.append(f"{what}: stored as {e.day} {e.start_minute}-{e.end_minute}")
        if w.outcome is Outcome.REFUSED and by_tag.get(tag):
            findings.violations.append(f"{what}: refused ({w.detail.get('status', '')}), yet written")
        if w.outcome is not Outcome.ACKED:
            continue
        tried = deletes.get(tag, [])
        if any(x.outcome is Outcome.ACKED for x in tried):
            if in_latest:
                findings.missing.append(f"{what}: its delete was acknowledged, yet it is in the latest revision")
        elif not tried and not in_latest:
            findings.missing.append(f"{what}: acknowledged, not in the latest revision of its month")
    for tag, tried in deletes.items():
        # A delete acknowledged twice means two deletes of one entry both said "done".
        if sum(1 for x in tried if x.outcome is Outcome.ACKED) > 1:
            findings.violations.append(f"entry {tag}: deleted (acknowledged) more than once")


def _check_confirmations(writes: list[Write], rows: dict[str, list[Any]], findings: Findings) -> None:
    reports = {r.id: r for r in rows["reports"]}
    people = {p.personal_code: p.id for p in rows["people"]}
    confirmed_events = {(e.report_id, e.actor_id) for e in rows["events"] if e.action == "confirmed"}
    for w in writes:
        if w.kind != "confirm" or w.outcome is not Outcome.ACKED:
            continue
        report = reports.get(int(w.key))
        by = people.get(w.detail["by"])
        if report is None or report.status != "confirmed" or report.confirmed_by_id != by:
            state = "no such report" if report is None else f"{report.status}, by {report.confirmed_by_id}"
            findings.missing.append(f"confirmation of report {w.key} by {w.detail['by']}: acknowledged, but {state}")
        elif (report.id, by) not in confirmed_events:
            findings.missing.append(f"confirmation of report {w.key}: acknowledged, no event of it")


def _answers(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value or {})


def _check_sections(writes: list[Write], rows: dict[str, list[Any]], findings: Findings) -> None:
    by_section: dict[str, list[Write]] = defaultdict(list)
    for w in writes:
        if w.kind == "section":
            by_section[w.key].append(w)
    drafts: dict[int, list[Any]] = defaultdict(list)
    for a in rows["assessments"]:
        if a.application_id is None and a.status == "in_progress":
            drafts[a.person_id].append(a)
    for key, tried in by_section.items():
        acked = [w for w in tried if w.outcome is Outcome.ACKED]
        if not acked:
            continue
        person_id, section = key.split("/")
        found = drafts.get(int(person_id), [])
        if len(found) != 1:
            findings.missing.append(f"self-assessment of person {person_id}: {len(found)} versions in progress, after acknowledged saves")
            continue
        stored = _answers(found[0].answers)
        questions = list(acked[0].detail["answers"])
        now = {q: stored.get(q) for q in questions}
        # Any write not certainly followed by an acknowledged one may be the one that stays:
        # a write that got no answer may have been committed at any moment.
        candidates = [w for w in tried if w.outcome is not Outcome.REFUSED
                      and not (w.answered is not None and any(x.sent > w.answered for x in acked))]
        if not any(w.detail["answers"] == now for w in candidates):
            tags = sorted({a.get("comment", "?") for a in now.values() if isinstance(a, dict)})
            last = max(acked, key=lambda w: w.answered or 0)
            findings.missing.append(
                f"self-assessment {key}: holds {', '.join(tags) or 'nothing of the soak'}, which no save could leave;"
                f" the last acknowledged save was {last.detail['tag']} ({len(acked)} acknowledged)")


def _check_invariants(rows: dict[str, list[Any]], findings: Findings) -> None:
    reports = {r.id: r for r in rows["reports"]}
    entries_of: dict[int, list[Any]] = defaultdict(list)
    for e in rows["entries"]:
        entries_of[e.report_id].append(e)
    for r in rows["reports"]:
        total = sum(e.end_minute - e.start_minute for e in entries_of[r.id])
        if total != r.total_minutes:
            findings.violations.append(f"report {r.id} ({_month(r.month)} rev {r.revision}, {r.status}): total_minutes"
                                       f" {r.total_minutes}, its entries add up to {total}")

    live = [e for e in rows["entries"] if not reports[e.report_id].superseded]
    by_assistant_day: dict[tuple[int, date], list[Any]] = defaultdict(list)
    for e in live:
        by_assistant_day[(e.assistant_id, e.day)].append(e)
    for (assistant_id, day), found in by_assistant_day.items():
        found.sort(key=lambda e: e.start_minute)
        for before, after in zip(found, found[1:], strict=False):
            if after.start_minute < before.end_minute:
                findings.violations.append(
                    f"assistant {assistant_id}, {day}: entries {before.id} ({before.start_minute}-{before.end_minute})"
                    f" and {after.id} ({after.start_minute}-{after.end_minute}) overlap")

    grants = {g.id: g for g in rows["grants"]}
    per_period: dict[tuple[int, str], int] = defaultdict(int)
    per_day: dict[tuple[int, date], int] = defaultdict(int)
    for e in live:
        grant = grants[reports[e.report_id].entitlement_id]
        minutes = e.end_minute - e.start_minute
        if grant.period == "week":
            year, week, _ = e.day.isocalendar()
            per_period[(grant.id, f"{year}-W{week:02d}")] += minutes
        else:
            per_period[(grant.id, _month(e.day))] += minutes
        per_day[(grant.id, e.day)] += minutes
    for (grant_id, period), minutes in sorted(per_period.items()):
        if minutes > grants[grant_id].minutes:
            findings.violations.append(f"grant {grant_id}, {period}: {minutes} min recorded, {grants[grant_id].minutes} granted")
    for (grant_id, day), minutes in sorted(per_day.items()):
        if minutes > DAY_MINUTES:
            findings.violations.append(f"grant {grant_id}, {day}: {minutes} min in one day")

    revisions: dict[tuple[int, date], list[Any]] = defaultdict(list)
    for r in rows["reports"]:
        revisions[(r.assignment_id, r.month)].append(r)
    for (assignment_id, month), found in revisions.items():
        found.sort(key=lambda r: r.revision)
        where = f"assignment {assignment_id}, {_month(month)}"
        if [r.revision for r in found] != list(range(1, len(found) + 1)):
            findings.violations.append(f"{where}: revisions {[r.revision for r in found]}")
        if [r.superseded for r in found] != [True] * (len(found) - 1) + [False]:
            findings.violations.append(f"{where}: superseded flags {[r.superseded for r in found]} (only the last is current)")
        if any(r.status != "confirmed" for r in found[:-1]):
            findings.violations.append(f"{where}: an earlier revision is not confirmed: {[r.status for r in found]}")
    events = {(e.report_id, e.action) for e in rows["events"]}
    for r in rows["reports"]:
        if r.status == "confirmed" and (r.confirmed_at is None or r.confirmed_by_id is None or (r.id, "confirmed") not in events):
            findings.violations.append(f"report {r.id}: confirmed without its confirmer, time or event")
        if r.status == "submitted" and (r.submitted_at is None or (r.id, "submitted") not in events):
            findings.violations.append(f"report {r.id}: submitted without its time or event")

    in_progress: dict[tuple[int, int | None], int] = defaultdict(int)
    for a in rows["assessments"]:
        if a.status == "in_progress":
            in_progress[(a.person_id, a.application_id)] += 1
    for (person_id, application_id), count in in_progress.items():
        if count > 1:
            findings.violations.append(f"person {person_id} (case {application_id}): {count} assessments in progress")

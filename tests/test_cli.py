"""The `portal` command against the test database."""

from __future__ import annotations

import gc
import os
import threading
import weakref
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, joinedload

from portal import cli
from portal import db as database
from portal.applications.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
)
from portal.applications.rules import ServiceKind
from portal.entitlements.models import AssistantAssignment, Entitlement
from portal.people.models import (
    Person,
    Representation,
    RepresentationKind,
    School,
    StaffRole,
    StaffRoleName,
)
from portal.settings import Settings
from portal.storage import FileStorage
from tests.demo_seed import seed_demo


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path) -> str:
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    monkeypatch.setenv("PORTAL_SECRET_KEY", "cli-test")
    monkeypatch.setenv("PORTAL_UPLOAD_DIR", str(tmp_path / "uploads"))
    return database_url


def rows(database_url: str, statement):  # type: ignore[no-untyped-def]
    engine = create_engine(database.sync_url(database_url))
    with Session(engine) as session:
        result = list(session.scalars(statement).unique())
    engine.dispose()
    return result


def test_upgrade_and_seed_demo_are_idempotent(env: str) -> None:
    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["seed-demo"]) == 0
    assert cli.main(["seed-demo"]) == 0
    people = rows(env, select(Person))
    assert len(people) == 7
    applications = rows(env, select(Application).order_by(Application.id))
    by_person = {(a.person_id, a.kind, a.status) for a in applications}
    code_of = {p.id: p.personal_code for p in people}
    assert {(code_of[person], kind, status) for person, kind, status in by_person} == {
        ("328673-00679", ServiceKind.ADULT_ASSISTANT, ApplicationStatus.DRAFT),  # Ольга, half filled
        ("328673-00679", ServiceKind.STUDY_ASSISTANT, ApplicationStatus.INFO_REQUESTED),
        ("150385-11001", ServiceKind.ADULT_ASSISTANT, ApplicationStatus.GRANTED),  # Anna
        ("120215-21007", ServiceKind.CHILD_ASSISTANT, ApplicationStatus.GRANTED),  # Marta, by Jānis
        ("120215-21007", ServiceKind.CHILD_CARE, ApplicationStatus.SUBMITTED),
    }
    [anna_grant, marta_grant] = rows(env, select(Entitlement).order_by(Entitlement.id))
    assert (anna_grant.minutes, anna_grant.valid_from, anna_grant.valid_to) == (80 * 60, date(2026, 1, 1), date(2028, 12, 31))
    assert marta_grant.minutes == 80 * 60
    assistants = {code_of[a.assistant_id] for a in rows(env, select(AssistantAssignment))}
    assert assistants == {"110978-11006"}  # Ilze Ozola assists both
    [employer] = rows(env, select(ApplicationDocument))
    content = FileStorage(os.environ["PORTAL_UPLOAD_DIR"]).read(employer.storage_key)
    assert content.startswith(b"%PDF-") and content.rstrip().endswith(b"%%EOF")
    [representation] = rows(env, select(Representation))
    assert representation.kind is RepresentationKind.PARENT
    roles = rows(env, select(StaffRole).options(joinedload(StaffRole.municipality)))
    assert {(r.role, r.municipality.code if r.municipality else None) for r in roles} == {
        (StaffRoleName.CASEWORKER, "riga"),
        (StaffRoleName.SURVEY_ANALYST, None),
    }


def test_the_demo_has_a_history_and_its_notifier_delivers_what_is_due(env: str) -> None:
    """Events over past months, an entitlement ending within 60 days, a returned report waiting for the assistant;
    the demo's own notifier tells Ilze (the assistant) of it, and Jānis of Marta's grant ending, over real SMTP."""
    from dataclasses import replace
    from datetime import timedelta

    from portal import clock
    from portal.applications.models import ApplicationEvent
    from portal.settings import Settings
    from portal.timesheets.models import MonthlyReport, ReportStatus
    from tests.mail import smtp_server

    assert cli.main(["db", "upgrade"]) == 0
    assert cli.main(["seed-demo"]) == 0
    today = clock.today()
    days = {at.astimezone(clock.RIGA).date() for at in rows(env, select(ApplicationEvent.at))}
    assert min(days) < today - timedelta(days=300) and len(days) > 8
    reports = rows(env, select(MonthlyReport))
    confirmed_months = {r.month for r in reports if r.status is ReportStatus.CONFIRMED}
    assert len(confirmed_months) >= 4 and all((r.confirmed_at or r.submitted_at).date() < today for r in reports
                                              if r.status is ReportStatus.CONFIRMED)
    assert [r.assistant_id for r in reports if r.status is ReportStatus.RETURNED]  # waits for the assistant
    ending = [e for e in rows(env, select(Entitlement)) if today <= e.valid_to <= today + timedelta(days=60)]
    assert len(ending) == 1

    with smtp_server() as (smtp_url, inbox):
        settings = replace(Settings.from_env(), smtp_url=smtp_url)
        with cli.demo_notifier(settings, interval=0.2):
            for _ in range(300):
                if {"ilze.ozola@example.lv", "janis.kalnins@example.lv"} <= {m["To"] for m in inbox.messages}:
                    break
                threading.Event().wait(0.1)  # the notifier's thread delivers meanwhile
        addresses = {m["To"] for m in inbox.messages}
        assert {"ilze.ozola@example.lv", "janis.kalnins@example.lv"} <= addresses


def test_staff_add_and_remove(env: str, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    seed_demo(settings)  # the people the commands name (the command itself: the two tests above)
    assert cli.main(["staff", "add", "150385-11001", "caseworker", "--municipality", "jelgava"]) == 0
    assert cli.main(["staff", "add", "PK:15038511001", "admin"]) == 0
    anna_roles = rows(env, select(StaffRole.role).join(Person).where(Person.personal_code == "150385-11001"))
    assert sorted(anna_roles) == [StaffRoleName.ADMIN, StaffRoleName.CASEWORKER]
    assert cli.main(["staff", "remove", "150385-11001", "caseworker"]) == 0
    anna_roles = rows(env, select(StaffRole.role).join(Person).where(Person.personal_code == "150385-11001"))
    assert anna_roles == [StaffRoleName.ADMIN]


def test_staff_errors_are_reported_not_raised(env: str, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    seed_demo(settings)  # the people the commands name (the command itself: the two tests above)
    assert cli.main(["staff", "add", "150385-11001", "caseworker"]) == 2
    assert "municipality" in capsys.readouterr().err
    assert cli.main(["staff", "add", "010101-10000", "admin"]) == 2
    assert cli.main(["staff", "add", "150385-11001", "caseworker", "--municipality", "atlantis"]) == 2


def test_representation_add(env: str, settings: Settings) -> None:
    seed_demo(settings)  # the people the commands name (the command itself: the two tests above)
    assert cli.main(["representation", "add", "150385-11001", "328673-00679", "--kind", "guardian", "--from", "2026-01-01"]) == 0
    added = rows(env, select(Representation).where(Representation.kind == RepresentationKind.GUARDIAN))
    assert len(added) == 1 and added[0].valid_from == date(2026, 1, 1) and added[0].valid_to is None
    assert cli.main(["representation", "add", "150385-11001", "150385-11001"]) == 2
    assert cli.main(["representation", "add", "150385-11001", "328673-00679", "--from", "2026-01-02", "--to", "2026-01-01"]) == 2


def test_serve_refuses_to_start_without_a_secret(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    assert cli.main(["serve"]) == 2
    assert "PORTAL_SECRET_KEY" in capsys.readouterr().err


def test_a_school_and_its_staff(env: str, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    seed_demo(settings)  # the people the commands name (the command itself: the two tests above)
    assert cli.main(["school", "add", "Jelgavas  4. vidusskola", "--municipality", "jelgava"]) == 0
    school_id = int(capsys.readouterr().out.split()[1].rstrip(":"))
    assert cli.main(["staff", "add", "300688-11000", "school_staff", "--school", str(school_id)]) == 0
    [role] = rows(env, select(StaffRole).where(StaffRole.role == StaffRoleName.SCHOOL_STAFF))
    assert role.school_id == school_id
    [school] = rows(env, select(School))
    assert school.name == "Jelgavas 4. vidusskola"  # spaces tidied
    assert cli.main(["staff", "add", "300688-11000", "school_staff"]) == 2  # a school's staff names the school


def test_outbox_lists_what_waits_and_requeues_only_dead_letters(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    from portal.notifications.models import OutboxMessage, OutboxStatus

    engine = create_engine(database.sync_url(env))
    with Session(engine) as session, session.begin():
        session.add_all([
            OutboxMessage(to_address="anna@example.lv", subject="S", body="B"),
            OutboxMessage(to_address="+371 20000001", channel="sms", subject="S", body="B", status=OutboxStatus.DEAD,
                          attempts=12, last_error="SmsError: gateway down"),
        ])
    engine.dispose()
    [waiting, dead] = rows(env, select(OutboxMessage).order_by(OutboxMessage.id))
    assert cli.main(["outbox"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 pending (1 due now), 0 sending, 0 sent, 1 dead\n")
    assert f"  {dead.id}  sms  *********0001  12 attempts  " in out and "SmsError: gateway down" in out
    assert "anna" not in out  # only dead letters are listed
    assert cli.main(["outbox", "--requeue", str(waiting.id)]) == 2  # not a dead letter
    with pytest.raises(SystemExit) as usage:  # one or the other
        cli.main(["outbox", "--requeue", str(dead.id), "--requeue-all-dead"])
    assert usage.value.code == 2
    capsys.readouterr()
    assert cli.main(["outbox", "--requeue-all-dead"]) == 0
    assert capsys.readouterr().out == "1 message(s) requeued\n"
    assert [(m.status, m.attempts) for m in rows(env, select(OutboxMessage).order_by(OutboxMessage.id))] == [
        (OutboxStatus.PENDING, 0), (OutboxStatus.PENDING, 0)]


def test_the_servers_app_is_made_with_its_start_up_objects_frozen(env: str) -> None:
    """`portal serve`'s factory moves what start-up made out of the collector's generations (cli.freeze_start_up);
    the garbage of start-up is collected first, not frozen."""

    class Node:
        pass

    gc.unfreeze()
    try:
        cycle = Node()
        cycle.itself = cycle  # type: ignore[attr-defined]  # garbage once dropped, freed only by a collection
        gone = weakref.ref(cycle)
        del cycle
        gc.disable()  # no collection but the factory's own
        app = cli.app_from_env()
        assert gc.get_freeze_count() > 10_000  # the modules' functions, the routes, the templates' environment
        assert gone() is None
        assert app.state.urls is not None
    finally:
        gc.enable()
        gc.unfreeze()

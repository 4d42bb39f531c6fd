"""The `portal` command against the test database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session, joinedload

from portal import cli
from portal import db as database
from portal.applications.models import Application, ApplicationStatus
from portal.people.models import Person, Representation, RepresentationKind, StaffRole, StaffRoleName


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, database_url: str) -> str:
    monkeypatch.setenv("PORTAL_DATABASE_URL", database_url)
    monkeypatch.setenv("PORTAL_SECRET_KEY", "cli-test")
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
    [olga_draft] = rows(env, select(Application))
    assert olga_draft.status is ApplicationStatus.DRAFT and olga_draft.answers["service"] == "adult_assistant"
    [representation] = rows(env, select(Representation))
    assert representation.kind is RepresentationKind.PARENT
    roles = rows(env, select(StaffRole).options(joinedload(StaffRole.municipality)))
    assert {(r.role, r.municipality.code if r.municipality else None) for r in roles} == {
        (StaffRoleName.CASEWORKER, "riga"),
        (StaffRoleName.SURVEY_ANALYST, None),
    }


def test_staff_add_and_remove(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["seed-demo"])
    assert cli.main(["staff", "add", "150385-11001", "caseworker", "--municipality", "jelgava"]) == 0
    assert cli.main(["staff", "add", "PK:15038511001", "admin"]) == 0
    anna_roles = rows(env, select(StaffRole.role).join(Person).where(Person.personal_code == "150385-11001"))
    assert sorted(anna_roles) == [StaffRoleName.ADMIN, StaffRoleName.CASEWORKER]
    assert cli.main(["staff", "remove", "150385-11001", "caseworker"]) == 0
    anna_roles = rows(env, select(StaffRole.role).join(Person).where(Person.personal_code == "150385-11001"))
    assert anna_roles == [StaffRoleName.ADMIN]


def test_staff_errors_are_reported_not_raised(env: str, capsys: pytest.CaptureFixture[str]) -> None:
    cli.main(["seed-demo"])
    assert cli.main(["staff", "add", "150385-11001", "caseworker"]) == 2
    assert "municipality" in capsys.readouterr().err
    assert cli.main(["staff", "add", "010101-10000", "admin"]) == 2
    assert cli.main(["staff", "add", "150385-11001", "caseworker", "--municipality", "atlantis"]) == 2


def test_representation_add(env: str) -> None:
    cli.main(["seed-demo"])
    assert cli.main(["representation", "add", "150385-11001", "328673-00679", "--kind", "guardian", "--from", "2026-01-01"]) == 0
    added = rows(env, select(Representation).where(Representation.kind == RepresentationKind.GUARDIAN))
    assert len(added) == 1 and added[0].valid_from == date(2026, 1, 1) and added[0].valid_to is None
    assert cli.main(["representation", "add", "150385-11001", "150385-11001"]) == 2
    assert cli.main(["representation", "add", "150385-11001", "328673-00679", "--from", "2026-01-02", "--to", "2026-01-01"]) == 2


def test_serve_refuses_to_start_without_a_secret(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("PORTAL_SECRET_KEY", raising=False)
    assert cli.main(["serve"]) == 2
    assert "PORTAL_SECRET_KEY" in capsys.readouterr().err

"""A desk's municipalities and schools are constants in the statements it sends (policy._desk_in), so that
PostgreSQL plans each desk's statement for that desk's size even once psycopg has prepared it: Rīga's
half of the country and a small municipality's few dozen cases do not share one generic plan made for
the average desk (`python -m bench.explain --generic` finds the statements such a plan makes slower)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql

from portal import policy
from portal.applications.models import Application
from portal.casework.models import DeskReport


def _as_sent(statement: Any) -> tuple[str, dict[str, Any]]:
    """The SQL psycopg is sent for the statement, and the parameters sent beside it."""
    compiled = statement.compile(dialect=postgresql.psycopg.dialect(), compile_kwargs={"render_postcompile": True})
    return compiled.string, compiled.params


@pytest.mark.parametrize("scope, written", [
    (policy.DeskScope(municipality_ids=(6,)), "application.municipality_id IN (6)"),
    (policy.DeskScope(municipality_ids=(6, 9)), "application.municipality_id IN (6, 9)"),
    (policy.DeskScope(school_ids=(3,)), "application.school_id IN (3)"),
])
def test_the_desks_cases_name_the_desk_in_the_statement(scope: policy.DeskScope, written: str) -> None:
    sql, parameters = _as_sent(select(Application.id).where(policy.cases_in(scope)))
    assert written in sql
    assert list(parameters.values()) == ["draft"]  # the status is a parameter; the desk is not


def test_the_rows_kept_per_desk_name_the_desk_in_the_statement_too() -> None:
    where = policy.desk_keyed_in(DeskReport.municipality_id, DeskReport.school_id, policy.DeskScope(municipality_ids=(6,), school_ids=(4,)))
    sql, parameters = _as_sent(select(DeskReport.assignment_id).where(where))
    assert "desk_report.municipality_id IN (6)" in sql and "desk_report.school_id IN (4)" in sql
    assert 6 not in parameters.values() and 4 not in parameters.values()


def test_a_desk_of_nothing_matches_nothing() -> None:
    sql, _parameters = _as_sent(select(Application.id).where(policy.cases_in(policy.DeskScope())))
    assert " IN (" not in sql and "false" in sql.lower()

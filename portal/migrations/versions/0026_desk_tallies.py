"""the desk's month in numbers, kept on write: report_tally, sample_tally and desk_assignment (issue 12)

The month's reports overview and the control sample counted the municipality's month on every view,
and the overview sorted all of it by name to show 50. These rows are kept current by every write that
moves a month (casework.tally); here they are filled from the data in place, as casework.tally.rebuild
does (a copy, as this migration must stay what it was when the code moves on).

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

COUNTED = {'submitted': 'submitted', 'returned': 'returned', 'confirmed': 'confirmed'}


def _month_of(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def upgrade() -> None:
    report_tally = op.create_table(
        'report_tally',
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('adult_assistant', 'child_assistant', 'child_companion', 'child_care', 'school_assistant', 'study_assistant',
                                  name='service_kind', native_enum=False, create_constraint=False, length=32), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('covered', sa.Integer(), nullable=False),
        sa.Column('uncovered', sa.Integer(), nullable=False),
        sa.Column('submitted', sa.Integer(), nullable=False),
        sa.Column('returned', sa.Integer(), nullable=False),
        sa.Column('confirmed', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('municipality_id', 'school_id', 'kind', 'month', name=op.f('pk_report_tally')),
    )
    sample_tally = op.create_table(
        'sample_tally',
        sa.Column('sample_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('adult_assistant', 'child_assistant', 'child_companion', 'child_care', 'school_assistant', 'study_assistant',
                                  name='service_kind', native_enum=False, create_constraint=False, length=32), nullable=False),
        sa.Column('drawn', sa.Integer(), nullable=False),
        sa.Column('checked', sa.Integer(), nullable=False),
        sa.Column('own_hours', sa.Integer(), nullable=False),
        sa.Column('corrected', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['sample_id'], ['control_sample.id'], name=op.f('fk_sample_tally_sample_id_control_sample'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('sample_id', 'kind', name=op.f('pk_sample_tally')),
    )
    op.create_table(
        'desk_assignment',
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('family_name', sa.String(length=200), nullable=False),
        sa.Column('given_name', sa.String(length=200), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['assignment_id'], ['assistant_assignment.id'],
                                name=op.f('fk_desk_assignment_assignment_id_assistant_assignment'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_desk_assignment_person_id_person'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('assignment_id', name=op.f('pk_desk_assignment')),
    )
    op.create_index('ix_desk_assignment_order', 'desk_assignment',
                    ['municipality_id', 'school_id', 'family_name', 'given_name', 'valid_from', 'assignment_id'], unique=False)
    op.create_index(op.f('ix_desk_assignment_person_id'), 'desk_assignment', ['person_id'], unique=False)
    _fill(report_tally, sample_tally)


def _fill(report_tally: sa.Table, sample_tally: sa.Table) -> None:
    bind = op.get_bind()
    desks: dict[int, tuple[Any, ...]] = {}
    for row in bind.execute(sa.text(
        "SELECT a.id, p.municipality_id, p.school_id, e.kind, a.valid_from, a.valid_to, e.valid_from, e.valid_to"
        " FROM assistant_assignment a JOIN entitlement e ON e.application_id = a.application_id"
        " JOIN application p ON p.id = a.application_id"
    )):
        assignment_id, municipality_id, school_id, kind, a_from, a_to, e_from, e_to = row
        e_to = _date(e_to)
        first, last = _month_of(max(_date(a_from), _date(e_from))), _month_of(min(_date(a_to) if a_to else e_to, e_to))
        desks[assignment_id] = (municipality_id or 0, school_id or 0, kind, first, last, first <= last)
    counts: Counter[tuple[tuple[Any, ...], str]] = Counter()
    for municipality_id, school_id, kind, first, last, covers in desks.values():
        if covers:
            counts[((municipality_id, school_id, kind, first), 'covered')] += 1
            counts[((municipality_id, school_id, kind, _next_month(last)), 'covered')] -= 1
    latest: dict[tuple[int, date], str] = {}
    for assignment_id, month, status in bind.execute(sa.text(
        "SELECT assignment_id, month, status FROM monthly_report ORDER BY revision"
    )):
        latest[(assignment_id, _date(month))] = status
    for (assignment_id, month), status in latest.items():
        if assignment_id not in desks:
            continue
        municipality_id, school_id, kind, first, last, covers = desks[assignment_id]
        key = (municipality_id, school_id, kind, month)
        if not (covers and first <= month <= last):
            counts[(key, 'uncovered')] += 1
        if status in COUNTED:
            counts[(key, COUNTED[status])] += 1
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for (key, column), number in counts.items():
        made = rows.setdefault(key, {'municipality_id': key[0], 'school_id': key[1], 'kind': key[2], 'month': key[3], 'covered': 0,
                                    'uncovered': 0, 'submitted': 0, 'returned': 0, 'confirmed': 0})
        made[column] += number
    if rows:
        op.bulk_insert(report_tally, list(rows.values()))
    samples: dict[tuple[int, str], dict[str, Any]] = {}
    for sample_id, kind, checked_at, confirmed_by_id, assistant_id, superseded in bind.execute(sa.text(
        "SELECT r.sample_id, e.kind, r.checked_at, r.confirmed_by_id, r.assistant_id, r.superseded"
        " FROM monthly_report r JOIN entitlement e ON e.id = r.entitlement_id WHERE r.sample_id IS NOT NULL"
    )):
        drawn = samples.setdefault((sample_id, kind), {'sample_id': sample_id, 'kind': kind, 'drawn': 0, 'checked': 0, 'own_hours': 0,
                                                      'corrected': 0})
        drawn['drawn'] += 1
        drawn['checked'] += checked_at is not None
        drawn['own_hours'] += confirmed_by_id == assistant_id
        drawn['corrected'] += bool(superseded)
    if samples:
        op.bulk_insert(sample_tally, list(samples.values()))
    op.execute(
        "INSERT INTO desk_assignment (assignment_id, person_id, municipality_id, school_id, family_name, given_name, valid_from)"
        " SELECT a.id, a.person_id, coalesce(p.municipality_id, 0), coalesce(p.school_id, 0), n.family_name, n.given_name, a.valid_from"
        " FROM assistant_assignment a JOIN application p ON p.id = a.application_id JOIN person n ON n.id = a.person_id"
    )


def downgrade() -> None:
    op.drop_index(op.f('ix_desk_assignment_person_id'), table_name='desk_assignment')
    op.drop_index('ix_desk_assignment_order', table_name='desk_assignment')
    op.drop_table('desk_assignment')
    op.drop_table('sample_tally')
    op.drop_table('report_tally')

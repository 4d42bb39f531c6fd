"""the month's reports by state from rows kept on write (desk_report), filled from the reports already kept

Filtered by a state, the month's reports read every report of the country's month in that state
(the index on (month, status)) and joined them to the desk's rows. desk_report keeps, per assignment
and month whose latest revision is submitted, returned or confirmed, that state with the desk and the
person's name of its desk_assignment row, in one index per desk, month and state (casework.tally).

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'desk_report',
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Date(), nullable=False),
        sa.Column('status', sa.Enum('open', 'submitted', 'returned', 'confirmed', name='report_status', native_enum=False,
                                    create_constraint=False, length=32), nullable=False),
        sa.Column('kind', sa.Enum('adult_assistant', 'child_assistant', 'child_companion', 'child_care', 'school_assistant', 'study_assistant',
                                  name='service_kind', native_enum=False, create_constraint=False, length=32), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('school_id', sa.Integer(), nullable=False),
        sa.Column('family_name', sa.String(length=200), nullable=False),
        sa.Column('given_name', sa.String(length=200), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(['assignment_id'], ['assistant_assignment.id'],
                                name=op.f('fk_desk_report_assignment_id_assistant_assignment'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('assignment_id', 'month', name=op.f('pk_desk_report')),
    )
    # Filled as casework.tally.rebuild does, in one statement (a copy: a migration stays what it was).
    op.execute(
        "INSERT INTO desk_report (assignment_id, month, status, kind, municipality_id, school_id, family_name, given_name, valid_from)"
        " SELECT d.assignment_id, r.month, r.status, e.kind, d.municipality_id, d.school_id, d.family_name, d.given_name, d.valid_from"
        " FROM desk_assignment d JOIN monthly_report r ON r.assignment_id = d.assignment_id"
        " JOIN assistant_assignment a ON a.id = d.assignment_id JOIN entitlement e ON e.application_id = a.application_id"
        " WHERE r.status IN ('submitted', 'returned', 'confirmed') AND r.revision ="
        " (SELECT max(l.revision) FROM monthly_report l WHERE l.assignment_id = d.assignment_id AND l.month = r.month)"
    )
    op.create_index('ix_desk_report_order', 'desk_report',
                    ['municipality_id', 'school_id', 'month', 'status', 'family_name', 'given_name', 'valid_from', 'assignment_id'],
                    unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # The states of a month depend on the month (old ones are all confirmed, last month's mostly
        # submitted): without these statistics the planner guesses a state of last month to be 3 % of it,
        # not about half, and sorts the desk's whole month for a page where the index gives its 51 rows in order.
        op.execute('CREATE STATISTICS desk_report_month_status (mcv, dependencies) ON month, status FROM desk_report')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP STATISTICS desk_report_month_status')
    op.drop_index('ix_desk_report_order', table_name='desk_report')
    op.drop_table('desk_report')

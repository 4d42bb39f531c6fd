"""single drafts: one self-assessment version in progress, one draft per "start" form

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

SELF_IN_PROGRESS = "application_id IS NULL AND status = 'in_progress'"
CASE_IN_PROGRESS = "application_id IS NOT NULL AND status = 'in_progress'"


def upgrade() -> None:
    # Two partial indexes, not one over (person_id, application_id): NULLs never collide in a unique index.
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.create_index('uq_assessment_self_in_progress', ['person_id'], unique=True,
                              sqlite_where=sa.text(SELF_IN_PROGRESS), postgresql_where=sa.text(SELF_IN_PROGRESS))
        batch_op.create_index('uq_assessment_case_in_progress', ['application_id'], unique=True,
                              sqlite_where=sa.text(CASE_IN_PROGRESS), postgresql_where=sa.text(CASE_IN_PROGRESS))

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_key', sa.String(length=32), nullable=True))
        batch_op.create_index('uq_application_start_key', ['created_by_id', 'start_key'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_index('uq_application_start_key')
        batch_op.drop_column('start_key')

    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_index('uq_assessment_case_in_progress', sqlite_where=sa.text(CASE_IN_PROGRESS),
                            postgresql_where=sa.text(CASE_IN_PROGRESS))
        batch_op.drop_index('uq_assessment_self_in_progress', sqlite_where=sa.text(SELF_IN_PROGRESS),
                            postgresql_where=sa.text(SELF_IN_PROGRESS))

"""the month's reports find each assignment's latest revision in an index; survey answers as jsonb on PostgreSQL

Revision ID: 0023
Revises: 0022
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_monthly_report_month_assignment_id_revision'), 'monthly_report',
                    ['month', 'assignment_id', 'revision'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('survey_response', 'answers', type_=postgresql.JSONB(), existing_type=sa.JSON(),
                        postgresql_using='answers::jsonb')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('survey_response', 'answers', type_=sa.JSON(), existing_type=postgresql.JSONB(),
                        postgresql_using='answers::json')
    op.drop_index(op.f('ix_monthly_report_month_assignment_id_revision'), table_name='monthly_report')

"""monthly reports by person and status, for the overview's "waiting for you"

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_monthly_report_person_id_status'), 'monthly_report', ['person_id', 'status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_monthly_report_person_id_status'), table_name='monthly_report')

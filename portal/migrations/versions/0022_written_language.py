"""the language each text a person or a staff member wrote is in (WCAG 3.1.2, language of parts)

Revision ID: 0022
Revises: 0021

Texts written before this revision have no language (NULL): the portal does not guess one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('application_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_lang', sa.String(length=2), nullable=True))
    with op.batch_alter_table('monthly_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('returned_reason_lang', sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column('check_note_lang', sa.String(length=2), nullable=True))
    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_lang', sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.drop_column('message_lang')
    with op.batch_alter_table('monthly_report', schema=None) as batch_op:
        batch_op.drop_column('check_note_lang')
        batch_op.drop_column('returned_reason_lang')
    with op.batch_alter_table('application_event', schema=None) as batch_op:
        batch_op.drop_column('message_lang')

"""the language a self-assessment's comments and free texts were typed in (WCAG 3.1.2, language of parts)

Revision ID: 0024
Revises: 0023

Versions saved before this revision have no language (NULL): the portal does not guess one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=2), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('language')

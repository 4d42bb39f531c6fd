"""the caseworker who handles a case, for the desk's "my cases"

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('application') as batch:
        batch.add_column(sa.Column('handler_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_application_handler_id_person'), 'person', ['handler_id'], ['id'])
        batch.create_index(op.f('ix_application_handler_id_status'), ['handler_id', 'status'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('application') as batch:
        batch.drop_index(op.f('ix_application_handler_id_status'))
        batch.drop_constraint(op.f('fk_application_handler_id_person'), type_='foreignkey')
        batch.drop_column('handler_id')

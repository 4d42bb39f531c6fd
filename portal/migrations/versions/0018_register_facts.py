"""what the state registers said about an application's person, and when (at applying, at the decision)

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('register_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('register', sa.Enum('population', 'disability', 'education', name='register_name', native_enum=False,
                                  create_constraint=False, length=16), nullable=False),
    sa.Column('stage', sa.Enum('applied', 'decided', name='register_read_stage', native_enum=False,
                               create_constraint=False, length=16), nullable=False),
    sa.Column('outcome', sa.Enum('found', 'not_found', 'unknown', name='register_outcome', native_enum=False,
                                 create_constraint=False, length=16), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=True),
    sa.Column('read_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_register_read_application_id_application'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_register_read')),
    sa.UniqueConstraint('application_id', 'register', 'stage', name=op.f('uq_register_read_application_id_register_stage'))
    )


def downgrade() -> None:
    op.drop_table('register_read')

"""rate limits counted in the database, so they hold across processes

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_limit_hit',
    sa.Column('limit_name', sa.String(length=30), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('window_end', sa.Integer(), nullable=False),
    sa.Column('hits', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.PrimaryKeyConstraint('limit_name', 'client', 'window_end', name=op.f('pk_rate_limit_hit'))
    )
    op.create_index(op.f('ix_rate_limit_hit_window_end'), 'rate_limit_hit', ['window_end'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_rate_limit_hit_window_end'), table_name='rate_limit_hit')
    op.drop_table('rate_limit_hit')

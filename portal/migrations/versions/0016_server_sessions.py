"""sessions kept on the server (the cookie holds a token and times), and a public survey's progress

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('web_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('signed_in_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('device', sa.String(length=100), nullable=False),
    sa.Column('id_token', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_web_session_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_session'))
    )
    op.create_index(op.f('ix_web_session_person_id_ended_at'), 'web_session', ['person_id', 'ended_at'], unique=False)
    op.create_table('survey_visit',
    sa.Column('visit', sa.String(length=64), nullable=False),
    sa.Column('survey_id', sa.String(length=60), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('updated_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('visit', 'survey_id', name=op.f('pk_survey_visit'))
    )
    op.create_index(op.f('ix_survey_visit_updated_on'), 'survey_visit', ['updated_on'], unique=False)
    # Sessions signed in before this change were cookies only: there is no row to find them by, so they end.
    with op.batch_alter_table('person') as batch:
        batch.drop_column('sessions_revoked_at')


def downgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('sessions_revoked_at', portal.db.UTCDateTime(timezone=True), nullable=True))
    op.drop_index(op.f('ix_survey_visit_updated_on'), table_name='survey_visit')
    op.drop_table('survey_visit')
    op.drop_index(op.f('ix_web_session_person_id_ended_at'), table_name='web_session')
    op.drop_table('web_session')

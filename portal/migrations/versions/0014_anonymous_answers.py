"""anonymous answers wait in survey_held_answer; responses already kept are rewritten unlinkable

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import json
import secrets
from datetime import date

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_held_answer',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('survey_id', sa.String(length=60), nullable=False),
    sa.Column('survey_version', sa.String(length=20), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_held_answer'))
    )
    with op.batch_alter_table('survey_held_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_held_answer_survey_id'), ['survey_id'], unique=False)
    _rewrite_anonymous_responses()


def _rewrite_anonymous_responses() -> None:
    """The anonymous responses kept so far were written in their participation's transaction, in the order
    people answered: written again here, all in this one transaction, in a random order, with new ids and
    the month only. (Their old versions stay in the files until VACUUM / free pages are reused.)"""
    bind = op.get_bind()
    response = sa.table('survey_response', sa.column('id', sa.String), sa.column('survey_id', sa.String),
                        sa.column('survey_version', sa.String), sa.column('language', sa.String),
                        sa.column('submitted_on', sa.Date), sa.column('answers', sa.JSON),
                        sa.column('person_id', sa.Integer))
    rows = [dict(row._mapping) for row in bind.execute(sa.select(response).where(response.c.person_id.is_(None)))]
    if not rows:
        return
    bind.execute(sa.delete(response).where(response.c.person_id.is_(None)))
    secrets.SystemRandom().shuffle(rows)
    for row in rows:
        row['id'] = secrets.token_hex(16)
        on: date = row['submitted_on']
        row['submitted_on'] = on.replace(day=1)
        if isinstance(row['answers'], str):  # a driver that hands JSON back as text
            row['answers'] = json.loads(row['answers'])
    bind.execute(sa.insert(response), rows)


def downgrade() -> None:
    with op.batch_alter_table('survey_held_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_held_answer_survey_id'))
    op.drop_table('survey_held_answer')

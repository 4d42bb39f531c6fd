"""survey results from tallies kept on write (survey_tally), filled from the responses already kept; the desk's
open cases in queue order in an index of their own

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

OPEN_CASES = "status IN ('submitted', 'in_review', 'info_requested')"


def upgrade() -> None:
    op.create_table('survey_tally',
    sa.Column('survey_id', sa.String(length=60), nullable=False),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('kind', sa.String(length=100), nullable=False),
    sa.Column('question', sa.String(length=100), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('survey_id', 'language', 'kind', 'question', 'value', name=op.f('pk_survey_tally'))
    )
    # The results' first free texts: a survey's responses in the order of their ids, from an index.
    op.create_index(op.f('ix_survey_response_survey_id_id'), 'survey_response', ['survey_id', 'id'], unique=False)
    _fill()
    # The desk's queue: a municipality's open cases in queue order (the condition as applications.models.OPEN_CASES).
    op.create_index('ix_application_open_queue', 'application', ['municipality_id', 'submitted_at', 'id'], unique=False,
                    postgresql_where=sa.text(OPEN_CASES), sqlite_where=sa.text(OPEN_CASES))


def _fill() -> None:
    """The tallies of the responses kept so far. What a tally counts is the portal's rule over the survey
    definitions (which questions show, which answers are options), so the rule is the portal's own
    (`tallies.counted`), the one every later write counts with."""
    from portal.surveys.tallies import counted

    bind = op.get_bind()
    response = sa.table('survey_response', sa.column('survey_id', sa.String), sa.column('language', sa.String),
                        sa.column('answers', sa.JSON))
    rows = bind.execute(sa.select(response.c.survey_id, response.c.language, response.c.answers)).yield_per(1000)
    tally = counted((survey_id, language, json.loads(answers) if isinstance(answers, str) else answers)
                    for survey_id, language, answers in rows)
    if tally:
        table = sa.table('survey_tally', *(sa.column(name, sa.String) for name in ('survey_id', 'language', 'kind', 'question', 'value')),
                         sa.column('n', sa.Integer))
        bind.execute(sa.insert(table), [{"survey_id": s, "language": lang, "kind": k, "question": q, "value": v, "n": n}
                                        for (s, lang, k, q, v), n in tally.items()])


def downgrade() -> None:
    op.drop_index('ix_application_open_queue', table_name='application')
    op.drop_index(op.f('ix_survey_response_survey_id_id'), table_name='survey_response')
    op.drop_table('survey_tally')

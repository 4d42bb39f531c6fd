"""decisions as documents: the draft a caseworker previews, and the PDF issued (its SHA-256)

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def _outcome() -> sa.Enum:
    return sa.Enum('granted', 'refused', name='decision_outcome', native_enum=False, create_constraint=False, length=32)


def upgrade() -> None:
    op.create_table('decision_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('outcome', _outcome(), nullable=False),
    sa.Column('kind', sa.Enum('adult_assistant', 'child_assistant', 'child_companion', 'child_care', 'school_assistant',
                              'study_assistant', name='service_kind', native_enum=False, create_constraint=False, length=32),
              nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('disability_until', sa.Date(), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('composed_by_id', sa.Integer(), nullable=False),
    sa.Column('composed_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_decision_draft_application_id_application'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['composed_by_id'], ['person.id'], name=op.f('fk_decision_draft_composed_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_draft')),
    sa.UniqueConstraint('application_id', name=op.f('uq_decision_draft_application_id'))
    )
    op.create_index(op.f('ix_decision_draft_composed_by_id'), 'decision_draft', ['composed_by_id'], unique=False)
    op.create_table('decision_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('outcome', _outcome(), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('languages', sa.String(length=8), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=False),
    sa.Column('issued_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_decision_document_application_id_application'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['person.id'], name=op.f('fk_decision_document_issued_by_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decision_document')),
    sa.UniqueConstraint('application_id', name=op.f('uq_decision_document_application_id')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_decision_document_storage_key'))
    )
    op.create_index(op.f('ix_decision_document_issued_by_id'), 'decision_document', ['issued_by_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_decision_document_issued_by_id'), table_name='decision_document')
    op.drop_table('decision_document')
    op.drop_index(op.f('ix_decision_draft_composed_by_id'), table_name='decision_draft')
    op.drop_table('decision_draft')

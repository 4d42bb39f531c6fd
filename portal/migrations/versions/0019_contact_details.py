"""contact details in settings (e-mail, mobile, e-address, channel, language), each address confirmed by a code

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

CHANNEL = sa.Enum('email', 'sms', 'eaddress', name='contact_channel', native_enum=False, create_constraint=False, length=32)


def upgrade() -> None:
    op.create_table('contact_details',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('email_confirmed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('phone', sa.String(length=20), nullable=False),
    sa.Column('phone_confirmed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('eaddress', sa.String(length=60), nullable=False),
    sa.Column('eaddress_confirmed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('channel', CHANNEL, nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_contact_details_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_details')),
    sa.UniqueConstraint('person_id', name=op.f('uq_contact_details_person_id'))
    )
    op.create_table('contact_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('channel', CHANNEL, nullable=False),
    sa.Column('address', sa.String(length=254), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('salt', sa.String(length=32), nullable=False),
    sa.Column('expires_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_contact_code_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_code')),
    sa.UniqueConstraint('person_id', 'channel', name=op.f('uq_contact_code_person_id_channel'))
    )


def downgrade() -> None:
    op.drop_table('contact_code')
    op.drop_table('contact_details')

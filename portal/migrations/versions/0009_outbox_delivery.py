"""outbox delivery: claims, backoff, dead letters

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

# Before this revision a message was given up after 5 attempts (counted per run) and then never sent.
OLD_MAX_ATTEMPTS = 5

outbox = sa.table(
    'outbox_message',
    sa.column('id', sa.Integer()),
    sa.column('created_at', portal.db.UTCDateTime(timezone=True)),
    sa.column('sent_at', portal.db.UTCDateTime(timezone=True)),
    sa.column('attempts', sa.Integer()),
    sa.column('status', sa.String(length=16)),
    sa.column('next_attempt_at', portal.db.UTCDateTime(timezone=True)),
    sa.column('delivery_key', sa.String(length=32)),
)


def upgrade() -> None:
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.Enum('pending', 'sending', 'sent', 'dead', name='outbox_status', native_enum=False, length=16), server_default='pending', nullable=False))
        batch_op.add_column(sa.Column('next_attempt_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claimed_at', portal.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('claim_token', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('delivery_key', sa.String(length=32), nullable=True))
        batch_op.drop_index(batch_op.f('ix_outbox_message_sent_at_id'))

    # The rows already there: sent ones stay sent; those the old code had given up on become dead
    # letters (listed by `portal outbox`, which can requeue them); the rest are due now.
    connection = op.get_bind()
    connection.execute(outbox.update().where(outbox.c.sent_at.is_not(None)).values(status='sent'))
    connection.execute(
        outbox.update().where(outbox.c.sent_at.is_(None), outbox.c.attempts >= OLD_MAX_ATTEMPTS).values(status='dead')
    )
    connection.execute(outbox.update().values(next_attempt_at=outbox.c.created_at))
    for (message_id,) in connection.execute(sa.select(outbox.c.id)).all():
        connection.execute(
            outbox.update().where(outbox.c.id == message_id).values(delivery_key=secrets.token_hex(8))
        )

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('next_attempt_at', existing_type=portal.db.UTCDateTime(timezone=True), nullable=False)
        batch_op.alter_column('delivery_key', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_index(batch_op.f('ix_outbox_message_status_next_attempt_at'), ['status', 'next_attempt_at'], unique=False)


def downgrade() -> None:
    # The old code gives up on a message at 5 attempts: one still waiting keeps a last try.
    connection = op.get_bind()
    connection.execute(
        outbox.update()
        .where(outbox.c.status.in_(('pending', 'sending')), outbox.c.attempts >= OLD_MAX_ATTEMPTS)
        .values(attempts=OLD_MAX_ATTEMPTS - 1)
    )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_message_status_next_attempt_at'))
        batch_op.create_index(batch_op.f('ix_outbox_message_sent_at_id'), ['sent_at', 'id'], unique=False)
        batch_op.drop_column('delivery_key')
        batch_op.drop_column('claim_token')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('status')

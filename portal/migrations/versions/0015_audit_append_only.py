"""audit events: the session that acted, and rows no one can change or remove (PostgreSQL)

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_event') as batch:
        batch.add_column(sa.Column('session_ref', sa.String(length=32), server_default=sa.text("''"), nullable=False))
    if op.get_bind().dialect.name == 'postgresql':
        # Whoever the role, an UPDATE, DELETE or TRUNCATE of the audit is refused; only a superuser's
        # maintenance (session_replication_role = replica) passes, and that is itself an event of the server's log.
        op.execute("""
            CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
            END $$
        """)
        op.execute("CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event"
                   " FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        op.execute("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event"
                   " FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    with op.batch_alter_table('audit_event') as batch:
        batch.drop_column('session_ref')

"""time entries: one assistant, one place at a time, enforced by the database

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Minutes since 2000-01-01 of an entry's start and end: int4range's '[)' bounds let one entry end
# when the next begins. (An integer range: date arithmetic on `date` is immutable, as an index needs.)
TIME_RANGE = ("int4range((day - DATE '2000-01-01') * 1440 + start_minute,"
              " (day - DATE '2000-01-01') * 1440 + end_minute)")


def upgrade() -> None:
    with op.batch_alter_table('time_entry') as batch:
        batch.add_column(sa.Column('superseded', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute("UPDATE time_entry SET superseded = TRUE WHERE report_id IN (SELECT id FROM monthly_report WHERE superseded)")
    if op.get_bind().dialect.name == 'postgresql':
        # SQLite has no exclusion constraints; its transactions take the write lock at BEGIN, so the
        # service's own check runs one transaction at a time there (portal/db.py).
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute(
            "ALTER TABLE time_entry ADD CONSTRAINT ex_time_entry_assistant_time"
            f" EXCLUDE USING gist (assistant_id WITH =, ({TIME_RANGE}) WITH &&) WHERE (NOT superseded)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("ALTER TABLE time_entry DROP CONSTRAINT ex_time_entry_assistant_time")
    with op.batch_alter_table('time_entry') as batch:
        batch.drop_column('superseded')

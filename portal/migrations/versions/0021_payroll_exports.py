"""payroll exports: numbered per municipality and year, their lines (and adjustments) never changed (PostgreSQL)

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

TABLES = ('payroll_export', 'payroll_line')


def upgrade() -> None:
    op.create_table('payroll_export',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('exported_by_id', sa.Integer(), nullable=False),
    sa.Column('exported_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['exported_by_id'], ['person.id'], name=op.f('fk_payroll_export_exported_by_id_person')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_payroll_export_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_export')),
    sa.UniqueConstraint('municipality_id', 'year', 'number', name=op.f('uq_payroll_export_municipality_id_year_number'))
    )
    op.create_index(op.f('ix_payroll_export_exported_by_id'), 'payroll_export', ['exported_by_id'], unique=False)
    op.create_index(op.f('ix_payroll_export_municipality_id_exported_at'), 'payroll_export', ['municipality_id', 'exported_at'],
                    unique=False)
    op.create_table('payroll_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('export_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('assistant_id', sa.Integer(), nullable=False),
    sa.Column('rate_cents', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('adjusts_line_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['adjusts_line_id'], ['payroll_line.id'], name=op.f('fk_payroll_line_adjusts_line_id_payroll_line')),
    sa.ForeignKeyConstraint(['assistant_id'], ['person.id'], name=op.f('fk_payroll_line_assistant_id_person')),
    sa.ForeignKeyConstraint(['export_id'], ['payroll_export.id'], name=op.f('fk_payroll_line_export_id_payroll_export')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_payroll_line_person_id_person')),
    sa.ForeignKeyConstraint(['report_id'], ['monthly_report.id'], name=op.f('fk_payroll_line_report_id_monthly_report')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payroll_line')),
    sa.UniqueConstraint('export_id', 'number', name=op.f('uq_payroll_line_export_id_number')),
    sa.UniqueConstraint('report_id', 'rate_cents', name=op.f('uq_payroll_line_report_id_rate_cents'))
    )
    op.create_index(op.f('ix_payroll_line_adjusts_line_id'), 'payroll_line', ['adjusts_line_id'], unique=False)
    op.create_index(op.f('ix_payroll_line_assistant_id'), 'payroll_line', ['assistant_id'], unique=False)
    op.create_index(op.f('ix_payroll_line_person_id'), 'payroll_line', ['person_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        # As the audit (migration 0015): an export is what was paid; whoever the role, an UPDATE, DELETE or
        # TRUNCATE is refused. A correction is an adjustment line of a later export, never a change.
        op.execute("""
            CREATE FUNCTION payroll_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
            END $$
        """)
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table}"
                       " FOR EACH ROW EXECUTE FUNCTION payroll_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table}"
                       " FOR EACH STATEMENT EXECUTE FUNCTION payroll_append_only()")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER {table}_no_change ON {table}")
        op.execute("DROP FUNCTION payroll_append_only()")
    op.drop_index(op.f('ix_payroll_line_person_id'), table_name='payroll_line')
    op.drop_index(op.f('ix_payroll_line_assistant_id'), table_name='payroll_line')
    op.drop_index(op.f('ix_payroll_line_adjusts_line_id'), table_name='payroll_line')
    op.drop_table('payroll_line')
    op.drop_index(op.f('ix_payroll_export_municipality_id_exported_at'), table_name='payroll_export')
    op.drop_index(op.f('ix_payroll_export_exported_by_id'), table_name='payroll_export')
    op.drop_table('payroll_export')

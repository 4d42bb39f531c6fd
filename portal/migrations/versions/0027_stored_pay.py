"""confirmed reports' pay lines and the month's totals per desk and service, stored (timesheets.pay),
filled from the reports and entries already there

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

# As timesheets.pay.refill computes them (frozen here, as a migration is): each confirmed report's
# minutes at each rate in force on the entry's day (0 before the first), the amount rounded to the
# cent once, half to even as Python's round; then per month, desk and service the paid revisions
# (confirmed, no later revision of the month confirmed). Plain SQL that SQLite and PostgreSQL read alike.
FILL_LINES = """
INSERT INTO report_pay_line (report_id, rate_cents, minutes, amount_cents)
SELECT report_id, rate, minutes,
       (minutes * rate) / 60 + CASE WHEN (minutes * rate) % 60 > 30 THEN 1
                                    WHEN (minutes * rate) % 60 = 30 AND ((minutes * rate) / 60) % 2 = 1 THEN 1 ELSE 0 END
FROM (SELECT t.report_id AS report_id, coalesce(r.cents, 0) AS rate, sum(t.end_minute - t.start_minute) AS minutes
      FROM time_entry t
      JOIN monthly_report m ON m.id = t.report_id AND m.status = 'confirmed'
      LEFT JOIN (SELECT cents, valid_from, lead(valid_from) OVER (ORDER BY valid_from) AS valid_to FROM hourly_rate) r
             ON r.valid_from <= t.day AND (r.valid_to IS NULL OR t.day < r.valid_to)
      GROUP BY t.report_id, coalesce(r.cents, 0)) lines
"""
FILL_TOTALS = """
INSERT INTO month_pay_total (month, municipality_id, school_id, kind, reports, minutes, amount_cents)
SELECT m.month, coalesce(a.municipality_id, 0), coalesce(a.school_id, 0), g.kind,
       count(DISTINCT l.report_id), sum(l.minutes), sum(l.amount_cents)
FROM report_pay_line l
JOIN monthly_report m ON m.id = l.report_id
JOIN entitlement g ON g.id = m.entitlement_id
JOIN application a ON a.id = g.application_id
WHERE m.status = 'confirmed' AND NOT EXISTS (
    SELECT 1 FROM monthly_report later WHERE later.assignment_id = m.assignment_id AND later.month = m.month
    AND later.status = 'confirmed' AND later.revision > m.revision)
GROUP BY m.month, coalesce(a.municipality_id, 0), coalesce(a.school_id, 0), g.kind
"""


def upgrade() -> None:
    op.create_table('report_pay_line',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('rate_cents', sa.Integer(), nullable=False),
    sa.Column('minutes', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['monthly_report.id'], name=op.f('fk_report_pay_line_report_id_monthly_report'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'rate_cents', name=op.f('pk_report_pay_line'))
    )
    op.create_table('month_pay_total',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('adult_assistant', 'child_assistant', 'child_companion', 'child_care', 'school_assistant',
                              'study_assistant', name='service_kind', native_enum=False,
                              create_constraint=False, length=32), nullable=False),
    sa.Column('reports', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('minutes', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('amount_cents', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.PrimaryKeyConstraint('month', 'municipality_id', 'school_id', 'kind', name=op.f('pk_month_pay_total'))
    )
    op.execute(FILL_LINES)
    op.execute(FILL_TOTALS)


def downgrade() -> None:
    op.drop_table('month_pay_total')
    op.drop_table('report_pay_line')

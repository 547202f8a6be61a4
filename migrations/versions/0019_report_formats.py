"""report formats: a report job makes a PDF, a Word document, or (all counties at once) a ZIP
of either or both; the stored file's column is no longer called pdf (issue 19)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 03:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    # every job made before this revision made a PDF
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('format', sa.String(length=10), server_default='pdf', nullable=False))
        batch_op.create_check_constraint(op.f('ck_report_jobs_format_known'), "format IN ('pdf', 'docx', 'both')")
        batch_op.create_check_constraint(op.f('ck_report_jobs_both_in_a_zip'), "format <> 'both' OR request = 'all-counties'")
    with op.batch_alter_table('report_files', schema=None) as batch_op:
        batch_op.alter_column('pdf', new_column_name='data', existing_type=sa.LargeBinary(), existing_nullable=False)


def downgrade():
    # Only PDFs fit the older schema: the other jobs (and their files, by cascade) go.
    op.execute("DELETE FROM report_files WHERE job_id IN (SELECT id FROM report_jobs WHERE format <> 'pdf')")
    op.execute("DELETE FROM report_jobs WHERE format <> 'pdf'")
    with op.batch_alter_table('report_files', schema=None) as batch_op:
        batch_op.alter_column('data', new_column_name='pdf', existing_type=sa.LargeBinary(), existing_nullable=False)
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_report_jobs_both_in_a_zip'), type_='check')
        batch_op.drop_constraint(op.f('ck_report_jobs_format_known'), type_='check')
        batch_op.drop_column('format')

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


def _keeping_files(column, change):
    """Run ``change`` (which rebuilds report_jobs) without losing the stored files: SQLite
    rebuilds a table by copying it and dropping the old one, and with foreign keys on, dropping
    report_jobs deletes every file by cascade.  The files are set aside and put back."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute(f"CREATE TEMPORARY TABLE report_files_kept AS SELECT job_id, {column} AS body FROM report_files")
    change()
    if sqlite:
        op.execute("DELETE FROM report_files")
        op.execute("INSERT INTO report_files SELECT job_id, body FROM report_files_kept "
                   "WHERE job_id IN (SELECT id FROM report_jobs)")
        op.execute("DROP TABLE report_files_kept")


def upgrade():
    with op.batch_alter_table('report_files', schema=None) as batch_op:
        batch_op.alter_column('pdf', new_column_name='data', existing_type=sa.LargeBinary(), existing_nullable=False)

    def add_format():
        # every job made before this revision made a PDF
        with op.batch_alter_table('report_jobs', schema=None) as batch_op:
            batch_op.add_column(sa.Column('format', sa.String(length=10), server_default='pdf', nullable=False))
            batch_op.create_check_constraint(op.f('ck_report_jobs_format_known'), "format IN ('pdf', 'docx', 'both')")
            batch_op.create_check_constraint(op.f('ck_report_jobs_both_in_a_zip'), "format <> 'both' OR request = 'all-counties'")

    _keeping_files('data', add_format)


def downgrade():
    # Only PDFs fit the older schema: the other jobs and their files go.
    op.execute("DELETE FROM report_files WHERE job_id IN (SELECT id FROM report_jobs WHERE format <> 'pdf')")
    op.execute("DELETE FROM report_jobs WHERE format <> 'pdf'")

    def drop_format():
        with op.batch_alter_table('report_jobs', schema=None) as batch_op:
            batch_op.drop_constraint(op.f('ck_report_jobs_both_in_a_zip'), type_='check')
            batch_op.drop_constraint(op.f('ck_report_jobs_format_known'), type_='check')
            batch_op.drop_column('format')

    _keeping_files('data', drop_format)
    with op.batch_alter_table('report_files', schema=None) as batch_op:
        batch_op.alter_column('data', new_column_name='pdf', existing_type=sa.LargeBinary(), existing_nullable=False)

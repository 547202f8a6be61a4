"""report queue: report jobs, their PDFs and the live workers in the database, and the tables of
Huey's SQL storage that carries the jobs to the worker processes (issue 16)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 12:46:40

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('huey_counter',
    sa.Column('queue', sa.String(length=255), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('queue', 'key', name=op.f('pk_huey_counter'))
    )
    op.create_table('huey_kv',
    sa.Column('queue', sa.String(length=255), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('queue', 'key', name=op.f('pk_huey_kv'))
    )
    op.create_table('huey_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue', sa.String(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('timestamp', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_huey_schedule'))
    )
    with op.batch_alter_table('huey_schedule', schema=None) as batch_op:
        batch_op.create_index('ix_huey_schedule_queue_timestamp', ['queue', 'timestamp'], unique=False)

    op.create_table('huey_task',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('queue', sa.String(length=255), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('priority', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_huey_task'))
    )
    with op.batch_alter_table('huey_task', schema=None) as batch_op:
        batch_op.create_index('ix_huey_task_priority_id', ['priority', 'id'], unique=False)

    op.create_table('report_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('request', sa.String(length=100), nullable=False),
    sa.Column('round_year', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('ascii_name', sa.String(length=200), nullable=False),
    sa.Column('progress', sa.Float(), nullable=False),
    sa.Column('step', sa.String(length=200), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('run', sa.String(length=32), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_jobs')),
    sa.UniqueConstraint('key', name=op.f('uq_report_jobs_key'))
    )
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_jobs_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_jobs_request'), ['request'], unique=False)

    op.create_table('worker_beats',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('beat_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_worker_beats'))
    )
    with op.batch_alter_table('worker_beats', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_worker_beats_beat_at'), ['beat_at'], unique=False)

    op.create_table('report_files',
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['report_jobs.id'], name=op.f('fk_report_files_job_id_report_jobs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('job_id', name=op.f('pk_report_files'))
    )


def downgrade():
    op.drop_table('report_files')
    with op.batch_alter_table('worker_beats', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_worker_beats_beat_at'))

    op.drop_table('worker_beats')
    with op.batch_alter_table('report_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_jobs_request'))
        batch_op.drop_index(batch_op.f('ix_report_jobs_created_at'))

    op.drop_table('report_jobs')
    with op.batch_alter_table('huey_task', schema=None) as batch_op:
        batch_op.drop_index('ix_huey_task_priority_id')

    op.drop_table('huey_task')
    with op.batch_alter_table('huey_schedule', schema=None) as batch_op:
        batch_op.drop_index('ix_huey_schedule_queue_timestamp')

    op.drop_table('huey_schedule')
    op.drop_table('huey_kv')
    op.drop_table('huey_counter')

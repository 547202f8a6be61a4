"""findings snapshots: expensive figures kept with the state of the data they were computed from,
refreshed by the worker (issue 17: the awareness page took 5.5 s at a million responses), and
the counter of the data's changes that add no response

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('findings_snapshots',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=100), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_findings_snapshots'))
    )
    with op.batch_alter_table('findings_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_findings_snapshots_read_at'), ['read_at'], unique=False)
    changes = op.create_table('data_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_changes'))
    )
    op.bulk_insert(changes, [{"id": 1, "n": 0}])


def downgrade():
    op.drop_table('data_changes')
    with op.batch_alter_table('findings_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_findings_snapshots_read_at'))
    op.drop_table('findings_snapshots')

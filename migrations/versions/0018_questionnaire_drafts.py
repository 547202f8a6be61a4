"""questionnaire drafts: an uploaded XLSForm, converted and waiting for the office to look at it
before it is published as a version (issue 19)

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 03:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('questionnaire_drafts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.String(length=63), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('yaml_text', sa.Text(), nullable=False),
    sa.Column('source_name', sa.String(length=255), nullable=False),
    sa.Column('source', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('published_version', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_questionnaire_drafts_created_by_users')),
    sa.ForeignKeyConstraint(['decided_by'], ['users.id'], name=op.f('fk_questionnaire_drafts_decided_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_drafts'))
    )
    with op.batch_alter_table('questionnaire_drafts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_drafts_questionnaire_id'), ['questionnaire_id'], unique=False)


def downgrade():
    with op.batch_alter_table('questionnaire_drafts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_drafts_questionnaire_id'))
    op.drop_table('questionnaire_drafts')

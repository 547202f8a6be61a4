"""followup_marks: why a baseline respondent will not be interviewed again (the follow-up worklist)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'followup_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('questionnaire_id', sa.String(length=63), nullable=False),
        sa.Column('county_id', sa.Integer(), nullable=False),
        sa.Column('respondent_code', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('marked_by', sa.Integer(), nullable=False),
        sa.Column('marked_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('moved', 'deceased', 'not_found')", name=op.f('ck_followup_marks_status_known')),
        sa.CheckConstraint('length(trim(reason)) > 0', name=op.f('ck_followup_marks_reason_given')),
        sa.ForeignKeyConstraint(['county_id'], ['counties.id'], name=op.f('fk_followup_marks_county_id_counties')),
        sa.ForeignKeyConstraint(['marked_by'], ['users.id'], name=op.f('fk_followup_marks_marked_by_users')),
        sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaires.id'], name=op.f('fk_followup_marks_questionnaire_id_questionnaires')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_marks')),
        sa.UniqueConstraint('questionnaire_id', 'county_id', 'respondent_code',
                            name=op.f('uq_followup_marks_questionnaire_id_county_id_respondent_code')),
    )


def downgrade():
    op.drop_table('followup_marks')

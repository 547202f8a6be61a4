"""dialects and recordings: prompts read aloud by staff in a dialect, per questionnaire version
(the audio studio, issue 13); one approved and one draft per prompt (partial unique indexes,
which SQLite and PostgreSQL both have)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 20:09:36

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('dialects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=True),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(trim(name)) > 0', name=op.f('ck_dialects_name_given')),
    sa.CheckConstraint('team_id IS NULL OR county_id IS NOT NULL', name=op.f('ck_dialects_team_within_county')),
    sa.ForeignKeyConstraint(['county_id'], ['counties.id'], name=op.f('fk_dialects_county_id_counties')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_dialects_created_by_users')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_dialects_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dialects')),
    sa.UniqueConstraint('code', name=op.f('uq_dialects_code'))
    )
    with op.batch_alter_table('dialects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dialects_county_id'), ['county_id'], unique=False)

    op.create_table('recordings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dialect_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('prompt_key', sa.String(length=100), nullable=False),
    sa.Column('prompt_text', sa.Text(), nullable=False),
    sa.Column('mime_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("mime_type IN ('audio/webm', 'audio/ogg')", name=op.f('ck_recordings_mime_type_known')),
    sa.CheckConstraint("status = 'draft' OR approved_at IS NOT NULL", name=op.f('ck_recordings_approval_dated')),
    sa.CheckConstraint("status IN ('draft', 'approved')", name=op.f('ck_recordings_status_known')),
    sa.CheckConstraint('size > 0', name=op.f('ck_recordings_not_empty')),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_recordings_approved_by_users')),
    sa.ForeignKeyConstraint(['dialect_id'], ['dialects.id'], name=op.f('fk_recordings_dialect_id_dialects')),
    sa.ForeignKeyConstraint(['recorded_by'], ['users.id'], name=op.f('fk_recordings_recorded_by_users')),
    sa.ForeignKeyConstraint(['version_id'], ['questionnaire_versions.id'], name=op.f('fk_recordings_version_id_questionnaire_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recordings'))
    )
    with op.batch_alter_table('recordings', schema=None) as batch_op:
        batch_op.create_index('ix_recordings_dialect_key', ['dialect_id', 'prompt_key'], unique=False)
        batch_op.create_index('uq_recordings_approved', ['version_id', 'dialect_id', 'prompt_key'], unique=True, sqlite_where=sa.text("status = 'approved'"), postgresql_where=sa.text("status = 'approved'"))
        batch_op.create_index('uq_recordings_draft', ['version_id', 'dialect_id', 'prompt_key'], unique=True, sqlite_where=sa.text("status = 'draft'"), postgresql_where=sa.text("status = 'draft'"))



def downgrade():
    with op.batch_alter_table('recordings', schema=None) as batch_op:
        batch_op.drop_index('uq_recordings_draft', sqlite_where=sa.text("status = 'draft'"), postgresql_where=sa.text("status = 'draft'"))
        batch_op.drop_index('uq_recordings_approved', sqlite_where=sa.text("status = 'approved'"), postgresql_where=sa.text("status = 'approved'"))
        batch_op.drop_index('ix_recordings_dialect_key')

    op.drop_table('recordings')
    with op.batch_alter_table('dialects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dialects_county_id'))

    op.drop_table('dialects')

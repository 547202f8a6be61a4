"""answer counts and score sums: the item charts' counters and the summaries' sums, kept as
responses arrive (issue 17: the charts' GROUP BY over every answer row took 12 s at a million
responses on SQLite), counted here for the responses already stored by the same rules as
survey_app/submissions/counts.py (written out, so that this migration does not change when that
module does)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 18:25:04

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

PLACE = "questionnaire_id, county_id, team_id, site_id, round_id, wave"
KEY = PLACE + ", question_id, value_num"


def upgrade():
    op.create_table('answer_counts',
    sa.Column('questionnaire_id', sa.String(length=63), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('wave', sa.String(length=4), nullable=False),
    sa.Column('question_id', sa.String(length=63), nullable=False),
    sa.Column('value_num', sa.Float(), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('questionnaire_id', 'county_id', 'team_id', 'site_id', 'round_id', 'wave', 'question_id', 'value_num', name=op.f('pk_answer_counts')),
    sqlite_with_rowid=False,
    )
    op.execute(
        f"INSERT INTO answer_counts ({KEY}, n)"
        " SELECT r.questionnaire_id, r.county_id, COALESCE(r.team_id, 0), COALESCE(r.site_id, 0),"
        " COALESCE(r.round_id, 0), COALESCE(r.wave, ''), a.question_id, a.value_num, count(*)"
        " FROM responses r JOIN answers a ON a.response_id = r.id"
        " WHERE r.excluded = false AND a.value_num IS NOT NULL"
        " GROUP BY r.questionnaire_id, r.county_id, COALESCE(r.team_id, 0), COALESCE(r.site_id, 0),"
        " COALESCE(r.round_id, 0), COALESCE(r.wave, ''), a.question_id, a.value_num"
    )

    op.create_table('score_sums',
    sa.Column('questionnaire_id', sa.String(length=63), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('wave', sa.String(length=4), nullable=False),
    sa.Column('index_id', sa.String(length=63), nullable=False),
    sa.Column('n', sa.Integer(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('questionnaire_id', 'county_id', 'team_id', 'site_id', 'round_id', 'wave', 'index_id', name=op.f('pk_score_sums')),
    sqlite_with_rowid=False,
    )
    place = ("r.questionnaire_id, r.county_id, COALESCE(r.team_id, 0), COALESCE(r.site_id, 0),"
             " COALESCE(r.round_id, 0), COALESCE(r.wave, '')")
    op.execute(
        f"INSERT INTO score_sums ({PLACE}, index_id, n, total)"
        f" SELECT {place}, s.index_id, count(*), sum(s.score)"
        " FROM responses r JOIN index_scores s ON s.response_id = r.id WHERE r.excluded = false"
        f" GROUP BY {place}, s.index_id"
    )
    op.execute(  # the responses themselves, under the index ''
        f"INSERT INTO score_sums ({PLACE}, index_id, n, total)"
        f" SELECT {place}, '', count(*), 0 FROM responses r WHERE r.excluded = false GROUP BY {place}"
    )


def downgrade():
    op.drop_table('score_sums')
    op.drop_table('answer_counts')

"""ix_responses_duration: each questionnaire's timed responses in order of their duration, so that
the median time (the speeding flag's yardstick) is read from the index, not sorted for

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 00:00:00

"""
from alembic import op
import sqlalchemy as sa

from survey_app.sqlfuncs import seconds_between

# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# the columns the index reads, as the migration sees them (not the models of a later day)
responses = sa.table(
    "responses", sa.column("questionnaire_id", sa.String), sa.column("completed_at", sa.DateTime(timezone=True)),
    sa.column("started_at", sa.DateTime(timezone=True)), sa.column("excluded", sa.Boolean),
)
KEPT_AND_TIMED = sa.and_(responses.c.excluded.is_(False), responses.c.started_at.is_not(None))


def upgrade():
    # The expression must be the one analysis/flags.py sorts by, word for word: seconds_between.
    op.create_index(
        "ix_responses_duration", "responses",
        [responses.c.questionnaire_id, seconds_between(responses.c.completed_at, responses.c.started_at)],
        sqlite_where=KEPT_AND_TIMED, postgresql_where=KEPT_AND_TIMED,
    )


def downgrade():
    op.drop_index("ix_responses_duration", table_name="responses")

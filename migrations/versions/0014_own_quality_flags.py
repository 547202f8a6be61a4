"""own quality flags: responses.straight_lined and clock_ahead, the data-quality flags that are a
response's own, stored with it (issue 17: computed when asked, straight-lining read twenty answer
rows a response), filled in here for the responses already stored, with a partial index each

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 16:20:00

"""
import json

from alembic import op
import sqlalchemy as sa

from survey_app.sqlfuncs import seconds_between

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

# the rules of analysis/quality.py as they stand on this day (not the code of a later one)
MIN_SCALE_ITEMS = 5
CLOCK_TOLERANCE_SECONDS = 600

responses = sa.table(
    "responses", sa.column("id", sa.Integer), sa.column("version_id", sa.Integer),
    sa.column("completed_at", sa.DateTime(timezone=True)), sa.column("received_at", sa.DateTime(timezone=True)),
    sa.column("straight_lined", sa.Boolean), sa.column("clock_ahead", sa.Boolean),
)
answers = sa.table("answers", sa.column("response_id", sa.Integer), sa.column("question_id", sa.String),
                   sa.column("value_num", sa.Float))
versions = sa.table("questionnaire_versions", sa.column("id", sa.Integer), sa.column("definition", sa.JSON))


def _scale_items(definition):
    """The questions of a stored definition answered on a scale (``scale`` set on the question)."""
    if isinstance(definition, str):
        definition = json.loads(definition)
    return [q["id"] for section in definition.get("sections", []) for q in section.get("questions", [])
            if q.get("scale") is not None]


def upgrade():
    with op.batch_alter_table('responses', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('straight_lined', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('clock_ahead', sa.Boolean(), server_default=sa.false(), nullable=False))

    bind = op.get_bind()
    op.execute(responses.update().where(
        seconds_between(responses.c.completed_at, responses.c.received_at) > CLOCK_TOLERANCE_SECONDS
    ).values(clock_ahead=True))
    for version_id, definition in bind.execute(sa.select(versions.c.id, versions.c.definition)).all():
        items = _scale_items(definition)
        if not items:
            continue
        straight = (
            sa.select(answers.c.response_id)
            .where(answers.c.question_id.in_(items), answers.c.value_num.is_not(None))
            .group_by(answers.c.response_id)
            .having(sa.and_(sa.func.count() >= MIN_SCALE_ITEMS, sa.func.min(answers.c.value_num) == sa.func.max(answers.c.value_num)))
        )
        op.execute(responses.update().where(responses.c.version_id == version_id, responses.c.id.in_(straight))
                   .values(straight_lined=True))

    with op.batch_alter_table('responses', schema=None, recreate='never') as batch_op:
        batch_op.create_index('ix_responses_straight_lined', ['questionnaire_id', 'id'], unique=False,
                              sqlite_where=sa.text('straight_lined = 1'), postgresql_where=sa.text('straight_lined'))
        batch_op.create_index('ix_responses_clock_ahead', ['questionnaire_id', 'id'], unique=False,
                              sqlite_where=sa.text('clock_ahead = 1'), postgresql_where=sa.text('clock_ahead'))


def downgrade():
    op.drop_index('ix_responses_clock_ahead', table_name='responses')
    op.drop_index('ix_responses_straight_lined', table_name='responses')
    # ALTER TABLE ... DROP COLUMN in place (SQLite 3.35+): a batch copy of the table would lose
    # the expression index ix_responses_duration, which SQLAlchemy cannot reflect
    op.execute("ALTER TABLE responses DROP COLUMN clock_ahead")
    op.execute("ALTER TABLE responses DROP COLUMN straight_lined")

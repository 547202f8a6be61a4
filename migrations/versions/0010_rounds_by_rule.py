"""refusals carry their round; every response's and refusal's round by the one rule
(survey_app/rounds.py): a follow-up belongs to its baseline's round

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('refusals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('round_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_refusals_round_id_rounds'), 'rounds', ['round_id'], ['id'])
    # The rule of survey_app/rounds.py over what is stored, written out here (not imported) so
    # that this migration keeps doing what it did when the application changes.
    dialect = op.get_bind().dialect.name
    op.execute(_responses(DAY[dialect], EARLIER[dialect]))
    op.execute(_refusals(DAY[dialect], EARLIER[dialect]))


#: the China date of a timestamp, and the earlier of two, by dialect
DAY = {
    "sqlite": "date({0}, '+8 hours')",
    "postgresql": "CAST(({0}) AT TIME ZONE 'UTC' + INTERVAL '8 hours' AS DATE)",
}
EARLIER = {"sqlite": "min({0}, {1})", "postgresql": "LEAST({0}, {1})"}
_OPENING = "(SELECT id FROM rounds WHERE starts_on <= {d} AND ends_on >= {d} ORDER BY starts_on DESC, id DESC LIMIT 1)"
_FOLLOWING = "(SELECT id FROM rounds WHERE starts_on <= {d} AND ends_on >= {d} ORDER BY starts_on, id LIMIT 1)"
_BASELINE = (
    "(SELECT {earliest} FROM responses b WHERE b.questionnaire_id = responses.questionnaire_id"
    " AND b.county_id = responses.county_id AND b.respondent_code = responses.respondent_code"
    " AND b.wave = 'pre' AND b.completed_at <= responses.completed_at ORDER BY b.completed_at DESC, b.id DESC LIMIT 1)"
)


def _responses(day: str, earlier: str) -> str:
    # a response is counted as completed no later than the server received it (a tablet's clock
    # may run ahead); a follow-up goes with its respondent's latest baseline at or before it
    own = day.format(earlier.format("completed_at", "received_at"))
    baseline = _BASELINE.format(earliest=earlier.format("b.completed_at", "b.received_at"))
    return ("UPDATE responses SET round_id = CASE"
            f" WHEN wave = 'pre' THEN {_OPENING.format(d=own)}"
            f" WHEN wave = 'post' AND {baseline} IS NOT NULL THEN {_OPENING.format(d=day.format(baseline))}"
            f" ELSE {_FOLLOWING.format(d=own)} END")


def _refusals(day: str, earlier: str) -> str:
    own = day.format(earlier.format("declined_at", "received_at"))
    return f"UPDATE refusals SET round_id = CASE WHEN wave = 'pre' THEN {_OPENING.format(d=own)} ELSE {_FOLLOWING.format(d=own)} END"


def downgrade():
    with op.batch_alter_table('refusals', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_refusals_round_id_rounds'), type_='foreignkey')
        batch_op.drop_column('round_id')

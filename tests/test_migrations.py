"""`flask db upgrade` builds exactly the schema the models describe, on both engines."""
from __future__ import annotations

import datetime as dt
import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError, SAWarning

from survey_app.demo.seed import seed_programme
from survey_app.extensions import db
from survey_app.instruments import load_folder
from survey_app.models import County, FollowupMark, User

from . import migrating
from .conftest import ROOT

PG_SCHEMA = "migration_test"


@pytest.fixture
def empty_app(engine_name, tmp_path):
    yield from migrating.empty_app(engine_name, tmp_path, PG_SCHEMA)


#: indexes on expressions, which neither SQLAlchemy (on SQLite) nor Alembic compare: checked by name
EXPRESSION_INDEXES = {"ix_responses_duration"}


def test_upgrade_head_matches_the_models(empty_app):
    upgrade()
    with db.engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*expression-based index ix_responses_duration", category=SAWarning)
        warnings.filterwarnings("ignore", message=r".*expression-based index 'ix_responses_duration'", category=UserWarning)
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        diff = compare_metadata(context, db.metadata)
    # PostgreSQL reflects an expression index in its own spelling, which Alembic then sees as
    # "remove and add": those two entries only
    assert [d for d in diff if getattr(d[1], "name", None) not in EXPRESSION_INDEXES] == []
    with db.engine.connect() as conn:
        if db.engine.dialect.name == "sqlite":
            built = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'index'")))
        else:
            built = set(conn.scalars(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()")))
    assert built >= EXPRESSION_INDEXES
    names = set(inspect(db.engine).get_table_names())
    assert {"responses", "answers", "index_scores", "questionnaire_versions", "users", "api_tokens"} <= names


def test_downgrade_to_base_and_up_again(empty_app):
    upgrade()
    downgrade(revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade()
    assert "responses" in inspect(db.engine).get_table_names()


def test_create_app_does_not_touch_the_schema(empty_app):
    # Building the app must not migrate: several workers would race (see STYLE.md).
    assert "responses" not in inspect(db.engine).get_table_names()


def test_0009_followup_marks_with_data(empty_app):
    """0009 adds the marks to a database holding a programme, keeps its constraints, and goes
    back to 0008 leaving the rest as it was."""
    # Seeded by today's models at the head, then taken back to 0008: the models no longer fit
    # 0008's tables (the users gained columns later), the data does.
    upgrade()
    load_folder(db.session, ROOT / "questionnaires")
    seed_programme(db.session)
    db.session.commit()
    county = db.session.scalar(select(County.id).where(County.code == "430626"))
    user = db.session.scalar(select(User.id).where(User.username == "sw-pj1"))
    users = db.session.scalar(select(func.count()).select_from(User))
    db.session.rollback()
    downgrade(revision="0008")
    # End the read: on PostgreSQL its locks would hold back the DROP TABLE of the downgrade.
    db.session.rollback()
    upgrade(revision="0009")
    marks = FollowupMark.__table__
    row = {"questionnaire_id": "awareness", "county_id": county, "respondent_code": "PJ-0001", "status": "moved",
           "reason": "外出务工，已搬到长沙", "marked_by": user, "marked_at": dt.datetime(2026, 5, 1, tzinfo=dt.UTC)}
    with db.engine.begin() as conn:
        conn.execute(insert(marks), [row, {**row, "respondent_code": "PJ-0002", "status": "deceased"}])
    for bad in ({"status": "gone"}, {"reason": "  "}, {}):  # unknown status, blank reason, a second mark
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            conn.execute(insert(marks), {**row, **bad})
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(marks)) == 2
    downgrade(revision="0008")
    assert "followup_marks" not in inspect(db.engine).get_table_names()
    assert db.session.scalar(select(func.count()).select_from(User)) == users
    db.session.rollback()
    upgrade(revision="0009")
    with db.engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(marks)) == 0

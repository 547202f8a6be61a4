"""An app on an empty database, for the tests that run the migrations themselves: on
PostgreSQL in a schema of its own, so that they never touch the tables the other tests share."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from survey_app.extensions import db
from tests.conftest import database_url, make_app


def empty_app(engine_name: str, tmp_path: Path, schema: str) -> Iterator[Any]:
    """A fixture's body: the app inside its context, the schema dropped afterwards."""
    url = database_url(engine_name, tmp_path)
    extra = {}
    if engine_name == "postgresql":
        _reset(url, schema, create=True)
        extra["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"options": f"-csearch_path={schema}"}}
    app = make_app(url, tmp_path, **extra)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if engine_name == "postgresql":
        _reset(url, schema, create=False)


def _reset(url: str, schema: str, create: bool) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        if create:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()

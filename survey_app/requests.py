"""Bounds applied to every request before a view sees it (docs/SECURITY.md, "Input bounds")."""
from __future__ import annotations

from typing import Any

from flask import abort, jsonify, request
from werkzeug.routing import IntegerConverter

from .bounds import MAX_DB_INT, bad_text

NUL_MESSAGE = "holds a NUL character, which cannot be stored"


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that matches only what PostgreSQL's integer holds: a longer number is a 404,
    not a database error."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_DB_INT)
        super().__init__(map, *args, **kwargs)


def refuse_unstorable_text() -> Any:
    """A NUL in a query or a form field is refused (422, naming the field) before it reaches a
    database that cannot store or even compare it (PostgreSQL) or an audit record; JSON bodies
    are checked field by field by the services instead."""
    fields = list(request.args.items(multi=True))
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        fields += list(request.form.items(multi=True))
    bad = sorted({key for key, value in fields if bad_text(key) or bad_text(value)})
    if not bad:
        return None
    if request.path.startswith("/api/"):
        return jsonify({"errors": {key: [NUL_MESSAGE] for key in bad}}), 422
    abort(422, description=f"{', '.join(bad)}: {NUL_MESSAGE}")

"""GET /api/v1/followups: the follow-up worklist of a place (contract in shared/DESIGN.md).

Collectors may read it, unlike the statistics: they carry it on the tablet to find the
baseline respondents of a village again, and it holds codes and dates, no answers.  Their
reach is their team, through ``place_for`` like every other reader's."""
from __future__ import annotations

from flask import Response, g, jsonify, request

from ..auth.places import Place, PlaceError, place_for
from ..errors import status_of
from ..extensions import db
from ..followups.worklist import Item, wave_rule, worklist
from . import bp
from .auth import token_required

#: the longest text a code of a place, a questionnaire or a year can be: longer is unknown
_LONGEST = 64


def _refuse(field: str, message: str, status: int = 422) -> tuple[Response, int]:
    return jsonify({"errors": {field: [message]}}), status


def _arg(name: str) -> str | None:
    """A query argument stripped (None when absent or empty); odd text (too long, control
    characters) is kept as is, for the caller to find unknown without asking the database."""
    value = (request.args.get(name) or "").strip()
    return value or None


def _plain(value: str | None) -> bool:
    return value is None or (len(value) <= _LONGEST and value.isprintable())


@bp.get("/followups")
@token_required
def followups():
    """Every baseline respondent of the place within the caller's reach: followed up or not,
    and what was marked."""
    qid = _arg("questionnaire")
    if qid is None:
        return _refuse("questionnaire", "the questionnaire is required")
    rule = wave_rule(db.session, qid) if _plain(qid) else None
    if rule is None:
        return _refuse("questionnaire", "no such questionnaire")
    if rule == "none":
        return _refuse("questionnaire", "this questionnaire has no baseline and follow-up")
    codes = {name: _arg(name) for name in ("county", "team", "site", "round")}
    for name, value in codes.items():
        if not _plain(value):
            return _refuse(name, f"no such {name}")
    try:
        place = place_for(db.session, g.scope, codes["county"], codes["team"], codes["site"], codes["round"])
    except PlaceError as exc:
        return _refuse(exc.field, str(exc), status_of(exc))
    return jsonify({"items": [item.as_json() for item in _items(qid, place)]})


def _items(qid: str, place: Place) -> list[Item]:
    with db.engine.connect() as connection:
        return worklist(connection, qid, place)

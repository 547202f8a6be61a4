"""GET /api/v1/followups: the follow-up worklist of a place (contract in shared/DESIGN.md).

Collectors may read it, unlike the statistics: they carry it on the tablet to find the
baseline respondents of a village again, and it holds codes and dates, no answers.  Their
reach is their team, through ``place_for`` like every other reader's."""
from __future__ import annotations

from flask import Response, g, jsonify, request
from sqlalchemy import select

from ..analysis.figures import PlaceError, place_for
from ..analysis.queries import Place
from ..extensions import db
from ..followups.worklist import Item, wave_rule, worklist
from ..models import Round
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
    codes = {name: _arg(name) for name in ("county", "team", "site")}
    for name, value in codes.items():
        if not _plain(value):
            return _refuse(name, f"no such {name} code")
    try:
        place = place_for(db.session, g.scope, codes["county"], codes["team"], codes["site"])
    except PlaceError as exc:
        return _refuse(exc.field, str(exc), exc.status)
    year = _arg("round")
    if year is not None:
        round_id = _round_id(year)
        if round_id is None:
            return _refuse("round", "no such round (give its year, e.g. 2026)")
        place = place.but(round_id=round_id)
    return jsonify({"items": [item.as_json() for item in _items(qid, place)]})


def _round_id(year: str) -> int | None:
    # ASCII digits only, and a year's size: int() would take "٢٠٢٦" or " +7", and a number
    # beyond the column's range is an error on PostgreSQL, not "no such round".
    if not (year.isascii() and year.isdigit() and len(year) <= 4):
        return None
    return db.session.scalar(select(Round.id).where(Round.year == int(year)))


def _items(qid: str, place: Place) -> list[Item]:
    with db.engine.connect() as connection:
        return worklist(connection, qid, place)
